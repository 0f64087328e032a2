"""Reads of the service desk, each scoped to the user: an owner's own cases, the staff list
within the data scope, a case's timeline, and the bureau's read-only view of its district."""

from __future__ import annotations

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import NotFound
from wuyetong.core.ids import PK_MAX, parse_pk
from wuyetong.orgs.models import Bureau, Company, Employee

from .choices import CaseState
from .models import (
    CLOSED_STATES,
    HANDLED_STATES,
    Case,
    CaseEvent,
    CaseType,
    CaseUrge,
    CaseWorker,
    SlaRule,
)
from .orgpath import path_ids

_LIST_RELATED = (
    "community",
    "case_type",
    "house__building",
    "house__unit",
    "reporter",
    "assignee__user",
)


def case_type_list(*, company_id: int, kind: str) -> QuerySet[CaseType]:
    """The active type tree of a company, for the owner's report form (public within the
    company's communities, no personal data)."""
    return CaseType.objects.filter(company_id=company_id, kind=kind, is_active=True).order_by(
        "sort", "pk"
    )


def owner_case_list(*, user, open_only: bool | None = None) -> QuerySet[Case]:
    qs = Case.objects.filter(reporter_id=getattr(user, "pk", None)).select_related(
        "community", "case_type", "house__building", "house__unit", "assignee__user"
    )
    if open_only is True:
        qs = qs.exclude(state__in=CLOSED_STATES)
    elif open_only is False:
        qs = qs.filter(state__in=CLOSED_STATES)
    return qs


def owner_case_get(*, user, case_id: int) -> Case:
    case = owner_case_list(user=user).filter(pk=case_id).first() if _is_id(case_id) else None
    if case is None:
        raise NotFound(_("工单不存在"))
    return case


def staff_case_list(
    *,
    user,
    state: str | None = None,
    kind: str | None = None,
    community_id: int | None = None,
    assigned_to_me: bool = False,
    pool: bool = False,
) -> QuerySet[Case]:
    """Cases within the user's data scope; `pool` keeps the unassigned ones waiting to be
    dispatched or grabbed."""
    qs = Case.objects.for_user(user, "view").select_related(*_LIST_RELATED)
    if pool:
        qs = qs.filter(state__in=(CaseState.SUBMITTED, CaseState.REOPENED), assignee__isnull=True)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if community_id:
        qs = qs.filter(community_id=community_id)
    if assigned_to_me:
        qs = qs.filter(assignee_id=get_access(user).employee_id)
    return qs


def staff_case_get(*, user, case_id: int) -> Case:
    case = (
        Case.objects.for_user(user, "view")
        .select_related(*_LIST_RELATED, "escalated_to", "bureau", "sla_rule")
        .filter(pk=case_id)
        .first()
        if _is_id(case_id)
        else None
    )
    if case is None:
        raise NotFound(_("工单不存在"))
    return case


def case_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """A case's events in order; pass a case obtained through one of the `*_get` selectors."""
    return CaseEvent.objects.filter(case_id=case.pk).select_related("actor").order_by("at", "pk")


def bureau_case_list(*, user) -> QuerySet[Case]:
    """Every case of the communities in the bureau's jurisdiction, read only."""
    access = get_access(user)
    bureau = Bureau.objects.filter(pk=access.bureau_id or 0).first()
    if bureau is None:
        return Case.objects.none()
    return (
        # The jurisdiction as a subquery: thousands of ids written out cost more to plan.
        Case.objects.filter(community_id__in=bureau.communities().values("pk"))
        .select_related(
            "company",
            "community__district",
            "reporter",
            "case_type",
            "escalated_to",
            "house__building",
            "house__unit",
            "assignee__user",
        )
        .prefetch_related(
            Prefetch("urges", queryset=CaseUrge.objects.select_related("urged_by", "answered_by"))
        )
    )


def bureau_queue(*, user) -> QuerySet[Case]:
    """Cases escalated into this bureau's queue."""
    bureau_id = get_access(user).bureau_id
    if bureau_id is None:
        return Case.objects.none()
    return bureau_case_list(user=user).filter(bureau_id=bureau_id)


def bureau_case_get(*, user, case_id: int) -> Case:
    case = bureau_case_list(user=user).filter(pk=case_id).first() if _is_id(case_id) else None
    if case is None:
        raise NotFound(_("工单不存在"))
    return case


def bureau_attention_list(*, user, view: str = "queued", now=None) -> QuerySet[Case]:
    """What a bureau follows up: `queued` — the cases escalated into its queue (by a breach
    or a 差评, per the company's rules); `long_open` — any case of its jurisdiction still open
    after URGE_AFTER (72 h), which it may also urge. Oldest first, with urge counts."""
    from .services.oversight import URGE_AFTER

    now = now or timezone.now()
    access = get_access(user)
    qs = bureau_case_list(user=user)
    if view == "long_open":
        qs = qs.exclude(state__in=CLOSED_STATES).filter(submitted_at__lte=now - URGE_AFTER)
    else:
        qs = qs.filter(bureau_id=access.bureau_id or 0)
    return qs.annotate(
        urge_count=Count("urges", distinct=True),
        unanswered_count=Count("urges", filter=Q(urges__answered_at__isnull=True), distinct=True),
    ).order_by("submitted_at", "pk")


def _is_id(value) -> bool:
    """An int key the database can hold; booleans and text are absent (core.ids rules)."""
    return isinstance(value, int) and not isinstance(value, bool) and parse_pk(value) is not None


def case_assignee_choices(*, user, case: Case) -> list[Employee]:
    """Who a case may be dispatched or transferred to: active employees of the case's company
    at its project or above whose roles handle cases. `case` comes from staff_case_get."""
    access = get_access(user)
    if access.company_id != case.company_id and not access.is_platform:
        return []
    ancestors = path_ids(case.community.project.path)
    employees = (
        Employee.objects.filter(
            company_id=case.company_id, is_active=True, org_unit_id__in=ancestors
        )
        .select_related("user", "org_unit")
        .prefetch_related("roles")
        .order_by("org_unit__path", "employee_no")
    )
    return [e for e in employees if _handles_cases(e)]


def duty_desk_missed(
    *, user, since=None, after_id: int | None = None, limit: int = 200
) -> QuerySet[CaseEvent]:
    """What a duty-desk screen missed while disconnected: the events on cases within the
    user's scope after the last event id it saw (exact), or after a time, oldest first."""
    cases = Case.objects.for_user(user, "view").values("pk")
    qs = CaseEvent.objects.filter(case_id__in=cases)
    if after_id is not None:
        qs = qs.filter(pk__gt=after_id if _is_id(after_id) else PK_MAX)
    if since is not None:
        qs = qs.filter(at__gt=since)
    return qs.select_related("case__community", "actor").order_by("at", "pk")[:limit]


def worker_tasks(*, user) -> QuerySet[Case]:
    """A handler's own cases still being worked, the most pressing first."""
    return (
        staff_case_list(user=user, assigned_to_me=True)
        .filter(state__in=HANDLED_STATES)
        .order_by("-urgency", F("resolution_due_at").asc(nulls_last=True), "submitted_at")
    )


def worker_pool(*, user) -> QuerySet[Case]:
    """Cases waiting in the pool that this worker may grab: those of the types on their
    duty card (or below them in the tree). No duty card, no pool."""
    employee_id = get_access(user).employee_id
    type_ids = list(
        CaseType.objects.filter(workers__employee_id=employee_id or 0).values_list("pk", flat=True)
    )
    return (
        staff_case_list(user=user, pool=True)
        .filter(Q(case_type_id__in=type_ids) | Q(case_type__parent_id__in=type_ids))
        .order_by("-urgency", "submitted_at")
    )


def case_type_tree(*, user) -> QuerySet[CaseType]:
    """Every type of the user's company, active or not, for the configuration pages."""
    return (
        CaseType.objects.for_user(user, "view")
        .select_related("parent")
        .order_by("kind", "sort", "pk")
    )


def sla_rule_list(*, user) -> QuerySet[SlaRule]:
    return (
        SlaRule.objects.for_user(user, "view")
        .select_related("case_type")
        .order_by("kind", "case_type__sort", "case_type_id", "urgency")
    )


def case_worker_list(*, user) -> QuerySet[CaseWorker]:
    """The duty cards of workers within the user's data scope."""
    access = get_access(user)
    employees = Employee.objects.for_access(access, "").values("pk")
    return (
        CaseWorker.objects.for_user(user, "view")
        .filter(employee__in=employees)
        .select_related("employee__user", "employee__org_unit")
        .prefetch_related("case_types")
        .order_by("employee__org_unit__path", "employee__employee_no")
    )


def case_worker_candidates(*, user) -> list[Employee]:
    """Active employees within the user's data scope whose roles handle cases."""
    access = get_access(user)
    if access.company_id is None:
        return []
    employees = (
        Employee.objects.for_access(access, "")
        .filter(is_active=True)
        .select_related("user", "org_unit")
        .prefetch_related("roles")
        .order_by("org_unit__path", "employee_no")
    )
    return [e for e in employees if _handles_cases(e)]


def _handles_cases(employee: Employee) -> bool:
    return any("servicedesk.change" in (r.permissions or []) for r in employee.roles.all())


def company_servicedesk_settings(*, user) -> dict:
    """The service-desk section of the user's company settings (empty when unset)."""
    company_id = get_access(user).company_id
    settings = (
        Company.objects.filter(pk=company_id or 0).values_list("settings", flat=True).first() or {}
    )
    section = settings.get("servicedesk") if isinstance(settings, dict) else None
    return section if isinstance(section, dict) else {}
