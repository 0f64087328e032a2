"""Figures for the bureau's dashboard (C12) and the company's, computed in the database with
one grouped query: per company, community and month — cases received, accepted, resolved,
average response and resolution minutes, overdue, escalated, urged, and the satisfaction rate
(好评率 = 好 / rated) for repairs and complaints. The oversight app reads them from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth

from wuyetong.core.access import get_access

from .choices import Rating
from .models import Case, CaseUrge


@dataclass(frozen=True)
class CaseStatsRow:
    """One (company, community, month, kind) line of the dashboard."""

    company_id: int
    company: str
    community_id: int
    community: str
    month: datetime
    kind: str
    received: int
    accepted: int
    resolved: int
    avg_response_minutes: Decimal | None
    avg_resolution_minutes: Decimal | None
    overdue: int
    escalated: int
    urged: int
    rated: int
    good: int

    @property
    def satisfaction_rate(self) -> Decimal | None:
        """好评率 in percent with one decimal, None when nothing was rated."""
        if not self.rated:
            return None
        return (Decimal(self.good) * 100 / self.rated).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def _minutes(value) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.total_seconds()) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def case_stats(qs: QuerySet[Case], *, start: datetime, end: datetime) -> list[CaseStatsRow]:
    """Group the given (already scoped) cases submitted in [start, end)."""
    response = ExpressionWrapper(F("accepted_at") - F("submitted_at"), output_field=DurationField())
    resolution = ExpressionWrapper(
        F("completed_at") - F("submitted_at"), output_field=DurationField()
    )
    rows = (
        qs.filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(month=TruncMonth("submitted_at"))
        .values(
            "company_id",
            "company__name",
            "community_id",
            "community__name",
            "month",
            "kind",
        )
        .annotate(
            received=Count("pk"),
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
            resolved=Count("pk", filter=Q(completed_at__isnull=False)),
            avg_response=Avg(response),
            avg_resolution=Avg(resolution),
            overdue=Count(
                "pk",
                filter=Q(response_breached_at__isnull=False)
                | Q(resolution_breached_at__isnull=False),
            ),
            escalated=Count(
                "pk",
                filter=Q(escalation_level__gt=0) | Q(bureau_queued_at__isnull=False),
            ),
            urged=Count("pk", filter=Exists(CaseUrge.objects.filter(case=OuterRef("pk")))),
            rated=Count("pk", filter=~Q(rating="")),
            good=Count("pk", filter=Q(rating=Rating.GOOD)),
        )
        .order_by("company_id", "community_id", "month", "kind")
    )
    return [
        CaseStatsRow(
            company_id=r["company_id"],
            company=r["company__name"],
            community_id=r["community_id"],
            community=r["community__name"],
            month=r["month"],
            kind=r["kind"],
            received=r["received"],
            accepted=r["accepted"],
            resolved=r["resolved"],
            avg_response_minutes=_minutes(r["avg_response"]),
            avg_resolution_minutes=_minutes(r["avg_resolution"]),
            overdue=r["overdue"],
            escalated=r["escalated"],
            urged=r["urged"],
            rated=r["rated"],
            good=r["good"],
        )
        for r in rows
    ]


def bureau_case_stats(*, user, start: datetime, end: datetime) -> list[CaseStatsRow]:
    """The bureau's jurisdiction (every company's communities in its district or city)."""
    access = get_access(user)
    if not access.is_bureau:
        return []
    qs = Case.objects.filter(community_id__in=access.bureau_community_ids)
    return case_stats(qs, start=start, end=end)


def company_case_stats(*, user, start: datetime, end: datetime) -> list[CaseStatsRow]:
    """A company's own figures within the user's data scope (needs servicedesk.view)."""
    return case_stats(Case.objects.for_user(user, "view"), start=start, end=end)
