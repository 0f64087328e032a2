"""Permission matrix of every organisation page: anonymous, another company, an owner, a role
without the permission, a role with it. Denials change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuyetong.orgs.choices import ApprovalStatus
from wuyetong.orgs.models import Employee, OperationLog, OrgUnit

from .conftest import oplog_count

pytestmark = pytest.mark.django_db

# (url name, object getter or None, permission it needs)
STAFF_PAGES = [
    ("orgs:orgunit_list", None),
    ("orgs:department_list", None),
    ("orgs:position_list", None),
    ("orgs:employee_list", None),
    ("orgs:employee_create", None),
    ("orgs:role_list", None),
    ("orgs:oplog_list", None),
    ("orgs:oplog_export", None),
    ("orgs:employee_export", None),
    ("orgs:orgunit_rename", lambda w, o: w.a.region),
    ("orgs:department_rename", lambda w, o: o.dept_a),
    ("orgs:position_rename", lambda w, o: o.position_a),
    ("orgs:employee_detail", lambda w, o: o.cleaner_a),
    ("orgs:role_edit", lambda w, o: o.role_a),
]
PLATFORM_PAGES = [
    ("orgs:platform_company_list", None),
    ("orgs:platform_community_list", None),
    ("orgs:platform_merchant_list", None),
    ("orgs:platform_bureau_list", None),
    ("orgs:platform_company_detail", lambda w, o: w.company_a),
    ("orgs:platform_community_detail", lambda w, o: w.community_a1),
    ("orgs:platform_merchant_detail", lambda w, o: w.merchant),
    ("orgs:platform_bureau_detail", lambda w, o: w.bureau_a),
]


def url(world, org, name, getter):
    return reverse(name, args=[getter(world, org).pk]) if getter else reverse(name)


@pytest.mark.parametrize(("name", "getter"), STAFF_PAGES + PLATFORM_PAGES)
def test_anonymous_is_sent_to_login(client, world, org, name, getter):
    response = client.get(url(world, org, name, getter))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("name", "getter"), STAFF_PAGES)
def test_company_pages_matrix(world, org, client_for, name, getter):
    target = url(world, org, name, getter)
    assert client_for(world.staff("hq_admin")).get(target).status_code == 200
    assert client_for(world.staff("cleaner")).get(target).status_code == 403
    assert client_for(world.owner).get(target).status_code == 403
    assert client_for(world.bureau_official).get(target).status_code == 403
    other = client_for(world.staff("hq_admin", "b")).get(target).status_code
    assert other == (404 if getter else 200)


@pytest.mark.parametrize(("name", "getter"), PLATFORM_PAGES)
def test_platform_pages_matrix(world, org, client_for, name, getter):
    target = url(world, org, name, getter)
    assert client_for(world.admin).get(target).status_code == 200
    for user in (world.staff("hq_admin"), world.owner, world.bureau_official, world.merchant_user):
        assert client_for(user).get(target).status_code == 403


def test_bureau_page_matrix(world, client_for):
    target = reverse("orgs:bureau_community_list")
    for user in (world.admin, world.staff("hq_admin"), world.owner):
        assert client_for(user).get(target).status_code == 403
    body = client_for(world.bureau_official).get(target).content.decode()
    assert "翠苑一区" in body and "西溪花园" in body and "安居物业" in body
    assert "江南名府" not in body  # another district's community
    body = client_for(world.bureau_b_official).get(target).content.decode()
    assert "江南名府" in body and "翠苑一区" not in body


def test_other_company_lists_show_only_their_own_rows(world, org, client_for):
    c = client_for(world.staff("hq_admin", "b"))
    body = c.get(reverse("orgs:employee_list")).content.decode()
    assert "Bcleaner" in body and "Acleaner" not in body
    body = c.get(reverse("orgs:orgunit_list")).content.decode()
    assert "至善总部" in body and "安居总部" not in body


# Writes ----------------------------------------------------------------------------------


def writes(world, org):
    """(url, data, check-unchanged) for each POST on company A's objects."""
    return [
        (
            reverse("orgs:orgunit_rename", args=[world.a.region.pk]),
            {"name": "被改名"},
            lambda: OrgUnit.objects.get(pk=world.a.region.pk).name == "华东区域",
        ),
        (
            reverse("orgs:department_delete", args=[org.dept_a.pk]),
            {},
            lambda: type(org.dept_a).objects.filter(pk=org.dept_a.pk).exists(),
        ),
        (
            reverse("orgs:position_delete", args=[org.position_a.pk]),
            {},
            lambda: type(org.position_a).objects.filter(pk=org.position_a.pk).exists(),
        ),
        (
            reverse("orgs:orgunit_move", args=[world.a.projects[1].pk]),
            {"parent": world.a.hq.pk},
            lambda: OrgUnit.objects.get(pk=world.a.projects[1].pk).parent_id == world.a.region.pk,
        ),
        (
            reverse("orgs:department_rename", args=[org.dept_a.pk]),
            {"name": "被改名"},
            lambda: type(org.dept_a).objects.get(pk=org.dept_a.pk).name == "工程部",
        ),
        (
            reverse("orgs:position_rename", args=[org.position_a.pk]),
            {"name": "被改名"},
            lambda: type(org.position_a).objects.get(pk=org.position_a.pk).name == "维修主管",
        ),
        (
            reverse("orgs:employee_detail", args=[org.cleaner_a.pk]),
            {"org_unit": world.a.projects[1].pk, "employee_no": "HACK"},
            lambda: Employee.objects.get(pk=org.cleaner_a.pk).employee_no != "HACK",
        ),
        (
            reverse("orgs:employee_roles", args=[org.cleaner_a.pk]),
            {"roles": [org.role_a.pk]},
            lambda: (
                list(org.cleaner_a.roles.values_list("pk", flat=True))
                == [world.a.roles["cleaner"].pk]
            ),
        ),
        (
            reverse("orgs:employee_set_active", args=[org.cleaner_a.pk]),
            {"active": "0"},
            lambda: Employee.objects.get(pk=org.cleaner_a.pk).is_active,
        ),
        (
            reverse("orgs:role_edit", args=[org.role_a.pk]),
            {"name": "维修工", "data_scope": "company", "permissions": ["org.view"]},
            lambda: type(org.role_a).objects.get(pk=org.role_a.pk).data_scope == "project",
        ),
        (
            reverse("orgs:role_delete", args=[org.role_a.pk]),
            {},
            lambda: type(org.role_a).objects.filter(pk=org.role_a.pk).exists(),
        ),
    ]


def test_writes_by_another_company_answer_404_and_change_nothing(world, org, client_for):
    c = client_for(world.staff("hq_admin", "b"))
    before = oplog_count()
    for target, data, unchanged in writes(world, org):
        assert c.post(target, data).status_code == 404, target
        assert unchanged(), target
    assert oplog_count() == before


@pytest.mark.parametrize("persona", ["cleaner", "project_manager"])
def test_writes_without_permission_answer_403_and_change_nothing(world, org, client_for, persona):
    # The project manager can see employees (org.view) but not change them or roles.
    c = client_for(world.staff(persona))
    before = oplog_count()
    for target, data, unchanged in writes(world, org):
        assert c.post(target, data).status_code == 403, target
        assert unchanged(), target
    assert oplog_count() == before


def test_create_pages_refuse_writes_without_add_permission(world, client_for):
    c = client_for(world.staff("project_manager"))
    before = OrgUnit.objects.count()
    assert (
        c.post(
            reverse("orgs:orgunit_list"),
            {"parent": world.a.region.pk, "kind": "project", "name": "偷建项目"},
        ).status_code
        == 403
    )
    assert (
        c.post(reverse("orgs:role_list"), {"template": "hq_admin", "name": "偷建角色"}).status_code
        == 403
    )
    assert c.post(reverse("orgs:employee_create"), {}).status_code == 403
    assert OrgUnit.objects.count() == before


def test_platform_writes_refused_to_others(world, client_for):
    from wuyetong.demo import builders as b

    pending = b.community_create(
        company=world.company_a,
        project=world.a.projects[0],
        district=world.districts[0],
        name="待审小区",
        code="P001",
        approved=False,
    )
    c = client_for(world.staff("hq_admin"))
    before = oplog_count()
    r = c.post(
        reverse("orgs:platform_community_detail", args=[pending.pk]), {"decision": "approve"}
    )
    assert r.status_code == 403
    r = c.post(
        reverse("orgs:platform_company_modules", args=[world.company_a.pk]), {"modules": ["org"]}
    )
    assert r.status_code == 403
    r = c.post(
        reverse("orgs:platform_bureau_set_active", args=[world.bureau_a.pk]), {"active": "0"}
    )
    assert r.status_code == 403
    pending.refresh_from_db()
    world.company_a.refresh_from_db()
    world.bureau_a.refresh_from_db()
    assert pending.status == ApprovalStatus.PENDING
    assert len(world.company_a.modules) > 1 and world.bureau_a.is_active
    assert oplog_count() == before


# Flows -----------------------------------------------------------------------------------


def test_hq_admin_builds_tree_and_adds_employee(world, org, client_for):
    c = client_for(world.staff("hq_admin"))
    r = c.post(
        reverse("orgs:orgunit_list"),
        {"parent": world.a.region.pk, "kind": "project", "name": "三期项目"},
    )
    assert r.status_code == 302
    unit = OrgUnit.objects.get(company=world.company_a, name="三期项目")
    r = c.post(
        reverse("orgs:employee_create"),
        {
            "phone": "138",
            "name": "王五",
            "org_unit": unit.pk,
            "employee_no": "E777",
        },
    )
    assert r.status_code == 200 and "请输入正确的11位手机号码" in r.content.decode()
    r = c.post(
        reverse("orgs:employee_create"),
        {
            "phone": "13877776666",
            "name": "王五",
            "org_unit": unit.pk,
            "employee_no": "E777",
            "position": org.position_a.pk,
        },
    )
    employee = Employee.objects.get(company=world.company_a, employee_no="E777")
    assert r.status_code == 302 and r["Location"] == reverse(
        "orgs:employee_detail", args=[employee.pk]
    )
    body = c.get(reverse("orgs:employee_list") + "?q=王五").content.decode()
    assert "E777" in body and "138****6666" in body and "13877776666" not in body


def test_employee_form_offers_only_own_company_choices(world, org, client_for):
    c = client_for(world.staff("hq_admin"))
    r = c.post(
        reverse("orgs:employee_create"),
        {
            "phone": "13877776666",
            "name": "王五",
            "org_unit": world.b.projects[0].pk,
            "employee_no": "E777",
        },
    )
    assert r.status_code == 200 and "org_unit" in r.context["form"].errors
    assert not Employee.objects.filter(employee_no="E777").exists()


def test_role_matrix_lists_only_granted_modules(world, client_for):
    world.company_a.modules = ["org", "roles", "oplog", "estates"]
    world.company_a.save()
    c = client_for(world.staff("hq_admin"))
    body = c.get(reverse("orgs:role_edit", args=[world.a.roles["cashier"].pk])).content.decode()
    assert 'value="estates.view"' in body and 'value="billing.view"' not in body
    r = c.post(
        reverse("orgs:role_edit", args=[world.a.roles["cashier"].pk]),
        {
            "name": "收费员",
            "data_scope": "project",
            "permissions": ["estates.view", "billing.view"],
        },
    )
    assert r.status_code == 200  # billing.view is not a choice: refused, nothing saved
    world.a.roles["cashier"].refresh_from_db()
    assert "billing.view" in world.a.roles["cashier"].permissions  # unchanged from the template


def test_platform_reject_requires_reason(world, client_for):
    from wuyetong.demo import builders as b

    pending = b.community_create(
        company=world.company_a,
        project=world.a.projects[0],
        district=world.districts[0],
        name="待审小区",
        code="P001",
        approved=False,
    )
    c = client_for(world.admin)
    target = reverse("orgs:platform_community_detail", args=[pending.pk])
    r = c.post(target, {"decision": "reject", "reason": ""})
    assert r.status_code == 200 and "驳回时必须填写原因" in r.content.decode()
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.PENDING
    r = c.post(target, {"decision": "reject", "reason": "地址与证照不符"})
    assert r.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.reject_reason) == (ApprovalStatus.REJECTED, "地址与证照不符")
    body = c.get(reverse("orgs:platform_community_list") + "?status=rejected").content.decode()
    assert "待审小区" in body and "翠苑一区" not in body


def test_oplog_filters_and_company_isolation(world, org, client_for):
    from wuyetong.orgs import services

    services.org_unit_rename(actor=world.staff("hq_admin"), unit=world.a.region, name="浙江区域")
    services.org_unit_rename(
        actor=world.staff("hq_admin", "b"), unit=world.b.region, name="江苏区域"
    )
    c = client_for(world.staff("hq_admin"))
    body = c.get(
        reverse("orgs:oplog_list") + "?action=update&object_type=orgs.orgunit"
    ).content.decode()
    assert "浙江区域" in body and "江苏区域" not in body
    assert "名称: 华东区域 → 浙江区域" in body
    body = c.get(reverse("orgs:oplog_list") + "?actor=Bhq").content.decode()
    assert "浙江区域" not in body
    platform = (
        client_for(world.admin).get(reverse("orgs:oplog_list") + "?action=update").content.decode()
    )
    assert "浙江区域" in platform and "江苏区域" in platform


def test_oplog_export_is_an_xlsx_of_the_filtered_rows(world, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    from wuyetong.orgs import services

    services.org_unit_rename(actor=world.staff("hq_admin"), unit=world.a.region, name="浙江区域")
    r = client_for(world.staff("hq_admin")).get(reverse("orgs:oplog_export") + "?action=update")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "时间" and len(rows) == 2
    assert rows[1][4] == "组织" and "浙江区域" in rows[1][6]
    assert rows[1][2] == "139****0001"  # phones are masked in exports too
    assert OperationLog.objects.filter(action="update").count() == 1


def test_oplog_export_needs_export_permission(world, client_for):
    # The project manager may read the log (oplog.view) but not export it.
    c = client_for(world.staff("project_manager"))
    assert c.get(reverse("orgs:oplog_list")).status_code == 200
    assert c.get(reverse("orgs:oplog_export")).status_code == 403


def test_modules_not_granted_are_not_usable_on_pages_or_api(world, client_for, api_for):
    from wuyetong.orgs import services

    services.company_grant_modules(
        actor=world.admin, company=world.company_a, modules=["org", "estates"]
    )
    hq_admin = world.staff("hq_admin")
    c, api = client_for(hq_admin), api_for(hq_admin)
    assert c.get(reverse("orgs:employee_list")).status_code == 200
    assert c.get(reverse("orgs:role_list")).status_code == 403
    assert c.get(reverse("orgs:oplog_list")).status_code == 403
    assert api.get("/api/v1/orgs/roles/").status_code == 403
    assert api.get("/api/v1/orgs/oplog/").status_code == 403
    menu = c.get(reverse("orgs:employee_list")).context["menu"]
    labels = {item["label"] for group in menu for item in group["items"]}
    assert "员工" in labels and "角色" not in labels and "操作日志" not in labels


def test_department_list_filters_by_org_unit(world, org, client_for):
    from wuyetong.orgs import services

    services.department_create(actor=None, org_unit=world.a.hq, name="人事部")
    c = client_for(world.staff("hq_admin"))
    r = c.get(reverse("orgs:department_list") + f"?org_unit={world.a.hq.pk}")
    assert [d.name for d in r.context["departments"]] == ["人事部"]


def test_platform_appoints_a_company_admin_on_the_company_page(world, client_for):
    c = client_for(world.admin)
    target = reverse("orgs:platform_company_admin_add", args=[world.company_b.pk])
    r = c.post(target, {"phone": "13866662222", "name": "至善新管理员"})
    assert r.status_code == 302
    body = c.get(
        reverse("orgs:platform_company_detail", args=[world.company_b.pk])
    ).content.decode()
    assert "至善新管理员" in body and "138****2222" in body
    assert (
        client_for(world.staff("hq_admin"))
        .post(target, {"phone": "13866663333", "name": "x"})
        .status_code
        == 403
    )
    assert not Employee.objects.filter(user__phone="13866663333").exists()


def test_read_only_viewer_sees_no_write_controls_and_masked_phone(world, org, client_for):
    r = client_for(world.staff("project_manager")).get(
        reverse("orgs:employee_detail", args=[org.cleaner_a.pk])
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert "办理离职" not in body and "保存角色" not in body and "任职信息" not in body
    assert "139****0007" in body and "13900000007" not in body


def test_bad_filter_values_are_a_clear_400_in_the_api_and_no_500_on_the_web(
    world, client_for, api_for
):
    r = api_for(world.staff("hq_admin")).get(
        "/api/v1/orgs/oplog/?date_from=yesterday&object_type=x.y"
    )
    assert r.status_code == 400 and set(r.json()["errors"]) >= {"date_from"}
    r = client_for(world.staff("hq_admin")).get(reverse("orgs:oplog_list") + "?date_from=yesterday")
    assert r.status_code == 200 and "输入一个有效的日期" in r.content.decode()


def test_employee_export_follows_filters_and_masks_for_readers(world, org, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    r = client_for(world.staff("hq_admin")).get(reverse("orgs:employee_export") + "?q=Acleaner")
    rows = list(load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("工号", "姓名", "手机号")
    assert [row[1] for row in rows[1:]] == ["Acleaner"] and rows[1][2] == "13900000007"
    # The project manager may view but not export employees.
    assert (
        client_for(world.staff("project_manager")).get(reverse("orgs:employee_export")).status_code
        == 403
    )


def test_hq_admin_moves_a_project_to_another_region(world, client_for):
    from wuyetong.orgs import services

    south = services.org_unit_create(
        actor=None, company=world.company_a, kind="region", name="华南区域", parent=world.a.hq
    )
    c = client_for(world.staff("hq_admin"))
    page = c.get(reverse("orgs:orgunit_rename", args=[world.a.projects[1].pk])).content.decode()
    assert "调整上级" in page and "华南区域" in page
    r = c.post(reverse("orgs:orgunit_move", args=[world.a.projects[1].pk]), {"parent": south.pk})
    assert r.status_code == 302
    assert OrgUnit.objects.get(pk=world.a.projects[1].pk).parent == south
    r = c.post(
        reverse("orgs:orgunit_move", args=[world.a.region.pk]), {"parent": world.a.projects[0].pk}
    )
    assert r.status_code == 302  # refused with a message: a project cannot be chosen
    assert OrgUnit.objects.get(pk=world.a.region.pk).parent == world.a.hq


def test_ids_beyond_any_key_are_not_found_not_a_500(world, client_for, api_for):
    big = "9" * 30
    c, api = client_for(world.staff("hq_admin")), api_for(world.staff("hq_admin"))
    assert c.get(f"/orgs/employees/{big}/").status_code == 404
    assert c.get(f"/orgs/employees/?org_unit={big}").status_code == 200
    assert (
        c.post("/orgs/units/", {"parent": big, "kind": "project", "name": "x"}).status_code == 200
    )
    assert api.get(f"/api/v1/orgs/employees/{big}/").status_code == 404
    assert api.get(f"/api/v1/orgs/employees/?role={big}").status_code == 400
    r = api.post(
        "/api/v1/orgs/employees/",
        {"phone": "13811112222", "name": "x", "org_unit": int(big), "employee_no": "Z"},
        format="json",
    )
    assert r.status_code == 400 and "org_unit" in r.json()["errors"]
    assert client_for(world.admin).get(f"/orgs/platform/companies/{big}/").status_code == 404


def test_oplog_date_range_is_whole_local_days(world, client_for):
    import datetime as dt

    from django.utils import timezone

    from wuyetong.orgs import services

    services.org_unit_rename(actor=world.staff("hq_admin"), unit=world.a.region, name="浙江区域")
    log = OperationLog.objects.order_by("-id").first()
    # 00:30 local time: still "today" in Shanghai although it is yesterday in UTC.
    local_day = dt.date(2026, 3, 2)
    log.created_at = timezone.make_aware(dt.datetime(2026, 3, 2, 0, 30))
    log.save(update_fields=["created_at"])
    c = client_for(world.staff("hq_admin"))
    day = local_day.isoformat()
    body = c.get(reverse("orgs:oplog_list") + f"?date_from={day}&date_to={day}").content.decode()
    assert "浙江区域" in body
    body = c.get(reverse("orgs:oplog_list") + "?date_to=2026-03-01").content.decode()
    assert "浙江区域" not in body
