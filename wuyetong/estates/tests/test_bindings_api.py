"""Staff binding-review API: permission matrix, masking, filters, approve / reject / correct."""

from __future__ import annotations

import pytest

from wuyetong.demo.builders import make_id_card
from wuyetong.estates.choices import BindingStatus, Relation
from wuyetong.estates.models import BindingRequest, Occupancy
from wuyetong.estates.services import bindings as services

pytestmark = pytest.mark.django_db
BASE = "/api/v1/estates/bindings"


@pytest.fixture
def pending(world) -> BindingRequest:
    return services.binding_request_create(
        user=world.owner,
        house_id=world.houses_a1[2].pk,
        applicant_name="王建国",
        applicant_id_card=make_id_card(1),
    )


def state(binding) -> tuple:
    binding.refresh_from_db()
    return binding.status, binding.applicant_name, binding.house_id, Occupancy.objects.count()


ACTIONS = [
    ("approve", {}),
    ("reject", {"reason": "不符"}),
    (
        "correct",
        {"applicant_name": "改名", "applicant_id_card": "", "house": 0, "relation": "owner"},
    ),
]


def test_anonymous_gets_401_everywhere(api_for, pending):
    api = api_for()
    assert api.get(f"{BASE}/").status_code == 401
    assert api.get(f"{BASE}/{pending.pk}/").status_code == 401
    before = state(pending)
    for action, body in ACTIONS:
        assert api.post(f"{BASE}/{pending.pk}/{action}/", body, format="json").status_code == 401
    assert state(pending) == before


@pytest.mark.parametrize("who", ["owner", "other_owner", "cashier"])
def test_owners_and_roles_without_bindings_view_get_403(world, api_for, pending, who):
    user = world.staff(who) if who == "cashier" else getattr(world, who)
    api = api_for(user)
    assert api.get(f"{BASE}/").status_code == 403
    before = state(pending)
    for action, body in ACTIONS:
        assert api.post(f"{BASE}/{pending.pk}/{action}/", body, format="json").status_code == 403
    assert state(pending) == before


def test_staff_of_another_company_get_404(world, api_for, pending):
    api = api_for(world.staff("hq_admin", "b"))
    assert api.get(f"{BASE}/").json()["count"] == 0
    assert api.get(f"{BASE}/{pending.pk}/").status_code == 404
    before = state(pending)
    for action, body in ACTIONS:
        response = api.post(f"{BASE}/{pending.pk}/{action}/", body, format="json")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert state(pending) == before


def test_viewer_without_approve_gets_403_on_decisions(world, api_for, pending):
    from wuyetong.orgs.models import Role

    role = Role.objects.get(company=world.company_a, template="customer_service")
    role.permissions = [p for p in role.permissions if p != "bindings.approve"]
    role.save()
    api = api_for(world.staff("customer_service"))
    assert api.get(f"{BASE}/{pending.pk}/").status_code == 200
    before = state(pending)
    for action, body in ACTIONS:
        assert api.post(f"{BASE}/{pending.pk}/{action}/", body, format="json").status_code == 403
    assert state(pending) == before


def test_list_filters_and_masks(world, api_for, pending):
    api = api_for(world.staff("customer_service"))
    body = api.get(f"{BASE}/", {"status": "pending"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["phone"] == "135****0001" and row["applicant_id_card"].startswith("3301")
    assert "*" in row["applicant_id_card"]
    assert api.get(f"{BASE}/", {"status": "approved"}).json()["count"] == 0
    assert api.get(f"{BASE}/", {"q": "王建"}).json()["count"] == 1
    assert api.get(f"{BASE}/", {"community": world.community_a2.pk}).json()["count"] == 0
    full = api_for(world.staff("project_manager")).get(f"{BASE}/").json()["results"][0]
    assert full["phone"] == world.owner.phone and full["applicant_id_card"] == make_id_card(1)


def test_approve_twice_binds_once(world, api_for, pending):
    api = api_for(world.staff("customer_service"))
    first = api.post(f"{BASE}/{pending.pk}/approve/")
    assert first.status_code == 200 and first.json()["status"] == BindingStatus.APPROVED
    second = api.post(f"{BASE}/{pending.pk}/approve/")
    assert second.status_code == 200
    assert (
        Occupancy.objects.filter(house=world.houses_a1[2], resident__user=world.owner).count() == 1
    )


def test_reject_requires_reason(world, api_for, pending):
    api = api_for(world.staff("customer_service"))
    response = api.post(f"{BASE}/{pending.pk}/reject/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = api.post(f"{BASE}/{pending.pk}/reject/", {"reason": "请补充房产证"}, format="json")
    assert (
        response.json()["status"] == "rejected"
        and response.json()["reject_reason"] == "请补充房产证"
    )


def test_correct_then_approve(world, api_for, pending):
    api = api_for(world.staff("customer_service"))
    response = api.post(
        f"{BASE}/{pending.pk}/correct/",
        {
            "applicant_name": "王建国",
            "applicant_id_card": make_id_card(1),
            "house": world.houses_b1[0].pk,
            "relation": Relation.OWNER,
        },
        format="json",
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["house"]
    response = api.post(
        f"{BASE}/{pending.pk}/correct/",
        {
            "applicant_name": "王建国",
            "applicant_id_card": make_id_card(1),
            "house": world.houses_a1[5].pk,
            "relation": Relation.TENANT,
        },
        format="json",
    )
    assert response.status_code == 200 and response.json()["house"]["id"] == world.houses_a1[5].pk
    api.post(f"{BASE}/{pending.pk}/approve/")
    occupancy = Occupancy.objects.get(house=world.houses_a1[5], resident__user=world.owner)
    assert occupancy.relation == Relation.TENANT


def test_list_query_count_does_not_grow_with_rows(world, api_for, django_assert_max_num_queries):
    for house in world.houses_a1[2:8]:
        services.binding_request_create(
            user=world.owner,
            house_id=house.pk,
            applicant_name="王建国",
            applicant_id_card=make_id_card(1),
        )
    api = api_for(world.staff("customer_service"))
    with django_assert_max_num_queries(10):
        assert api.get(f"{BASE}/").json()["count"] == 6


def test_correct_without_the_id_number_keeps_it(world, api_for, pending):
    api = api_for(world.staff("customer_service"))
    masked = api.get(f"{BASE}/{pending.pk}/").json()["applicant_id_card"]
    for id_card in (masked, None):
        body = {"applicant_name": "王建業", "house": world.houses_a1[2].pk, "relation": "owner"}
        if id_card is not None:
            body["applicant_id_card"] = id_card
        assert api.post(f"{BASE}/{pending.pk}/correct/", body, format="json").status_code == 200
        pending.refresh_from_db()
        assert pending.applicant_id_card == make_id_card(1) and pending.applicant_name == "王建業"
