"""Starting background jobs (ADR 0002). A job is a Celery task sent once the transaction
that asked for it has committed: to a worker in production; in the embedded mode it runs in
a thread of this process, so the page that started it can show its progress meanwhile.
Tests run it inline (settings.WUYETONG_JOBS_IN_THREAD off)."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection, transaction

logger = logging.getLogger("wuyetong.jobs")


def _run_here(task, args: tuple, kwargs: dict) -> None:
    try:
        task.apply(args=args, kwargs=kwargs)
    except Exception:  # the task records its own failure; this only keeps the thread quiet
        logger.exception("background job %s failed", task.name)
    finally:
        close_old_connections()
        connection.close()


def enqueue(task, *args, **kwargs) -> None:
    def send() -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER and getattr(
            settings, "WUYETONG_JOBS_IN_THREAD", False
        ):
            threading.Thread(
                target=_run_here, args=(task, args, kwargs), name=task.name, daemon=True
            ).start()
        else:
            task.delay(*args, **kwargs)

    transaction.on_commit(send)
