"""/api/v1/estates/ for resources and residents: permission matrix, isolation, masking,
occupancy actions, and the same rules as the console."""

from __future__ import annotations

import pytest

from wuyetong.estates.choices import HouseState
from wuyetong.estates.models import (
    AdSpace,
    House,
    Occupancy,
    ParkingLot,
    ParkingSpace,
    Resident,
    Shop,
    Unit,
    Vehicle,
    Venue,
)
from wuyetong.orgs.models import OperationLog

pytestmark = pytest.mark.django_db
API = "/api/v1/estates"


def _objects(world):
    c = world.community_a1
    lot = ParkingLot.objects.create(community=c, name="地面车场")
    return {
        "communities": c,
        "buildings": world.owner_house.building,
        "units": world.owner_house.unit,
        "houses": world.owner_house,
        "shops": Shop.objects.create(community=c, code="S-01", building_area=50),
        "parking-lots": lot,
        "parking-spaces": ParkingSpace.objects.create(community=c, lot=lot, code="P-01"),
        "vehicles": Vehicle.objects.create(community=c, plate="浙A12345"),
        "venues": Venue.objects.create(community=c, name="活动室"),
        "ad-spaces": AdSpace.objects.create(community=c, code="AD-1", location="1幢电梯"),
        "residents": Occupancy.objects.get(house=world.owner_house).resident,
        "occupancies": Occupancy.objects.get(house=world.owner_house),
    }


# endpoint -> (module, a valid PATCH body or None when the endpoint is read/create only)
ENDPOINTS = {
    "communities": ("estates", None),
    "buildings": ("estates", {"name": "改名幢"}),
    "units": ("estates", {"name": "改名单元"}),
    "houses": ("estates", {"notes": "改"}),
    "shops": ("estates", {"name": "改"}),
    "parking-lots": ("estates", {"name": "改"}),
    "parking-spaces": ("estates", {"code": "P-99"}),
    "vehicles": ("estates", {"plate": "浙A99999"}),
    "venues": ("estates", {"name": "改"}),
    "ad-spaces": ("estates", {"location": "改"}),
    "residents": ("residents", {"name": "改"}),
    "occupancies": ("residents", None),
}


def _snapshot():
    models = (
        House,
        Unit,
        Shop,
        ParkingLot,
        ParkingSpace,
        Vehicle,
        Venue,
        AdSpace,
        Resident,
        Occupancy,
    )
    return [
        sorted(
            m.objects.values_list(
                *[f.attname for f in m._meta.concrete_fields if f.name != "updated_at"]
            )
        )
        for m in models
    ], OperationLog.objects.count()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoint_permission_matrix(world, api_for, endpoint):
    objs = _objects(world)
    module, patch = ENDPOINTS[endpoint]
    list_url, detail_url = f"{API}/{endpoint}/", f"{API}/{endpoint}/{objs[endpoint].pk}/"
    before = _snapshot()

    assert api_for().get(list_url).status_code == 401
    assert api_for().get(detail_url).status_code == 401
    no_perm = world.staff("cleaner") if module == "estates" else world.staff("security_guard")
    for denied in (no_perm, world.owner):
        assert api_for(denied).get(list_url).status_code == 403
        assert api_for(denied).get(detail_url).status_code == 403
        if patch:
            assert api_for(denied).patch(detail_url, patch, format="json").status_code == 403
    other = api_for(world.staff("hq_admin", "b"))
    assert other.get(detail_url).status_code == 404
    ids = [row["id"] for row in other.get(list_url).json()["results"]]
    assert objs[endpoint].pk not in ids
    if patch:
        assert other.patch(detail_url, patch, format="json").status_code == 404
    assert _snapshot() == before

    for allowed in (world.staff("project_manager"), world.staff("hq_admin")):
        response = api_for(allowed).get(list_url)
        assert response.status_code == 200
        assert objs[endpoint].pk in [row["id"] for row in response.json()["results"]]
        assert api_for(allowed).get(detail_url).status_code == 200
    if patch:
        assert (
            api_for(world.staff("project_manager"))
            .patch(detail_url, patch, format="json")
            .status_code
            == 200
        )


def test_role_with_view_only_cannot_write(world, api_for):
    api = api_for(world.staff("cashier"))  # estates.view, residents.view
    before = _snapshot()
    assert (
        api.post(
            f"{API}/shops/",
            {"community": world.community_a1.pk, "code": "S-9", "building_area": "1"},
            format="json",
        ).status_code
        == 403
    )
    occ = Occupancy.objects.get(house=world.owner_house)
    assert (
        api.post(
            f"{API}/occupancies/{occ.pk}/move-out/",
            {"end_date": "2024-01-01", "end_reason": "x"},
            format="json",
        ).status_code
        == 403
    )
    assert _snapshot() == before


def test_create_house_through_api_uses_service_rules(world, api_for):
    api = api_for(world.staff("project_manager"))
    unit = world.owner_house.unit
    response = api.post(
        f"{API}/houses/",
        {"unit": unit.pk, "room_no": "8801", "building_area": "90.50", "state": "delivered"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["community"] == unit.community_id and body["state_display"] == "已交房"
    dup = api.post(
        f"{API}/houses/", {"unit": unit.pk, "room_no": "8801", "building_area": "90"}, format="json"
    )
    assert dup.status_code == 400
    assert dup.json()["errors"]["room_no"][0].startswith("该单元已有房号")


def test_create_with_foreign_related_id_reads_as_missing(world, api_for):
    api = api_for(world.staff("hq_admin"))
    before = _snapshot()
    response = api.post(
        f"{API}/houses/",
        {"unit": world.houses_b1[0].unit_id, "room_no": "1", "building_area": "1"},
        format="json",
    )
    assert response.status_code == 400 and "unit" in response.json()["errors"]
    response = api.post(
        f"{API}/shops/",
        {"community": world.community_b1.pk, "code": "X", "building_area": "1"},
        format="json",
    )
    assert response.status_code == 400 and "community" in response.json()["errors"]
    assert _snapshot() == before


def test_vehicle_plate_validated_with_chinese_message(world, api_for):
    api = api_for(world.staff("project_manager"))
    bad = api.post(
        f"{API}/vehicles/", {"community": world.community_a1.pk, "plate": "ABC"}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["errors"] == {"plate": ["车牌号格式不正确"]}
    ok = api.post(
        f"{API}/vehicles/",
        {"community": world.community_a1.pk, "plate": "浙a·12345"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["plate"] == "浙A12345"


def test_house_batch_state_api(world, api_for):
    ids = [h.pk for h in world.houses_a1[:3]]
    response = api_for(world.staff("project_manager")).post(
        f"{API}/houses/set-state/", {"houses": ids, "state": "vacant"}, format="json"
    )
    assert response.status_code == 200 and "changed" in response.json()
    assert set(House.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        HouseState.VACANT
    }
    before = _snapshot()
    response = api_for(world.staff("project_manager", "b")).post(
        f"{API}/houses/set-state/", {"houses": ids, "state": "rented"}, format="json"
    )
    assert response.status_code == 400
    assert (
        api_for(world.staff("repair_worker"))
        .post(f"{API}/houses/set-state/", {"houses": ids, "state": "rented"}, format="json")
        .status_code
        == 403
    )
    assert _snapshot() == before


def test_residents_masked_unless_permitted(world, api_for):
    masked = api_for(world.staff("cashier")).get(f"{API}/residents/").json()["results"]
    row = next(r for r in masked if r["name"] == "王建国")
    assert row["phone"] == "135****0001" and "*" in row["id_card"]
    full = api_for(world.staff("project_manager")).get(f"{API}/residents/").json()["results"]
    assert next(r for r in full if r["name"] == "王建国")["phone"] == "13500000001"
    occ = api_for(world.staff("cashier")).get(f"{API}/occupancies/").json()["results"]
    assert all("****" in o["resident"]["phone"] for o in occ if o["resident"]["phone"])


def test_move_in_move_out_rebind_through_api(world, api_for):
    api = api_for(world.staff("project_manager"))
    house, other = world.houses_a1[1], world.houses_a1[2]
    House.objects.filter(pk__in=[house.pk, other.pk]).update(state=HouseState.DELIVERED)
    response = api.post(
        f"{API}/occupancies/",
        {
            "house": house.pk,
            "relation": "tenant",
            "start_date": "2024-01-01",
            "name": "租客丁",
            "phone": "13877776666",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    occ_id = response.json()["id"]
    response = api.post(
        f"{API}/occupancies/{occ_id}/rebind/",
        {"house": other.pk, "date": "2024-03-01"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["house"] == other.pk
    new_id = response.json()["id"]
    response = api.post(
        f"{API}/occupancies/{new_id}/move-out/",
        {"end_date": "2024-06-30", "end_reason": "退租"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["end_date"] == "2024-06-30"
    history = api.get(
        f"{API}/occupancies/", {"resident": response.json()["resident"]["id"]}
    ).json()["results"]
    assert [(h["house"], h["start_date"], h["end_date"]) for h in history] == [
        (other.pk, "2024-03-01", "2024-06-30"),
        (house.pk, "2024-01-01", "2024-03-01"),
    ]
    again = api.post(
        f"{API}/occupancies/{new_id}/move-out/",
        {"end_date": "2024-07-01", "end_reason": "x"},
        format="json",
    )
    assert again.status_code == 400 and "已迁出" in again.json()["message"]


def test_other_company_cannot_move_out_or_rebind(world, api_for):
    occ = Occupancy.objects.get(house=world.owner_house)
    api = api_for(world.staff("hq_admin", "b"))
    before = _snapshot()
    assert (
        api.post(
            f"{API}/occupancies/{occ.pk}/move-out/",
            {"end_date": "2024-01-01", "end_reason": "x"},
            format="json",
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"{API}/occupancies/{occ.pk}/rebind/",
            {"house": world.houses_b1[1].pk, "date": "2024-01-01"},
            format="json",
        ).status_code
        == 404
    )
    response = api.post(
        f"{API}/occupancies/",
        {
            "house": world.owner_house.pk,
            "relation": "family",
            "start_date": "2024-01-01",
            "name": "外人",
        },
        format="json",
    )
    assert response.status_code == 400 and "house" in response.json()["errors"]
    assert _snapshot() == before


def test_community_create_pending_and_list_filters(world, api_for):
    api = api_for(world.staff("hq_admin"))
    response = api.post(
        f"{API}/communities/",
        {
            "project": world.a.projects[1].pk,
            "district": world.districts[0].pk,
            "name": "新城花园",
            "code": "XC01",
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    pending = api.get(f"{API}/communities/", {"status": "pending"}).json()["results"]
    assert [c["name"] for c in pending] == ["新城花园"]
    foreign = api.post(
        f"{API}/communities/",
        {
            "project": world.b.projects[0].pk,
            "district": world.districts[0].pk,
            "name": "X",
            "code": "X",
        },
        format="json",
    )
    assert foreign.status_code == 400 and "project" in foreign.json()["errors"]


def test_house_list_api_filters_match_console(world, api_for):
    api = api_for(world.staff("hq_admin"))
    house = world.owner_house
    rows = api.get(
        f"{API}/houses/",
        {"community": house.community_id, "building": house.building_id, "owner": "王建国"},
    ).json()["results"]
    assert [r["id"] for r in rows] == [house.pk]
    bad = api.get(f"{API}/houses/", {"community": world.community_b1.pk})
    assert bad.status_code == 400  # another company's community is not a valid choice


def test_occupancy_start_date_required(world, api_for):
    response = api_for(world.staff("project_manager")).post(
        f"{API}/occupancies/",
        {"house": world.houses_a1[1].pk, "relation": "owner", "name": "x"},
        format="json",
    )
    assert response.status_code == 400 and "start_date" in response.json()["errors"]


def test_changing_phone_needs_sensitive_permission(world, api_for):
    resident = Occupancy.objects.get(house=world.owner_house).resident
    url = f"{API}/residents/{resident.pk}/"
    response = api_for(world.staff("customer_service")).patch(
        url, {"phone": "13700009999"}, format="json"
    )
    assert response.status_code == 403 and "phone" in response.json()["errors"]
    resident.refresh_from_db()
    assert resident.phone == "13500000001"
    ok = api_for(world.staff("customer_service")).patch(url, {"notes": "常住"}, format="json")
    assert ok.status_code == 200 and ok.json()["phone"] == "135****0001"


def test_put_back_masked_values_leaves_them_unchanged(world, api_for):
    resident = Occupancy.objects.get(house=world.owner_house).resident
    api = api_for(world.staff("customer_service"))
    url = f"{API}/residents/{resident.pk}/"
    body = api.get(url).json()
    body["notes"] = "常住"
    response = api.put(url, body, format="json")
    assert response.status_code == 200, response.json()
    resident.refresh_from_db()
    assert resident.phone == "13500000001" and resident.notes == "常住"
