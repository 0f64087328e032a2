"""Business rules of the organisation services."""

from __future__ import annotations

import pytest

from wuyetong.accounts.models import User
from wuyetong.core.access import get_access, reset_access
from wuyetong.core.exceptions import ApplicationError
from wuyetong.orgs import services
from wuyetong.orgs.choices import ApprovalStatus, DataScope, OpAction, OrgKind
from wuyetong.orgs.models import Employee, OperationLog, Role

pytestmark = pytest.mark.django_db


def last_log():
    return OperationLog.objects.order_by("-id").first()


def test_org_tree_rules(world):
    hq_admin = world.staff("hq_admin")
    with pytest.raises(ApplicationError) as exc:
        services.org_unit_create(
            actor=hq_admin, company=world.company_a, kind=OrgKind.HQ, name="第二总部"
        )
    assert exc.value.field == "kind"
    with pytest.raises(ApplicationError) as exc:
        services.org_unit_create(
            actor=hq_admin,
            company=world.company_a,
            kind=OrgKind.PROJECT,
            name="子项目",
            parent=world.a.projects[0],
        )
    assert exc.value.field == "parent"
    with pytest.raises(ApplicationError):
        services.org_unit_create(
            actor=hq_admin,
            company=world.company_a,
            kind=OrgKind.PROJECT,
            name="串门项目",
            parent=world.b.region,
        )
    unit = services.org_unit_create(
        actor=hq_admin,
        company=world.company_a,
        kind=OrgKind.PROJECT,
        name="三期项目",
        parent=world.a.region,
    )
    assert unit.path == f"{world.a.region.path}{unit.pk}/"
    with pytest.raises(ApplicationError) as exc:
        services.org_unit_rename(actor=hq_admin, unit=unit, name="一期项目")
    assert exc.value.field == "name"


def test_rename_logs_old_and_new_name(world):
    hq_admin = world.staff("hq_admin")
    services.org_unit_rename(actor=hq_admin, unit=world.a.region, name="浙江区域")
    log = last_log()
    assert (log.actor, log.action, log.company_id) == (
        hq_admin,
        OpAction.UPDATE,
        world.company_a.pk,
    )
    assert log.changes == {"name": ["华东区域", "浙江区域"]}
    assert log.created_at is not None


def test_employee_create_validates_phone_and_reuses_existing_user(world):
    hq_admin = world.staff("hq_admin")
    kwargs = dict(
        actor=hq_admin, company=world.company_a, name="李维修", org_unit=world.a.projects[0]
    )
    with pytest.raises(ApplicationError) as exc:
        services.employee_create(phone="1234", employee_no="E900", **kwargs)
    assert exc.value.field == "phone"
    existing = User.objects.create_user(phone="13811112222", password=None, name="")
    employee = services.employee_create(phone="13811112222", employee_no="E900", **kwargs)
    assert employee.user == existing
    existing.refresh_from_db()
    assert existing.name == "李维修"
    with pytest.raises(ApplicationError) as exc:
        services.employee_create(phone="13811112222", employee_no="E901", **kwargs)
    assert exc.value.message == "该手机号已是本公司员工"
    with pytest.raises(ApplicationError) as exc:
        services.employee_create(phone="13811113333", employee_no="E900", **kwargs)
    assert exc.value.field == "employee_no"
    assert not User.objects.filter(phone="13811113333").exists()  # nothing half-saved


def test_employee_of_another_company_cannot_be_added(world):
    with pytest.raises(ApplicationError) as exc:
        services.employee_create(
            actor=world.staff("hq_admin"),
            company=world.company_a,
            phone=world.staff("cleaner", "b").phone,
            name="跳槽",
            employee_no="E999",
            org_unit=world.a.projects[0],
        )
    assert exc.value.field == "phone"


def test_new_employee_gets_a_user_without_password_and_a_log_entry(world):
    employee = services.employee_create(
        actor=world.staff("hq_admin"),
        company=world.company_a,
        phone="13822223333",
        name="新员工",
        employee_no="N001",
        org_unit=world.a.projects[1],
    )
    assert not employee.user.has_usable_password()
    log = last_log()
    assert log.action == OpAction.CREATE and log.changes["employee_no"] == "N001"
    assert log.changes["phone"] == "138****3333"


def test_department_must_belong_to_the_org_unit(world, org):
    with pytest.raises(ApplicationError) as exc:
        services.employee_update(
            actor=world.staff("hq_admin"),
            employee=org.cleaner_a,
            org_unit=world.a.projects[1],
            department=org.dept_a,
            employee_no="X1",
        )
    assert exc.value.field == "department"


def test_deactivated_employee_loses_staff_access(world, org):
    hq_admin = world.staff("hq_admin")
    services.employee_set_active(actor=hq_admin, employee=org.cleaner_a, active=False)
    user = org.cleaner_a.user
    reset_access(user)
    assert get_access(user).company_id is None
    with pytest.raises(ApplicationError):
        services.employee_set_active(
            actor=hq_admin, employee=Employee.objects.get(user=hq_admin), active=False
        )


def test_roles_of_another_company_cannot_be_assigned(world, org):
    with pytest.raises(ApplicationError) as exc:
        services.employee_assign_roles(
            actor=world.staff("hq_admin"), employee=org.cleaner_a, roles=[org.role_b]
        )
    assert exc.value.field == "roles"
    assert list(org.cleaner_a.roles.all()) == [world.a.roles["cleaner"]]


def test_assigning_roles_logs_before_and_after(world, org):
    services.employee_assign_roles(
        actor=world.staff("hq_admin"),
        employee=org.cleaner_a,
        roles=[world.a.roles["cleaner"], org.role_a],
    )
    log = last_log()
    assert log.action == OpAction.GRANT
    assert log.changes == {"roles": [["保洁"], ["保洁", "维修工"]]}


def test_nobody_grants_more_than_they_hold(world, org):
    pm = world.staff("project_manager")
    pm_role = world.a.roles["project_manager"]
    pm_role.permissions = [*pm_role.permissions, "roles.view", "roles.change"]
    pm_role.save()
    reset_access(pm)
    with pytest.raises(ApplicationError) as exc:
        services.employee_assign_roles(
            actor=pm, employee=org.cleaner_a, roles=[world.a.roles["hq_admin"]]
        )
    assert "不能授予自己没有的权限" in exc.value.message
    with pytest.raises(ApplicationError):
        services.role_update(
            actor=pm,
            role=pm_role,
            name=pm_role.name,
            data_scope=DataScope.PROJECT,
            permissions=[*pm_role.permissions, "billing.delete"],
        )


def test_role_from_template_and_matrix_limited_to_granted_modules(world):
    hq_admin = world.staff("hq_admin")
    services.company_grant_modules(
        actor=world.admin, company=world.company_a, modules=["org", "roles", "estates", "oplog"]
    )
    world.company_a.refresh_from_db()
    blank = services.role_create_from_template(
        actor=hq_admin, company=world.company_a, template="", name="空白"
    )
    with pytest.raises(ApplicationError) as exc:
        services.role_update(
            actor=hq_admin,
            role=blank,
            name="空白",
            data_scope=DataScope.PROJECT,
            permissions=["estates.view", "billing.view"],
        )
    assert exc.value.field == "permissions" and "财务管理" in exc.value.message
    # A template role keeps its dormant billing permissions through an edit of the matrix
    # (which shows granted modules only), so granting billing later brings them back.
    cashier = world.a.roles["cashier"]
    services.role_update(
        actor=hq_admin, role=cashier, name="收费员", data_scope=DataScope.PROJECT, permissions=[]
    )
    cashier.refresh_from_db()
    assert "estates.view" not in cashier.permissions and "billing.view" in cashier.permissions
    user = world.staff("cashier")
    reset_access(user)
    assert not get_access(user).can("billing.view")
    with pytest.raises(ApplicationError):
        services.role_create_from_template(actor=hq_admin, company=world.company_a, template="nope")


def test_ungranted_module_permissions_are_not_usable(world):
    cashier = world.staff("cashier")
    assert get_access(cashier).can("billing.view")
    services.company_grant_modules(actor=world.admin, company=world.company_a, modules=["estates"])
    reset_access(cashier)
    assert not get_access(cashier).can("billing.view")
    assert get_access(cashier).can("estates.view")


def test_role_delete_refused_while_assigned(world, org):
    with pytest.raises(ApplicationError):
        services.role_delete(actor=world.staff("hq_admin"), role=world.a.roles["cleaner"])
    spare = services.role_create_from_template(
        actor=world.staff("hq_admin"), company=world.company_a, template="", name="临时角色"
    )
    services.role_delete(actor=world.staff("hq_admin"), role=spare)
    assert not Role.objects.filter(pk=spare.pk).exists()
    assert last_log().action == OpAction.DELETE


@pytest.mark.parametrize("kind", ["company", "community", "merchant"])
def test_reject_needs_a_reason_and_approve_clears_it(world, kind):
    from wuyetong.demo import builders as b

    if kind == "company":
        obj = b.company_create(
            name="新锐物业",
            short_name="新锐",
            credit_code="91330100MA2C000003",
            city=world.city,
            approved=False,
        ).company
        review = services.company_review
    elif kind == "community":
        obj = b.community_create(
            company=world.company_a,
            project=world.a.projects[0],
            district=world.districts[0],
            name="新建小区",
            code="NEW1",
            approved=False,
        )
        review = services.community_review
    else:
        obj, _ = b.merchant_create(
            name="新商户", phone="13611112222", communities=[], approved=False
        )
        review = services.merchant_review
    with pytest.raises(ApplicationError) as exc:
        review(actor=world.admin, approve=False, reason="  ", **{kind: obj})
    assert exc.value.field == "reason"
    obj.refresh_from_db()
    assert obj.status == ApprovalStatus.PENDING
    review(actor=world.admin, approve=False, reason="材料不全", **{kind: obj})
    obj.refresh_from_db()
    assert (obj.status, obj.reject_reason) == (ApprovalStatus.REJECTED, "材料不全")
    log = last_log()
    assert (log.actor, log.action, log.note) == (world.admin, OpAction.REJECT, "材料不全")
    assert log.changes["status"] == ["pending", "rejected"]
    review(actor=world.admin, approve=True, **{kind: obj})
    obj.refresh_from_db()
    assert (obj.status, obj.reject_reason) == (ApprovalStatus.APPROVED, "")
    with pytest.raises(ApplicationError):
        review(actor=world.admin, approve=True, **{kind: obj})


def test_bureau_setup(world):
    with pytest.raises(ApplicationError) as exc:
        services.bureau_create(actor=world.admin, name="", city=world.city)
    assert exc.value.field == "name"
    bureau = services.bureau_create(
        actor=world.admin, name="杭州市住房保障和房产管理局", city=world.city
    )
    assert not bureau.is_active
    with pytest.raises(ApplicationError) as exc:
        services.bureau_member_add(actor=world.admin, bureau=bureau, phone="13900000001")
    assert "物业公司在职员工" in exc.value.message
    member = services.bureau_member_add(
        actor=world.admin, bureau=bureau, phone="13855556666", name="市局科员"
    )
    services.bureau_set_active(actor=world.admin, bureau=bureau, active=True)
    access = get_access(member.user)
    # A city bureau oversees every district of its city.
    assert {
        world.community_a1.pk,
        world.community_a2.pk,
        world.community_b1.pk,
    } <= access.bureau_community_ids


def test_every_change_is_logged_with_actor_time_and_fields(world, org):
    """Each service writes exactly one entry naming who, what and which fields changed."""
    hq, admin = world.staff("hq_admin"), world.admin
    calls = [
        (
            hq,
            lambda: services.org_unit_create(
                actor=hq,
                company=world.company_a,
                kind=OrgKind.PROJECT,
                name="三期项目",
                parent=world.a.region,
            ),
            "name",
        ),
        (
            hq,
            lambda: services.org_unit_rename(actor=hq, unit=world.a.region, name="浙江区域"),
            "name",
        ),
        (
            hq,
            lambda: services.department_create(actor=hq, org_unit=world.a.region, name="财务部"),
            "name",
        ),
        (
            hq,
            lambda: services.department_rename(actor=hq, department=org.dept_a, name="工程维修部"),
            "name",
        ),
        (
            hq,
            lambda: services.position_create(actor=hq, company=world.company_a, name="客服专员"),
            "name",
        ),
        (
            hq,
            lambda: services.position_rename(actor=hq, position=org.position_a, name="工程主管"),
            "name",
        ),
        (
            hq,
            lambda: services.employee_create(
                actor=hq,
                company=world.company_a,
                phone="13833334444",
                name="甲",
                org_unit=world.a.region,
                employee_no="L1",
            ),
            "employee_no",
        ),
        (
            hq,
            lambda: services.employee_update(
                actor=hq, employee=org.cleaner_a, org_unit=world.a.projects[0], employee_no="C-7"
            ),
            "employee_no",
        ),
        (
            hq,
            lambda: services.employee_assign_roles(
                actor=hq, employee=org.cleaner_a, roles=[org.role_a]
            ),
            "roles",
        ),
        (
            hq,
            lambda: services.employee_set_active(actor=hq, employee=org.cleaner_a, active=False),
            "is_active",
        ),
        (
            hq,
            lambda: services.role_create_from_template(
                actor=hq, company=world.company_a, template="finance", name="区域财务"
            ),
            "permissions",
        ),
        (
            hq,
            lambda: services.role_update(
                actor=hq,
                role=org.role_a,
                name="维修工",
                data_scope=DataScope.SUBTREE,
                permissions=list(org.role_a.permissions),
            ),
            "data_scope",
        ),
        (
            admin,
            lambda: services.company_grant_modules(
                actor=admin, company=world.company_a, modules=["org", "roles"]
            ),
            "modules",
        ),
        (
            admin,
            lambda: services.bureau_create(actor=admin, name="测试局", city=world.city),
            "name",
        ),
        (
            admin,
            lambda: services.bureau_set_active(actor=admin, bureau=world.bureau_a, active=False),
            "is_active",
        ),
    ]
    for actor, call, field in calls:
        before = OperationLog.objects.count()
        obj = call()
        assert OperationLog.objects.count() == before + 1, field
        log = last_log()
        assert log.actor == actor and log.created_at is not None
        assert field in log.changes, (field, log.changes)
        if obj is not None:
            assert log.object_id == str(obj.pk)


def test_nothing_is_logged_or_saved_when_a_service_refuses(world, org):
    before = OperationLog.objects.count()
    with pytest.raises(ApplicationError):
        services.position_rename(actor=world.staff("hq_admin"), position=org.position_a, name="")
    with pytest.raises(ApplicationError):
        services.company_review(
            actor=world.admin, company=world.company_b, approve=False, reason=""
        )
    assert OperationLog.objects.count() == before
    world.company_b.refresh_from_db()
    assert world.company_b.status == ApprovalStatus.APPROVED


def test_a_lost_race_on_a_unique_key_is_a_refusal_not_a_500(world, org):
    from wuyetong.orgs.models import Position
    from wuyetong.orgs.services.oplog import refuse_duplicates

    with pytest.raises(ApplicationError) as exc, refuse_duplicates("已有同名岗位", "name"):
        Position.objects.create(company=world.company_a, name=org.position_a.name)
    assert exc.value.field == "name"
    assert Position.objects.filter(company=world.company_a, name=org.position_a.name).count() == 1


def test_platform_appoints_the_first_admin_of_an_approved_company(world):
    from wuyetong.demo import builders as b

    company = b.company_create(
        name="新锐物业",
        short_name="新锐",
        credit_code="91330100MA2C000003",
        city=world.city,
        approved=False,
    ).company
    services.company_review(
        actor=world.admin, company=company, approve=True, modules=["org", "roles"]
    )
    employee = services.company_admin_add(
        actor=world.admin, company=company, phone="13866660000", name="新锐管理员"
    )
    assert employee.org_unit.kind == OrgKind.HQ and employee.employee_no == "ADMIN01"
    access = get_access(employee.user)
    assert access.company_id == company.pk and access.org_unit_ids is None
    assert access.can("roles.change") and not access.can("billing.view")
    second = services.company_admin_add(
        actor=world.admin, company=company, phone="13866660001", name="副管理员"
    )
    assert second.employee_no == "ADMIN02"
    assert Role.objects.filter(company=company, template="hq_admin").count() == 1


def test_first_admin_of_a_company_without_any_structure(world):
    from wuyetong.orgs.models import Company

    company = Company.objects.create(
        name="空壳物业",
        credit_code="91330100MA2D000004",
        city=world.city,
        status=ApprovalStatus.APPROVED,
        modules=["org"],
    )
    employee = services.company_admin_add(
        actor=world.admin, company=company, phone="13866661111", name="管理员"
    )
    assert employee.org_unit.name == "空壳物业总部"
    assert [r.name for r in employee.roles.all()] == ["总部管理员"]


def test_bureau_officials_and_platform_admins_cannot_become_staff(world):
    for phone in (world.bureau_official.phone, world.admin.phone):
        with pytest.raises(ApplicationError) as exc:
            services.employee_create(
                actor=world.staff("hq_admin"),
                company=world.company_a,
                phone=phone,
                name="越界",
                employee_no=f"X{phone[-4:]}",
                org_unit=world.a.hq,
            )
        assert exc.value.field == "phone"


def test_moving_a_project_rewrites_the_subtree_and_scopes_follow(world):
    hq = world.staff("hq_admin")
    south = services.org_unit_create(
        actor=hq, company=world.company_a, kind=OrgKind.REGION, name="华南区域", parent=world.a.hq
    )
    project = world.a.projects[0]
    with pytest.raises(ApplicationError):
        services.org_unit_move(
            actor=hq, unit=world.a.region, parent=project
        )  # into its own subtree
    with pytest.raises(ApplicationError):
        services.org_unit_move(actor=hq, unit=project, parent=world.b.region)  # another company
    services.org_unit_move(actor=hq, unit=project, parent=south)
    project.refresh_from_db()
    assert project.parent == south and project.path == f"{south.path}{project.pk}/"
    log = last_log()
    assert log.changes == {"parent": ["华东区域", "华南区域"]} and log.actor == hq
    # The finance role (subtree of 华东区域) no longer reaches the moved project's community.
    finance = world.staff("finance")
    reset_access(finance)
    assert world.community_a1.pk not in get_access(finance).community_ids


def test_departments_and_positions_with_active_staff_cannot_be_deleted(world, org):
    hq = world.staff("hq_admin")
    services.employee_update(
        actor=hq,
        employee=org.cleaner_a,
        org_unit=world.a.projects[0],
        department=org.dept_a,
        position=org.position_a,
        employee_no="E000007",
    )
    with pytest.raises(ApplicationError):
        services.department_delete(actor=hq, department=org.dept_a)
    with pytest.raises(ApplicationError):
        services.position_delete(actor=hq, position=org.position_a)
    services.employee_set_active(actor=hq, employee=org.cleaner_a, active=False)
    services.department_delete(actor=hq, department=org.dept_a)
    services.position_delete(actor=hq, position=org.position_a)
    org.cleaner_a.refresh_from_db()
    assert org.cleaner_a.department is None and org.cleaner_a.position is None
    assert last_log().action == OpAction.DELETE
