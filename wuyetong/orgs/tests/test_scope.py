"""Data scope (project / subtree / company) and query counts of the lists."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuyetong.core.access import get_access, reset_access
from wuyetong.core.exceptions import ApplicationError
from wuyetong.orgs import services
from wuyetong.orgs.choices import DataScope
from wuyetong.orgs.models import Employee

pytestmark = pytest.mark.django_db
API = "/api/v1/orgs"


def employee_units(api, path=f"{API}/employees/"):
    return {row["org_unit"] for row in api.get(path).json()["results"]}


def test_project_role_sees_only_its_project(world, api_for):
    pm = world.staff("project_manager")  # sits in projects[0]
    assert employee_units(api_for(pm)) == {world.a.projects[0].pk}
    other = Employee.objects.filter(company=world.company_a, org_unit=world.a.hq).first()
    assert api_for(pm).get(f"{API}/employees/{other.pk}/").status_code == 404
    units = {row["id"] for row in api_for(pm).get(f"{API}/units/").json()["results"]}
    assert units == {world.a.projects[0].pk}


def test_subtree_role_sees_its_subtree(world, org, api_for):
    hq_admin = world.staff("hq_admin")
    role = services.role_create_from_template(
        actor=hq_admin, company=world.company_a, template="", name="区域人事"
    )
    services.role_update(
        actor=hq_admin,
        role=role,
        name="区域人事",
        data_scope=DataScope.SUBTREE,
        permissions=["org.view", "org.add", "org.change"],
    )
    emp = services.employee_create(
        actor=hq_admin,
        company=world.company_a,
        phone="13844445555",
        name="区域HR",
        org_unit=world.a.region,
        employee_no="R001",
    )
    services.employee_assign_roles(actor=hq_admin, employee=emp, roles=[role])
    api = api_for(emp.user)
    visible = employee_units(api)
    assert world.a.hq.pk not in visible
    assert visible <= {world.a.region.pk, *(p.pk for p in world.a.projects)}
    assert world.a.projects[0].pk in visible and world.a.region.pk in visible
    # Cannot place a new employee outside the subtree.
    r = api.post(
        f"{API}/employees/",
        {"phone": "13844446666", "name": "越权", "org_unit": world.a.hq.pk, "employee_no": "R002"},
        format="json",
    )
    assert r.status_code == 400 and "org_unit" in r.json()["errors"]
    # Nor widen a role to the whole company.
    with pytest.raises(ApplicationError, match="数据范围"):
        services.role_update(
            actor=emp.user,
            role=role,
            name="区域人事",
            data_scope=DataScope.COMPANY,
            permissions=["org.view"],
        )


def test_company_role_sees_everything_in_its_company_only(world, api_for):
    units = employee_units(api_for(world.staff("hq_admin")))
    assert world.a.hq.pk in units and world.a.projects[0].pk in units
    assert not units & {world.b.hq.pk, world.b.projects[0].pk}


def test_subtree_web_filter_by_org_unit(world, client_for):
    c = client_for(world.staff("hq_admin"))
    page = c.get(reverse("orgs:employee_list") + f"?org_unit={world.a.region.pk}").context["page"]
    names = {e.user.name for e in page}
    assert {"Afinance", "Acleaner"} <= names and "Ahq_admin" not in names


def test_access_follows_role_scope(world):
    pm = world.staff("project_manager")
    access = get_access(pm)
    assert access.community_ids == frozenset({world.community_a1.pk})
    reset_access(pm)


# Query counts ----------------------------------------------------------------------------


@pytest.fixture
def many_employees(world, org):
    hq_admin = world.staff("hq_admin")
    for i in range(25):
        e = services.employee_create(
            actor=hq_admin,
            company=world.company_a,
            phone=f"1331000{i:04d}",
            name=f"批量{i}",
            org_unit=world.a.projects[i % 2],
            employee_no=f"B{i:03d}",
            department=org.dept_a if i % 2 == 0 else None,
            position=org.position_a,
        )
        services.employee_assign_roles(
            actor=hq_admin, employee=e, roles=[org.role_a, world.a.roles["cleaner"]]
        )


@pytest.mark.parametrize(
    "name",
    [
        "orgs:employee_list",
        "orgs:oplog_list",
        "orgs:role_list",
        "orgs:orgunit_list",
        "orgs:department_list",
        "orgs:position_list",
    ],
)
def test_company_pages_have_bounded_queries(
    world, many_employees, client_for, django_assert_max_num_queries, name
):
    c = client_for(world.staff("hq_admin"))
    with django_assert_max_num_queries(20):
        assert c.get(reverse(name)).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "orgs:platform_company_list",
        "orgs:platform_community_list",
        "orgs:platform_merchant_list",
        "orgs:platform_bureau_list",
        "orgs:oplog_list",
    ],
)
def test_platform_pages_have_bounded_queries(
    world, many_employees, client_for, django_assert_max_num_queries, name
):
    c = client_for(world.admin)
    with django_assert_max_num_queries(12):
        assert c.get(reverse(name)).status_code == 200


@pytest.mark.parametrize(
    "path", ["employees/", "oplog/", "roles/", "units/", "departments/", "positions/"]
)
def test_company_api_lists_have_bounded_queries(
    world, many_employees, api_for, django_assert_max_num_queries, path
):
    api = api_for(world.staff("hq_admin"))
    with django_assert_max_num_queries(12):
        assert api.get(f"{API}/{path}").status_code == 200


def test_bureau_lists_have_bounded_queries(
    world, client_for, api_for, django_assert_max_num_queries
):
    web, api = client_for(world.bureau_official), api_for(world.bureau_official)
    with django_assert_max_num_queries(12):
        assert web.get(reverse("orgs:bureau_community_list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get(f"{API}/bureau/communities/").status_code == 200


def test_project_scope_held_at_a_region_does_not_widen_to_the_subtree(world, org):
    hq_admin = world.staff("hq_admin")
    emp = services.employee_create(
        actor=hq_admin,
        company=world.company_a,
        phone="13844447777",
        name="区域客服",
        org_unit=world.a.region,
        employee_no="R009",
    )
    services.employee_assign_roles(
        actor=hq_admin, employee=emp, roles=[world.a.roles["customer_service"]]
    )
    access = get_access(emp.user)
    assert access.org_unit_ids == frozenset({world.a.region.pk})
    assert access.community_ids == frozenset()


def test_htmx_filter_returns_only_the_table(world, client_for):
    c = client_for(world.staff("hq_admin"))
    r = c.get(reverse("orgs:employee_list") + "?q=Acleaner", HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert (
        r.status_code == 200
        and "<html" not in body
        and "Acleaner" in body
        and "Acashier" not in body
    )


def test_narrow_scope_reads_only_its_units_oplog(world, api_for):
    services.org_unit_rename(actor=world.staff("hq_admin"), unit=world.a.region, name="浙江区域")
    pm = world.staff("project_manager")
    services.position_create(actor=pm, company=world.company_a, name="项目助理")
    rows = api_for(pm).get(f"{API}/oplog/").json()["results"]
    assert [r["object_repr"] for r in rows] == ["项目助理"]
    everything = (
        api_for(world.staff("hq_admin")).get(f"{API}/oplog/?page_size=500").json()["results"]
    )
    assert {"项目助理", "浙江区域"} <= {r["object_repr"] for r in everything}


def test_detail_pages_have_bounded_queries(
    world, org, many_employees, client_for, django_assert_max_num_queries
):
    hq, admin = client_for(world.staff("hq_admin")), client_for(world.admin)
    pages = [
        (hq, reverse("orgs:employee_detail", args=[org.cleaner_a.pk])),
        (hq, reverse("orgs:role_edit", args=[org.role_a.pk])),
        (hq, reverse("orgs:orgunit_rename", args=[world.a.projects[0].pk])),
        (admin, reverse("orgs:platform_company_detail", args=[world.company_a.pk])),
        (admin, reverse("orgs:platform_bureau_detail", args=[world.bureau_a.pk])),
    ]
    for client, url in pages:
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200, url
