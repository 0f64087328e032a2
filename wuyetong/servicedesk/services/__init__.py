"""Service-desk actions, one function per state change (keyword-only, atomic). Owners:
owner.py; the property company: handling.py; the bureau: oversight.py; timed work: scans.py; configuration: config.py."""

from ._common import event_label
from .config import (
    case_type_create,
    case_type_defaults_create,
    case_type_update,
    case_worker_save,
    case_worker_set_duty,
    sla_rule_save,
)
from .handling import (
    case_accept,
    case_arrive,
    case_close,
    case_complete,
    case_dispatch,
    case_dispatch_round_robin,
    case_grab,
    case_message,
    case_pause,
    case_photos_add,
    case_quote,
    case_reopen,
    case_reply,
    case_resume,
    case_return_to_pool,
    case_return_visit,
    case_start,
    case_transfer,
)
from .oversight import bureau_urge, company_answer_urge, urge_refusal
from .owner import case_add_info, case_cancel, case_quote_accept, case_rate, case_submit
from .scans import ScanResult, return_visit_scan, sla_scan

__all__ = [
    "ScanResult",
    "bureau_urge",
    "case_accept",
    "case_add_info",
    "case_arrive",
    "case_cancel",
    "case_close",
    "case_complete",
    "case_dispatch",
    "case_dispatch_round_robin",
    "case_grab",
    "case_message",
    "case_pause",
    "case_photos_add",
    "case_quote",
    "case_quote_accept",
    "case_rate",
    "case_reopen",
    "case_reply",
    "case_resume",
    "case_return_to_pool",
    "case_return_visit",
    "case_start",
    "case_submit",
    "case_transfer",
    "case_type_create",
    "case_type_defaults_create",
    "case_type_update",
    "case_worker_save",
    "case_worker_set_duty",
    "company_answer_urge",
    "event_label",
    "return_visit_scan",
    "sla_rule_save",
    "sla_scan",
    "urge_refusal",
]
