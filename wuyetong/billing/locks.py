"""Row locks of billing, always taken in this order inside one transaction: bills (by id),
then the house's prepaid balance, then the community's receipt counter. One order everywhere
means two payments can wait for each other but never deadlock."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from .choices import BillState
from .models import Bill, PrepaidBalance, ReceiptCounter

OPEN_STATES = (BillState.UNPAID, BillState.PARTIAL)


def bills_locked(ids: Iterable[int]) -> models.QuerySet[Bill]:
    return Bill.objects.select_for_update().filter(pk__in=list(ids)).order_by("id")


def open_bills_of_house_locked(house_id: int) -> models.QuerySet[Bill]:
    return (
        Bill.objects.select_for_update()
        .filter(house_id=house_id, state__in=OPEN_STATES)
        .order_by("id")
    )


def prepaid_locked(*, house_id: int, community_id: int) -> PrepaidBalance:
    PrepaidBalance.objects.get_or_create(house_id=house_id, defaults={"community_id": community_id})
    return PrepaidBalance.objects.select_for_update().get(house_id=house_id)


def receipt_counter_locked(community_id: int) -> ReceiptCounter:
    ReceiptCounter.objects.get_or_create(community_id=community_id)
    return ReceiptCounter.objects.select_for_update().get(community_id=community_id)
