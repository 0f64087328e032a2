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
    Window,
)
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import get_access
from wuyetong.orgs.models import Bureau, Community, Company, District

from .choices import CaseKind, Rating
from .models import CLOSED_STATES, Case, CaseMonthStat, CaseUrge

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
    communities of a company within the staff member's data scope. Held as a query, used as
    a subquery: thousands of ids written out cost the database more to plan than the join."""

    communities: QuerySet[Community]
    bureau_id: int | None = None
    company_id: int | None = None
    label: str = ""  # the bureau's or the company's name

    @classmethod
    def empty(cls) -> Scope:
        return cls(communities=Community.objects.none())

    def ids(self) -> QuerySet:
        return self.communities.values("pk")

    def cases(self) -> QuerySet[Case]:
        return Case.objects.filter(community_id__in=self.ids())

    def queue_open(self) -> int:
        """Cases escalated into this bureau's queue and not closed yet."""
        if self.bureau_id is None:
            return 0
        return (
            self.cases().filter(bureau_id=self.bureau_id).exclude(state__in=CLOSED_STATES).count()
        )


def bureau_scope(user) -> Scope | None:
    """Every company's cases in the bureau's district (or city); None for anyone else."""
    access = get_access(user)
    if not access.is_bureau or access.is_platform:
        return None
    bureau = Bureau.objects.get(pk=access.bureau_id or 0)
    return Scope(communities=bureau.communities(), bureau_id=bureau.pk, label=bureau.name)


def company_scope(user) -> Scope | None:
    """The cases a staff member with servicedesk.view may read (as `Case.objects.for_user`
    does: the company's communities within the data scope); None for anyone else."""
    access = get_access(user)
    if access.company_id is None or not access.can("servicedesk.view"):
        return None
    communities = Community.objects.filter(company_id=access.company_id)
    if access.community_ids is not None:
        communities = communities.filter(pk__in=access.community_ids)
    return Scope(communities=communities, company_id=access.company_id)


def scope_choices(scope: Scope | None) -> dict[str, QuerySet]:
    """What a dashboard's filters offer: the districts, companies and communities of the
    scope (empty for no scope)."""
    communities = (scope or Scope.empty()).communities
    return {
        "community": communities.order_by("code", "pk"),
        "district": District.objects.filter(pk__in=communities.values("district_id"))
        .select_related("city")
        .order_by("code"),
        "company": Company.objects.filter(pk__in=communities.values("company_id")).order_by("name"),
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


# `_summed` reads the sums by position.
assert [k[2:] for k in _sums()] == list(Figures.__dataclass_fields__)


def _figures(values: Mapping[str, Any]) -> Figures:
    return Figures.from_values({k[2:]: v for k, v in values.items() if k.startswith("n_")})


def _month_rows(scope: Scope, query: FigureQuery) -> QuerySet[CaseMonthStat]:
    qs = CaseMonthStat.objects.filter(
        community_id__in=scope.ids(), month__gte=query.first, month__lte=query.last
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


def _summed(scope: Scope, query: FigureQuery, keys: tuple[str, ...]) -> list[FigureRow]:
    """The monthly table summed by `keys` (ids only: cheap to group). Read as tuples in the
    order of `_sums()`, which is the order of Figures' fields: thousands of lines a page."""
    rows = _month_rows(scope, query).values_list(*keys).annotate(**_sums()).order_by(*keys)
    n = len(keys)
    out = []
    for row in rows:
        figures: list[Any] = [v or 0 for v in row[n:]]
        figures[9] = figures[9] or ZERO  # response_total
        figures[10] = figures[10] or ZERO  # resolution_total
        out.append(FigureRow(key=dict(zip(keys, row[:n], strict=True)), figures=Figures(*figures)))
    return out


def add_up(rows: list[FigureRow]) -> Figures:
    """The figures of several disjoint rows together (e.g. the months of a range)."""
    sums: dict[str, Any] = {}
    for name in Figures.__dataclass_fields__:
        start: Any = ZERO if name.endswith("_total") else 0
        sums[name] = sum((getattr(r.figures, name) for r in rows), start)
    return Figures(**sums)


def months_and_companies(
    scope: Scope, query: FigureQuery
) -> tuple[list[FigureRow], list[FigureRow]]:
    """The trend (one row per month of the range, empty months included) and the companies
    (busiest first), both added up from one pass over the table by company and month."""
    cells = _summed(scope, query, ("company_id", "month"))
    per_month: dict[date, list[FigureRow]] = {}
    per_company: dict[int, list[FigureRow]] = {}
    for cell in cells:
        per_month.setdefault(cell.month, []).append(cell)
        per_company.setdefault(cell.company_id, []).append(cell)
    months = [
        FigureRow(key={"month": m}, figures=add_up(per_month.get(m, []))) for m in query.months()
    ]
    companies = sorted(
        (FigureRow(key={"company_id": c}, figures=add_up(rows)) for c, rows in per_company.items()),
        key=lambda r: (-r.received, r.company_id),
    )
    return months, named(companies, "company")


def month_series(scope: Scope, query: FigureQuery) -> list[FigureRow]:
    return months_and_companies(scope, query)[0]


# Sort keys of the per-community table; the satisfaction rate sorts worst first, lines with
# nothing rated after every rate.
ORDERS: dict[str, Any] = {
    "received": "-n_received",
    "overdue": "-n_overdue",
    "escalated": "-n_escalated",
    "urged": "-n_urged",
    "bad": "-n_bad",
    "satisfaction": "satisfaction",
    "name": "community__code",
}
_COMMUNITY = ("community_id", "company_id")


def _community_sums(scope: Scope, query: FigureQuery, order: str) -> QuerySet:
    """The monthly table summed by community, sorted in the database, each line carrying
    how many lines there are (a window count: no second pass to count them)."""
    return (
        _month_rows(scope, query)
        .values_list(*_COMMUNITY)
        .annotate(**_sums())
        .annotate(
            satisfaction=CaseWhen(
                When(
                    n_rated__gt=0,
                    then=Cast("n_good", FloatField()) / Cast("n_rated", FloatField()),
                ),
                default=Value(2.0),
                output_field=FloatField(),
            ),
            lines=Window(Count("*")),
        )
        .order_by(ORDERS.get(order, ORDERS["received"]), "community_id", "company_id")
    )


def _community_row(row: tuple) -> FigureRow:
    figures: list[Any] = [v or 0 for v in row[2:-2]]  # the sums, without satisfaction, lines
    figures[9] = figures[9] or ZERO
    figures[10] = figures[10] or ZERO
    return FigureRow(key={"community_id": row[0], "company_id": row[1]}, figures=Figures(*figures))


def community_rows(scope: Scope, query: FigureQuery, order: str = "") -> list[FigureRow]:
    """Every community with cases in the range, sorted, without names (see `named`)."""
    return [_community_row(r) for r in _community_sums(scope, query, order)]


def community_page(
    scope: Scope, query: FigureQuery, *, order: str, number: int, per_page: int
) -> tuple[list[FigureRow], int, int]:
    """One page of the per-community table (named), the page's number (a page past the end
    becomes the last) and the number of lines — one query for a page that exists."""
    qs = _community_sums(scope, query, order)
    number = max(number, 1)
    rows = list(qs[(number - 1) * per_page : number * per_page])
    if not rows and number > 1:
        first = list(qs[:1])
        lines = first[0][-1] if first else 0
        number = max((lines + per_page - 1) // per_page, 1)
        rows = list(qs[(number - 1) * per_page : number * per_page])
    lines = rows[0][-1] if rows else 0
    return named([_community_row(r) for r in rows], "community"), number, lines


def named(rows: list[FigureRow], by: str) -> list[FigureRow]:
    """The same rows with the names of their company and community (one small query each,
    for just these rows)."""
    companies: dict[int, tuple[str, str]] = {}
    communities: dict[int, Mapping[str, Any]] = {}
    if by in ("company", "community"):
        companies = {
            pk: (name, short or name)
            for pk, name, short in Company.objects.filter(
                pk__in={r.company_id for r in rows}
            ).values_list("pk", "name", "short_name")
        }
    if by == "community":
        communities = {
            c["pk"]: c
            for c in Community.objects.filter(pk__in={r.community_id for r in rows}).values(
                "pk", "name", "code", "district__name"
            )
        }
    out = []
    for r in rows:
        key = dict(r.key)
        if by in ("company", "community"):
            key["company__name"], key["company__short_name"] = companies.get(r.company_id, ("", ""))
        if by == "community":
            c = communities.get(r.community_id, {})
            key.update(
                community__name=c.get("name", ""),
                community__code=c.get("code", ""),
                community__district__name=c.get("district__name", ""),
            )
        out.append(FigureRow(key=key, figures=r.figures))
    return out


def figure_list(scope: Scope, query: FigureQuery, *, by: str, order: str = "") -> list[FigureRow]:
    """A whole table (month / company / community), named."""
    if by == "community":
        return named(community_rows(scope, query, order), "community")
    months, companies = months_and_companies(scope, query)
    return months if by == "month" else companies


def figure_totals(scope: Scope, query: FigureQuery) -> Figures:
    return _figures(_month_rows(scope, query).aggregate(**_sums()))


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
