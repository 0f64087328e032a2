"""Scheduled community-life jobs. Each takes an explicit `now` so tests control the clock;
beat (or the embedded scheduler) calls them without one."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from wuyetong.core.clock import parse_now

from . import services


@shared_task(name="community.close_due_votes")
def close_due_votes(now: datetime | str | None = None) -> list[int]:
    """Close votes whose deadline has passed and freeze their results."""
    return services.votes_close_due(now=parse_now(now))


@shared_task(name="community.close_due_surveys")
def close_due_surveys(now: datetime | str | None = None) -> list[int]:
    """Close surveys whose deadline has passed."""
    return services.surveys_close_due(now=parse_now(now))
