"""The embedded scheduler: in `make run` (no Redis) a daemon thread plays Celery beat and runs
due tasks in-process, so scheduled jobs behave the same as in production. Due-ness follows
Celery's own schedule objects (`is_due`), like beat does."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from datetime import datetime, timedelta

from celery import current_app
from celery.schedules import schedule as celery_schedule
from django.apps import apps
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger("wuyetong.scheduler")


def import_task_modules() -> None:
    """Like a worker at start: import each installed app's `tasks` module so task names
    resolve (Celery's own loader would also re-run Django's logging set-up)."""
    for config in apps.get_app_configs():
        name = f"{config.name}.tasks"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


class EmbeddedScheduler:
    def __init__(self, entries: dict | None = None, tick_seconds: float = 5.0):
        self.entries = (
            entries if entries is not None else getattr(settings, "CELERY_BEAT_SCHEDULE", {})
        )
        import_task_modules()
        self.tick_seconds = tick_seconds
        started = timezone.now()
        # Like beat: a job first runs one interval after start, not at start.
        self.last_run: dict[str, datetime] = dict.fromkeys(self.entries, started)

    @staticmethod
    def _schedule(entry) -> celery_schedule:
        sched = entry["schedule"]
        if isinstance(sched, (int, float)):
            return celery_schedule(run_every=timedelta(seconds=sched))
        if isinstance(sched, timedelta):
            return celery_schedule(run_every=sched)
        return sched

    def run_due(self) -> list[str]:
        ran = []
        for name, entry in self.entries.items():
            if not self._schedule(entry).is_due(self.last_run[name]).is_due:
                continue
            self.last_run[name] = timezone.now()
            try:
                current_app.tasks[entry["task"]].apply(
                    args=entry.get("args", ()), kwargs=entry.get("kwargs", {})
                )
                ran.append(name)
            except Exception:  # a failing job must not stop the others
                logger.exception("scheduled job %s failed", name)
            finally:
                close_old_connections()
        return ran

    def start(self) -> threading.Thread:
        def loop():
            while True:
                threading.Event().wait(self.tick_seconds)
                self.run_due()

        thread = threading.Thread(target=loop, name="wuyetong-embedded-scheduler", daemon=True)
        thread.start()
        logger.info("embedded scheduler started with %d jobs", len(self.entries))
        return thread
