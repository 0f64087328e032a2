"""Scheduled service-desk jobs. Each takes an explicit `now` (a datetime or an ISO string, as
Celery serialises it) so tests control the clock; beat calls them without one."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import services


def _now(now: datetime | str | None) -> datetime:
    if now is None:
        return timezone.now()
    if isinstance(now, str):
        parsed = parse_datetime(now)
        if parsed is None:
            raise ValueError(f"not a datetime: {now!r}")
        now = parsed
    if timezone.is_naive(now):
        now = timezone.make_aware(now)
    return now


@shared_task(name="servicedesk.sla_scan")
def sla_scan(now: datetime | str | None = None) -> dict[str, list[int]]:
    """Warn before SLA deadlines and escalate breaches."""
    result = services.sla_scan(now=_now(now))
    return {"warned": result.warned, "breached": result.breached}


@shared_task(name="servicedesk.return_visit_scan")
def return_visit_scan(now: datetime | str | None = None) -> dict[str, list[int]]:
    """Automatic return visit of unrated cases, then automatic close."""
    result = services.return_visit_scan(now=_now(now))
    return {"visited": result.visited, "closed": result.closed}
