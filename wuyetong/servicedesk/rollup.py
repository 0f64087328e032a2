"""Keeps the monthly figures table (`CaseMonthStat`) equal to the cases it summarises.

`refresh` recomputes the one row a case belongs to — its company, community, kind and month
of submission — from the cases themselves, under that row's lock: two services changing
cases of the same month at once queue on the row, and the second recomputes after the first
has committed (READ COMMITTED takes a fresh snapshot per statement), so the row is exact
rather than incremented. `_common.record` calls it for every event that can change a figure.
`rebuild` recomputes every row in bulk (after an import, or for the benchmark)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import DateField
from django.db.models.functions import TruncMonth

from .models import Case, CaseMonthStat
from .stats import COUNTS, ZERO, case_aggregates, month_bounds, month_start


def _apply(row: CaseMonthStat, values: Mapping[str, Any]) -> None:
    for name in COUNTS:
        setattr(row, name, values[name] or 0)
    row.response_total = values["response_total"] or ZERO
    row.resolution_total = values["resolution_total"] or ZERO


def refresh(case: Case) -> None:
    """Recompute the month row of `case` (call inside the transaction that changed it)."""
    month = month_start(case.submitted_at)
    key = {
        "company_id": case.company_id,
        "community_id": case.community_id,
        "month": month,
        "kind": case.kind,
    }
    CaseMonthStat.objects.bulk_create([CaseMonthStat(**key)], ignore_conflicts=True)
    row = CaseMonthStat.objects.select_for_update().get(**key)
    start, end = month_bounds(month, month)
    values = Case.objects.filter(
        company_id=case.company_id,
        community_id=case.community_id,
        kind=case.kind,
        submitted_at__gte=start,
        submitted_at__lt=end,
    ).aggregate(**case_aggregates())
    _apply(row, values)
    row.save()


def _truncated() -> bool:
    """Everything is rewritten: on PostgreSQL, TRUNCATE leaves no dead rows for the
    dashboards to scan. Not possible inside a transaction that has deferred checks pending
    on the table (the caller's own inserts); then DELETE does."""
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {CaseMonthStat._meta.db_table}")
    except OperationalError:
        return False
    return True


@transaction.atomic
def rebuild(*, community_ids: Iterable[int] | None = None, batch_size: int = 5000) -> int:
    """Recompute every row (of the given communities) from the cases; returns the number of
    rows written. Holds the table against concurrent refreshes while it runs."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Blocks refresh's INSERT (ROW EXCLUSIVE) until this transaction ends.
            cursor.execute(f"LOCK TABLE {CaseMonthStat._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    cases = Case.objects.all()
    rows = CaseMonthStat.objects.all()
    if community_ids is not None:
        ids = list(community_ids)
        cases, rows = cases.filter(community_id__in=ids), rows.filter(community_id__in=ids)
        rows.delete()
    elif not _truncated():
        rows.delete()
    groups = (
        cases.annotate(month=TruncMonth("submitted_at", output_field=DateField()))
        .values("company_id", "community_id", "month", "kind")
        .annotate(**case_aggregates())
        # Written month by month, as the rows of a live system come about: a range of
        # months is then a run of neighbouring pages for the dashboards to read.
        .order_by("month", "community_id", "company_id", "kind")
    )
    written = 0
    batch: list[CaseMonthStat] = []
    for values in groups.iterator(chunk_size=batch_size):
        month = values["month"]
        row = CaseMonthStat(
            company_id=values["company_id"],
            community_id=values["community_id"],
            month=month if isinstance(month, date) else month_start(month),
            kind=values["kind"],
        )
        _apply(row, values)
        batch.append(row)
        if len(batch) >= batch_size:
            written += len(CaseMonthStat.objects.bulk_create(batch))
            batch = []
    if batch:
        written += len(CaseMonthStat.objects.bulk_create(batch))
    return written
