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


# ---------------------------------------------------------------- collecting (desk, owner)

from .selectors_ops import billing_communities  # noqa: E402 - one definition serves both halves


def desk_house_search(user, *, q: str = "", community_id: int | None = None, limit: int = 30):
    """Houses for the cashier desk: by room (“2-1-301”, “301”), owner name or phone (whole
    or last four digits), with what each owes on open bills."""
    from django.db.models import DecimalField, ExpressionWrapper, F, Q

    from wuyetong.estates.models import Occupancy

    access = get_access(user)
    if not access.can("billing.add") or access.is_platform:
        return House.objects.none()
    qs = House.objects.filter(community__in=billing_communities(user, "add"))
    if community_id:
        qs = qs.filter(community_id=community_id)
    q = (q or "").strip()[:40]
    if q:
        people = Occupancy.objects.filter(end_date__isnull=True)
        if q.isdigit() and len(q) == 11:
            people = people.filter(resident__phone=q)
        elif q.isdigit() and len(q) == 4:
            people = people.filter(resident__phone__endswith=q)
        else:
            people = people.filter(resident__name__icontains=q)
        by_person = Q(pk__in=people.values("house_id"))
        parts = [p for p in q.replace("－", "-").replace("—", "-").split("-") if p]
        by_room = Q(room_no=parts[-1]) if parts else Q()
        if len(parts) >= 2:
            by_room &= Q(building__name__startswith=parts[0]) | Q(building__name=f"{parts[0]}幢")
        if len(parts) >= 3:
            by_room &= Q(unit__name__startswith=parts[1])
        qs = qs.filter(by_person | by_room)
    owed = ExpressionWrapper(
        F("bills__amount") - F("bills__paid_amount") - F("bills__discount_amount"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    return (
        qs.select_related("community", "building", "unit")
        .annotate(
            owed=Sum(owed, filter=Q(bills__state__in=OPEN_STATES)),
        )
        .order_by("community__code", "building__sort", "building__name", "unit__name", "room_no")[
            :limit
        ]
    )


def desk_house_get(user, pk) -> House:
    """A house the user may take money for; others answer 404."""
    from django.http import Http404

    from wuyetong.core.ids import parse_pk

    house = (
        House.objects.filter(pk=parse_pk(pk) or 0, community__in=billing_communities(user, "view"))
        .select_related("community__company", "building", "unit")
        .first()
    )
    if house is None:
        raise Http404
    return house


def house_open_bills(house: House) -> QuerySet[Bill]:
    return (
        Bill.objects.filter(house=house, state__in=OPEN_STATES)
        .select_related("fee_item", "standard")
        .order_by("period_start", "id")
    )


def house_people(house: House):
    """Current residents of a house, owners first."""
    from wuyetong.estates.models import Occupancy

    return (
        Occupancy.objects.filter(house=house, end_date__isnull=True)
        .select_related("resident")
        .order_by("relation", "id")
    )
