"""Organisation fixtures on top of the shared `world` personas."""

from __future__ import annotations

import pytest

from wuyetong.orgs import services
from wuyetong.orgs.models import Employee, OperationLog


@pytest.fixture
def org(world):
    """A department and a position in each company, and handy handles on A's rows."""
    ns = type("Org", (), {})()
    ns.dept_a = services.department_create(actor=None, org_unit=world.a.projects[0], name="工程部")
    ns.dept_b = services.department_create(actor=None, org_unit=world.b.projects[0], name="工程部")
    ns.position_a = services.position_create(actor=None, company=world.company_a, name="维修主管")
    ns.position_b = services.position_create(actor=None, company=world.company_b, name="维修主管")
    ns.cleaner_a = Employee.objects.get(user=world.staff("cleaner"))
    ns.cleaner_b = Employee.objects.get(user=world.staff("cleaner", "b"))
    ns.role_a = world.a.roles["repair_worker"]
    ns.role_b = world.b.roles["repair_worker"]
    return ns


def oplog_count() -> int:
    return OperationLog.objects.count()
