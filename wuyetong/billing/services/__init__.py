"""Billing services: every write of the money core. Keyword-only, typed, atomic."""

from .desk import daily_close, desk_pay, late_fee_waive
from .invoices import invoice_issue, invoice_request, invoice_review, invoice_send
from .metered import bill_metered_create
from .online import notice_receive, order_create, reconciliation, sandbox_decide
from .payments import deposit_refund, deposit_take, prepay_deposit, receipt_number
from .quote import quote_build
from .refunds import refund_approve, refund_reject, refund_request
from .rules import (
    discount_rule_create,
    discount_rule_disable,
    late_fee_rule_set,
    vacancy_relief_decide,
    vacancy_relief_request,
)
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
    "daily_close",
    "default_billing_start",
    "deposit_refund",
    "deposit_take",
    "desk_pay",
    "discount_rule_create",
    "discount_rule_disable",
    "fee_assign",
    "fee_item_create",
    "fee_items_ensure_defaults",
    "fee_standard_create",
    "fee_standard_update",
    "invoice_issue",
    "invoice_request",
    "invoice_review",
    "invoice_send",
    "late_fee_rule_set",
    "late_fee_waive",
    "notice_receive",
    "order_create",
    "prepay_deposit",
    "quote_build",
    "receipt_number",
    "reconciliation",
    "refund_approve",
    "refund_reject",
    "refund_request",
    "sandbox_decide",
    "shared_allocate",
    "vacancy_relief_decide",
    "vacancy_relief_request",
]
