"""Scheduled notice jobs. `now` is explicit (a datetime or an ISO string, as Celery
serialises it) so tests control the clock; beat calls the task without one."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from wuyetong.core.clock import parse_now

from . import services
from .feed import services as feed_services


@shared_task(name="notices.publish_due_notices")
def publish_due_notices(now: datetime | str | None = None) -> list[int]:
    """Publish the scheduled notices whose time has come; returns their ids."""
    return services.publish_due_notices(now=parse_now(now))


@shared_task(name="notices.send_sms_batch")
def send_sms_batch(*, notice_id: int, phones: list[str], text: str, title: str) -> int:
    """SMS of an urgent notice or a reminder, sent after the publishing transaction."""
    return services.sms_batch_send(notice_id=notice_id, phones=phones, text=text, title=title)


@shared_task(name="notices.push_weather")
def push_weather(slot: str, now: datetime | str | None = None) -> int:
    """The scheduled weather push (beat: morning and evening); returns the cities pushed."""
    return len(feed_services.weather_push(slot=slot, now=parse_now(now)))
