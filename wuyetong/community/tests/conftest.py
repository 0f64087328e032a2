"""Helpers for the community-life tests, on top of the shared world (wuyetong/conftest.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wuyetong.community import services
from wuyetong.community.models import Vote
from wuyetong.demo import builders as b
from wuyetong.orgs.models import OperationLog

NOW = timezone.make_aware(dt.datetime(2024, 6, 1, 9, 0))


@pytest.fixture
def bind_owner():
    """bind_owner(phone, house, relation="owner") → a registered user bound to the house."""

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


@pytest.fixture
def estate(world):
    """A community of `n` houses with chosen areas; owners bound on demand."""

    class Estate:
        def __init__(self):
            self.community = b.community_create(
                company=world.company_a,
                project=world.a.projects[0],
                district=world.districts[0],
                name="测试花园",
                code="TS01",
            )
            self.houses: list = []
            self.n = 0

        def add_houses(self, *areas: str) -> list:
            made = b.houses_create(
                self.community, buildings=1, units=1, floors=len(areas), per_floor=1, seed=9
            )
            for house, area in zip(made, areas, strict=True):
                house.building_area = Decimal(area)
                house.save(update_fields=["building_area"])
            self.houses += made
            return made

        def owner(self, *houses, name: str = "业主"):
            self.n += 1
            user = b.user_create(f"1581234{self.n:04d}", f"{name}{self.n}")
            for house in houses:
                b.owner_bind(user=user, house=house)
            return user

        def vote(self, *, major: bool = False, **kw) -> Vote:

            vote = services.vote_create(
                actor=world.staff("project_manager"),
                community=self.community,
                title="更换物业服务企业" if not major else "利用共有部分设置广告位",
                matter="common_use" if major else "manager",
                opens_at=NOW - dt.timedelta(days=1),
                closes_at=NOW + dt.timedelta(days=6),
            )
            return services.vote_publish(
                actor=world.staff("project_manager"), vote=vote, now=NOW - dt.timedelta(hours=1)
            )

    return Estate()
