"""The current time for scheduled jobs, which take `now` explicitly so tests control the clock."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def parse_now(now: datetime | str | None) -> datetime:
    """`now` as an aware datetime: None is the current time, a string is ISO 8601 (as Celery
    serialises a datetime), a naive value is taken in the current time zone."""
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
