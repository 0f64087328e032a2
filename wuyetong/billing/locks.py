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


# get_or_create on a locking queryset: the row is read and locked by one SELECT … FOR UPDATE
# (once it exists, i.e. nearly always); a first use inserts it, and a concurrent first use
# that loses the race reads the winner's row again with the lock.


def prepaid_locked(*, house_id: int, community_id: int) -> PrepaidBalance:
    balance, _ = PrepaidBalance.objects.select_for_update().get_or_create(
        house_id=house_id, defaults={"community_id": community_id}
    )
    return balance


def receipt_counter_locked(community_id: int) -> ReceiptCounter:
    counter, _ = ReceiptCounter.objects.select_for_update().get_or_create(community_id=community_id)
    return counter
