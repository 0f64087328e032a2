"""The service desk's configuration pages: the type tree, SLA rules, workers on duty and the
company's return-visit settings — who may read and change them, every form through the page,
refusals with the service's message and nothing changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuyetong.orgs.models import Company, Employee
from wuyetong.servicedesk.choices import CaseKind, Urgency
from wuyetong.servicedesk.models import CaseType, CaseWorker, SlaRule

pytestmark = pytest.mark.django_db
PAGES = ["config_types", "config_sla", "config_workers", "config_settings"]


def url(name: str) -> str:
    return reverse(f"servicedesk:{name}")


def user_of(desk, who):
    users = {
        "other_company": desk.world.staff("hq_admin", "b"),
        "owner": desk.world.owner,
        "bureau": desk.world.bureau_official,
        "platform": desk.world.admin,
        "anonymous": None,
    }
    return users[who] if who in users else desk.world.staff(who)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "who, status",
    [
        ("hq_admin", 200),
        ("project_manager", 200),
        ("customer_service", 200),
        ("repair_worker", 200),
        ("cashier", 403),
        ("other_company", 200),
        ("owner", 403),
        ("bureau", 403),
        ("platform", 200),  # reads for support; no form is offered
        ("anonymous", 302),
    ],
)
def test_config_pages_permission_matrix(desk, client, client_for, page, who, status):
    user = user_of(desk, who)
    r = (client_for(user) if user else client).get(url(page))
    assert r.status_code == status
    if status == 200 and page == "config_types":
        # Company A's tree is never shown to company B.
        assert ("漏水" in r.content.decode()) == (who != "other_company")
    if who == "platform":
        assert 'name="action"' not in r.content.decode()


@pytest.mark.parametrize("who", ["project_manager", "customer_service", "repair_worker", "owner"])
def test_only_the_hq_admin_changes_types_rules_and_settings(desk, client, client_for, who):
    c = client_for(user_of(desk, who))
    before = (
        CaseType.objects.count(),
        SlaRule.objects.count(),
        Company.objects.get(pk=desk.world.company_a.pk).settings,
    )
    r1 = c.post(
        url("config_types"),
        {"action": "create", "create-kind": "repair", "create-name": "门禁", "create-sort": 1},
    )
    r2 = c.post(
        url("config_sla"),
        {
            "action": "save",
            "save-kind": "repair",
            "save-urgency": "urgent",
            "save-response": "1",
            "save-resolution": "8",
            "save-warn_before_minutes": 10,
        },
    )
    r3 = c.post(
        url("config_settings"),
        {"action": "save", "save-return_visit_days": 5, "save-auto_close_days": 2},
    )
    for r in (r1, r2, r3):
        assert r.status_code in (403, 404)
    if who in ("project_manager", "customer_service"):
        assert "只有总部管理员可以修改工单类型和时效规则" in r1.content.decode()
    after = (
        CaseType.objects.count(),
        SlaRule.objects.count(),
        Company.objects.get(pk=desk.world.company_a.pk).settings,
    )
    assert after == before


def test_hq_admin_builds_the_type_tree(desk, client_for):
    hq = client_for(desk.world.staff("hq_admin"))
    r = hq.post(
        url("config_types"),
        {
            "action": "create",
            "create-kind": "repair",
            "create-parent": desk.water.pk,
            "create-name": "电路跳闸",
            "create-sort": 3,
        },
    )
    assert r.status_code == 302
    node = CaseType.objects.get(name="电路跳闸")
    assert node.parent == desk.water and node.sort == 3
    # A duplicate name at the same level, an empty name, a complaint parent for a repair.
    for data, message in (
        ({"create-name": "电路跳闸", "create-parent": desk.water.pk}, "同一级下已有同名类型"),
        ({"create-name": "  "}, "请填写类型名称"),
        ({"create-name": "噪音子类", "create-parent": desk.noise.pk}, "上级类型的类别不一致"),
    ):
        r = hq.post(
            url("config_types"),
            {"action": "create", "create-kind": "repair", "create-sort": 0, **data},
        )
        assert r.status_code == 400 and message in r.content.decode()
    assert CaseType.objects.filter(name="电路跳闸").count() == 1
    # Rename and reorder, then disable and enable again.
    r = hq.post(
        url("config_types"),
        {"action": "update", "update-case_type": node.pk, "update-name": "跳闸", "update-sort": 1},
    )
    assert r.status_code == 302
    node.refresh_from_db()
    assert (node.name, node.sort) == ("跳闸", 1)
    r = hq.post(
        url("config_types"),
        {"action": "update", "update-case_type": node.pk, "update-name": "漏水", "update-sort": 1},
    )
    assert r.status_code == 400 and "同一级下已有同名类型" in r.content.decode()
    assert (
        hq.post(url("config_types"), {"action": "toggle", "toggle-case_type": node.pk}).status_code
        == 302
    )
    node.refresh_from_db()
    assert node.is_active is False
    page = hq.get(url("config_types")).content.decode()
    assert f'data-type="{node.pk}"' in page and "启用</button>" in page
    hq.post(
        url("config_types"),
        {"action": "toggle", "toggle-case_type": node.pk, "toggle-is_active": "on"},
    )
    node.refresh_from_db()
    assert node.is_active is True
    # Another company's type cannot be touched (it is absent).
    b_type = CaseType.objects.create(
        company=desk.world.company_b, kind=CaseKind.REPAIR, name="B类型"
    )
    r = hq.post(url("config_types"), {"action": "toggle", "toggle-case_type": b_type.pk})
    assert r.status_code == 400
    b_type.refresh_from_db()
    assert b_type.is_active is True


def test_hq_admin_sets_sla_rules_in_hours(desk, client_for):
    hq = client_for(desk.world.staff("hq_admin"))
    data = {
        "action": "save",
        "save-kind": "repair",
        "save-case_type": desk.door.pk,
        "save-urgency": "urgent",
        "save-response": "0.5",
        "save-resolution": "4",
        "save-warn_before_minutes": 10,
        "save-bureau_on_breach": "on",
    }
    assert hq.post(url("config_sla"), data).status_code == 302
    rule = SlaRule.objects.get(case_type=desk.door, urgency=Urgency.URGENT)
    assert (rule.response_minutes, rule.resolution_minutes, rule.warn_before_minutes) == (
        30,
        240,
        10,
    )
    assert rule.bureau_on_breach and not rule.bureau_on_bad_rating
    # Saving the same type and urgency replaces it.
    assert hq.post(url("config_sla"), {**data, "save-resolution": "6"}).status_code == 302
    assert SlaRule.objects.filter(case_type=desk.door, urgency=Urgency.URGENT).count() == 1
    assert (
        SlaRule.objects.get(case_type=desk.door, urgency=Urgency.URGENT).resolution_minutes == 360
    )
    page = hq.get(url("config_sla")).content.decode()
    assert "门窗" in page and ">0.5<" in page and ">6<" in page
    for bad, message in (
        ({"save-response": "abc"}, "请输入小时数"),
        ({"save-response": "5", "save-resolution": "1"}, "解决时限不能短于响应时限"),
        ({"save-warn_before_minutes": 30}, "提前预警须短于响应时限"),
        ({"save-case_type": desk.noise.pk}, "类型的类别不一致"),
    ):
        r = hq.post(url("config_sla"), {**data, **bad})
        assert r.status_code == 400 and message in r.content.decode(), message
    assert (
        SlaRule.objects.get(case_type=desk.door, urgency=Urgency.URGENT).resolution_minutes == 360
    )


def test_desk_sets_workers_types_and_duty(desk, client_for):
    cs = client_for(desk.cs)
    page = cs.get(url("config_workers")).content.decode()
    assert desk.worker.name in page and desk.worker2.name in page
    emp = Employee.objects.get(user=desk.world.staff("project_manager"))
    r = cs.post(
        url("config_workers"),
        {
            "action": "save",
            "save-employee": emp.pk,
            "save-case_types": [desk.door.pk, desk.water.pk],
            "save-on_duty": "on",
        },
    )
    assert r.status_code == 302
    card = CaseWorker.objects.get(employee=emp)
    assert set(card.case_types.values_list("name", flat=True)) == {"门窗", "水电"} and card.on_duty
    # Off duty with the row's button (types kept).
    r = cs.post(
        url("config_workers"),
        {
            "action": "save",
            "save-employee": emp.pk,
            "save-case_types": [desk.door.pk, desk.water.pk],
        },
    )
    card.refresh_from_db()
    assert card.on_duty is False and card.case_types.count() == 2
    # Someone outside the desk's scope (another company) is refused.
    other = Employee.objects.get(user=desk.world.staff("repair_worker", "b"))
    r = cs.post(
        url("config_workers"), {"action": "save", "save-employee": other.pk, "save-on_duty": "on"}
    )
    assert r.status_code == 400 and not CaseWorker.objects.filter(employee=other).exists()
    # A worker (no desk permission) cannot set cards.
    r = client_for(desk.worker).post(
        url("config_workers"), {"action": "save", "save-employee": emp.pk, "save-on_duty": "on"}
    )
    assert r.status_code in (400, 403)
    card.refresh_from_db()
    assert card.on_duty is False


def test_hq_admin_sets_return_visit_and_close_days(desk, client_for):
    hq = client_for(desk.world.staff("hq_admin"))
    page = hq.get(url("config_settings")).content.decode()
    assert 'value="3"' in page  # the scan's default
    r = hq.post(
        url("config_settings"),
        {"action": "save", "save-return_visit_days": 5, "save-auto_close_days": 2},
    )
    assert r.status_code == 302
    settings = Company.objects.get(pk=desk.world.company_a.pk).settings["servicedesk"]
    assert settings == {"return_visit_days": 5, "auto_close_days": 2}
    r = hq.post(
        url("config_settings"),
        {"action": "save", "save-return_visit_days": 0, "save-auto_close_days": 2},
    )
    assert r.status_code == 400 and "天数须在1到30之间" in r.content.decode()
    assert (
        Company.objects.get(pk=desk.world.company_a.pk).settings["servicedesk"]["return_visit_days"]
        == 5
    )
    # The scan reads what the page saved.
    from wuyetong.servicedesk.services.scans import _company_days

    company = Company.objects.get(pk=desk.world.company_a.pk)
    assert _company_days(company, "return_visit_days", 3) == 5
