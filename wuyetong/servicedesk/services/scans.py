"""Timed work run by the scheduler with an explicit `now`: SLA warnings and breaches, and the
automatic return visit and close of cases the owner never rated. Each case is handled in its
own transaction under its row lock, so a slow or failing case never blocks the others and a
case a person changes at the same moment is re-checked."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError
from wuyetong.orgs.models import Company

from ..choices import CaseKind, CaseState, EventKind, Rating
from ..models import Case
from . import handling, sla
from ._common import lock, record

logger = logging.getLogger("wuyetong.servicedesk")

S = CaseState
RESPONSE_OPEN = (S.SUBMITTED, S.DISPATCHED, S.REOPENED)
RESOLUTION_OPEN = (
    S.SUBMITTED,
    S.DISPATCHED,
    S.ACCEPTED,
    S.ON_SITE,
    S.IN_PROGRESS,
    S.PAUSED,
    S.REOPENED,
)
DEFAULT_RETURN_VISIT_DAYS = 3
DEFAULT_AUTO_CLOSE_DAYS = 1


@dataclass
class ScanResult:
    warned: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)
    visited: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


def _locked(case_id: int) -> Case:
    qs = Case.objects.select_related("community__project", "community__district", "sla_rule")
    return lock(qs, case_id)


def _ids(**filters) -> list[int]:
    return list(Case.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))


def _check(case_id: int, which: str, now: datetime, result: ScanResult) -> None:
    with transaction.atomic():
        case = _locked(case_id)
        open_states = RESPONSE_OPEN if which == "response" else RESOLUTION_OPEN
        met = case.accepted_at if which == "response" else case.completed_at
        due = getattr(case, f"{which}_due_at")
        if case.state not in open_states or met is not None or due is None:
            return
        if due <= now:
            if getattr(case, f"{which}_breached_at") is not None:
                return
            setattr(case, f"{which}_breached_at", now)
            case.save(update_fields=[f"{which}_breached_at", "updated_at"])
            label = _("响应") if which == "response" else _("解决")
            record(
                case,
                kind=EventKind.BREACH,
                actor=None,
                now=now,
                action=f"{which}_breach",
                note=_("超过%(label)s期限 %(due)s")
                % {"label": label, "due": f"{timezone.localtime(due):%Y-%m-%d %H:%M}"},
                data={"which": which},
            )
            rule = case.sla_rule
            sla.escalate(
                case,
                reason=_("%(label)s超时") % {"label": label},
                now=now,
                to_bureau=bool(rule and rule.bureau_on_breach),
            )
            result.breached.append(case.pk)
            return
        warn_at = getattr(case, f"{which}_warn_at")
        if warn_at is not None and warn_at <= now and getattr(case, f"{which}_warned_at") is None:
            setattr(case, f"{which}_warned_at", now)
            case.save(update_fields=[f"{which}_warned_at", "updated_at"])
            sla.warn(case, which=which, now=now)
            result.warned.append(case.pk)


def sla_scan(*, now: datetime) -> ScanResult:
    """Warn before a deadline, escalate when it passes."""
    result = ScanResult()
    for which, states, met in (
        ("response", RESPONSE_OPEN, "accepted_at"),
        ("resolution", RESOLUTION_OPEN, "completed_at"),
    ):
        # Not yet warned and inside the warning window, or past the deadline and not yet
        # recorded as breached: the rows already handled are not even read.
        due_soon = list(
            Case.objects.filter(
                **{
                    "state__in": states,
                    f"{met}__isnull": True,
                    f"{which}_warn_at__lte": now,
                    f"{which}_breached_at__isnull": True,
                }
            )
            .filter(Q(**{f"{which}_warned_at__isnull": True}) | Q(**{f"{which}_due_at__lte": now}))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for case_id in due_soon:
            try:
                _check(case_id, which, now, result)
            except Exception:  # one bad row must not stop the scan
                logger.exception("sla check of case %s failed", case_id)
    return result


def _company_days(company: Company, key: str, default: int) -> int:
    section = (company.settings or {}).get("servicedesk")
    value = section.get(key, default) if isinstance(section, dict) else default
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return default


def return_visit_scan(*, now: datetime) -> ScanResult:
    """Cases the owner has not rated within the company's N days get a system return visit;
    rated or visited cases are closed after the company's close delay (a complaint without a
    written reply, and a 差评 nobody has visited yet, stay open for the desk). Company
    settings: {"servicedesk": {"return_visit_days": 3, "auto_close_days": 1}}."""
    result = ScanResult()
    company_ids = set(
        Case.objects.filter(state__in=(S.COMPLETED, S.RATED, S.RETURN_VISITED))
        .values_list("company_id", flat=True)
        .distinct()
    )
    for company in Company.objects.filter(pk__in=company_ids).order_by("pk"):
        visit_days = _company_days(company, "return_visit_days", DEFAULT_RETURN_VISIT_DAYS)
        close_days = _company_days(company, "auto_close_days", DEFAULT_AUTO_CLOSE_DAYS)
        for case_id in _ids(
            company=company,
            state=S.COMPLETED,
            completed_at__lte=now - timedelta(days=visit_days),
        ):
            _run(case_id, result.visited, lambda c, d=visit_days: _auto_visit(c, d, now))
        closable = (
            Case.objects.filter(
                company=company,
                state__in=(S.RATED, S.RETURN_VISITED),
                state_changed_at__lte=now - timedelta(days=close_days),
            )
            .exclude(kind=CaseKind.COMPLAINT, reply="")
            # A 差评 waits for a person's return visit; only then may it close by itself.
            .exclude(state=S.RATED, rating=Rating.BAD)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for case_id in list(closable):
            _run(
                case_id,
                result.closed,
                lambda c, d=close_days: _auto_close(c, d, now),
            )
    return result


def _auto_visit(case: Case, days: int, now: datetime) -> None:
    if case.state != S.COMPLETED:
        raise ApplicationError("skip")
    handling.return_visit(
        case, actor=None, note=_("业主%(days)s天未评价，系统自动回访") % {"days": days}, now=now
    )


def _auto_close(case: Case, days: int, now: datetime) -> None:
    """The list above was read without locks: re-check under the row lock, so a case rated
    差 in the meantime waits for a person's return visit instead of closing by itself."""
    if (
        case.state not in (S.RATED, S.RETURN_VISITED)
        or case.state_changed_at > now - timedelta(days=days)
        or (case.state == S.RATED and case.rating == Rating.BAD)
    ):
        raise ApplicationError("skip")
    handling.close(case, actor=None, note=_("系统自动关闭"), now=now)


def _run(case_id: int, done: list[int], step) -> None:
    try:
        with transaction.atomic():
            case = _locked(case_id)
            step(case)
            done.append(case_id)
    except ApplicationError:
        pass  # someone changed the case in the meantime; next scan sees its new state
    except Exception:
        logger.exception("return-visit step of case %s failed", case_id)
