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
from .surveys import (
    eligible_house_ids,
    question_add,
    question_delete,
    response_submit,
    survey_close,
    survey_create,
    survey_publish,
    survey_update,
    surveys_close_due,
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
    "eligible_house_ids",
    "emergency_contact_create",
    "emergency_contact_delete",
    "emergency_contact_update",
    "emergency_defaults_create",
    "question_add",
    "question_delete",
    "response_submit",
    "survey_close",
    "survey_create",
    "survey_publish",
    "survey_update",
    "surveys_close_due",
    "vote_cancel",
    "vote_close",
    "vote_create",
    "vote_publish",
    "vote_tally",
    "vote_update",
    "votes_close_due",
]
