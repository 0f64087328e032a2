"""Organisation actions (C1): one function per change, keyword-only, atomic; every change
writes an operation-log entry. Import from here: `from wuyetong.orgs import services`."""

from .oplog import diff, oplog_record, snapshot
from .platform import (
    bureau_create,
    bureau_member_add,
    bureau_set_active,
    community_review,
    company_admin_add,
    company_grant_modules,
    company_review,
    merchant_review,
)
from .staff import (
    employee_assign_roles,
    employee_create,
    employee_set_active,
    employee_update,
    role_create_from_template,
    role_delete,
    role_update,
)
from .structure import (
    department_create,
    department_delete,
    department_rename,
    org_unit_create,
    org_unit_move,
    org_unit_rename,
    position_create,
    position_delete,
    position_rename,
)

__all__ = [
    "bureau_create",
    "bureau_member_add",
    "bureau_set_active",
    "community_review",
    "company_admin_add",
    "company_grant_modules",
    "company_review",
    "department_create",
    "department_delete",
    "department_rename",
    "diff",
    "employee_assign_roles",
    "employee_create",
    "employee_set_active",
    "employee_update",
    "merchant_review",
    "oplog_record",
    "org_unit_create",
    "org_unit_move",
    "org_unit_rename",
    "position_create",
    "position_delete",
    "position_rename",
    "role_create_from_template",
    "role_delete",
    "role_update",
    "snapshot",
]
