"""Community-life actions (C8): one function per change, keyword-only, atomic. The console,
the owner app and the API all call these."""

from .committee import (
    committee_member_add,
    committee_member_change_role,
    committee_member_end,
    committee_member_update,
)
from .emergency import (
    emergency_contact_create,
    emergency_contact_delete,
    emergency_contact_update,
    emergency_defaults_create,
)
from .votes import (
    ballot_cast,
    ballot_record_paper,
    choice_counts,
    vote_cancel,
    vote_close,
    vote_create,
    vote_publish,
    vote_tally,
    vote_update,
    votes_close_due,
)

__all__ = [
    "ballot_cast",
    "ballot_record_paper",
    "choice_counts",
    "committee_member_add",
    "committee_member_change_role",
    "committee_member_end",
    "committee_member_update",
    "emergency_contact_create",
    "emergency_contact_delete",
    "emergency_contact_update",
    "emergency_defaults_create",
    "vote_cancel",
    "vote_close",
    "vote_create",
    "vote_publish",
    "vote_tally",
    "vote_update",
    "votes_close_due",
]
