"""Figures for the bureau's dashboard (C12) and the company's: per company, community and
month — cases received, accepted, resolved, average response and resolution time, overdue,
escalated, urged, rated, 好/差 and the satisfaction rate (好评率 = 好 / rated) for repairs and
complaints.

Each figure is defined once, as a condition on a case (`METRICS`). The same conditions
- count the cases directly (`case_stats`, the reference the tests and the benchmark compare
  against),
- fill the monthly table `CaseMonthStat` that the dashboards read (`rollup.py`), and
- select the cases behind a figure when someone clicks it (`cases_behind`),
so a drill-down list always holds exactly the cases its figure counted. The oversight app
reads everything from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import get_access
from wuyetong.orgs.models import Community, Company, District

from .choices import CaseKind, Rating
from .models import Case, CaseMonthStat, CaseUrge

# figure -> the condition a case meets to be counted in it ("received" counts every case).
METRICS: dict[str, Any] = {
    "received": Q(),
    "accepted": Q(accepted_at__isnull=False),
    "resolved": Q(completed_at__isnull=False),
    "overdue": Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False),
    "escalated": Q(escalation_level__gt=0) | Q(bureau_queued_at__isnull=False),
    "urged": Exists(CaseUrge.objects.filter(case=OuterRef("pk"))),
    "rated": ~Q(rating=""),
    "good": Q(rating=Rating.GOOD),
    "bad": Q(rating=Rating.BAD),
}
COUNTS = tuple(METRICS)
METRIC_LABELS = {
    "received": _("受理"),
    "accepted": _("已接单"),
    "resolved": _("已办结"),
    "overdue": _("超时"),
    "escalated": _("升级"),
    "urged": _("被催办"),
    "rated": _("已评价"),
    "good": _("好评"),
    "bad": _("差评"),
}
RESPONSE = ExpressionWrapper(F("accepted_at") - F("submitted_at"), output_field=DurationField())
RESOLUTION = ExpressionWrapper(F("completed_at") - F("submitted_at"), output_field=DurationField())
ZERO = timedelta(0)
MAX_MONTHS = 36


def case_aggregates() -> dict[str, Any]:
    """Aggregates over cases: one count per metric and the summed response and resolution
    times (NULLs — not yet accepted or resolved — are left out of the sums)."""
    aggregates: dict[str, Any] = {"received": Count("pk")}
    for name, condition in METRICS.items():
        if name != "received":
            aggregates[name] = Count("pk", filter=condition)
    aggregates["response_total"] = Sum(RESPONSE)
    aggregates["resolution_total"] = Sum(RESOLUTION)
    return aggregates


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _per(total: timedelta, count: int, unit_seconds: int) -> Decimal | None:
    if not count:
        return None
    seconds = Decimal(total.days * 86400 + total.seconds) + Decimal(total.microseconds) / 10**6
    return (seconds / count / unit_seconds).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """The figures of a set of cases, with the rates and averages derived from them."""

    received: int = 0
    accepted: int = 0
    resolved: int = 0
    overdue: int = 0
    escalated: int = 0
    urged: int = 0
    rated: int = 0
    good: int = 0
    bad: int = 0
    response_total: timedelta = ZERO
    resolution_total: timedelta = ZERO
    repair_rated: int = 0
    repair_good: int = 0
    complaint_rated: int = 0
    complaint_good: int = 0

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Figures:
        data: dict[str, Any] = {
            name: values.get(name) or (ZERO if name.endswith("_total") else 0)
            for name in cls.__dataclass_fields__
        }
        return cls(**data)

    @property
    def acceptance_rate(self) -> Decimal | None:
        """接单率 in percent (one decimal)."""
        return _percent(self.accepted, self.received)

    @property
    def resolution_rate(self) -> Decimal | None:
        """办结率 in percent."""
        return _percent(self.resolved, self.received)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        """好评率 in percent, None when nothing was rated."""
        return _percent(self.good, self.rated)

    @property
    def repair_satisfaction_rate(self) -> Decimal | None:
        return _percent(self.repair_good, self.repair_rated)

    @property
    def complaint_satisfaction_rate(self) -> Decimal | None:
        return _percent(self.complaint_good, self.complaint_rated)

    @property
    def avg_response_minutes(self) -> Decimal | None:
        """From submission to acceptance, over the accepted cases."""
        return _per(self.response_total, self.accepted, 60)

    @property
    def avg_resolution_minutes(self) -> Decimal | None:
        return _per(self.resolution_total, self.resolved, 60)

    @property
    def avg_resolution_hours(self) -> Decimal | None:
        """From submission to completion, over the resolved cases."""
        return _per(self.resolution_total, self.resolved, 3600)


# --- direct counts (the reference) -------------------------------------------------------


@dataclass(frozen=True)
class CaseStatsRow:
    """One (company, community, month, kind) line counted directly from the cases."""

    company_id: int
    company: str
    community_id: int
    community: str
    month: date
    kind: str
    figures: Figures

    def __getattr__(self, name: str) -> Any:
        # row.received, row.satisfaction_rate …: the figures' fields and rates.
        return getattr(self.__dict__["figures"], name)


def case_stats(qs: QuerySet[Case], *, start: datetime, end: datetime) -> list[CaseStatsRow]:
    """Count the given (already scoped) cases submitted in [start, end) straight from the
    case table, grouped by company, community, month and kind."""
    rows = (
        qs.filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(month=TruncMonth("submitted_at"))
        .values("company_id", "company__name", "community_id", "community__name", "month", "kind")
        .annotate(**case_aggregates())
        .order_by("company_id", "community_id", "month", "kind")
    )
    return [
        CaseStatsRow(
            company_id=r["company_id"],
            company=r["company__name"],
            community_id=r["community_id"],
            community=r["community__name"],
            month=timezone.localtime(r["month"]).date(),
            kind=r["kind"],
            figures=Figures.from_values(r),
        )
        for r in rows
    ]


# --- scope and query ---------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The communities whose cases a dashboard may count: a bureau's jurisdiction, or the
    communities of a company within the staff member's data scope."""

    community_ids: frozenset[int]
    bureau_id: int | None = None
    company_id: int | None = None

    def cases(self) -> QuerySet[Case]:
        return Case.objects.filter(community_id__in=self.community_ids)

    def communities(self) -> QuerySet[Community]:
        return Community.objects.filter(pk__in=self.community_ids)


def bureau_scope(user) -> Scope | None:
    """Every company's cases in the bureau's district (or city); None for anyone else."""
    access = get_access(user)
    if not access.is_bureau or access.is_platform:
        return None
    return Scope(community_ids=access.bureau_community_ids, bureau_id=access.bureau_id)


def company_scope(user) -> Scope | None:
    """The cases a staff member with servicedesk.view may read (as `Case.objects.for_user`
    does: the company's communities within the data scope); None for anyone else."""
    access = get_access(user)
    if access.company_id is None or not access.can("servicedesk.view"):
        return None
    communities = Community.objects.filter(company_id=access.company_id)
    if access.community_ids is not None:
        communities = communities.filter(pk__in=access.community_ids)
    return Scope(
        community_ids=frozenset(communities.values_list("pk", flat=True)),
        company_id=access.company_id,
    )


def scope_choices(scope: Scope | None) -> dict[str, QuerySet]:
    """What a dashboard's filters offer: the districts, companies and communities of the
    scope (empty for no scope)."""
    ids = scope.community_ids if scope is not None else frozenset()
    communities = Community.objects.filter(pk__in=ids)
    return {
        "community": communities.order_by("code", "pk"),
        "district": District.objects.filter(communities__in=communities)
        .select_related("city")
        .distinct(),
        "company": Company.objects.filter(communities__in=communities).distinct().order_by("name"),
    }


def month_start(moment: datetime) -> date:
    """The first day of the local month a moment falls in."""
    return timezone.localtime(moment).date().replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the month after `last`) in local time."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), tz)
    end = timezone.make_aware(datetime.combine(next_month(last), time.min), tz)
    return start, end


@dataclass(frozen=True)
class FigureQuery:
    """What the dashboard shows: months first..last (first days, inclusive) and optional
    narrowing to a district, company, community and kind."""

    first: date
    last: date
    district_id: int | None = None
    company_id: int | None = None
    community_id: int | None = None
    kind: str | None = None

    def months(self) -> list[date]:
        months, month = [], self.first
        while month <= self.last:
            months.append(month)
            month = next_month(month)
        return months

    def bounds(self) -> tuple[datetime, datetime]:
        return month_bounds(self.first, self.last)


def default_months(today: date | None = None, count: int = 6) -> tuple[date, date]:
    """The last `count` months up to and including the current one."""
    last = (today or timezone.localdate()).replace(day=1)
    first = last
    for _i in range(count - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, last


# --- the dashboards: sums of the monthly table -------------------------------------------

GROUPS: dict[str, tuple[str, ...]] = {
    "total": (),
    "month": ("month",),
    "company": ("company_id", "company__name"),
    "community": (
        "community_id",
        "community__name",
        "community__code",
        "community__district__name",
        "company_id",
        "company__name",
    ),
}


def _sums() -> dict[str, Any]:
    # Aliased "n_…": an alias equal to a column name would shadow the column for the
    # per-kind sums below.
    sums: dict[str, Any] = {f"n_{name}": Sum(name) for name in COUNTS}
    sums["n_response_total"] = Sum("response_total")
    sums["n_resolution_total"] = Sum("resolution_total")
    for kind in CaseKind.values:
        sums[f"n_{kind}_rated"] = Sum("rated", filter=Q(kind=kind))
        sums[f"n_{kind}_good"] = Sum("good", filter=Q(kind=kind))
    return sums


def _figures(values: dict[str, Any]) -> Figures:
    return Figures.from_values({k[2:]: v for k, v in values.items() if k.startswith("n_")})


def _month_rows(scope: Scope, query: FigureQuery) -> QuerySet[CaseMonthStat]:
    qs = CaseMonthStat.objects.filter(
        community_id__in=scope.community_ids, month__gte=query.first, month__lte=query.last
    )
    if query.district_id:
        qs = qs.filter(community__district_id=query.district_id)
    if query.company_id:
        qs = qs.filter(company_id=query.company_id)
    if query.community_id:
        qs = qs.filter(community_id=query.community_id)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    return qs


@dataclass(frozen=True)
class FigureRow:
    """One line of a dashboard table: its key (month, company or community) and figures."""

    key: dict[str, Any] = field(default_factory=dict)
    figures: Figures = Figures()

    def __getattr__(self, name: str) -> Any:
        key = self.__dict__["key"]
        if name in key:
            return key[name]
        return getattr(self.__dict__["figures"], name)


# Sort keys of the per-community table; the satisfaction rate sorts worst first.
ORDERS = {
    "received": "-n_received",
    "overdue": "-n_overdue",
    "escalated": "-n_escalated",
    "urged": "-n_urged",
    "bad": "-n_bad",
    "satisfaction": "satisfaction",
    "name": "community__code",
}


def figure_rows(scope: Scope, query: FigureQuery, *, by: str, order: str = "") -> QuerySet:
    """Lazy rows of the monthly table summed by `by` (month / company / community), so a
    long list can be paginated in the database. Turn each into a FigureRow with `to_row`."""
    keys = GROUPS[by]
    qs = _month_rows(scope, query).values(*keys).annotate(**_sums())
    if by == "community":
        qs = qs.annotate(
            satisfaction=CaseWhen(
                When(
                    n_rated__gt=0,
                    then=Cast("n_good", FloatField()) / Cast("n_rated", FloatField()),
                ),
                default=Value(2.0),  # nothing rated: after every real rate
                output_field=FloatField(),
            )
        )
        return qs.order_by(ORDERS.get(order, "-n_received"), "community__code", "company_id")
    if by == "company":
        return qs.order_by("-n_received", "company_id")
    return qs.order_by(*keys)


def to_row(values: dict[str, Any], by: str) -> FigureRow:
    key = {name: values[name] for name in GROUPS[by]}
    return FigureRow(key=key, figures=_figures(values))


def figure_list(scope: Scope, query: FigureQuery, *, by: str) -> list[FigureRow]:
    return [to_row(v, by) for v in figure_rows(scope, query, by=by)]


def figure_totals(scope: Scope, query: FigureQuery) -> Figures:
    return _figures(_month_rows(scope, query).aggregate(**_sums()))


def add_up(rows: list[FigureRow]) -> Figures:
    """The figures of several disjoint rows together (e.g. the months of a range)."""
    sums: dict[str, Any] = {}
    for name in Figures.__dataclass_fields__:
        start: Any = ZERO if name.endswith("_total") else 0
        sums[name] = sum((getattr(r.figures, name) for r in rows), start)
    return Figures(**sums)


class CommunityRows:
    """The per-community table for a paginator: counted with a light query (distinct
    community and company) instead of summing every figure just to count the lines."""

    def __init__(self, scope: Scope, query: FigureQuery, order: str = ""):
        self.rows = figure_rows(scope, query, by="community", order=order)
        self.keys = _month_rows(scope, query).values("community_id", "company_id").distinct()

    def count(self) -> int:
        return self.keys.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        return self.rows[index]


def month_series(scope: Scope, query: FigureQuery) -> list[FigureRow]:
    """One row per month of the range, months without cases included (for the trend)."""
    found = {r.month: r for r in figure_list(scope, query, by="month")}
    return [found.get(m) or FigureRow(key={"month": m}) for m in query.months()]


def cases_behind(cases: QuerySet[Case], query: FigureQuery, metric: str) -> QuerySet[Case]:
    """The cases a figure counts: the same months, narrowing and condition as the monthly
    table, read from the cases themselves. `cases` is the scope's cases (`Scope.cases()`, or
    a selector's list of the same cases with its related rows)."""
    start, end = query.bounds()
    qs = cases.filter(submitted_at__gte=start, submitted_at__lt=end)
    if query.district_id:
        qs = qs.filter(community__district_id=query.district_id)
    if query.company_id:
        qs = qs.filter(company_id=query.company_id)
    if query.community_id:
        qs = qs.filter(community_id=query.community_id)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    condition = METRICS.get(metric, METRICS["received"])
    return qs.filter(condition) if metric not in ("", "received") else qs
