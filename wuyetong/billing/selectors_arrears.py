"""Arrears (欠费): bills past their due date and not fully paid, by community, building and
house, with ageing by days overdue (0–30, 31–90, 91–180, > 180), and the reminder history.
Every money figure is an exact sum to the fen (MoneySum)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.shortcuts import get_object_or_404

from wuyetong.core.access import get_access
from wuyetong.core.ids import lookup_pk
from wuyetong.core.money import ZERO, MoneySum
from wuyetong.estates.choices import Relation
from wuyetong.estates.models import House, Occupancy

from .locks import OPEN_STATES
from .models import Bill, DunningRecord
from .services.quote import late_fee_for, late_fee_rules

OUTSTANDING = F("amount") - F("paid_amount")


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    low: int  # days overdue, inclusive
    high: int | None


BUCKETS = (
    Bucket("d30", "0–30天", 0, 30),
    Bucket("d90", "31–90天", 31, 90),
    Bucket("d180", "91–180天", 91, 180),
    Bucket("over180", ">180天", 181, None),
)
GROUPS = {
    "community": ("community_id", "community__name", "community__code"),
    "building": ("house__building_id", "house__building__name", "house__building__sort"),
    "house": (
        "house_id",
        "house__building__name",
        "house__unit__name",
        "house__room_no",
        "house__building__sort",
    ),
    "fee_item": ("fee_item_id", "fee_item__name", "fee_item__sort"),
}


def bucket_filter(bucket: Bucket, as_of: dt.date) -> Q:
    """Bills whose days overdue (as_of − due date) fall in the bucket."""
    q = Q(due_date__lte=as_of - dt.timedelta(days=bucket.low))
    if bucket.high is not None:
        q &= Q(due_date__gte=as_of - dt.timedelta(days=bucket.high))
    return q


def overdue_bills(
    user,
    as_of: dt.date,
    *,
    community_id: int | None = None,
    building_id: int | None = None,
    fee_item_id: int | None = None,
) -> QuerySet[Bill]:
    """Open bills due before `as_of` in the user's scope (billing.view), narrowed to a
    community, building or fee item when given."""
    qs = Bill.objects.for_user(user, "view").filter(state__in=OPEN_STATES, due_date__lt=as_of)
    if community_id:
        qs = qs.filter(community_id=community_id)
    if building_id:
        qs = qs.filter(house__building_id=building_id)
    if fee_item_id:
        qs = qs.filter(fee_item_id=fee_item_id)
    return qs


def ageing_aggregates(as_of: dt.date) -> dict:
    return {
        "total": MoneySum(OUTSTANDING),
        **{b.key: MoneySum(OUTSTANDING, filter=bucket_filter(b, as_of)) for b in BUCKETS},
        "bills": Count("id"),
        "houses": Count("house_id", distinct=True),
        "oldest_due": Min("due_date"),
    }


def arrears_by(
    user,
    group: str,
    *,
    as_of: dt.date,
    community_id: int | None = None,
    building_id: int | None = None,
    fee_item_id: int | None = None,
) -> QuerySet:
    """One row per community, building, house or fee item: outstanding total, each ageing
    bucket, bill and house counts and the oldest due date; largest arrears first."""
    qs = overdue_bills(
        user, as_of, community_id=community_id, building_id=building_id, fee_item_id=fee_item_id
    )
    return (
        qs.values(*GROUPS[group])
        .annotate(**ageing_aggregates(as_of))
        .order_by("-total", GROUPS[group][0])
    )


def arrears_totals(user, *, as_of: dt.date, **filters) -> dict:
    qs = overdue_bills(user, as_of, **filters)
    return qs.aggregate(**ageing_aggregates(as_of))


def late_fees_by(
    user,
    group: str,
    *,
    as_of: dt.date,
    keys=None,
    community_id: int | None = None,
    building_id: int | None = None,
    fee_item_id: int | None = None,
) -> tuple[dict, Decimal]:
    """The late fee the overdue bills have accrued by `as_of` — what paying them in full
    that day would add, by the same rule and rounding as a quote (per bill, half up to the
    fen; waived bills and late-fee bills carry none) — per group key (only `keys` when
    given) and in total."""
    qs = overdue_bills(
        user, as_of, community_id=community_id, building_id=building_id, fee_item_id=fee_item_id
    ).filter(late_fee_of__isnull=True, late_fee_waiver__isnull=True)
    rules = late_fee_rules(qs.values_list("community_id", flat=True).distinct().order_by())
    wanted = set(keys) if keys is not None else None
    by_key: dict = {}
    total = ZERO
    if not rules:
        return by_key, total
    rows = (
        qs.filter(community_id__in=list(rules))
        .values_list(GROUPS[group][0], "community_id", "amount", "paid_amount", "due_date")
        .order_by()
    )
    for key, community, amount, paid, due in rows.iterator(chunk_size=5000):
        fee = late_fee_for(principal=amount - paid, due=due, on=as_of, rule=rules[community])
        if fee is None:
            continue
        total += fee.amount
        if wanted is None or key in wanted:
            by_key[key] = by_key.get(key, ZERO) + fee.amount
    return by_key, total


def house_overdue_bills(house: House, as_of: dt.date) -> QuerySet[Bill]:
    """A house's overdue open bills, oldest first (for a reminder or a printed notice)."""
    return (
        Bill.objects.filter(house=house, state__in=OPEN_STATES, due_date__lt=as_of)
        .select_related("fee_item")
        .order_by("due_date", "period_start", "pk")
    )


def owners_of(house_ids) -> dict[int, list[tuple[str, str, int | None]]]:
    """Current owners of each house: (name, phone, user id of their app login)."""
    owners: dict[int, list[tuple[str, str, int | None]]] = {}
    for house_id, name, phone, user_id in (
        Occupancy.objects.filter(
            house_id__in=list(house_ids), relation=Relation.OWNER, end_date__isnull=True
        )
        .order_by("house_id", "start_date", "pk")
        .values_list("house_id", "resident__name", "resident__phone", "resident__user_id")
    ):
        owners.setdefault(house_id, []).append((name, phone, user_id))
    return owners


def last_reminders(house_ids) -> dict[int, tuple[dt.datetime, int]]:
    """Each house's latest reminder time and number of reminders so far."""
    return {
        row["house_id"]: (row["last"], row["n"])
        for row in DunningRecord.objects.filter(house_id__in=list(house_ids))
        .values("house_id")
        .annotate(last=Max("created_at"), n=Count("id"))
        .order_by()
    }


def dunning_list(user) -> QuerySet[DunningRecord]:
    return DunningRecord.objects.for_user(user, "view").select_related(
        "community", "house__building", "house__unit", "sent_by"
    )


def dunning_get(user, pk) -> DunningRecord:
    return get_object_or_404(dunning_list(user), pk=lookup_pk(pk))


def owner_dunning_list(user) -> QuerySet[DunningRecord]:
    """The reminders sent about the owner's own houses."""
    return DunningRecord.objects.filter(house_id__in=get_access(user).house_ids).order_by(
        "-created_at"
    )
