"""Reads for the owner's phone app: the house picker used while registering or adding a house,
and the home screen's summary."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils import timezone

from wuyetong.billing.selectors import bill_list
from wuyetong.core.ids import parse_pk
from wuyetong.core.money import MoneySum
from wuyetong.estates.models import Building, House, Occupancy, Unit
from wuyetong.notices import selectors as notices
from wuyetong.notices.feed import selectors as feed
from wuyetong.orgs.models import Community
from wuyetong.servicedesk.selectors import owner_case_list


def picker_communities(q: str = ""):
    """Communities an owner may pick: approved, of an approved company; `q` matches the name
    or the address."""
    qs = Community.objects.approved()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q))
    return qs.order_by("name").values("id", "name", "address")


def picker_options(*, community_id=None, building_id=None, unit_id=None, q: str = "") -> list[dict]:
    """The next level of the community → building → unit → room cascade, as id/name pairs.
    Only approved communities answer; anything else is an empty list, never an error."""
    approved = Community.objects.approved()
    community_id, building_id, unit_id = map(parse_pk, (community_id, building_id, unit_id))
    if unit_id:
        rooms = House.objects.filter(unit_id=unit_id, community__in=approved)
        rows = rooms.order_by("floor", "room_no").values("id", "room_no")
        return [{"id": h["id"], "name": h["room_no"]} for h in rows]
    if building_id:
        units = Unit.objects.filter(building_id=building_id, community__in=approved)
        return [dict(r) for r in units.order_by("name").values("id", "name")]
    if community_id:
        buildings = Building.objects.filter(community_id=community_id, community__in=approved)
        return [dict(r) for r in buildings.order_by("sort", "name").values("id", "name")]
    return [{"id": c["id"], "name": c["name"]} for c in picker_communities(q.strip())]


def house_path(house_id) -> dict | None:
    """Community, building and unit of a house, to refill the cascade after a form error."""
    pk = parse_pk(house_id)
    if pk is None:
        return None
    row = House.objects.filter(pk=pk).values("community_id", "building_id", "unit_id").first()
    return dict(row) if row else None


def owner_past_occupancies(user, limit: int = 20):
    """Bindings that ended (moved out, rebound): the owner's own history."""
    return (
        Occupancy.objects.filter(resident__user=user, end_date__isnull=False)
        .select_related("house", "house__community", "house__building", "house__unit")
        .order_by("-end_date", "-id")[:limit]
    )


@dataclass
class HomeSummary:
    """What the home screen shows, each part read through its module's owner selector."""

    notices: list
    unread_notices: int
    unread_messages: int
    unpaid_total: Decimal
    unpaid_count: int
    open_cases: list
    open_case_count: int
    weather: tuple | None
    air: object | None


def home_summary(user, *, day=None) -> HomeSummary:
    day = day or timezone.localdate()
    bills = bill_list(user=user, open_only=True).aggregate(
        total=MoneySum(F("amount") - F("paid_amount")), n=Count("id")
    )
    cases = owner_case_list(user=user, open_only=True).order_by("-submitted_at", "-id")
    weather = feed.owner_weather_today(user=user, day=day)
    return HomeSummary(
        notices=list(notices.owner_notice_list(user=user)[:3]),
        unread_notices=notices.owner_notice_unread_count(user=user),
        unread_messages=notices.message_unread_count(user=user),
        unpaid_total=bills["total"] or Decimal("0.00"),
        unpaid_count=bills["n"],
        open_cases=list(cases[:3]),
        open_case_count=cases.count(),
        weather=weather,
        air=feed.air_for(weather[0], day) if weather else None,
    )
