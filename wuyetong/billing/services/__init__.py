"""Billing services: every write of the money core. Keyword-only, typed, atomic."""

from .metered import bill_metered_create
from .payments import deposit_refund, deposit_take, payment_take, prepay_deposit, receipt_number
from .runs import (
    RunPreview,
    bill_compute,
    bill_create_one_off,
    bill_run_commit,
    bill_run_preview,
    bill_run_void,
)
from .shared import shared_allocate
from .standards import (
    AssignResult,
    default_billing_start,
    fee_assign,
    fee_item_create,
    fee_items_ensure_defaults,
    fee_standard_create,
    fee_standard_update,
)

__all__ = [
    "AssignResult",
    "RunPreview",
    "bill_compute",
    "bill_create_one_off",
    "bill_metered_create",
    "bill_run_commit",
    "bill_run_preview",
    "bill_run_void",
    "default_billing_start",
    "deposit_refund",
    "deposit_take",
    "fee_assign",
    "fee_item_create",
    "fee_items_ensure_defaults",
    "fee_standard_create",
    "fee_standard_update",
    "payment_take",
    "prepay_deposit",
    "receipt_number",
    "shared_allocate",
]
