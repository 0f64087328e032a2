"""Scheduled notice jobs. `now` is explicit (a datetime or an ISO string, as Celery
serialises it) so tests control the clock; beat calls the task without one."""

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


@shared_task(name="notices.publish_due_notices")
def publish_due_notices(now: datetime | str | None = None) -> list[int]:
    """Publish the scheduled notices whose time has come; returns their ids."""
    return services.publish_due_notices(now=_now(now))
