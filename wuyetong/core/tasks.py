"""Core background jobs."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "wuyetong:scheduler:heartbeat"


@shared_task(name="core.scheduler_heartbeat")
def scheduler_heartbeat() -> str:
    """Proves the scheduler and a worker are alive; /healthz reports the last beat."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now
