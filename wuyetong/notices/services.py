"""Notice writes (C7): one function per business action, keyword-only, typed, atomic.

Audiences are resolved in a constant number of queries and written with bulk_create; pushes
and SMS go out only after the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.accounts.sms import send_sms
from wuyetong.core import realtime
from wuyetong.core.access import Access, get_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.core.ids import parse_pk
from wuyetong.estates.models import Building, House, Occupancy
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Bureau, Community
from wuyetong.orgs.services import diff, oplog_record, snapshot

from .choices import (
    BUREAU_KINDS,
    EDITABLE_STATES,
    MessageKind,
    NoticeKind,
    NoticeState,
    NoticeTarget,
)
from .models import Message, Notice, NoticeAttachment, NoticeDelivery, NoticeReminder

logger = logging.getLogger("wuyetong.notices")

COMMUNITY_TARGETS = (NoticeTarget.COMMUNITY, NoticeTarget.BUILDINGS, NoticeTarget.HOUSES)


def notice_owner_link(notice_id: int) -> str:
    """Where the owner reads a notice (the owner app's notice page, owner_notices:detail)."""
    return f"/app/notices/{notice_id}/"


@dataclass(frozen=True)
class _Targeting:
    company_id: int | None
    bureau_id: int | None
    community_id: int | None
    building_ids: list[int]
    house_ids: list[int]


def _ids(values: Iterable[int] | None, *, field: str) -> list[int]:
    """Ids from user input; one that is not a valid id is refused naming the field (a bare
    int() would raise ValueError: a 500)."""
    ids = set()
    for value in values or ():
        pk = parse_pk(value)
        if pk is None:
            raise ApplicationError(_("编号不正确"), field=field)
        ids.add(pk)
    return sorted(ids)


def _community_pk(value: object) -> int | None:
    if value is None or value == "":
        return None
    pk = parse_pk(value)
    if pk is None:
        raise ApplicationError(_("小区编号不正确"), field="community_id")
    return pk


def _validate(
    *,
    access: Access,
    kind: str,
    target: str,
    title: str,
    body: str,
    community_id: int | None,
    building_ids: Sequence[int],
    house_ids: Sequence[int],
    publish_at: datetime | None,
    expires_at: datetime | None,
    now: datetime,
) -> _Targeting:
    """Every rule of a notice's content and audience; raises before anything is written."""
    if not (title or "").strip():
        raise ApplicationError(_("请填写标题"), field="title")
    if len(title.strip()) > 100:
        raise ApplicationError(_("标题不能超过100个字"), field="title")
    if not (body or "").strip():
        raise ApplicationError(_("请填写正文"), field="body")
    if kind not in NoticeKind.values:
        raise ApplicationError(_("请选择通知类型"), field="kind")
    if target not in NoticeTarget.values:
        raise ApplicationError(_("请选择发送范围"), field="target")
    if expires_at is not None and expires_at <= (publish_at or now):
        raise ApplicationError(_("过期时间必须晚于发布时间"), field="expires_at")
    community_id = _community_pk(community_id)

    if kind in BUREAU_KINDS:
        if access.bureau_id is None:
            raise ApplicationError(_("只有房管部门可以发布政策法规和公共信息"), field="kind")
        if target == NoticeTarget.JURISDICTION:
            return _Targeting(None, access.bureau_id, None, [], [])
        if target != NoticeTarget.COMMUNITY:
            raise ApplicationError(_("房管部门只能发送至辖区或辖区内的小区"), field="target")
        if community_id is None or community_id not in access.bureau_community_ids:
            raise ApplicationError(_("请选择辖区内的小区"), field="community_id")
        return _Targeting(None, access.bureau_id, community_id, [], [])

    if access.company_id is None or not access.can("notices.add"):
        raise PermissionDenied()
    if target == NoticeTarget.COMPANY:
        if kind != NoticeKind.COMPANY:
            raise ApplicationError(_("社区通知须发送至小区、楼栋或房屋"), field="target")
        if access.community_ids is not None:
            raise ApplicationError(_("您的数据范围不是全公司，请选择小区发送"), field="target")
        return _Targeting(access.company_id, None, None, [], [])
    if target not in COMMUNITY_TARGETS:
        raise ApplicationError(_("请选择发送范围"), field="target")
    if community_id is None:
        raise ApplicationError(_("请选择小区"), field="community_id")
    community = Community.objects.filter(pk=community_id, company_id=access.company_id).first()
    if community is None or not access.sees_community(community.pk):
        raise ApplicationError(_("小区不存在或不在您的管理范围内"), field="community_id")

    buildings: list[int] = []
    houses: list[int] = []
    if target == NoticeTarget.BUILDINGS:
        buildings = _ids(building_ids, field="building_ids")
        if not buildings:
            raise ApplicationError(_("请选择楼栋"), field="building_ids")
        found = Building.objects.filter(pk__in=buildings, community_id=community.pk).count()
        if found != len(buildings):
            raise ApplicationError(_("所选楼栋不属于该小区"), field="building_ids")
    elif target == NoticeTarget.HOUSES:
        houses = _ids(house_ids, field="house_ids")
        if not houses:
            raise ApplicationError(_("请选择房屋"), field="house_ids")
        found = House.objects.filter(pk__in=houses, community_id=community.pk).count()
        if found != len(houses):
            raise ApplicationError(_("所选房屋不属于该小区"), field="house_ids")
    return _Targeting(access.company_id, None, community.pk, buildings, houses)


MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = frozenset(
    {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".txt"}
)


def _validate_attachments(files: Sequence[UploadedFile], *, already: int = 0) -> None:
    if len(files) + already > MAX_ATTACHMENTS:
        raise ApplicationError(_("附件最多 %(n)s 个") % {"n": MAX_ATTACHMENTS}, field="attachments")
    for f in files:
        name = f.name or ""
        suffix = name[name.rfind(".") :].lower() if "." in name else ""
        if suffix not in ATTACHMENT_TYPES:
            raise ApplicationError(
                _("附件 %(name)s 的类型不支持（可上传 PDF、图片、Word、Excel、PPT、文本）")
                % {"name": name},
                field="attachments",
            )
        if (f.size or 0) > MAX_ATTACHMENT_BYTES:
            raise ApplicationError(
                _("附件 %(name)s 超过 10MB") % {"name": name}, field="attachments"
            )
        if not f.size:
            raise ApplicationError(
                _("附件 %(name)s 是空文件") % {"name": name}, field="attachments"
            )


def _get_for_change(access: Access, notice_id: int, *, lock: bool = False) -> Notice:
    qs = Notice.objects.for_access(access, "change").select_related("company", "bureau")
    if lock:
        qs = qs.select_for_update(of=("self",))
    notice = qs.filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    return notice


@transaction.atomic
def notice_create(
    *,
    actor,
    kind: str,
    target: str,
    title: str,
    body: str,
    community_id: int | None = None,
    building_ids: Sequence[int] = (),
    house_ids: Sequence[int] = (),
    urgent: bool = False,
    pinned: bool = False,
    publish_at: datetime | None = None,
    expires_at: datetime | None = None,
    attachments: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Notice:
    """A draft notice; `notice_publish` sends it (or schedules it when `publish_at` is later)."""
    access = get_access(actor)
    t = _validate(
        access=access,
        kind=kind,
        target=target,
        title=title,
        body=body,
        community_id=community_id,
        building_ids=building_ids,
        house_ids=house_ids,
        publish_at=publish_at,
        expires_at=expires_at,
        now=now or timezone.now(),
    )
    _validate_attachments(attachments)
    notice = Notice.objects.create(
        company_id=t.company_id,
        bureau_id=t.bureau_id,
        community_id=t.community_id,
        kind=kind,
        target=target,
        title=title.strip(),
        body=body,
        urgent=urgent,
        pinned=pinned,
        publish_at=publish_at,
        expires_at=expires_at,
        created_by=actor,
    )
    notice.buildings.set(t.building_ids)
    notice.houses.set(t.house_ids)
    for f in attachments:  # each file is written to storage as its row is saved
        NoticeAttachment.objects.create(notice=notice, file=f, name=(f.name or "")[:200])
    oplog_record(actor=actor, action=OpAction.CREATE, obj=notice, changes=snapshot(notice))
    return notice


@transaction.atomic
def notice_update(
    *,
    actor,
    notice_id: int,
    kind: str,
    target: str,
    title: str,
    body: str,
    community_id: int | None = None,
    building_ids: Sequence[int] = (),
    house_ids: Sequence[int] = (),
    urgent: bool = False,
    pinned: bool = False,
    publish_at: datetime | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> Notice:
    """Replace a draft or scheduled notice's content and audience. Pinning and expiry of a
    published notice are changed with `notice_set_display`."""
    access = get_access(actor)
    notice = _get_for_change(access, notice_id, lock=True)
    if notice.state not in EDITABLE_STATES:
        raise ApplicationError(_("已发布或已撤回的通知不能修改"), field="state")
    t = _validate(
        access=access,
        kind=kind,
        target=target,
        title=title,
        body=body,
        community_id=community_id,
        building_ids=building_ids,
        house_ids=house_ids,
        publish_at=publish_at,
        expires_at=expires_at,
        now=now or timezone.now(),
    )
    if (t.company_id, t.bureau_id) != (notice.company_id, notice.bureau_id):
        raise ApplicationError(_("不能更改通知的发布单位"), field="kind")
    before = snapshot(notice)
    notice.community_id = t.community_id
    notice.kind = kind
    notice.target = target
    notice.title = title.strip()
    notice.body = body
    notice.urgent = urgent
    notice.pinned = pinned
    notice.publish_at = publish_at
    notice.expires_at = expires_at
    if notice.state == NoticeState.SCHEDULED and publish_at is None:
        notice.state = NoticeState.DRAFT
    notice.save()
    notice.buildings.set(t.building_ids)
    notice.houses.set(t.house_ids)
    oplog_record(
        actor=actor, action=OpAction.UPDATE, obj=notice, changes=diff(before, snapshot(notice))
    )
    return notice


@transaction.atomic
def notice_attachment_add(
    *, actor, notice_id: int, files: Sequence[UploadedFile]
) -> list[NoticeAttachment]:
    """Add files to a draft or scheduled notice."""
    notice = _get_for_change(get_access(actor), notice_id, lock=True)
    if notice.state not in EDITABLE_STATES:
        raise ApplicationError(_("已发布或已撤回的通知不能修改"), field="state")
    if not files:
        raise ApplicationError(_("请选择附件"), field="attachments")
    _validate_attachments(files, already=notice.attachments.count())
    added = [
        NoticeAttachment.objects.create(notice=notice, file=f, name=(f.name or "")[:200])
        for f in files
    ]
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=notice,
        note=_("添加附件 %(names)s") % {"names": "、".join(a.name for a in added)},
    )
    return added


@transaction.atomic
def notice_attachment_remove(*, actor, notice_id: int, attachment_id: int) -> None:
    """Remove a file from a draft or scheduled notice."""
    notice = _get_for_change(get_access(actor), notice_id, lock=True)
    if notice.state not in EDITABLE_STATES:
        raise ApplicationError(_("已发布或已撤回的通知不能修改"), field="state")
    attachment = notice.attachments.filter(pk=parse_pk(attachment_id) or 0).first()
    if attachment is None:
        raise NotFound()
    name = attachment.name
    attachment.file.delete(save=False)
    attachment.delete()
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=notice,
        note=_("删除附件 %(name)s") % {"name": name},
    )


@transaction.atomic
def notice_set_display(
    *, actor, notice_id: int, pinned: bool, expires_at: datetime | None
) -> Notice:
    """Pin / unpin a notice or change its expiry, also after publishing."""
    notice = _get_for_change(get_access(actor), notice_id, lock=True)
    if expires_at is not None and notice.published_at and expires_at <= notice.published_at:
        raise ApplicationError(_("过期时间必须晚于发布时间"), field="expires_at")
    notice.pinned = pinned
    notice.expires_at = expires_at
    notice.save(update_fields=["pinned", "expires_at", "updated_at"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=notice,
        changes={"pinned": pinned, "expires_at": str(expires_at) if expires_at else None},
    )
    return notice


def _audience_houses(notice: Notice) -> QuerySet:
    """The houses a notice is addressed to, as a queryset (used as a subquery)."""
    houses = House.objects.all()
    if notice.target == NoticeTarget.HOUSES:
        chosen = Notice.houses.through.objects.filter(notice_id=notice.pk)
        return houses.filter(pk__in=chosen.values("house_id"))
    if notice.target == NoticeTarget.BUILDINGS:
        picked = Notice.buildings.through.objects.filter(notice_id=notice.pk)
        return houses.filter(building_id__in=picked.values("building_id"))
    if notice.community_id is not None:
        return houses.filter(community_id=notice.community_id)
    live = Community.objects.approved()
    if notice.target == NoticeTarget.COMPANY:
        return houses.filter(community__in=live.filter(company_id=notice.company_id))
    bureau: Bureau = notice.bureau  # type: ignore[assignment]
    return houses.filter(community__in=live.filter(district_id__in=bureau.district_ids()))


@dataclass(frozen=True)
class _Recipient:
    phone: str
    community_id: int


def _audience(notice: Notice) -> dict[int, _Recipient]:
    """{user id: phone and community} of the registered users bound to the addressed houses
    today (a user bound in two addressed communities is counted in the first)."""
    rows = (
        Occupancy.objects.active()
        .filter(
            house__in=_audience_houses(notice),
            resident__user__isnull=False,
            resident__user__is_active=True,
        )
        .values_list("resident__user_id", "resident__user__phone", "house__community_id")
        .order_by("resident__user_id", "house__community_id")
        .distinct()
    )
    audience: dict[int, _Recipient] = {}
    for uid, phone, community_id in rows:
        audience.setdefault(uid, _Recipient(phone or "", community_id))
    return audience


def _phones_without_account(notice: Notice, known: set[str]) -> list[str]:
    """Phones of the addressed residents who have no app account: an urgent notice (a water
    cut) must reach them too, by SMS."""
    phones = (
        Occupancy.objects.active()
        .filter(house__in=_audience_houses(notice), resident__user__isnull=True)
        .exclude(resident__phone="")
        .values_list("resident__phone", flat=True)
        .distinct()
    )
    return sorted({p for p in phones if p not in known})


def _send_sms_after_commit(notice: Notice, phones: list[str], title: str) -> None:
    """SMS through the background worker once the transaction has committed (thousands of
    phones must not hold up the request; the embedded mode runs the task in-process)."""
    if not phones:
        return
    text = _("【%(sender)s】%(title)s，请打开物业通查看详情。") % {
        "sender": notice.publisher_name,
        "title": title,
    }
    notice_id = notice.pk

    def _enqueue() -> None:
        from .tasks import send_sms_batch

        send_sms_batch.delay(notice_id=notice_id, phones=phones, text=text, title=title)

    transaction.on_commit(_enqueue)


def sms_batch_send(*, notice_id: int, phones: Sequence[str], text: str, title: str) -> int:
    """Send one text to many phones; an unreachable number is logged and skipped."""
    sent = 0
    for phone in phones:
        try:
            send_sms(phone, text, {"title": title})
        except Exception:
            logger.exception("notice %s: SMS to %s failed", notice_id, phone)
        else:
            sent += 1
    return sent


def _notify(
    *,
    notice: Notice,
    recipients: dict[int, str],
    title: str,
    now: datetime,
    event: str = "notice.published",
) -> None:
    """In-app messages (bulk) and a push to each open screen once the transaction has
    committed."""
    link = notice_owner_link(notice.pk)
    Message.objects.bulk_create(
        [
            Message(
                user_id=uid,
                kind=MessageKind.NOTICE,
                title=title,
                body=notice.body[:200],
                link=link,
                notice=notice,
                created_at=now,
            )
            for uid in recipients
        ],
        batch_size=500,
    )
    payload = {
        "type": event,
        "kind": MessageKind.NOTICE.value,
        "notice_id": notice.pk,
        "title": title,
        "urgent": notice.urgent,
        "link": link,
    }
    realtime.publish_many([f"user.{uid}" for uid in recipients], payload)


def message_send(
    *,
    user_ids: Iterable[int],
    title: str,
    body: str = "",
    link: str = "",
    kind: str = MessageKind.SYSTEM,
    now: datetime | None = None,
) -> int:
    """Put a message in each user's message centre and push it to their open screens (after
    commit). Other modules (service desk, billing) call this to reach an owner's inbox."""
    now = now or timezone.now()
    if kind not in MessageKind.values:
        raise ApplicationError(_("消息类型不正确"), field="kind")
    ids = sorted(set(user_ids))
    title = title.strip()[:100]
    Message.objects.bulk_create(
        [
            Message(user_id=uid, kind=kind, title=title, body=body, link=link, created_at=now)
            for uid in ids
        ],
        batch_size=500,
    )
    payload = {"type": "message.created", "kind": str(kind), "title": title, "link": link}
    realtime.publish_many([f"user.{uid}" for uid in ids], payload)
    return len(ids)


def _deliver(notice: Notice, *, now: datetime) -> int:
    """Send a notice its caller has just claimed (state set to published by a conditional
    UPDATE): the audience as of now, one delivery and one message per user, and for an
    urgent notice an SMS to every addressed phone, with or without an app account."""
    recipients = _audience(notice)
    NoticeDelivery.objects.bulk_create(
        [
            NoticeDelivery(
                notice=notice, user_id=uid, community_id=r.community_id, delivered_at=now
            )
            for uid, r in recipients.items()
        ],
        batch_size=500,
    )
    phones: list[str] = []
    if notice.urgent:
        with_account = [r.phone for r in recipients.values() if r.phone]
        phones = sorted(set(with_account)) + _phones_without_account(notice, set(with_account))
    notice.state = NoticeState.PUBLISHED
    notice.published_at = now
    notice.recipient_count = len(recipients)
    notice.sms_count = len(phones)
    notice.save(
        update_fields=["state", "published_at", "recipient_count", "sms_count", "updated_at"]
    )
    _notify(
        notice=notice,
        recipients={uid: r.phone for uid, r in recipients.items()},
        title=notice.title,
        now=now,
    )
    _send_sms_after_commit(notice, phones, notice.title)
    return len(recipients)


@transaction.atomic
def notice_publish(*, actor, notice_id: int, now: datetime | None = None) -> Notice:
    """Publish now, or schedule when `publish_at` is still ahead (the task publishes it then)."""
    now = now or timezone.now()
    notice = _get_for_change(get_access(actor), notice_id, lock=True)
    if notice.state not in EDITABLE_STATES:
        raise ApplicationError(_("该通知已发布或已撤回"), field="state")
    if notice.publish_at is not None and notice.publish_at > now:
        notice.state = NoticeState.SCHEDULED
        notice.save(update_fields=["state", "updated_at"])
        oplog_record(actor=actor, action=OpAction.PUBLISH, obj=notice, note=_("定时发布"))
        return notice
    claimed = Notice.objects.filter(pk=notice.pk, state__in=EDITABLE_STATES).update(
        state=NoticeState.PUBLISHED, published_at=now
    )
    if not claimed:  # published by someone else (or the task) a moment ago
        raise ApplicationError(_("该通知已发布或已撤回"), field="state")
    _deliver(notice, now=now)
    oplog_record(actor=actor, action=OpAction.PUBLISH, obj=notice)
    return notice


@transaction.atomic
def notice_publish_due(*, notice_id: int, now: datetime) -> bool:
    """Publish one scheduled notice whose time has come; False if it is not (or no longer)
    due. The conditional UPDATE claims the notice, so of two overlapping runs (or a run and
    a member of staff pressing 发布) exactly one delivers it, on every database."""
    claimed = Notice.objects.filter(
        pk=notice_id, state=NoticeState.SCHEDULED, publish_at__lte=now
    ).update(state=NoticeState.PUBLISHED, published_at=now)
    if not claimed:
        return False
    notice = Notice.objects.select_related("company", "bureau").get(pk=notice_id)
    _deliver(notice, now=now)
    return True


def publish_due_notices(*, now: datetime) -> list[int]:
    """Publish every scheduled notice due at `now`; returns the ids published."""
    due = Notice.objects.filter(state=NoticeState.SCHEDULED, publish_at__lte=now).values_list(
        "pk", flat=True
    )
    published = []
    for pk in list(due):
        # One transaction per notice: one that fails is logged and retried on the next run,
        # the others still go out.
        try:
            if notice_publish_due(notice_id=pk, now=now):
                published.append(pk)
        except Exception:
            logger.exception("scheduled notice %s failed to publish", pk)
    return published


@transaction.atomic
def notice_withdraw(*, actor, notice_id: int, now: datetime | None = None) -> Notice:
    """Withdraw a notice: owners no longer see it or its messages; receipts are kept."""
    notice = _get_for_change(get_access(actor), notice_id, lock=True)
    if notice.state == NoticeState.WITHDRAWN:
        raise ApplicationError(_("该通知已撤回"), field="state")
    notice.state = NoticeState.WITHDRAWN
    notice.withdrawn_at = now or timezone.now()
    notice.save(update_fields=["state", "withdrawn_at", "updated_at"])
    oplog_record(actor=actor, action=OpAction.WITHDRAW, obj=notice)
    return notice


@transaction.atomic
def notice_mark_read(*, user, notice_id: int, now: datetime | None = None) -> NoticeDelivery:
    """The owner has read the notice (idempotent: the first read time is kept)."""
    now = now or timezone.now()
    delivery = (
        NoticeDelivery.objects.filter(
            user_id=user.pk, notice_id=notice_id, notice__state=NoticeState.PUBLISHED
        )
        .select_related("notice")
        .first()
    )
    if delivery is None:
        raise NotFound()
    if delivery.read_at is None:
        # Conditional update: two taps at once still record one read time.
        NoticeDelivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=now)
        Message.objects.filter(user_id=user.pk, notice_id=notice_id, read_at__isnull=True).update(
            read_at=now
        )
        delivery.refresh_from_db(fields=["read_at"])
    return delivery


@transaction.atomic
def message_mark_read(*, user, message_id: int, now: datetime | None = None) -> Message:
    """Mark one of the user's own messages read (idempotent)."""
    # A withdrawn notice's messages are gone for the owner (as in the message list).
    message = (
        Message.objects.filter(user_id=user.pk, pk=message_id)
        .filter(Q(notice__isnull=True) | Q(notice__state=NoticeState.PUBLISHED))
        .first()
    )
    if message is None:
        raise NotFound()
    if message.read_at is None:
        message.read_at = now or timezone.now()
        message.save(update_fields=["read_at"])
    return message


@transaction.atomic
def message_mark_all_read(*, user, now: datetime | None = None) -> int:
    return Message.objects.filter(user_id=user.pk, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


@transaction.atomic
def notice_remind_unread(
    *, actor, notice_id: int, sms: bool = False, now: datetime | None = None
) -> NoticeReminder:
    """Remind the recipients who have not read the notice yet (催阅), and record it."""
    now = now or timezone.now()
    notice = _get_for_change(get_access(actor), notice_id, lock=True)
    if notice.state != NoticeState.PUBLISHED:
        raise ApplicationError(_("只能提醒已发布的通知"), field="state")
    unread = NoticeDelivery.objects.filter(notice=notice, read_at__isnull=True)
    recipients = dict(unread.values_list("user_id", "user__phone"))
    if not recipients:
        raise ApplicationError(_("所有接收人都已阅读，无需提醒"), field="notice_id")
    unread.update(reminded_count=F("reminded_count") + 1, last_reminded_at=now)
    title = _("提醒：%(title)s") % {"title": notice.title}
    _notify(notice=notice, recipients=recipients, title=title, now=now, event="notice.reminder")
    if sms:
        _send_sms_after_commit(notice, sorted({p for p in recipients.values() if p}), title)
    reminder = NoticeReminder.objects.create(
        notice=notice, actor=actor, recipient_count=len(recipients), by_sms=sms
    )
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=notice,
        note=_("提醒未读 %(n)s 人") % {"n": len(recipients)},
    )
    return reminder
