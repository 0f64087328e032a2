"""Background jobs of billing."""

from __future__ import annotations

import logging

from celery import shared_task

from .services import charges
from .services.jobs import bill_run_job_execute

log = logging.getLogger(__name__)


@shared_task(name="billing.bill_run_job")
def bill_run_job(job_id: int) -> str:
    """Commits a queued bill run (see services.jobs)."""
    job = bill_run_job_execute(job_id=job_id)
    return job.state if job is not None else "taken"


@shared_task(name="billing.case_charges_to_bills")
def case_charges_to_bills() -> list[int]:
    """Paid repairs accepted by owners become one-off bills on their houses. servicedesk
    bills each charge as soon as its acceptance commits; this runs every minute to catch up
    on any that failed there."""
    billed = []
    for pk in charges.case_charges_pending():
        try:
            bill = charges.case_charge_bill(charge=charges.CaseCharge(pk=pk))
        except Exception:  # one bad charge must not stop the others; retried next run
            log.exception("case charge %s could not be billed", pk)
            continue
        if bill is not None:
            billed.append(bill.pk)
    return billed


@shared_task(name="billing.gateway_refund_send")
def gateway_refund_send(refund_id: int) -> str:
    """Sends an approved online refund back through its gateway (services.gateway_refunds)."""
    from .services.gateway_refunds import route_send

    refund = route_send(refund_id=refund_id)
    return refund.state if refund is not None else "not processing"


@shared_task(name="billing.gateway_refunds_query")
def gateway_refunds_query() -> list[int]:
    """Asks the gateways about refunds still processing after a while; sends lost ones."""
    from .services.gateway_refunds import routes_due

    return routes_due()
