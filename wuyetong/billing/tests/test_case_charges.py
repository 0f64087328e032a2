"""A paid repair the owner accepted becomes a one-off bill on the house, once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wuyetong.billing.models import Bill, LedgerEntry
from wuyetong.billing.tasks import case_charges_to_bills
from wuyetong.core.exceptions import ApplicationError
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


def _quoted(desk, amount="88"):  # noqa: F811
    case = desk.drive(desk.submit(), "in_progress")
    sd.case_quote(actor=desk.worker, case_id=case.pk, amount=amount, note="疏通下水")
    return case


def test_accepting_a_quote_bills_the_house_as_soon_as_it_commits(
    desk,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    case = _quoted(desk)
    with django_capture_on_commit_callbacks(execute=True):
        charge = sd.case_quote_accept(
            reporter=desk.world.owner, case_id=case.pk, expected_amount="88.00"
        )
        assert not Bill.objects.filter(fee_item__name="有偿维修").exists()  # not before commit
    bill = Bill.objects.get(fee_item__name="有偿维修")
    assert bill.house == desk.world.owner_house and bill.amount == Decimal("88.00")
    assert bill.state == "unpaid" and bill.paid_amount == Decimal("0")
    assert LedgerEntry.objects.get(bill=bill).amount == Decimal("-88.00")
    charge.refresh_from_db()
    assert charge.handed_to_billing
    # the once-a-minute catch-up finds nothing left and bills nothing twice
    assert case_charges_to_bills.apply().get() == []
    assert Bill.objects.filter(fee_item__name="有偿维修").count() == 1


def test_a_refused_acceptance_bills_nothing(desk, django_capture_on_commit_callbacks):  # noqa: F811
    case = _quoted(desk)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ApplicationError) as refused,
    ):
        sd.case_quote_accept(reporter=desk.world.owner, case_id=case.pk, expected_amount="80")
    assert refused.value.code == "quote_changed"
    assert callbacks == []
    assert not Bill.objects.filter(fee_item__name="有偿维修").exists()
    assert not CaseCharge.objects.exists()


def test_billing_failing_at_acceptance_leaves_it_to_the_catch_up_job(
    desk,  # noqa: F811
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    from wuyetong.billing.services import charges

    real = charges.case_charge_bill

    def broken(**kwargs):
        raise RuntimeError("billing down")

    monkeypatch.setattr(charges, "case_charge_bill", broken)
    case = _quoted(desk)
    with django_capture_on_commit_callbacks(execute=True):
        charge = sd.case_quote_accept(
            reporter=desk.world.owner, case_id=case.pk, expected_amount="88"
        )
    charge.refresh_from_db()
    assert not charge.handed_to_billing  # the acceptance stands, the charge waits
    assert not Bill.objects.filter(fee_item__name="有偿维修").exists()
    monkeypatch.setattr(charges, "case_charge_bill", real)
    billed = case_charges_to_bills.apply().get()
    assert [Bill.objects.get(pk=pk).amount for pk in billed] == [Decimal("88.00")]
