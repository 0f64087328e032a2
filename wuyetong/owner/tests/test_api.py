"""The owner's own API (/api/v1/me/): houses, binding requests, add / rebind / withdraw."""

from __future__ import annotations

import pytest

from wuyetong.demo.builders import make_id_card
from wuyetong.estates.models import BindingRequest, Occupancy

pytestmark = pytest.mark.django_db
BASE = "/api/v1/me"


def test_anonymous_gets_401(api_for):
    api = api_for()
    assert api.get(f"{BASE}/houses/").status_code == 401
    assert api.get(f"{BASE}/bindings/").status_code == 401
    assert api.post(f"{BASE}/bindings/", {"house": 1}, format="json").status_code == 401


def test_owner_sees_only_their_own_houses(world, api_for):
    houses = api_for(world.owner).get(f"{BASE}/houses/").json()
    assert [h["house"]["id"] for h in houses] == [world.owner_house.pk]
    assert houses[0]["house"]["community"] == "翠苑一区" and houses[0]["relation_label"] == "业主"
    assert (
        api_for(world.other_owner).get(f"{BASE}/houses/").json()[0]["house"]["id"]
        == world.other_owner_house.pk
    )


def test_add_house_creates_a_pending_request(world, api_for):
    api = api_for(world.owner)
    response = api.post(
        f"{BASE}/bindings/",
        {"house": world.houses_a2[0].pk, "relation": "owner", "applicant_id_card": make_id_card(1)},
        format="json",
    )
    assert response.status_code == 201
    assert (
        response.json()["status"] == "pending"
        and response.json()["house"]["community"] == "西溪花园"
    )
    assert [b["id"] for b in api.get(f"{BASE}/bindings/").json()] == [response.json()["id"]]


def test_rebind_with_someone_elses_occupancy_is_refused(world, api_for):
    others = Occupancy.objects.get(resident__user=world.other_owner)
    response = api_for(world.owner).post(
        f"{BASE}/bindings/",
        {
            "house": world.houses_a1[2].pk,
            "replaces": others.pk,
            "applicant_id_card": make_id_card(1),
        },
        format="json",
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["replaces"]
    assert not BindingRequest.objects.exists()


def test_owner_cannot_withdraw_another_owners_request(world, api_for):
    mine = (
        api_for(world.owner)
        .post(
            f"{BASE}/bindings/",
            {"house": world.houses_a1[2].pk, "applicant_id_card": make_id_card(1)},
            format="json",
        )
        .json()
    )
    response = api_for(world.other_owner).post(f"{BASE}/bindings/{mine['id']}/cancel/")
    assert response.status_code == 404
    assert BindingRequest.objects.get(pk=mine["id"]).status == "pending"
    assert (
        api_for(world.owner).post(f"{BASE}/bindings/{mine['id']}/cancel/").json()["status"]
        == "cancelled"
    )


def test_bad_house_id_names_the_field(world, api_for):
    response = api_for(world.owner).post(f"{BASE}/bindings/", {"house": 999999}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["house"]
