"""Helpers for the community-life tests, on top of the shared world (wuyetong/conftest.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuyetong.orgs.models import OperationLog


@pytest.fixture
def bind_owner():
    """bind_owner(phone, house, relation="owner") → a registered user bound to the house."""
    from wuyetong.demo import builders as b

    def _bind(phone: str, house, name: str = "业主", relation: str = "owner"):
        from wuyetong.accounts.models import User

        user = User.objects.filter(phone=phone).first() or b.user_create(phone, name)
        b.owner_bind(user=user, house=house, relation=relation)
        return user

    return _bind


def table_state(*models):
    """Every row of the models (and the operation-log count): what a denied request could
    have changed."""
    rows = [
        sorted(
            m.objects.values_list(
                *[f.attname for f in m._meta.concrete_fields if f.name != "updated_at"]
            )
        )
        for m in models
    ]
    return rows, OperationLog.objects.count()


def assert_page_matrix(world, client, client_for, url: str, *, object_page: bool) -> None:
    """The console permission matrix of one GET page: anonymous → login; an owner and a role
    without the module → 403; roles with it → 200; another company → 404 for an object
    (a list just shows none of company A's rows)."""
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert client_for(world.owner).get(url).status_code == 403
    assert client_for(world.other_owner).get(url).status_code == 403
    assert client_for(world.staff("cashier")).get(url).status_code == 403
    assert client_for(world.staff("project_manager")).get(url).status_code == 200
    assert client_for(world.staff("customer_service")).get(url).status_code == 200
    other = client_for(world.staff("hq_admin", "b")).get(url)
    assert other.status_code == (404 if object_page else 200)


def assert_post_denied(world, client, client_for, url: str, data: dict, models, *, perm_role):
    """Denied writes change nothing: anonymous, owner, a role without the permission and
    another company's admin."""
    before = table_state(*models)
    assert client.post(url, data).status_code == 302
    assert client_for(world.owner).post(url, data).status_code == 403
    assert client_for(world.staff(perm_role)).post(url, data).status_code == 403
    assert client_for(world.staff("hq_admin", "b")).post(url, data).status_code == 404
    assert table_state(*models) == before


@pytest.fixture
def viewer(world):
    """Staff of company A (whole company) whose only role grants community.view."""
    from wuyetong.demo import builders as b
    from wuyetong.orgs.models import Employee, Role

    user = b.user_create("13900000099", "只读客服")
    role = Role.objects.create(
        company=world.company_a,
        name="客户关系只读",
        permissions=["community.view"],
        data_scope="company",
    )
    employee = Employee.objects.create(
        company=world.company_a, user=user, org_unit=world.a.hq, employee_no="E-VIEW"
    )
    employee.roles.add(role)
    return user
