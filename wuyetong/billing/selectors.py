"""Reads of billing, scoped to the user."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum

from wuyetong.core.access import get_access
from wuyetong.core.money import to_money
from wuyetong.estates.models import House

from .choices import LedgerAccount
from .locks import OPEN_STATES
from .models import Bill, LedgerEntry, Payment


def bill_list(*, user, open_only: bool = False) -> QuerySet[Bill]:
    """Staff: bills of the communities in their scope (needs billing.view). Owners: the bills
    of their own houses."""
    access = get_access(user)
    if access.is_staff_member or access.is_platform:
        qs = Bill.objects.for_access(access, "view")
    elif access.house_ids:
        qs = Bill.objects.filter(house_id__in=access.house_ids)
    else:
        qs = Bill.objects.none()
    if open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    return qs.select_related("fee_item", "house__building", "house__unit")


def payment_list(*, user) -> QuerySet[Payment]:
    access = get_access(user)
    if access.is_staff_member or access.is_platform:
        return Payment.objects.for_access(access, "view").select_related("house")
    return Payment.objects.filter(house_id__in=access.house_ids).select_related("house")


def house_account_balances(*, house: House) -> dict[str, Decimal]:
    """Each ledger account's balance for a house, summed from its entries (the truth the
    cached balances are checked against). SQLite sums NUMERIC columns as doubles, so the sum
    is brought back to the fen; exact for any realistic balance (< 10¹³ fen)."""
    sums = dict(
        LedgerEntry.objects.filter(house=house)
        .values_list("account")
        .annotate(total=Sum("amount"))
        .values_list("account", "total")
    )
    return {a: to_money(sums.get(a) or Decimal("0")) for a in LedgerAccount.values}
