"""A paid repair the owner accepted becomes a one-off bill on the house, once."""

from __future__ import annotations

from decimal import Decimal

from wuyetong.billing.models import Bill, LedgerEntry
from wuyetong.billing.tasks import case_charges_to_bills
from wuyetong.servicedesk import services as sd
from wuyetong.servicedesk.models import CaseCharge
from wuyetong.servicedesk.tests.conftest import desk  # noqa: F401 - the service-desk fixture


def test_accepted_paid_repair_is_billed_once_to_the_house(desk):  # noqa: F811
    case = desk.drive(desk.submit(), "in_progress")
    sd.case_quote(actor=desk.worker, case_id=case.pk, amount="120.5", note="更换阀门")
    charge = sd.case_quote_accept(
        reporter=desk.world.owner, case_id=case.pk, expected_amount="120.50"
    )
    assert not charge.handed_to_billing
    billed = case_charges_to_bills.apply().get()
    assert len(billed) == 1
    bill = Bill.objects.get(pk=billed[0])
    assert bill.house == desk.world.owner_house and bill.amount == Decimal("120.50")
    assert bill.fee_item.name == "有偿维修" and "更换阀门" in bill.calculation
    assert LedgerEntry.objects.get(bill=bill).amount == Decimal("-120.50")
    charge.refresh_from_db()
    assert charge.handed_to_billing
    assert case_charges_to_bills.apply().get() == []  # the next run finds nothing to do
    assert Bill.objects.filter(fee_item__name="有偿维修").count() == 1
    assert CaseCharge.objects.count() == 1
