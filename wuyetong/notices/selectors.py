"""Notice reads (C7): the staff / bureau list scoped to the user, read receipts, and the
owner's own notices and message centre."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from wuyetong.core.exceptions import NotFound
from wuyetong.core.masking import mask_phone

from .choices import NoticeState
from .models import Message, Notice, NoticeDelivery


def notice_list(*, user, state: str | None = None) -> QuerySet[Notice]:
    """Notices the staff member (module "notices") or bureau official may manage, with
    their read counts."""
    qs = (
        Notice.objects.for_user(user, "view")
        .select_related("community", "company", "bureau", "created_by")
        .annotate(read_count=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)))
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


@dataclass(frozen=True)
class UnreadRecipient:
    user_id: int
    name: str
    phone_masked: str
    reminded_count: int


@dataclass(frozen=True)
class ReadStats:
    delivered: int
    read: int
    unread: int
    unread_recipients: list[UnreadRecipient]

    @property
    def read_rate(self) -> float:
        return self.read / self.delivered if self.delivered else 0.0


def notice_read_stats(*, user, notice_id: int) -> ReadStats:
    """Read receipts: how many received and read it, and who has not read it yet."""
    notice = notice_get(user=user, notice_id=notice_id)
    counts = NoticeDelivery.objects.filter(notice=notice).aggregate(
        delivered=Count("id"), read=Count("id", filter=Q(read_at__isnull=False))
    )
    unread_rows = (
        NoticeDelivery.objects.filter(notice=notice, read_at__isnull=True)
        .order_by("user__phone")
        .values_list("user_id", "user__name", "user__phone", "reminded_count")
    )
    recipients = [
        UnreadRecipient(uid, name or "", mask_phone(phone), reminded)
        for uid, name, phone, reminded in unread_rows
    ]
    return ReadStats(
        delivered=counts["delivered"],
        read=counts["read"],
        unread=counts["delivered"] - counts["read"],
        unread_recipients=recipients,
    )


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
