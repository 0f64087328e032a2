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

__all__ = [
    "committee_member_add",
    "committee_member_change_role",
    "committee_member_end",
    "committee_member_update",
    "emergency_contact_create",
    "emergency_contact_delete",
    "emergency_contact_update",
    "emergency_defaults_create",
]
