"""Background jobs of billing."""

from __future__ import annotations

from celery import shared_task

from .services.jobs import bill_run_job_execute


@shared_task(name="billing.bill_run_job")
def bill_run_job(job_id: int) -> str:
    """Commits a queued bill run (see services.jobs)."""
    job = bill_run_job_execute(job_id=job_id)
    return job.state if job is not None else "taken"
