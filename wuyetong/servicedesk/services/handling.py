"""What the property company does with a case: dispatch (assign, grab, round-robin), work it
(accept, arrive, start, pause, resume, quote, complete), hand it on (transfer, return to the
pool) and finish it (reply, return visit, close, reopen)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.core.money import to_money
from wuyetong.orgs.models import Employee

from ..choices import CaseKind, CaseState, EventKind, PhotoStage, QuoteState
from ..models import CLOSED_STATES, Case, CaseWorker
from ..orgpath import path_ids
from . import sla
from ._common import (
    WORKING_STATES,
    assignee_user_id,
    clean_text,
    event_payload,
    is_id,
    lock_for_reporter,
    lock_for_staff,
    notify_users,
    now_or,
    record,
    refuse,
    require_assignee,
    save_photos,
    target_state,
    transition,
    validate_photos,
)

DESK = "servicedesk.add"  # 客服 / 项目经理 / 总部: dispatch, visit, close
WORK = "servicedesk.change"  # everyone who handles cases, workers included
# An owner may reopen a closed case this long after closing; later it is a new report.
OWNER_REOPEN_WITHIN = timedelta(days=7)


def _handler(case: Case, employee_id: int | None) -> Employee:
    """An active employee of the case's company who sits at the community's project or
    above it."""
    employee = (
        Employee.objects.filter(pk=employee_id, company_id=case.company_id, is_active=True)
        .select_related("org_unit", "user", "company")
        .prefetch_related("roles")
        .first()
        if is_id(employee_id)
        else None
    )
    if employee is None or not case.community.project.path.startswith(employee.org_unit.path):
        raise ApplicationError(_("请选择本项目的在职员工"), field="assignee")
    handles_cases = "servicedesk" in (employee.company.modules or []) and any(
        WORK in (role.permissions or []) for role in employee.roles.all()
    )
    if not handles_cases:
        raise ApplicationError(_("该员工没有处理工单的权限"), field="assignee")
    return employee


def _assign(case: Case, employee: Employee, action: str, *, actor, now: datetime, note: str):
    case.assignee = employee
    case.dispatched_at = now
    fields = ["assignee", "dispatched_at"]
    if action == "grab":
        case.accepted_at = now
        fields.append("accepted_at")
    return transition(
        case,
        action,
        actor=actor,
        now=now,
        note=note,
        data={"assignee_id": employee.pk, "assignee": employee.user.name},
        save_fields=fields,
    )


@transaction.atomic
def case_dispatch(
    *, actor, case_id: int, assignee_id: int, note: str = "", now: datetime | None = None
) -> Case:
    """The duty desk assigns a case waiting in the pool to a handler."""
    now = now_or(now)
    case, _access = lock_for_staff(actor, case_id, DESK)
    target_state(case, "dispatch")
    _assign(case, _handler(case, assignee_id), "dispatch", actor=actor, now=now, note=note)
    return case


@transaction.atomic
def case_grab(*, actor, case_id: int, now: datetime | None = None) -> Case:
    """A handler takes a case from the pool (抢单); grabbing is accepting."""
    now = now_or(now)
    case, access = lock_for_staff(actor, case_id, WORK)
    target_state(case, "grab")
    if case.assignee_id is not None:
        raise ApplicationError(_("该工单已被他人领取"), code="invalid_state")
    _assign(case, _handler(case, access.employee_id), "grab", actor=actor, now=now, note="")
    return case


@transaction.atomic
def case_dispatch_round_robin(*, actor, case_id: int, now: datetime | None = None) -> Case:
    """Assign to the on-duty worker of this case type (or a parent type) at the case's project
    who waited longest since their last assignment."""
    now = now_or(now)
    case, _access = lock_for_staff(actor, case_id, DESK)
    target_state(case, "round_robin")
    type_ids = [case.case_type_id]
    if case.case_type.parent_id:
        type_ids.append(case.case_type.parent_id)
    project = case.community.project
    worker = (
        CaseWorker.objects.select_for_update(of=("self",))
        .filter(
            company_id=case.company_id,
            on_duty=True,
            employee__is_active=True,
            case_types__in=type_ids,
        )
        .filter(Q(employee__org_unit=project) | Q(employee__org_unit_id__in=_ancestors(project)))
        .order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
        .select_related("employee__user")
        .first()
    )
    if worker is None:
        raise ApplicationError(
            _("没有负责「%(type)s」的在岗人员，请手动派单") % {"type": case.case_type.name},
            code="no_worker",
        )
    worker.last_assigned_at = now
    worker.save(update_fields=["last_assigned_at", "updated_at"])
    _assign(case, worker.employee, "round_robin", actor=actor, now=now, note="")
    return case


def _ancestors(unit) -> list[int]:
    return path_ids(unit.path)


def _assignee_step(
    action: str, *, actor, case_id: int, now: datetime | None, note: str = "", **fields
) -> Case:
    now = now_or(now)
    case, access = lock_for_staff(actor, case_id, WORK)
    target_state(case, action)
    require_assignee(case, access, action)
    stamps = {"accept": "accepted_at", "arrive": "arrived_at"}
    for name, value in fields.items():
        setattr(case, name, value)
    save_fields = list(fields)
    if action in stamps:
        setattr(case, stamps[action], now)
        save_fields.append(stamps[action])
    transition(case, action, actor=actor, now=now, note=note, save_fields=save_fields)
    return case


@transaction.atomic
def case_accept(*, actor, case_id: int, now: datetime | None = None) -> Case:
    """The handler accepts a dispatched case (接单): the response deadline is met."""
    return _assignee_step("accept", actor=actor, case_id=case_id, now=now)


@transaction.atomic
def case_arrive(*, actor, case_id: int, now: datetime | None = None) -> Case:
    """The handler is on site (到场)."""
    return _assignee_step("arrive", actor=actor, case_id=case_id, now=now)


@transaction.atomic
def case_start(*, actor, case_id: int, now: datetime | None = None) -> Case:
    """The handler starts the work."""
    return _assignee_step("start", actor=actor, case_id=case_id, now=now, pause_reason="")


@transaction.atomic
def case_pause(*, actor, case_id: int, reason: str, now: datetime | None = None) -> Case:
    """The handler pauses (waiting for parts, the owner away …) and says why."""
    reason = clean_text(reason, field="reason", label=_("暂停原因"), max_length=200, required=True)
    return _assignee_step(
        "pause", actor=actor, case_id=case_id, now=now, note=reason, pause_reason=reason
    )


@transaction.atomic
def case_resume(*, actor, case_id: int, now: datetime | None = None) -> Case:
    """The handler resumes a paused case."""
    return _assignee_step("resume", actor=actor, case_id=case_id, now=now, pause_reason="")


def _assignee_or_desk(case: Case, access, action: str) -> None:
    if access.employee_id == case.assignee_id and access.employee_id is not None:
        return
    if not access.can(DESK):
        raise PermissionDenied(_("只有处理人或客服可以转单或退回"))


@transaction.atomic
def case_transfer(
    *, actor, case_id: int, assignee_id: int, note: str = "", now: datetime | None = None
) -> Case:
    """The case moves to another handler, who must accept it again."""
    now = now_or(now)
    case, access = lock_for_staff(actor, case_id, WORK)
    target_state(case, "transfer")
    _assignee_or_desk(case, access, "transfer")
    employee = _handler(case, assignee_id)
    if employee.pk == case.assignee_id:
        raise ApplicationError(_("请选择另一位处理人"), field="assignee")
    previous = assignee_user_id(case)
    _assign(case, employee, "transfer", actor=actor, now=now, note=note)
    notify_users([previous], {"type": "case.transferred", "id": case.pk, "number": case.number})
    return case


@transaction.atomic
def case_return_to_pool(*, actor, case_id: int, reason: str, now: datetime | None = None) -> Case:
    """The handler (or the desk) gives the case back to the pool for someone else."""
    now = now_or(now)
    reason = clean_text(reason, field="reason", label=_("退回原因"), max_length=200, required=True)
    case, access = lock_for_staff(actor, case_id, WORK)
    target_state(case, "return_to_pool")
    _assignee_or_desk(case, access, "return_to_pool")
    previous = assignee_user_id(case)
    case.assignee = None
    case.accepted_at = None
    transition(
        case,
        "return_to_pool",
        actor=actor,
        now=now,
        note=reason,
        save_fields=["assignee", "accepted_at"],
    )
    notify_users([previous], {"type": "case.transferred", "id": case.pk, "number": case.number})
    return case


@transaction.atomic
def case_quote(
    *, actor, case_id: int, amount: Decimal | str, note: str = "", now: datetime | None = None
) -> Case:
    """The handler quotes a paid repair (有偿维修); the owner must accept before completion."""
    now = now_or(now)
    case, access = lock_for_staff(actor, case_id, WORK)
    require_assignee(case, access, "quote")
    if case.kind != CaseKind.REPAIR:
        raise ApplicationError(_("只有报修工单可以报价"), code="invalid_state")
    if case.state not in WORKING_STATES:
        raise refuse(case, "quote")
    if case.quote_state == QuoteState.ACCEPTED:
        raise ApplicationError(_("业主已确认报价，不能修改"), code="invalid_state")
    if isinstance(amount, (float, bool)):
        raise ApplicationError(_("请输入正确的金额"), field="amount")
    try:
        raw = Decimal(str(amount).strip() if isinstance(amount, str) else amount)
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError(_("请输入正确的金额"), field="amount") from None
    if not raw.is_finite():
        raise ApplicationError(_("请输入正确的金额"), field="amount")
    exponent = raw.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ApplicationError(_("金额最多两位小数"), field="amount")
    value = to_money(raw)
    if not value.is_finite() or value <= 0 or value >= Decimal("1e10"):
        raise ApplicationError(_("金额必须大于0"), field="amount")
    note = clean_text(note, field="note", label=_("报价说明"), max_length=200, required=False)
    case.quote_amount, case.quote_note, case.quote_state = value, note, QuoteState.PENDING
    case.save(update_fields=["quote_amount", "quote_note", "quote_state", "updated_at"])
    event = record(
        case,
        kind=EventKind.QUOTE,
        actor=actor,
        now=now,
        action="quote",
        note=(_("报价 ¥%(amount)s") % {"amount": value} + f" {note}").strip(),
        data={"amount": str(value)},
    )
    notify_users([case.reporter_id], event_payload(case, event))
    return case


@transaction.atomic
def case_complete(
    *,
    actor,
    case_id: int,
    note: str = "",
    photos: Iterable[UploadedFile] | None = None,
    reply: str = "",
    now: datetime | None = None,
) -> Case:
    """The handler finishes the work, with completion photos (and, for a complaint, may give
    the written reply at the same time)."""
    now = now_or(now)
    case, access = lock_for_staff(actor, case_id, WORK)
    target_state(case, "complete")
    require_assignee(case, access, "complete")
    if case.quote_state == QuoteState.PENDING:
        raise ApplicationError(_("报价尚待业主确认，不能完成"), code="quote_pending")
    note = clean_text(note, field="note", label=_("处理说明"), max_length=500, required=False)
    reply = clean_text(reply, field="reply", label=_("书面答复"), max_length=2000, required=False)
    checked = validate_photos(
        photos, already=case.photos.filter(stage=PhotoStage.COMPLETION).count()
    )
    save_photos(case, checked, stage=PhotoStage.COMPLETION, actor=actor)
    case.completed_at = now
    fields = ["completed_at"]
    if reply:
        case.reply = reply
        fields.append("reply")
    transition(case, "complete", actor=actor, now=now, note=note, save_fields=fields)
    return case


@transaction.atomic
def case_photos_add(
    *,
    actor,
    case_id: int,
    photos: Iterable[UploadedFile] | None,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """The handler adds photos of the work while on it (before, during, after); they count
    with the completion photos towards the nine a case's work may have."""
    now = now_or(now)
    case, access = lock_for_staff(actor, case_id, WORK)
    require_assignee(case, access, "photos")
    if case.state not in (CaseState.ACCEPTED, *WORKING_STATES):
        raise refuse(case, "photos")
    note = clean_text(note, field="note", label=_("说明"), max_length=500, required=False)
    photos = list(photos or ())
    if not photos:
        raise ApplicationError(_("请选择照片"), field="photos")
    already = case.photos.filter(stage=PhotoStage.COMPLETION).count()
    saved = save_photos(
        case, validate_photos(photos, already=already), stage=PhotoStage.COMPLETION, actor=actor
    )
    record(
        case,
        kind=EventKind.NOTE,
        actor=actor,
        now=now,
        action="photos",
        note=note or _("上传了%(n)s张照片") % {"n": len(saved)},
        data={"photo_ids": [p.pk for p in saved]},
    )
    return case


@transaction.atomic
def case_reply(*, actor, case_id: int, reply: str, now: datetime | None = None) -> Case:
    """The written reply (书面答复) to a complaint, shown to the owner."""
    now = now_or(now)
    case, _access = lock_for_staff(actor, case_id, WORK)
    if case.state in CLOSED_STATES:
        raise refuse(case, "reply")
    case.reply = clean_text(
        reply, field="reply", label=_("书面答复"), max_length=2000, required=True
    )
    case.save(update_fields=["reply", "updated_at"])
    event = record(
        case, kind=EventKind.REPLY, actor=actor, now=now, action="reply", note=case.reply[:500]
    )
    notify_users([case.reporter_id], event_payload(case, event))
    return case


def return_visit(case: Case, *, actor, note: str, now: datetime) -> None:
    case.return_visit_note = note
    transition(
        case, "return_visit", actor=actor, now=now, note=note, save_fields=["return_visit_note"]
    )


def close(case: Case, *, actor, note: str, now: datetime) -> None:
    if case.kind == CaseKind.COMPLAINT and not case.reply.strip():
        raise ApplicationError(
            _("投诉工单须有书面答复才能关闭"), field="reply", code="reply_required"
        )
    target_state(case, "close")
    case.closed_at = now
    transition(case, "close", actor=actor, now=now, note=note, save_fields=["closed_at"])


@transaction.atomic
def case_return_visit(*, actor, case_id: int, note: str, now: datetime | None = None) -> Case:
    """The desk records a return visit (回访) with the owner."""
    now = now_or(now)
    note = clean_text(note, field="note", label=_("回访记录"), max_length=500, required=True)
    case, _access = lock_for_staff(actor, case_id, DESK)
    return_visit(case, actor=actor, note=note, now=now)
    return case


@transaction.atomic
def case_close(*, actor, case_id: int, note: str = "", now: datetime | None = None) -> Case:
    """The desk closes a rated or visited case. A complaint needs its written reply first."""
    now = now_or(now)
    note = clean_text(note, field="note", label=_("备注"), max_length=500, required=False)
    case, _access = lock_for_staff(actor, case_id, DESK)
    close(case, actor=actor, note=note, now=now)
    return case


@transaction.atomic
def case_reopen(
    *,
    actor,
    case_id: int,
    reason: str,
    owner_only: bool = False,
    now: datetime | None = None,
) -> Case:
    """The owner (or the desk on their behalf) reopens a finished case: it goes back to the
    pool, the resolution clock restarts, and the reopening is counted. `owner_only` (the
    owner endpoint) allows only the reporter: anyone else gets 404 and nothing changes."""
    now = now_or(now)
    reason = clean_text(reason, field="reason", label=_("重开原因"), max_length=500, required=True)
    if (
        is_id(case_id)
        and Case.objects.filter(pk=case_id, reporter_id=getattr(actor, "pk", None)).exists()
    ):
        case = lock_for_reporter(actor, case_id)
        target_state(case, "reopen")
        if case.closed_at is not None and now - case.closed_at > OWNER_REOPEN_WITHIN:
            raise ApplicationError(
                _("工单关闭已超过%(days)s天，请重新报事") % {"days": OWNER_REOPEN_WITHIN.days},
                code="reopen_expired",
            )
    elif owner_only:
        raise NotFound(_("工单不存在"))
    else:
        case, _access = lock_for_staff(actor, case_id, DESK)
    target_state(case, "reopen")
    previous = assignee_user_id(case)
    case.reopen_count += 1
    case.assignee = None
    case.accepted_at = case.completed_at = case.closed_at = case.rated_at = None
    case.rating = case.rating_comment = ""
    sla.sla_start(case, now=now)
    transition(
        case,
        "reopen",
        actor=actor,
        now=now,
        note=reason,
        data={"reopen_count": case.reopen_count},
        save_fields=[
            "reopen_count",
            "assignee",
            "accepted_at",
            "completed_at",
            "closed_at",
            "rated_at",
            "rating",
            "rating_comment",
            *sla.SLA_FIELDS,
        ],
    )
    notify_users([previous], {"type": "case.reopened", "id": case.pk, "number": case.number})
    return case


@transaction.atomic
def case_message(*, actor, case_id: int, note: str, now: datetime | None = None) -> Case:
    """A handler or the desk writes to the owner on the case (a timeline note the owner is
    told about); owners answer with case_add_info."""
    now = now_or(now)
    note = clean_text(note, field="note", label=_("留言"), max_length=500, required=True)
    case, _access = lock_for_staff(actor, case_id, WORK)
    if case.state in CLOSED_STATES:
        raise refuse(case, "message")
    event = record(case, kind=EventKind.NOTE, actor=actor, now=now, action="message", note=note)
    notify_users([case.reporter_id], event_payload(case, event))
    return case
