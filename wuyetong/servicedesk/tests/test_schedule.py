"""The beat entries proposed for settings.CELERY_BEAT_SCHEDULE run the service-desk scans by
task name in the embedded scheduler, without a `now` (the task takes the real clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from wuyetong.core.scheduler import EmbeddedScheduler
from wuyetong.servicedesk.models import Case

BEAT_ENTRIES = {
    "servicedesk-sla-scan": {"task": "servicedesk.sla_scan", "schedule": 60.0},
    "servicedesk-return-visit-scan": {"task": "servicedesk.return_visit_scan", "schedule": 3600.0},
}


# The scheduler closes the connection after each job, as a long-lived thread must; on
# PostgreSQL that ends a test's wrapping transaction, so this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_embedded_scheduler_runs_the_scans_by_name(desk, pushes):
    case = desk.submit()
    Case.objects.filter(pk=case.pk).update(
        response_warn_at=timezone.now() - timedelta(minutes=20),
        response_due_at=timezone.now() - timedelta(minutes=10),
    )
    scheduler = EmbeddedScheduler(entries=BEAT_ENTRIES)
    scheduler.last_run = dict.fromkeys(BEAT_ENTRIES, timezone.now() - timedelta(hours=2))
    assert sorted(scheduler.run_due()) == sorted(BEAT_ENTRIES)
    case.refresh_from_db()
    assert case.response_breached_at is not None and case.escalation_level == 1
