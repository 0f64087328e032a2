"""Shared machinery of the service-desk services: the transition table, row locks, the
timeline and notifications. Nothing here is called from outside the services package."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeGuard

from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from wuyetong.core.access import Access, get_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.core.ids import parse_pk
from wuyetong.core.realtime import publish

from .. import rollup
from ..choices import CaseState, EventKind, PhotoStage
from ..models import Case, CaseEvent, CasePhoto
from . import notify

S = CaseState

# action -> {from state: to state}. Anything not listed is refused.
TRANSITIONS: dict[str, dict[str, str]] = {
    "cancel": {S.SUBMITTED: S.CANCELLED},
    "dispatch": {S.SUBMITTED: S.DISPATCHED, S.REOPENED: S.DISPATCHED},
    "round_robin": {S.SUBMITTED: S.DISPATCHED, S.REOPENED: S.DISPATCHED},
    "grab": {S.SUBMITTED: S.ACCEPTED, S.REOPENED: S.ACCEPTED},
    "accept": {S.DISPATCHED: S.ACCEPTED},
    "arrive": {S.ACCEPTED: S.ON_SITE},
    "start": {S.ON_SITE: S.IN_PROGRESS},
    "pause": {S.IN_PROGRESS: S.PAUSED},
    "resume": {S.PAUSED: S.IN_PROGRESS},
    "transfer": {
        S.DISPATCHED: S.DISPATCHED,
        S.ACCEPTED: S.DISPATCHED,
        S.ON_SITE: S.DISPATCHED,
        S.IN_PROGRESS: S.DISPATCHED,
        S.PAUSED: S.DISPATCHED,
    },
    "return_to_pool": {S.DISPATCHED: S.SUBMITTED, S.ACCEPTED: S.SUBMITTED},
    "complete": {S.IN_PROGRESS: S.COMPLETED},
    "rate": {S.COMPLETED: S.RATED, S.RETURN_VISITED: S.RATED},
    "return_visit": {S.COMPLETED: S.RETURN_VISITED, S.RATED: S.RETURN_VISITED},
    "close": {S.RATED: S.CLOSED, S.RETURN_VISITED: S.CLOSED},
    "reopen": {
        S.COMPLETED: S.REOPENED,
        S.RATED: S.REOPENED,
        S.RETURN_VISITED: S.REOPENED,
        S.CLOSED: S.REOPENED,
    },
}
ACTION_LABELS: dict[str, Any] = {
    "submit": gettext_lazy("提交"),
    "cancel": gettext_lazy("取消"),
    "dispatch": gettext_lazy("派单"),
    "round_robin": gettext_lazy("轮流派单"),
    "grab": gettext_lazy("抢单"),
    "accept": gettext_lazy("接单"),
    "arrive": gettext_lazy("到场"),
    "start": gettext_lazy("开始处理"),
    "pause": gettext_lazy("暂停"),
    "resume": gettext_lazy("恢复处理"),
    "transfer": gettext_lazy("转单"),
    "return_to_pool": gettext_lazy("退回工单池"),
    "quote": gettext_lazy("报价"),
    "quote_accept": gettext_lazy("确认报价"),
    "complete": gettext_lazy("完成"),
    "rate": gettext_lazy("评价"),
    "return_visit": gettext_lazy("回访"),
    "close": gettext_lazy("关闭"),
    "reopen": gettext_lazy("重开"),
    "reply": gettext_lazy("书面答复"),
    "add_info": gettext_lazy("补充信息"),
    "message": gettext_lazy("留言"),
    "photos": gettext_lazy("上传照片"),
}
# Events that can change a figure of the monthly statistics (states, acceptance, completion,
# rating, breach, escalation, urge); messages, quotes, replies and warnings cannot.
FIGURE_EVENTS = frozenset(
    {EventKind.TRANSITION, EventKind.BREACH, EventKind.ESCALATION, EventKind.URGE}
)
# States in which the handler is working and a quote may be given.
WORKING_STATES = (S.ON_SITE, S.IN_PROGRESS, S.PAUSED)

PHOTO_MAX_COUNT = 9
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 50_000_000
_PHOTO_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
)


def now_or(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def refuse(case: Case, action: str) -> ApplicationError:
    return ApplicationError(
        _("工单当前状态为「%(state)s」，不能%(action)s")
        % {"state": case.get_state_display(), "action": ACTION_LABELS.get(action, action)},
        code="invalid_state",
    )


def target_state(case: Case, action: str) -> str:
    to_state = TRANSITIONS[action].get(case.state)
    if to_state is None:
        raise refuse(case, action)
    return to_state


def is_id(value: object) -> TypeGuard[int]:
    """A key the database can hold; anything else (text, negative, beyond bigint) is absent."""
    return isinstance(value, int) and not isinstance(value, bool) and parse_pk(value) is not None


def lock(qs: QuerySet[Case], case_id: int) -> Case:
    """The case row, locked until the transaction ends; state re-read under the lock so two
    people acting at once cannot both pass the state check."""
    if not is_id(case_id):
        raise NotFound(_("工单不存在"))
    try:
        return qs.select_for_update(of=("self",)).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("工单不存在")) from None


def lock_for_staff(actor, case_id: int, perm: str) -> tuple[Case, Access]:
    """A case the staff member may see (else 404), locked; without `perm` 403."""
    access = get_access(actor)
    case = lock(Case.objects.for_access(access, "view"), case_id)
    if not access.can(perm):
        raise PermissionDenied(_("没有权限处理该工单"))
    return case, access


def lock_for_reporter(user, case_id: int) -> Case:
    """An owner reaches only the cases they reported; anything else is absent."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("工单不存在"))
    return lock(Case.objects.filter(reporter_id=user.pk), case_id)


def require_assignee(case: Case, access: Access, action: str) -> None:
    if access.employee_id is None or access.employee_id != case.assignee_id:
        raise PermissionDenied(
            _("只有该工单的处理人可以%(action)s") % {"action": ACTION_LABELS.get(action, action)}
        )


def record(
    case: Case,
    *,
    kind: str,
    actor,
    now: datetime,
    action: str = "",
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Write one timeline event of a case the caller has saved, bring the case's monthly
    figures up to date in the same transaction (the dashboards read them), and put a message
    in the inbox of whoever the event concerns."""
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=(note or "")[:500],
        data=data or {},
        at=now,
    )
    if kind in FIGURE_EVENTS:
        rollup.refresh(case)
    # Open console pages of the case (and the duty desk's counts) follow every event; the
    # consumer drops it for staff whose data scope lacks the community.
    publish(f"company.{case.company_id}", event_payload(case, event))
    notify.on_event(case, event)
    return event


def event_label(event: CaseEvent) -> str:
    """What a timeline line says happened: the action's name, else the event's kind."""
    return str(ACTION_LABELS.get(event.action, event.get_kind_display()))


def event_payload(case: Case, event: CaseEvent) -> dict[str, Any]:
    return {
        "type": "case.updated",
        "id": case.pk,
        "number": case.number,
        "community_id": case.community_id,
        "event_id": event.pk,
        "state": case.state,
        "state_label": str(case.get_state_display()),
        "event": event.kind,
        "action": event.action,
        "action_label": event_label(event),
        "at": event.at.isoformat(),
    }


def new_case_payload(case: Case) -> dict[str, Any]:
    """A case new to the duty desk: the `case.created` push, and the desk's replay after a
    dropped connection."""
    return {
        "type": "case.created",
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "kind_label": str(case.get_kind_display()),
        "urgency": case.urgency,
        "urgency_label": str(case.get_urgency_display()),
        "community_id": case.community_id,
        "community": case.community.name,
        "case_type": case.case_type.name,
        "place": case.place_label,
        "submitted_at": case.submitted_at.isoformat(),
    }


def notify_users(user_ids: Iterable[int | None], payload: dict[str, Any]) -> None:
    for user_id in sorted({u for u in user_ids if u}):
        publish(f"user.{user_id}", payload)


def assignee_user_id(case: Case) -> int | None:
    return case.assignee.user_id if case.assignee_id and case.assignee else None


def transition(
    case: Case,
    action: str,
    *,
    actor,
    now: datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
    save_fields: Iterable[str] = (),
) -> CaseEvent:
    """Move a locked case along the table, save it, write the event and tell the owner and
    the handler. Callers set their own fields first and name them in `save_fields`."""
    from_state = case.state
    case.state = target_state(case, action)
    case.state_changed_at = now
    case.save(update_fields=["state", "state_changed_at", "updated_at", *save_fields])
    event = record(
        case,
        kind=EventKind.TRANSITION,
        actor=actor,
        now=now,
        action=action,
        from_state=from_state,
        to_state=case.state,
        note=note,
        data=data,
    )
    notify_users([case.reporter_id, assignee_user_id(case)], event_payload(case, event))
    return event


def clean_text(
    value: str | None, *, field: str, label: str, max_length: int, required: bool
) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ApplicationError(_("请填写%(label)s") % {"label": label}, field=field)
    if len(text) > max_length:
        raise ApplicationError(
            _("%(label)s不能超过%(n)s个字") % {"label": label, "n": max_length}, field=field
        )
    return text


def photo_content_type(upload: UploadedFile) -> str:
    """The image type read from the file's first bytes; the client's claim is not trusted."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, offset, content_type in _PHOTO_SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            _check_decodes(upload)
            return content_type
    raise ApplicationError(_("照片只支持 JPG、PNG 或 WEBP 格式"), field="photos", code="bad_photo")


def _check_decodes(upload: UploadedFile) -> None:
    """The bytes after the signature must really be an image of sane dimensions (no
    truncated file, no decompression bomb)."""
    try:
        with Image.open(upload) as image:
            width, height = image.size
            image.verify()
    except Exception:  # Pillow raises many types for broken files
        raise ApplicationError(
            _("照片文件已损坏，请重新拍摄"), field="photos", code="bad_photo"
        ) from None
    finally:
        upload.seek(0)
    if width * height > PHOTO_MAX_PIXELS:
        raise ApplicationError(_("照片尺寸过大"), field="photos", code="bad_photo")


def validate_photos(
    photos: Iterable[UploadedFile] | None, *, already: int = 0
) -> list[tuple[UploadedFile, str]]:
    checked: list[tuple[UploadedFile, str]] = []
    for upload in photos or ():
        if upload.size is None or upload.size <= 0:
            raise ApplicationError(_("照片文件为空"), field="photos", code="bad_photo")
        if upload.size > PHOTO_MAX_BYTES:
            raise ApplicationError(_("每张照片不能超过 10MB"), field="photos", code="bad_photo")
        checked.append((upload, photo_content_type(upload)))
    if already + len(checked) > PHOTO_MAX_COUNT:
        raise ApplicationError(
            _("照片最多%(n)s张") % {"n": PHOTO_MAX_COUNT}, field="photos", code="bad_photo"
        )
    return checked


def save_photos(
    case: Case, checked: list[tuple[UploadedFile, str]], *, stage: PhotoStage | str, actor
) -> list[CasePhoto]:
    saved = []
    for upload, content_type in checked:
        photo = CasePhoto(
            case=case,
            stage=stage,
            content_type=content_type,
            size=upload.size or 0,
            uploaded_by=actor,
        )
        photo.image.save(upload.name or "photo", upload, save=False)
        photo.save()
        saved.append(photo)
    return saved
