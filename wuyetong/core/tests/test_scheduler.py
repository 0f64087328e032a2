from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from wuyetong.core.scheduler import EmbeddedScheduler
from wuyetong.core.tasks import HEARTBEAT_KEY

# The scheduler closes stale connections after each job, as a long-lived thread must.
pytestmark = pytest.mark.django_db


def test_embedded_scheduler_runs_due_jobs_in_process():
    cache.delete(HEARTBEAT_KEY)
    sched = EmbeddedScheduler({"hb": {"task": "core.scheduler_heartbeat", "schedule": 60.0}})
    assert sched.run_due() == []  # not due right after start, like beat
    assert cache.get(HEARTBEAT_KEY) is None
    sched.last_run["hb"] = timezone.now() - timedelta(seconds=61)
    assert sched.run_due() == ["hb"]
    assert cache.get(HEARTBEAT_KEY) is not None
    assert sched.run_due() == []


def test_failing_job_does_not_stop_the_others(caplog):
    sched = EmbeddedScheduler(
        {
            "bad": {"task": "core.scheduler_heartbeat", "schedule": 1.0, "args": ("unexpected",)},
            "hb": {"task": "core.scheduler_heartbeat", "schedule": 1.0},
        }
    )
    past = timezone.now() - timedelta(seconds=5)
    sched.last_run = {"bad": past, "hb": past}
    assert sched.run_due() == ["hb"]
    assert "scheduled job bad failed" in caplog.text


def test_every_beat_entry_names_a_registered_task(settings):
    sched = EmbeddedScheduler()
    from celery import current_app

    missing = [
        e["task"]
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] not in current_app.tasks
    ]
    assert sched.entries and missing == []
