"""Console forms for estates and residents: field-level errors, nothing half-saved, and the
form and its service agreeing (every edit form round-trips unchanged)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from wuyetong.estates.choices import HouseState
from wuyetong.estates.models import House, Occupancy, ParkingLot, Resident, Vehicle
from wuyetong.orgs.models import OperationLog

from .test_resources_views import _objects, _state

pytestmark = pytest.mark.django_db


def test_move_in_from_house_page(world, client_for):
    house = world.houses_a1[1]
    House.objects.filter(pk=house.pk).update(state=HouseState.DELIVERED)
    url = reverse("estates:house_move_in", args=[house.pk])
    response = client_for(world.staff("project_manager")).post(
        url,
        {"relation": "owner", "name": "新业主", "phone": "13812340000", "start_date": "2024-05-01"},
    )
    assert response.status_code == 302
    occ = Occupancy.objects.get(house=house, resident__name="新业主")
    assert occ.start_date == dt.date(2024, 5, 1) and occ.end_date is None


def test_move_in_bad_input_shows_field_error_and_writes_nothing(world, client_for):
    house = world.houses_a1[1]
    House.objects.filter(pk=house.pk).update(state=HouseState.DELIVERED)
    before = _state()
    response = client_for(world.staff("project_manager")).post(
        reverse("estates:house_move_in", args=[house.pk]),
        {"relation": "owner", "name": "新业主", "phone": "12345", "start_date": "2024-05-01"},
    )
    assert response.status_code == 400
    assert response.context["move_in_form"].errors["phone"] == ["请输入正确的11位手机号码"]
    assert _state() == before


def test_move_out_and_rebind_pages(world, client_for):
    pm = client_for(world.staff("project_manager"))
    occ = Occupancy.objects.get(house=world.owner_house, resident__user=world.owner)
    response = pm.post(
        reverse("estates:occupancy_move_out", args=[occ.pk]),
        {"end_date": "2020-01-01", "end_reason": "出售"},
    )
    assert response.status_code == 400  # before the start date
    assert "迁出日期不能早于入住日期" in response.context["form"].errors["end_date"][0]
    target = world.houses_a1[2]
    House.objects.filter(pk=target.pk).update(state=HouseState.OCCUPIED)
    response = pm.post(
        reverse("estates:occupancy_rebind", args=[occ.pk]),
        {"house": target.pk, "date": "2024-02-01", "reason": "房号登记错误"},
    )
    assert response.status_code == 302
    occ.refresh_from_db()
    assert occ.end_date == dt.date(2024, 2, 1)
    assert Occupancy.objects.get(resident=occ.resident, house=target, end_date__isnull=True)


def test_house_form_bad_input_names_fields_and_writes_nothing(world, client_for):
    unit = world.owner_house.unit
    count = House.objects.count()
    response = client_for(world.staff("project_manager")).post(
        reverse("estates:house_create"),
        {
            "unit": unit.pk,
            "room_no": world.owner_house.room_no,
            "use": "residential",
            "building_area": "abc",
            "fee_coefficient": "1",
            "state": "vacant",
        },
    )
    assert response.status_code == 400
    assert "building_area" in response.context["form"].errors
    response = client_for(world.staff("project_manager")).post(
        reverse("estates:house_create"),
        {
            "unit": unit.pk,
            "room_no": world.owner_house.room_no,
            "use": "residential",
            "building_area": "80",
            "fee_coefficient": "1",
            "state": "vacant",
        },
    )
    assert response.status_code == 400
    assert "已有房号" in response.context["form"].errors["room_no"][0]
    assert House.objects.count() == count


def test_house_form_cannot_pick_other_company_unit(world, client_for):
    foreign_unit = world.houses_b1[0].unit
    count = House.objects.count()
    response = client_for(world.staff("hq_admin")).post(
        reverse("estates:house_create"),
        {
            "unit": foreign_unit.pk,
            "room_no": "X1",
            "use": "residential",
            "building_area": "80",
            "fee_coefficient": "1",
            "state": "vacant",
        },
    )
    assert response.status_code == 400 and "unit" in response.context["form"].errors
    assert House.objects.count() == count


def test_vehicle_form_refuses_bad_plate_on_field(world, client_for):
    response = client_for(world.staff("project_manager")).post(
        reverse("estates:vehicle_create"), {"community": world.community_a1.pk, "plate": "浙I1234"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["plate"] == ["车牌号格式不正确"]
    assert not Vehicle.objects.exists()


def test_company_admin_creates_pending_community(world, client_for):
    response = client_for(world.staff("hq_admin")).post(
        reverse("estates:community_create"),
        {
            "project": world.a.projects[1].pk,
            "district": world.districts[0].pk,
            "name": "新城花园",
            "code": "XC01",
            "total_area": "0",
        },
    )
    assert response.status_code == 302
    body = (
        client_for(world.staff("hq_admin")).get(reverse("estates:community_list")).content.decode()
    )
    assert "新城花园" in body and "待审核" in body


def test_vehicle_form_links_owner_by_phone(world, client_for):
    client = client_for(world.staff("project_manager"))
    url = reverse("estates:vehicle_create")
    bad = client.post(
        url, {"community": world.community_a1.pk, "plate": "浙A12345", "owner_phone": "13700000000"}
    )
    assert bad.status_code == 400 and "owner_phone" in bad.context["form"].errors
    ok = client.post(
        url,
        {
            "community": world.community_a1.pk,
            "plate": "浙A12345",
            "owner_phone": "13500000001",
            "house": world.owner_house.pk,
        },
    )
    assert ok.status_code == 302
    vehicle = Vehicle.objects.get(plate="浙A12345")
    assert vehicle.resident.name == "王建国" and vehicle.house_id == world.owner_house.pk
    # the owner of another company cannot be linked
    client_b = client_for(world.staff("hq_admin", "b"))
    response = client_b.post(
        url, {"community": world.community_b1.pk, "plate": "浙B12345", "owner_phone": "13500000001"}
    )
    assert response.status_code == 400 and "owner_phone" in response.context["form"].errors


def test_new_space_from_filtered_list_offers_that_community_only(world, client_for):
    client = client_for(world.staff("hq_admin"))
    ParkingLot.objects.create(community=world.community_a1, name="A1车场")
    ParkingLot.objects.create(community=world.community_a2, name="A2车场")
    listing = client.get(reverse("estates:space_list"), {"community": world.community_a1.pk})
    create_url = listing.context["create_url"]
    assert create_url.endswith(f"?community={world.community_a1.pk}")
    form = client.get(create_url).context["form"]
    assert {lot.name for lot in form.fields["lot"].queryset} == {"A1车场"}
    assert {h.community_id for h in form.fields["house"].queryset} == {world.community_a1.pk}


def test_edit_form_offers_houses_of_the_object_community(world, client_for):
    vehicle = Vehicle.objects.create(community=world.community_a2, plate="浙A54321")
    form = (
        client_for(world.staff("hq_admin"))
        .get(reverse("estates:vehicle_edit", args=[vehicle.pk]))
        .context["form"]
    )
    assert {h.community_id for h in form.fields["house"].queryset} == {world.community_a2.pk}


def test_bind_existing_resident_from_resident_page(world, client_for):
    resident = Resident.objects.create(company=world.company_a, name="待入住", phone="13811112222")
    house = world.houses_a1[1]
    House.objects.filter(pk=house.pk).update(state=HouseState.DELIVERED)
    url = reverse("estates:resident_detail", args=[resident.pk])
    client = client_for(world.staff("project_manager"))
    bad = client.post(url, {"house": house.pk, "relation": "owner", "start_date": ""})
    assert bad.status_code == 400 and "start_date" in bad.context["bind_form"].errors
    ok = client.post(url, {"house": house.pk, "relation": "owner", "start_date": "2024-03-01"})
    assert ok.status_code == 302
    assert Occupancy.objects.get(resident=resident, house=house).start_date == dt.date(2024, 3, 1)
    # company B cannot reach the resident; a cashier (view only) may not bind
    assert (
        client_for(world.staff("hq_admin", "b"))
        .post(
            url, {"house": world.houses_b1[1].pk, "relation": "owner", "start_date": "2024-03-01"}
        )
        .status_code
        == 404
    )
    assert (
        client_for(world.staff("cashier"))
        .post(url, {"house": house.pk, "relation": "family", "start_date": "2024-03-01"})
        .status_code
        == 403
    )


EDIT_PAGES = [
    "community_edit",
    "building_edit",
    "unit_edit",
    "house_edit",
    "shop_edit",
    "lot_edit",
    "space_edit",
    "vehicle_edit",
    "venue_edit",
    "adspace_edit",
    "resident_edit",
]


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_edit_form_saves_its_own_values_unchanged(world, client_for, name):
    """Posting an edit form back as shown saves and changes nothing (form and service agree)."""
    objs = _objects(world)
    key = name.removesuffix("_edit")
    client = client_for(world.staff("project_manager"))
    url = reverse(f"estates:{name}", args=[objs[key].pk])
    form = client.get(url).context["form"]
    data = {}
    for field in form:
        value = field.value()
        if value is None:
            continue
        data[field.name] = value.isoformat() if hasattr(value, "isoformat") else value
    logs = OperationLog.objects.count()
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context["form"].errors if response.context else response
    )
    assert OperationLog.objects.count() == logs  # nothing changed, nothing logged
