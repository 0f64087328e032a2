"""Notice reads (C7): the staff / bureau list scoped to the user, read receipts, and the
owner's own notices and message centre."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import NotFound
from wuyetong.core.masking import mask_phone
from wuyetong.estates.models import Occupancy

from .choices import NoticeState
from .models import Message, Notice, NoticeDelivery


def may_manage(access, action: str) -> bool:
    """Who may use the notices console and API: staff with notices.<action>, and a bureau
    official for the bureau's own notices (membership is their authority; no export)."""
    if access.is_bureau and not access.is_staff_member:
        return action in ("view", "add", "change")
    return access.can(f"notices.{action}")


def notice_list(*, user, state: str | None = None) -> QuerySet[Notice]:
    """Notices the staff member (module "notices") or bureau official may manage, with
    their read counts."""
    access = get_access(user)
    # Staff scoped to some communities count only their communities' share of a company-wide
    # announcement (the same figures as the notice's page).
    mine = (
        Q(deliveries__community_id__in=access.community_ids)
        if access.company_id and access.community_ids is not None
        else Q()
    )
    qs = (
        Notice.objects.for_user(user, "view")
        .select_related("community", "company", "bureau", "created_by")
        .annotate(
            delivered_count=Count("deliveries", filter=mine),
            read_count=Count("deliveries", filter=mine & Q(deliveries__read_at__isnull=False)),
        )
        .order_by("-created_at", "-id")
    )
    if state:
        qs = qs.filter(state=state)
    return qs


def notice_get(*, user, notice_id: int) -> Notice:
    """One manageable notice; another tenant's notice is absent (404)."""
    notice = (
        Notice.objects.for_user(user, "view")
        .select_related("community", "company", "bureau")
        .prefetch_related("attachments", "buildings", "houses")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotFound()
    return notice


def notice_changeable(*, user, notice_id: int) -> bool:
    """Whether the user may change this notice (project staff only read company-wide ones)."""
    return Notice.objects.for_user(user, "change").filter(pk=notice_id).exists()


@dataclass(frozen=True)
class UnreadRecipient:
    user_id: int
    name: str
    phone: str  # masked unless the viewer may see whole numbers (residents.view_sensitive)
    houses: str
    reminded_count: int


@dataclass(frozen=True)
class CommunityReads:
    community_id: int | None
    community: str
    delivered: int
    read: int

    @property
    def read_rate(self) -> float:
        return self.read / self.delivered if self.delivered else 0.0


@dataclass(frozen=True)
class ReadStats:
    delivered: int
    read: int
    unread: int
    by_community: list[CommunityReads]

    @property
    def read_rate(self) -> float:
        return self.read / self.delivered if self.delivered else 0.0


def _visible_deliveries(access, notice: Notice) -> QuerySet[NoticeDelivery]:
    """The receipts a viewer may count: staff scoped to some communities see only their
    communities' share of a company-wide announcement."""
    qs = NoticeDelivery.objects.filter(notice=notice)
    if notice.community_id is None and access.company_id and access.community_ids is not None:
        qs = qs.filter(community_id__in=access.community_ids)
    return qs


def notice_read_stats(*, user, notice_id: int) -> ReadStats:
    """Read receipts: how many received and read it, in total and per community."""
    notice = notice_get(user=user, notice_id=notice_id)
    rows = (
        _visible_deliveries(get_access(user), notice)
        .values("community_id", "community__name")
        .annotate(delivered=Count("id"), read=Count("id", filter=Q(read_at__isnull=False)))
        .order_by("community__name")
    )
    by_community = [
        CommunityReads(r["community_id"], r["community__name"] or "—", r["delivered"], r["read"])
        for r in rows
    ]
    delivered = sum(c.delivered for c in by_community)
    read = sum(c.read for c in by_community)
    return ReadStats(delivered, read, delivered - read, by_community)


def notice_unread_deliveries(*, user, notice_id: int) -> QuerySet[NoticeDelivery]:
    """Who has not read the notice yet, for the staff who may remind them (a bureau sees
    counts, not names)."""
    access = get_access(user)
    notice = notice_get(user=user, notice_id=notice_id)
    if not access.is_staff_member:
        return NoticeDelivery.objects.none()
    return (
        _visible_deliveries(access, notice)
        .filter(read_at__isnull=True)
        .select_related("user", "community")
        .order_by("community__name", "user__phone", "id")
    )


def unread_recipients(*, user, deliveries) -> list[UnreadRecipient]:
    """Rows of a page of unread deliveries with each person's houses in the notice's
    communities (one query for the page), phones masked unless the viewer may see them."""
    deliveries = list(deliveries)
    sensitive = get_access(user).can("residents.view_sensitive")
    homes: dict[int, list[str]] = {}
    occupancies = (
        Occupancy.objects.active()
        .filter(
            resident__user_id__in=[d.user_id for d in deliveries],
            house__community_id__in={d.community_id for d in deliveries},
        )
        .select_related("resident", "house__building", "house__unit")
        .order_by("house__building__sort", "house__room_no")
    )
    for o in occupancies:
        h = o.house
        homes.setdefault(o.resident.user_id, []).append(  # type: ignore[arg-type]
            f"{h.building.name}{h.unit.name}{h.room_no}"
        )
    return [
        UnreadRecipient(
            user_id=d.user_id,
            name=d.user.name or "",
            phone=d.user.phone if sensitive else mask_phone(d.user.phone),
            houses="、".join(homes.get(d.user_id, [])),
            reminded_count=d.reminded_count,
        )
        for d in deliveries
    ]


def _owner_deliveries(user, now: datetime) -> QuerySet[NoticeDelivery]:
    return NoticeDelivery.objects.filter(
        user_id=user.pk, notice__state=NoticeState.PUBLISHED
    ).filter(Q(notice__expires_at__isnull=True) | Q(notice__expires_at__gt=now))


def owner_notice_list(*, user, now: datetime | None = None) -> QuerySet[Notice]:
    """The notices delivered to this owner, still current, pinned first then newest; each
    carries `read_at` (None while unread)."""
    now = now or timezone.now()
    mine = _owner_deliveries(user, now)
    return (
        Notice.objects.filter(pk__in=mine.values("notice_id"))
        .select_related("community", "company", "bureau")
        .annotate(read_at=Subquery(mine.filter(notice_id=OuterRef("pk")).values("read_at")[:1]))
        .order_by("-pinned", "-published_at", "-id")
    )


def owner_notice_get(*, user, notice_id: int, now: datetime | None = None) -> Notice:
    notice = (
        owner_notice_list(user=user, now=now)
        .prefetch_related("attachments")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotFound()
    return notice


def owner_notice_unread_count(*, user, now: datetime | None = None) -> int:
    return _owner_deliveries(user, now or timezone.now()).filter(read_at__isnull=True).count()


def _visible_messages(user) -> QuerySet[Message]:
    # A withdrawn notice's messages disappear with it.
    return Message.objects.filter(user_id=user.pk).filter(
        Q(notice__isnull=True) | Q(notice__state=NoticeState.PUBLISHED)
    )


def message_list(*, user) -> QuerySet[Message]:
    """The owner's message centre, newest first."""
    return _visible_messages(user).order_by("-created_at", "-id")


def message_unread_count(*, user) -> int:
    return _visible_messages(user).filter(read_at__isnull=True).count()
