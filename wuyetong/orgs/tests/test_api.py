"""API permission matrix and flows under /api/v1/orgs/."""

from __future__ import annotations

import pytest

from wuyetong.orgs.choices import ApprovalStatus
from wuyetong.orgs.models import Employee, OrgUnit, Role

from .conftest import oplog_count

pytestmark = pytest.mark.django_db
API = "/api/v1/orgs"

COMPANY_LISTS = [
    "units/",
    "departments/",
    "positions/",
    "employees/",
    "roles/",
    "role-templates/",
    "oplog/",
]
PLATFORM_LISTS = ["platform/companies/", "platform/communities/", "platform/merchants/"]


@pytest.mark.parametrize("path", [*COMPANY_LISTS, *PLATFORM_LISTS, "bureau/communities/"])
def test_anonymous_gets_401_in_the_one_error_format(api_for, path):
    r = api_for().get(f"{API}/{path}")
    assert r.status_code == 401
    assert set(r.json()) == {"code", "message", "errors"}


@pytest.mark.parametrize("path", COMPANY_LISTS)
def test_company_lists_matrix(world, org, api_for, path):
    assert api_for(world.staff("hq_admin")).get(f"{API}/{path}").status_code == 200
    for user in (world.staff("cleaner"), world.owner, world.bureau_official, world.merchant_user):
        r = api_for(user).get(f"{API}/{path}")
        assert r.status_code == 403, user
        assert r.json()["code"] == "permission_denied"


@pytest.mark.parametrize("path", PLATFORM_LISTS)
def test_platform_lists_matrix(world, api_for, path):
    assert api_for(world.admin).get(f"{API}/{path}").status_code == 200
    for user in (world.staff("hq_admin"), world.owner, world.bureau_official):
        assert api_for(user).get(f"{API}/{path}").status_code == 403


def test_bureau_list_matrix(world, api_for):
    for user in (world.admin, world.staff("hq_admin"), world.owner):
        assert api_for(user).get(f"{API}/bureau/communities/").status_code == 403
    data = api_for(world.bureau_official).get(f"{API}/bureau/communities/").json()
    names = {row["name"] for row in data["results"]}
    assert names == {"翠苑一区", "西溪花园"}
    assert all(row["house_count"] > 0 for row in data["results"])


def object_writes(world, org):
    return [
        (
            "patch",
            f"units/{world.a.region.pk}/",
            {"name": "被改名"},
            lambda: OrgUnit.objects.get(pk=world.a.region.pk).name == "华东区域",
        ),
        (
            "patch",
            f"departments/{org.dept_a.pk}/",
            {"name": "被改名"},
            lambda: type(org.dept_a).objects.get(pk=org.dept_a.pk).name == "工程部",
        ),
        (
            "patch",
            f"positions/{org.position_a.pk}/",
            {"name": "被改名"},
            lambda: type(org.position_a).objects.get(pk=org.position_a.pk).name == "维修主管",
        ),
        (
            "patch",
            f"employees/{org.cleaner_a.pk}/",
            {"employee_no": "HACK"},
            lambda: Employee.objects.get(pk=org.cleaner_a.pk).employee_no != "HACK",
        ),
        (
            "delete",
            f"departments/{org.dept_a.pk}/",
            None,
            lambda: type(org.dept_a).objects.filter(pk=org.dept_a.pk).exists(),
        ),
        (
            "delete",
            f"positions/{org.position_a.pk}/",
            None,
            lambda: type(org.position_a).objects.filter(pk=org.position_a.pk).exists(),
        ),
        (
            "post",
            f"employees/{org.cleaner_a.pk}/roles/",
            {"roles": [org.role_a.pk]},
            lambda: org.cleaner_a.roles.count() == 1,
        ),
        (
            "post",
            f"employees/{org.cleaner_a.pk}/active/",
            {"is_active": False},
            lambda: Employee.objects.get(pk=org.cleaner_a.pk).is_active,
        ),
        (
            "put",
            f"roles/{org.role_a.pk}/",
            {"name": "x", "data_scope": "company", "permissions": []},
            lambda: Role.objects.get(pk=org.role_a.pk).name == "维修工",
        ),
        (
            "delete",
            f"roles/{org.role_a.pk}/",
            None,
            lambda: Role.objects.filter(pk=org.role_a.pk).exists(),
        ),
    ]


def test_other_company_object_answers_404_and_nothing_changes(world, org, api_for):
    c = api_for(world.staff("hq_admin", "b"))
    before = oplog_count()
    for method, path, data, unchanged in object_writes(world, org):
        r = getattr(c, method)(f"{API}/{path}", data, format="json")
        assert r.status_code == 404, path
        assert r.json()["code"] == "not_found"
        assert unchanged(), path
    assert c.get(f"{API}/employees/{org.cleaner_a.pk}/").status_code == 404
    assert oplog_count() == before


def test_role_without_permission_answers_403_and_nothing_changes(world, org, api_for):
    c = api_for(world.staff("cleaner"))
    before = oplog_count()
    for method, path, data, unchanged in object_writes(world, org):
        assert getattr(c, method)(f"{API}/{path}", data, format="json").status_code == 403, path
        assert unchanged(), path
    assert oplog_count() == before


def test_project_manager_reads_employees_but_cannot_assign_roles(world, org, api_for):
    c = api_for(world.staff("project_manager"))
    assert c.get(f"{API}/employees/").status_code == 200
    r = c.post(
        f"{API}/employees/{org.cleaner_a.pk}/roles/", {"roles": [org.role_a.pk]}, format="json"
    )
    assert r.status_code == 403
    assert org.cleaner_a.roles.count() == 1


def test_employee_create_and_role_assignment_flow(world, org, api_for):
    c = api_for(world.staff("hq_admin"))
    r = c.post(
        f"{API}/employees/",
        {"phone": "123", "name": "张三", "org_unit": world.a.projects[0].pk, "employee_no": "A100"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"phone": ["请输入正确的11位手机号码"]}
    r = c.post(
        f"{API}/employees/",
        {
            "phone": "13866665555",
            "name": "张三",
            "org_unit": world.b.projects[0].pk,
            "employee_no": "A100",
        },
        format="json",
    )
    assert r.status_code == 400 and "org_unit" in r.json()["errors"]
    r = c.post(
        f"{API}/employees/",
        {
            "phone": "13866665555",
            "name": "张三",
            "org_unit": world.a.projects[0].pk,
            "department": org.dept_a.pk,
            "employee_no": "A100",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    r = c.post(f"{API}/employees/{pk}/roles/", {"roles": [org.role_b.pk]}, format="json")
    assert r.status_code == 400  # another company's role does not exist here
    r = c.post(f"{API}/employees/{pk}/roles/", {"roles": [org.role_a.pk]}, format="json")
    assert r.status_code == 200 and [x["name"] for x in r.json()["roles"]] == ["维修工"]


def test_role_templates_and_matrix(world, api_for):
    c = api_for(world.staff("hq_admin"))
    templates = c.get(f"{API}/role-templates/").json()
    assert {t["name"] for t in templates} >= {
        "总部管理员",
        "项目经理",
        "客服",
        "收费员",
        "维修工",
        "保安",
        "保洁",
        "财务",
    }
    r = c.post(f"{API}/roles/", {"template": "customer_service", "name": "夜班客服"}, format="json")
    assert r.status_code == 201 and r.json()["data_scope"] == "project"
    pk = r.json()["id"]
    r = c.put(
        f"{API}/roles/{pk}/",
        {
            "name": "夜班客服",
            "data_scope": "subtree",
            "permissions": ["servicedesk.view", "nonsense.view"],
        },
        format="json",
    )
    assert r.status_code == 400 and "permissions" in r.json()["errors"]
    r = c.put(
        f"{API}/roles/{pk}/",
        {"name": "夜班客服", "data_scope": "subtree", "permissions": ["servicedesk.view"]},
        format="json",
    )
    assert r.status_code == 200 and r.json()["permissions"] == ["servicedesk.view"]


def test_platform_review_flow(world, api_for):
    from wuyetong.demo import builders as b

    company = b.company_create(
        name="新锐物业",
        short_name="新锐",
        credit_code="91330100MA2C000003",
        city=world.city,
        approved=False,
    ).company
    c = api_for(world.admin)
    pending = c.get(f"{API}/platform/companies/?status=pending").json()["results"]
    assert [x["name"] for x in pending] == ["新锐物业"]
    r = c.post(f"{API}/platform/companies/{company.pk}/review/", {"approve": False}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"reason": ["驳回时必须填写原因"]}
    r = c.post(f"{API}/platform/companies/{company.pk}/review/", {"approve": True}, format="json")
    assert r.status_code == 200 and r.json()["status"] == ApprovalStatus.APPROVED
    r = c.post(
        f"{API}/platform/companies/{company.pk}/modules/",
        {"modules": ["org", "roles"]},
        format="json",
    )
    assert r.json()["modules"] == ["org", "roles"]
    r = c.post(
        f"{API}/platform/companies/{company.pk}/modules/", {"modules": ["bogus"]}, format="json"
    )
    assert r.status_code == 400
    r = api_for(world.staff("hq_admin")).post(
        f"{API}/platform/communities/{world.community_a1.pk}/review/",
        {"approve": False, "reason": "x"},
        format="json",
    )
    assert r.status_code == 403


def test_oplog_api_is_company_scoped(world, api_for):
    from wuyetong.orgs import services

    services.org_unit_rename(actor=world.staff("hq_admin"), unit=world.a.region, name="浙江区域")
    services.org_unit_rename(
        actor=world.staff("hq_admin", "b"), unit=world.b.region, name="江苏区域"
    )
    rows = api_for(world.staff("hq_admin")).get(f"{API}/oplog/?action=update").json()["results"]
    assert [r["object_repr"] for r in rows] == ["浙江区域"]
    assert rows[0]["changes"] == {"name": ["华东区域", "浙江区域"]}
    rows = api_for(world.admin).get(f"{API}/oplog/?action=update").json()["results"]
    assert {r["object_repr"] for r in rows} == {"浙江区域", "江苏区域"}


def test_platform_sets_up_a_bureau(world, api_for):
    c = api_for(world.admin)
    r = c.post(
        f"{API}/platform/bureaus/",
        {"name": "滨江新局", "city": world.city.pk, "district": world.districts[1].pk},
        format="json",
    )
    assert r.status_code == 201 and r.json()["is_active"] is False
    pk = r.json()["id"]
    r = c.post(f"{API}/platform/bureaus/{pk}/members/", {"phone": "13877770000"}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"name": ["新用户请填写姓名"]}
    r = c.post(
        f"{API}/platform/bureaus/{pk}/members/",
        {"phone": "13877770000", "name": "新科员"},
        format="json",
    )
    assert r.json()["members"] == [{"name": "新科员", "phone": "138****0000", "title": ""}]
    r = c.post(f"{API}/platform/bureaus/{pk}/active/", {"is_active": True}, format="json")
    assert r.json()["is_active"] is True
    for user in (world.staff("hq_admin"), world.bureau_official):
        assert (
            api_for(user)
            .post(f"{API}/platform/bureaus/{pk}/active/", {"is_active": False}, format="json")
            .status_code
            == 403
        )
    assert api_for(world.admin).get(f"{API}/platform/bureaus/{pk}/").json()["is_active"] is True


def test_platform_appoints_a_company_admin_by_api(world, api_for):
    r = api_for(world.admin).post(
        f"{API}/platform/companies/{world.company_b.pk}/admins/",
        {"phone": "13866664444", "name": "接口管理员"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["phone"] == "138****4444"
    r = api_for(world.admin).post(
        f"{API}/platform/companies/{world.company_b.pk}/admins/",
        {"phone": world.staff("cleaner").phone, "name": "跳槽"},
        format="json",
    )
    assert r.status_code == 400 and "phone" in r.json()["errors"]


def test_org_unit_patch_renames_and_moves(world, api_for):
    c = api_for(world.staff("hq_admin"))
    r = c.patch(
        f"{API}/units/{world.a.projects[1].pk}/",
        {"name": "西溪二期", "parent": world.a.hq.pk},
        format="json",
    )
    assert (
        r.status_code == 200
        and r.json()["parent"] == world.a.hq.pk
        and r.json()["name"] == "西溪二期"
    )
    r = c.patch(f"{API}/units/{world.a.projects[1].pk}/", {"parent": world.b.hq.pk}, format="json")
    assert r.status_code == 400 and "parent" in r.json()["errors"]
    r = c.patch(
        f"{API}/units/{world.a.region.pk}/",
        {"name": "改名", "parent": world.a.projects[0].pk},
        format="json",
    )
    assert r.status_code == 400
    assert OrgUnit.objects.get(pk=world.a.region.pk).name == "华东区域"  # nothing half-saved


def test_absurd_ids_and_non_object_bodies_are_refused_not_crashed(world, org, api_for):
    from wuyetong.orgs.models import Employee

    c = api_for(world.staff("hq_admin"))
    employee = Employee.objects.get(user=world.staff("cashier"))
    roles_before = sorted(employee.roles.values_list("pk", flat=True))
    huge = 99999999999999999999
    r = c.post(f"{API}/employees/{employee.pk}/roles/", {"roles": [huge]}, format="json")
    assert r.status_code == 400 and "roles" in r.json()["errors"]
    r = c.patch(f"{API}/employees/{employee.pk}/", [1, 2], format="json")
    assert r.status_code == 400 and r.json()["message"] == "请求体必须是 JSON 对象"
    r = c.post(
        f"{API}/employees/",
        {"phone": "13866665555", "name": "张三", "org_unit": huge, "employee_no": "A101"},
        format="json",
    )
    assert r.status_code == 400 and "org_unit" in r.json()["errors"]
    assert sorted(employee.roles.values_list("pk", flat=True)) == roles_before
    assert not Employee.objects.filter(employee_no="A101").exists()
