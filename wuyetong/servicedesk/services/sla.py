"""Deadlines and escalation: which SLA rule applies to a case, when it must be answered and
resolved, and how a breach or a 差评 climbs the company's tree (project → region → HQ) and,
when the rule says so, into the housing bureau's queue."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.realtime import publish
from wuyetong.orgs.choices import OrgKind
from wuyetong.orgs.models import Bureau, Employee, OrgUnit

from ..choices import EscalationLevel, EventKind
from ..models import Case, CaseType, SlaRule
from ..orgpath import path_ids
from ._common import assignee_user_id, notify_users, record


def sla_rule_for(case_type: CaseType, urgency: str) -> SlaRule | None:
    """The most specific rule: the type itself, then its ancestors, then the kind's default."""
    chain: list[int] = []
    node: CaseType | None = case_type
    while node is not None and len(chain) < 10:
        chain.append(node.pk)
        node = node.parent
    rules = {
        r.case_type_id: r
        for r in SlaRule.objects.filter(
            company_id=case_type.company_id, urgency=urgency, case_type_id__in=chain
        )
    }
    for type_id in chain:
        if type_id in rules:
            return rules[type_id]
    return SlaRule.objects.filter(
        company_id=case_type.company_id,
        kind=case_type.kind,
        urgency=urgency,
        case_type__isnull=True,
    ).first()


SLA_FIELDS = [
    "sla_rule",
    "response_due_at",
    "resolution_due_at",
    "response_warn_at",
    "resolution_warn_at",
    "response_warned_at",
    "resolution_warned_at",
    "response_breached_at",
    "resolution_breached_at",
]


def sla_start(case: Case, *, now: datetime, response: bool = True) -> None:
    """Set the deadlines counted from `now` (submission, or a reopening, which restarts the
    clock). Fields only; the caller saves."""
    rule = sla_rule_for(case.case_type, case.urgency)
    case.sla_rule = rule
    if rule is None:
        for name in SLA_FIELDS[1:]:
            setattr(case, name, None)
        return
    warn = timedelta(minutes=rule.warn_before_minutes)
    if response:
        case.response_due_at = now + timedelta(minutes=rule.response_minutes)
        case.response_warn_at = case.response_due_at - warn
        case.response_warned_at = case.response_breached_at = None
    case.resolution_due_at = now + timedelta(minutes=rule.resolution_minutes)
    case.resolution_warn_at = case.resolution_due_at - warn
    case.resolution_warned_at = case.resolution_breached_at = None


def project_manager_user_ids(case: Case) -> list[int]:
    return list(
        Employee.objects.filter(
            company_id=case.company_id,
            org_unit_id=case.community.project_id,
            is_active=True,
            roles__template="project_manager",
        ).values_list("user_id", flat=True)
    )


def warn(case: Case, *, which: str, now: datetime) -> None:
    """Tell the handler and the project manager a deadline is close (event + push)."""
    due = case.response_due_at if which == "response" else case.resolution_due_at
    label = _("响应") if which == "response" else _("解决")
    event = record(
        case,
        kind=EventKind.WARNING,
        actor=None,
        now=now,
        action=f"{which}_warning",
        note=_("%(label)s期限 %(due)s 即将到期")
        % {"label": label, "due": f"{timezone.localtime(due):%Y-%m-%d %H:%M}"},
        data={"which": which},
    )
    notify_users(
        [assignee_user_id(case), *project_manager_user_ids(case)],
        {
            "type": "case.sla_warning",
            "id": case.pk,
            "number": case.number,
            "which": which,
            "due_at": due.isoformat() if due else None,
            "at": event.at.isoformat(),
        },
    )


def _unit_chain(case: Case) -> list[int]:
    """Org unit ids from HQ down to the community's project."""
    return path_ids(case.community.project.path)


def bureau_for(case: Case) -> Bureau | None:
    district = case.community.district
    return (
        Bureau.objects.filter(is_active=True, district_id=district.pk).order_by("pk").first()
        or Bureau.objects.filter(is_active=True, city_id=district.city_id, district__isnull=True)
        .order_by("pk")
        .first()
    )


def escalate(case: Case, *, reason: str, now: datetime, to_bureau: bool, actor=None) -> None:
    """One level up the company's tree (at most HQ) and, if asked, into the bureau's queue.
    Works on a locked case; saves it."""
    chain = _unit_chain(case)
    current = case.escalated_to_id or case.community.project_id
    position = chain.index(current) if current in chain else len(chain) - 1
    fields = []
    if position > 0:
        # One step up the tree; the level follows the kind of unit reached, so a project
        # hanging directly under HQ escalates straight to HQ.
        target = OrgUnit.objects.get(pk=chain[position - 1])
        case.escalation_level = (
            EscalationLevel.HQ if target.kind == OrgKind.HQ else EscalationLevel.REGION
        )
        case.escalated_to = target
        case.escalated_at = now
        fields += ["escalation_level", "escalated_to", "escalated_at"]
    queued = False
    if to_bureau and case.bureau_queued_at is None:
        bureau = bureau_for(case)
        if bureau is not None:
            case.bureau = bureau
            case.bureau_queued_at = now
            fields += ["bureau", "bureau_queued_at"]
            queued = True
    if not fields:
        return
    case.save(update_fields=[*fields, "updated_at"])
    unit = case.escalated_to
    note = reason
    if unit:
        note += _("，升级至%(unit)s") % {"unit": unit.name}
    if queued:
        note += _("，已报房管部门")
    event = record(
        case,
        kind=EventKind.ESCALATION,
        actor=actor,
        now=now,
        action="escalate",
        note=note,
        data={
            "level": case.escalation_level,
            "org_unit_id": unit.pk if unit else None,
            "bureau_id": case.bureau_id if queued else None,
        },
    )
    payload = {
        "type": "case.escalated",
        "id": case.pk,
        "number": case.number,
        "community_id": case.community_id,
        "level": case.escalation_level,
        "org_unit_id": unit.pk if unit else None,
        "reason": reason,
        "at": event.at.isoformat(),
    }
    publish(f"company.{case.company_id}", payload)
    if queued:
        publish(f"bureau.{case.bureau_id}", {**payload, "company_id": case.company_id})
