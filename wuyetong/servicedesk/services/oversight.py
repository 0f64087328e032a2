"""The housing bureau urges (催办) a case in its jurisdiction; the company must answer. The
bureau reads cases but never changes their handling: it has no other service here."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.realtime import publish

from ..choices import EventKind
from ..models import CLOSED_STATES, Case, CaseUrge
from ._common import (
    clean_text,
    event_payload,
    is_id,
    lock,
    lock_for_staff,
    notify_users,
    now_or,
    record,
)

# A case open longer than this may be urged even if it was never escalated.
URGE_AFTER = timedelta(hours=72)


def urge_refusal(case: Case, *, now: datetime | None = None) -> ApplicationError | None:
    """Why the bureau may not urge this case now (None: it may). The bureau's case page asks
    this to decide whether to offer the urge form; the service raises it."""
    now = now_or(now)
    if case.state in CLOSED_STATES:
        return ApplicationError(_("工单已结束，无需催办"), code="invalid_state")
    escalated = case.escalation_level > 0 or case.bureau_queued_at is not None
    if not escalated and case.submitted_at > now - URGE_AFTER:
        return ApplicationError(_("只能催办已升级或超过72小时未办结的工单"), code="not_urgeable")
    return None


@transaction.atomic
def bureau_urge(*, official, case_id: int, note: str, now: datetime | None = None) -> CaseUrge:
    """A bureau official urges an escalated or long-open case of a community in the bureau's
    district; the company's consoles hear of it at once."""
    now = now_or(now)
    access = get_access(official)
    if not access.is_bureau:
        raise NotFound(_("工单不存在"))
    case = lock(Case.objects.filter(community_id__in=access.bureau_community_ids), case_id)
    note = clean_text(note, field="note", label=_("催办意见"), max_length=500, required=True)
    refusal = urge_refusal(case, now=now)
    if refusal is not None:
        raise refusal
    assert access.bureau_id is not None
    urge = CaseUrge.objects.create(
        case=case, bureau_id=access.bureau_id, urged_by=official, note=note, urged_at=now
    )
    record(
        case,
        kind=EventKind.URGE,
        actor=official,
        now=now,
        action="urge",
        note=note,
        data={"urge_id": urge.pk, "bureau_id": access.bureau_id},
    )
    publish(
        f"company.{case.company_id}",
        {
            "type": "case.urged",
            "id": case.pk,
            "number": case.number,
            "community_id": case.community_id,
            "urge_id": urge.pk,
            "note": note,
            "at": now.isoformat(),
        },
    )
    return urge


@transaction.atomic
def company_answer_urge(
    *, actor, urge_id: int, answer: str, now: datetime | None = None
) -> CaseUrge:
    """The company answers an urge in writing; the bureau and the owner see it."""
    now = now_or(now)
    urge = CaseUrge.objects.filter(pk=urge_id).values("case_id").first() if is_id(urge_id) else None
    if urge is None:
        raise NotFound(_("催办记录不存在"))
    case, _access = lock_for_staff(actor, urge["case_id"], "servicedesk.change")
    answer = clean_text(answer, field="answer", label=_("答复"), max_length=2000, required=True)
    row = CaseUrge.objects.select_for_update().get(pk=urge_id)
    if row.answered_at is not None:
        raise ApplicationError(_("该催办已答复"), code="invalid_state")
    row.answer, row.answered_by, row.answered_at = answer, actor, now
    row.save(update_fields=["answer", "answered_by", "answered_at"])
    event = record(
        case,
        kind=EventKind.URGE_ANSWER,
        actor=actor,
        now=now,
        action="urge_answer",
        note=answer[:500],
        data={"urge_id": row.pk},
    )
    publish(
        f"bureau.{row.bureau_id}",
        {"type": "case.urge_answered", "id": case.pk, "number": case.number, "urge_id": row.pk},
    )
    notify_users([case.reporter_id], event_payload(case, event))
    return row
