"""Scheduled notice jobs. `now` is explicit (a datetime or an ISO string, as Celery
serialises it) so tests control the clock; beat calls the task without one."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from wuyetong.core.clock import parse_now

from . import services


@shared_task(name="notices.publish_due_notices")
def publish_due_notices(now: datetime | str | None = None) -> list[int]:
    """Publish the scheduled notices whose time has come; returns their ids."""
    return services.publish_due_notices(now=parse_now(now))
