"""A bill run committed as a background job: queued by the clerk, run by a Celery task (in a
thread of the server in the embedded mode), its progress kept in the cache while it writes
and its result on the job row. The commit itself is `bill_run_commit`: re-running a month
makes nothing new, and the job says so."""

from __future__ import annotations

import datetime as dt
import logging
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.jobs import enqueue
from wuyetong.core.money import ZERO
from wuyetong.orgs.models import Community

from ..choices import BillRunState, JobState
from ..models import BillRun, BillRunJob
from ..selectors_ops import progress_key
from .common import require_billing
from .run_metered import metered_plan, skipped_text
from .runs import _check_period, bill_run_commit

logger = logging.getLogger("wuyetong.billing")
STALE_AFTER = timedelta(hours=2)  # a job this old still "running" lost its worker
ACTIVE = (JobState.QUEUED, JobState.RUNNING)


def bill_run_job_start(*, actor, community: Community, period: dt.date) -> BillRunJob:
    """Queues the month's bill run for the community. A job already waiting or running for
    the same month is returned instead of a second one (a double click queues one)."""
    require_billing(actor, community, "add")
    period = _check_period(period)
    with transaction.atomic():
        active = (
            BillRunJob.objects.select_for_update()
            .filter(community=community, period=period, state__in=ACTIVE)
            .first()
        )
        if active is not None:
            if timezone.now() - active.created_at < STALE_AFTER:
                return active
            active.state = JobState.FAILED
            active.error = "任务超时未完成（后台进程可能已重启），已另起任务"
            active.finished_at = timezone.now()
            active.save(update_fields=["state", "error", "finished_at"])
        try:
            with transaction.atomic():
                job = BillRunJob.objects.create(
                    community=community, period=period, created_by=actor
                )
        except IntegrityError:  # another request queued it a moment ago
            found = BillRunJob.objects.filter(
                community=community, period=period, state__in=ACTIVE
            ).first()
            if found is None:
                raise
            return found
        from ..tasks import bill_run_job  # the task module imports these services

        enqueue(bill_run_job, job.pk)
    return job


def _fail(job: BillRunJob, message: str) -> None:
    job.state = JobState.FAILED
    job.error = message[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "finished_at"])
    cache.delete(progress_key(job.pk))


def _runs(job: BillRunJob) -> dict[int, BillRun]:
    return {
        r.fee_item_id: r
        for r in BillRun.objects.filter(community_id=job.community_id, period=job.period)
        .exclude(state=BillRunState.VOIDED)
        .select_related("fee_item")
    }


def bill_run_job_execute(*, job_id: int) -> BillRunJob | None:
    """Runs a queued job once (a repeated delivery of the task finds it taken)."""
    now = timezone.now()
    if not BillRunJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=now
    ):
        return None
    job = BillRunJob.objects.select_related("community", "created_by").get(pk=job_id)
    key = progress_key(job.pk)
    cache.set(key, {"phase": "plan", "done": 0, "total": 0}, timeout=6 * 3600)

    def progress(done: int, total: int) -> None:
        cache.set(key, {"phase": "write", "done": done, "total": total}, timeout=6 * 3600)

    before = {item: (r.bill_count, r.total_amount) for item, r in _runs(job).items()}
    try:
        bill_run_commit(
            actor=job.created_by, community=job.community, period=job.period, progress=progress
        )
    except ApplicationError as exc:
        _fail(job, exc.message)
        return job
    except Exception:
        logger.exception("bill run job %s failed", job.pk)
        _fail(job, "生成账单时发生系统错误，未生成任何账单，请稍后重试或联系管理员")
        return job
    lines: list[dict[str, Any]] = []
    for item, run in sorted(_runs(job).items(), key=lambda kv: kv[1].fee_item.sort):
        count0, total0 = before.get(item, (0, ZERO))
        lines.append(
            {
                "fee_item": run.fee_item.name,
                "run": run.pk,
                "new_count": run.bill_count - count0,
                "new_total": str(run.total_amount - total0),
                "count": run.bill_count,
                "total": str(run.total_amount),
            }
        )
    job.created_count = sum(line["new_count"] for line in lines)
    job.created_amount = sum(
        (run.total_amount - before.get(item, (0, ZERO))[1] for item, run in _runs(job).items()),
        ZERO,
    )
    job.planned = job.created_count
    job.result = {
        "lines": lines,
        "skipped": skipped_text(metered_plan(job.community, job.period).skipped),
    }
    job.state = JobState.DONE
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "created_count",
            "created_amount",
            "planned",
            "result",
            "state",
            "finished_at",
        ]
    )
    cache.delete(key)
    return job
