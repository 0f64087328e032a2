"""Company configuration: the type tree, SLA rules and duty cards; only whole-company admins
change types and rules, and another company's rows are out of reach."""

from __future__ import annotations

import pytest

from wuyetong.core.exceptions import ApplicationError, PermissionDenied
from wuyetong.orgs.models import OperationLog
from wuyetong.servicedesk import services
from wuyetong.servicedesk.models import CaseType, CaseWorker, SlaRule


def test_hq_admin_builds_the_type_tree_and_it_is_logged(world):
    admin = world.staff("hq_admin")
    water = services.case_type_create(actor=admin, kind="repair", name="水电")
    leak = services.case_type_create(actor=admin, kind="repair", name="漏水", parent_id=water.pk)
    assert leak.parent == water and leak.company == world.company_a
    with pytest.raises(ApplicationError) as exc:
        services.case_type_create(actor=admin, kind="repair", name="漏水", parent_id=water.pk)
    assert exc.value.code == "duplicate"
    with pytest.raises(ApplicationError) as exc:
        services.case_type_create(actor=admin, kind="complaint", name="x", parent_id=water.pk)
    assert exc.value.field == "parent"
    services.case_type_update(actor=admin, case_type_id=leak.pk, is_active=False)
    leak.refresh_from_db()
    assert leak.is_active is False
    assert OperationLog.objects.filter(object_id=str(leak.pk), action="update").exists()


def test_type_tree_is_at_most_three_levels(world):
    admin = world.staff("hq_admin")
    parent = None
    for name in ("一", "二", "三"):
        parent = services.case_type_create(
            actor=admin, kind="repair", name=name, parent_id=parent.pk if parent else None
        )
    with pytest.raises(ApplicationError):
        services.case_type_create(actor=admin, kind="repair", name="四", parent_id=parent.pk)


@pytest.mark.parametrize("template", ["project_manager", "customer_service", "repair_worker"])
def test_project_roles_cannot_change_company_wide_types(world, template):
    with pytest.raises(PermissionDenied):
        services.case_type_create(actor=world.staff(template), kind="repair", name="水电")
    assert not CaseType.objects.exists()


def test_other_company_type_cannot_be_used_as_parent_or_changed(world):
    theirs = services.case_type_create(
        actor=world.staff("hq_admin", "b"), kind="repair", name="水电"
    )
    admin = world.staff("hq_admin")
    with pytest.raises(ApplicationError):
        services.case_type_create(actor=admin, kind="repair", name="漏水", parent_id=theirs.pk)
    with pytest.raises(ApplicationError):
        services.case_type_update(actor=admin, case_type_id=theirs.pk, name="改名")
    theirs.refresh_from_db()
    assert theirs.name == "水电"


def test_sla_rule_is_saved_once_per_type_and_urgency_and_validated(world):
    admin = world.staff("hq_admin")
    lift = services.case_type_create(actor=admin, kind="repair", name="电梯")
    rule = services.sla_rule_save(
        actor=admin,
        kind="repair",
        urgency="urgent",
        case_type_id=lift.pk,
        response_minutes=10,
        resolution_minutes=120,
        warn_before_minutes=5,
        bureau_on_breach=True,
    )
    again = services.sla_rule_save(
        actor=admin,
        kind="repair",
        urgency="urgent",
        case_type_id=lift.pk,
        response_minutes=15,
        resolution_minutes=120,
    )
    assert again.pk == rule.pk and again.response_minutes == 15
    assert SlaRule.objects.count() == 1
    for bad, field in (
        ({"response_minutes": 0}, "response_minutes"),
        ({"resolution_minutes": 5}, "resolution_minutes"),
        ({"warn_before_minutes": 30}, "warn_before_minutes"),
        ({"response_minutes": "abc"}, "response_minutes"),
    ):
        data = {"response_minutes": 10, "resolution_minutes": 60, **bad}
        with pytest.raises(ApplicationError) as exc:
            services.sla_rule_save(actor=admin, kind="repair", urgency="normal", **data)
        assert exc.value.field == field


def test_duty_cards_drive_round_robin(desk):
    card = services.case_worker_save(
        actor=desk.cs,
        employee_id=desk.emp(desk.worker).pk,
        case_type_ids=[desk.door.pk],
    )
    assert list(card.case_types.all()) == [desk.door]
    services.case_worker_set_duty(actor=desk.worker, on_duty=False)
    assert CaseWorker.objects.get(pk=card.pk).on_duty is False
    with pytest.raises(ApplicationError):
        services.case_worker_set_duty(actor=desk.cs, on_duty=True)


def test_desk_cannot_make_a_worker_of_another_company(desk):
    outsider = desk.emp(desk.world.staff("repair_worker", "b"))
    with pytest.raises(ApplicationError) as exc:
        services.case_worker_save(actor=desk.cs, employee_id=outsider.pk, case_type_ids=[])
    assert exc.value.field == "employee"
