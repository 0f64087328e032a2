"""Charges other modules hand to billing: a paid repair (servicedesk CaseCharge) the owner
accepted becomes a one-off bill on the house, once (the charge's id is the bill's
idempotency key), and the charge is marked handed over."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from wuyetong.estates.models import House
from wuyetong.servicedesk.models import CaseCharge

from ..models import Bill
from .desk import fee_item_for
from .runs import one_off_write

REPAIR_ITEM = "有偿维修"
DUE_DAYS = 15


@transaction.atomic
def case_charge_bill(*, charge: CaseCharge) -> Bill | None:
    """Bills an accepted paid repair to its house; None for a charge with no house (a
    common-area case is the property's own cost). Safe to call again."""
    # lock the charge row only (its house is nullable: no outer join under FOR UPDATE)
    row = CaseCharge.objects.select_for_update().filter(pk=charge.pk).first()
    if row is None or row.house_id is None:
        return None
    house = House.objects.select_related("community").get(pk=row.house_id)
    created = timezone.localtime(row.created_at).date()
    bill = one_off_write(
        actor=row.payer,
        house=house,
        fee_item=fee_item_for(house.community.company_id, REPAIR_ITEM),
        amount=row.amount,
        description=row.description or f"有偿维修 {row.case.number}",
        due_date=created + dt.timedelta(days=DUE_DAYS),
        idempotency_key=f"casecharge:{row.pk}",
    )
    if not row.handed_to_billing:
        CaseCharge.objects.filter(pk=row.pk).update(handed_to_billing=True)
    return bill


def case_charges_pending() -> list[int]:
    """Accepted charges with a house not yet billed."""
    return list(
        CaseCharge.objects.filter(handed_to_billing=False, house__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
