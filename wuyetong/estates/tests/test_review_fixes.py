"""Bad input never answers 500, project-scoped roles see only their projects' people, and
the masked-ID rule lives in one service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.masking import mask_id_card
from wuyetong.demo.builders import make_id_card
from wuyetong.estates.choices import Relation
from wuyetong.estates.models import House, Occupancy, Resident, Vehicle
from wuyetong.estates.services import bindings as binding_services
from wuyetong.estates.services import resources as svc

pytestmark = pytest.mark.django_db
API = "/api/v1/estates"
HUGE = "99999999999999999999"  # more than any bigint key can hold


# ---------------------------------------------------------------- bad input


def test_batch_state_with_an_id_no_key_can_hold_names_the_field(world):
    before = dict(House.objects.values_list("pk", "state"))
    with pytest.raises(ApplicationError) as exc:
        svc.houses_set_state(
            actor=world.staff("project_manager"),
            house_ids=[world.houses_a1[0].pk, int(HUGE)],
            state="vacant",
        )
    assert exc.value.field == "houses"
    assert dict(House.objects.values_list("pk", "state")) == before


def test_batch_state_page_and_api_refuse_huge_ids_without_a_500(world, client_for, api_for):
    before = dict(House.objects.values_list("pk", "state"))
    staff = world.staff("project_manager")
    response = client_for(staff).post(
        reverse("estates:house_batch_state"),
        {"state": "vacant", "houses": [world.houses_a1[0].pk, HUGE]},
        follow=True,
    )
    assert response.status_code == 200 and "批量修改失败" in response.content.decode()
    response = api_for(staff).post(
        f"{API}/houses/set-state/", {"houses": [int(HUGE)], "state": "vacant"}, format="json"
    )
    assert response.status_code == 400 and "houses" in response.json()["errors"]
    assert dict(House.objects.values_list("pk", "state")) == before


@pytest.mark.parametrize(
    ("name", "param"),
    [("house_list", "unit"), ("space_list", "house"), ("vehicle_list", "house")],
)
@pytest.mark.parametrize("value", [HUGE, "-1", "0", "abc"])
def test_id_filters_on_lists_show_no_rows_for_impossible_ids(world, client_for, name, param, value):
    response = client_for(world.staff("project_manager")).get(
        reverse(f"estates:{name}"), {param: value}
    )
    assert response.status_code == 200 and response.context["rows"] == []


@pytest.mark.parametrize(("param", "value"), [("house", HUGE), ("resident", HUGE), ("house", "0")])
def test_id_filters_in_the_api_answer_400(world, api_for, param, value):
    response = api_for(world.staff("project_manager")).get(f"{API}/occupancies/", {param: value})
    assert response.status_code == 400 and param in response.json()["errors"]


def test_id_filter_still_finds_the_rows_of_a_real_id(world, api_for):
    response = api_for(world.staff("project_manager")).get(
        f"{API}/occupancies/", {"house": world.owner_house.pk}
    )
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert rows and all(r["house"] == world.owner_house.pk for r in rows)


@pytest.mark.parametrize("order", ["--floor", "---floor", "-", "--"])
def test_list_ignores_sort_keys_with_more_than_one_minus(world, client_for, order):
    client = client_for(world.staff("project_manager"))
    response = client.get(reverse("estates:house_list"), {"o": order})
    assert response.status_code == 200 and response.context["rows"]


def test_list_still_sorts_by_an_allowed_field_descending(world, client_for):
    response = client_for(world.staff("project_manager")).get(
        reverse("estates:house_list"), {"o": "-floor"}
    )
    col = [h["label"] for h in response.context["headers"]].index("楼层")
    floors = [int(r["cells"][col]["text"]) for r in response.context["rows"]]
    assert floors == sorted(floors, reverse=True)


@pytest.mark.parametrize("value", ["²", "١", HUGE])
def test_create_page_ignores_a_community_that_is_not_an_id(world, client_for, value):
    response = client_for(world.staff("project_manager")).get(
        reverse("estates:building_create"), {"community": value}
    )
    assert response.status_code == 200


# ---------------------------------------------------------------- scope within a company


def _resident_in_a2(world, phone="13511112222", name="西溪住户"):
    """A resident living in community_a2, the project the project manager does not run."""
    resident = Resident.objects.create(company=world.company_a, name=name, phone=phone)
    Occupancy.objects.create(
        house=world.houses_a2[0],
        resident=resident,
        relation=Relation.OWNER,
        start_date=dt.date(2020, 1, 1),
    )
    return resident


def test_move_in_refuses_a_phone_of_another_projects_resident(world):
    other = _resident_in_a2(world)
    before = Occupancy.objects.count()
    with pytest.raises(ApplicationError) as exc:
        svc.occupancy_move_in(
            actor=world.staff("project_manager"),
            house=world.houses_a1[1],
            relation=Relation.TENANT,
            start_date=dt.date(2024, 1, 1),
            name="别人",
            phone=other.phone,
        )
    assert exc.value.field == "phone" and "西溪住户" not in str(exc.value.message)
    assert Occupancy.objects.count() == before
    assert Resident.objects.filter(phone=other.phone).count() == 1


def test_move_in_reuses_the_phones_resident_for_whom_may_see_them(world):
    other = _resident_in_a2(world)
    occ = svc.occupancy_move_in(
        actor=world.staff("hq_admin"),
        house=world.houses_a1[1],
        relation=Relation.TENANT,
        start_date=dt.date(2024, 1, 1),
        name="",
        phone=other.phone,
    )
    assert occ.resident_id == other.pk


@pytest.fixture
def pending(world):
    return binding_services.binding_request_create(
        user=world.owner,
        house_id=world.houses_a1[2].pk,
        applicant_name="王建国",
        applicant_id_card=make_id_card(1),
    )


def test_review_page_lists_only_the_applicants_homes_in_the_reviewers_projects(
    world, pending, client_for
):
    resident = Occupancy.objects.get(house=world.owner_house).resident
    a2_house = world.houses_a2[1]
    Occupancy.objects.create(
        house=a2_house, resident=resident, relation=Relation.OWNER, start_date=dt.date(2021, 1, 1)
    )
    url = reverse("estates:binding_detail", args=[pending.pk])
    bound = client_for(world.staff("project_manager")).get(url).context["bound"]
    assert [o.house_id for o in bound] == [world.owner_house.pk]
    bound = client_for(world.staff("hq_admin")).get(url).context["bound"]
    assert {o.house_id for o in bound} == {world.owner_house.pk, a2_house.pk}


def test_review_page_shows_the_history_only_with_oplog_view(world, pending, client_for):
    url = reverse("estates:binding_detail", args=[pending.pk])
    response = client_for(world.staff("customer_service")).get(url)  # no oplog.view
    assert response.context["history"] is None and "处理记录" not in response.content.decode()
    response = client_for(world.staff("project_manager")).get(url)
    assert response.context["history"] is not None and "处理记录" in response.content.decode()


def test_resident_page_shows_only_homes_and_vehicles_in_the_users_projects(world, client_for):
    resident = Occupancy.objects.get(house=world.owner_house).resident
    Occupancy.objects.create(
        house=world.houses_a2[1],
        resident=resident,
        relation=Relation.OWNER,
        start_date=dt.date(2021, 1, 1),
    )
    Vehicle.objects.create(community=world.community_a1, plate="浙A11111", resident=resident)
    Vehicle.objects.create(community=world.community_a2, plate="浙A22222", resident=resident)
    url = reverse("estates:resident_detail", args=[resident.pk])
    response = client_for(world.staff("project_manager")).get(url)
    assert [o.house_id for o in response.context["history"]] == [world.owner_house.pk]
    body = response.content.decode()
    assert "浙A11111" in body and "浙A22222" not in body and "西溪花园" not in body
    body = client_for(world.staff("hq_admin")).get(url).content.decode()
    assert "浙A11111" in body and "浙A22222" in body


def test_house_page_names_vehicle_owners_only_with_residents_view(world, client_for):
    house = world.houses_a1[1]
    resident = Resident.objects.create(company=world.company_a, name="车主甲")
    Vehicle.objects.create(
        community=house.community, plate="浙A33333", house=house, resident=resident
    )
    url = reverse("estates:house_detail", args=[house.pk])
    body = client_for(world.staff("repair_worker")).get(url).content.decode()  # estates.view only
    assert "浙A33333" in body and "车主甲" not in body
    body = client_for(world.staff("cashier")).get(url).content.decode()
    assert "浙A33333" in body and "车主甲" in body


# ---------------------------------------------------------------- one rule, one place


def test_binding_correct_keeps_the_id_number_when_the_masked_value_comes_back(world, pending):
    binding_services.binding_correct(
        actor=world.staff("customer_service"),
        binding=pending,
        applicant_name="王建業",
        applicant_id_card=mask_id_card(make_id_card(1)),
        house_id=world.houses_a1[2].pk,
        relation=Relation.OWNER,
    )
    pending.refresh_from_db()
    assert pending.applicant_id_card == make_id_card(1) and pending.applicant_name == "王建業"
