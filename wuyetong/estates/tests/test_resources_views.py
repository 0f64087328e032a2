"""Console pages for estates and residents: permission matrix, tenant isolation, forms."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from wuyetong.estates.choices import HouseState, Relation
from wuyetong.estates.models import (
    AdSpace,
    Building,
    House,
    Occupancy,
    ParkingLot,
    ParkingSpace,
    Resident,
    Shop,
    Vehicle,
    Venue,
)
from wuyetong.orgs.models import OperationLog

pytestmark = pytest.mark.django_db


def _objects(world):
    """One of each resource in company A's first community (the project manager's)."""
    c = world.community_a1
    lot = ParkingLot.objects.create(community=c, name="地面车场")
    occ = Occupancy.objects.get(house=world.owner_house, resident__user=world.owner)
    return {
        "community": c,
        "building": world.owner_house.building,
        "unit": world.owner_house.unit,
        "house": world.owner_house,
        "shop": Shop.objects.create(community=c, code="S-01", building_area=50),
        "lot": lot,
        "space": ParkingSpace.objects.create(community=c, lot=lot, code="P-01"),
        "vehicle": Vehicle.objects.create(community=c, plate="浙A12345", house=world.owner_house),
        "venue": Venue.objects.create(community=c, name="活动室"),
        "adspace": AdSpace.objects.create(community=c, code="AD-1", location="1幢电梯"),
        "resident": occ.resident,
        "occupancy": occ,
    }


# (url name, object key or None, module permission needed)
GET_PAGES = [
    ("community_list", None, "estates"),
    ("community_create", None, "estates"),
    ("community_edit", "community", "estates"),
    ("building_list", None, "estates"),
    ("building_create", None, "estates"),
    ("building_detail", "building", "estates"),
    ("building_edit", "building", "estates"),
    ("unit_edit", "unit", "estates"),
    ("house_list", None, "estates"),
    ("house_create", None, "estates"),
    ("house_detail", "house", "estates"),
    ("house_edit", "house", "estates"),
    ("shop_list", None, "estates"),
    ("shop_create", None, "estates"),
    ("shop_edit", "shop", "estates"),
    ("lot_list", None, "estates"),
    ("lot_create", None, "estates"),
    ("lot_edit", "lot", "estates"),
    ("space_list", None, "estates"),
    ("space_create", None, "estates"),
    ("space_edit", "space", "estates"),
    ("vehicle_list", None, "estates"),
    ("vehicle_create", None, "estates"),
    ("vehicle_edit", "vehicle", "estates"),
    ("venue_list", None, "estates"),
    ("venue_create", None, "estates"),
    ("venue_edit", "venue", "estates"),
    ("adspace_list", None, "estates"),
    ("adspace_create", None, "estates"),
    ("adspace_edit", "adspace", "estates"),
    ("resident_list", None, "residents"),
    ("resident_create", None, "residents"),
    ("resident_detail", "resident", "residents"),
    ("resident_edit", "resident", "residents"),
    ("occupancy_move_out", "occupancy", "residents"),
    ("occupancy_rebind", "occupancy", "residents"),
]


def _url(name, key, objs):
    return reverse(f"estates:{name}", args=[objs[key].pk] if key else [])


@pytest.mark.parametrize(("name", "key", "module"), GET_PAGES)
def test_page_permission_matrix(world, client, client_for, name, key, module):
    objs = _objects(world)
    url = _url(name, key, objs)
    # anonymous: to the login page
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    # an owner and a role without the module: 403
    assert client_for(world.owner).get(url).status_code == 403
    no_perm = world.staff("cleaner") if module == "estates" else world.staff("security_guard")
    assert client_for(no_perm).get(url).status_code == 403
    # roles with it
    assert client_for(world.staff("project_manager")).get(url).status_code == 200
    assert client_for(world.staff("hq_admin")).get(url).status_code == 200
    # another company's staff: company A's object does not exist for them
    other = client_for(world.staff("hq_admin", "b")).get(url)
    assert other.status_code == (404 if key else 200)


# (url name, object key, form data) for every page that writes
def _posts(world, objs):
    house2 = world.houses_a1[1]
    return [
        (
            "community_edit",
            "community",
            {"name": "改名", "code": "CY01", "district": world.districts[0].pk, "total_area": "1"},
        ),
        ("building_edit", "building", {"name": "改名幢", "sort": 1}),
        ("building_detail", "building", {"name": "9单元"}),
        ("unit_edit", "unit", {"name": "改名单元"}),
        (
            "house_edit",
            "house",
            {
                "room_no": "999",
                "use": "residential",
                "building_area": "1",
                "fee_coefficient": "1",
                "state": "vacant",
            },
        ),
        (
            "house_move_in",
            "house",
            {
                "relation": "family",
                "name": "入侵者",
                "phone": "13999999999",
                "start_date": "2024-01-01",
            },
        ),
        ("shop_edit", "shop", {"code": "S-99", "building_area": "1", "state": "vacant"}),
        ("lot_edit", "lot", {"name": "改名车场"}),
        ("space_edit", "space", {"code": "P-99", "state": "free"}),
        ("vehicle_edit", "vehicle", {"plate": "浙A99999"}),
        ("venue_edit", "venue", {"name": "改名场地"}),
        ("adspace_edit", "adspace", {"code": "AD-9", "location": "x"}),
        ("resident_edit", "resident", {"name": "改名住户", "phone": "13500000001"}),
        ("occupancy_move_out", "occupancy", {"end_date": "2024-01-01", "end_reason": "x"}),
        ("occupancy_rebind", "occupancy", {"house": house2.pk, "date": "2024-01-01"}),
    ]


def _state():
    """Everything a denied request could have changed."""
    models = (
        House,
        Building,
        Shop,
        ParkingLot,
        ParkingSpace,
        Vehicle,
        Venue,
        AdSpace,
        Resident,
        Occupancy,
    )
    return (
        [
            sorted(
                m.objects.values_list(
                    *[f.attname for f in m._meta.concrete_fields if f.name != "updated_at"]
                )
            )
            for m in models
        ],
        OperationLog.objects.count(),
    )


def test_denied_writes_change_nothing(world, client, client_for):
    objs = _objects(world)
    other_company = client_for(world.staff("hq_admin", "b"))
    cleaner = client_for(world.staff("cleaner"))
    owner = client_for(world.owner)
    for name, key, data in _posts(world, objs):
        url = _url(name, key, objs)
        before = _state()
        assert client.post(url, data).status_code == 302, name  # to login
        assert cleaner.post(url, data).status_code == 403, name
        assert owner.post(url, data).status_code == 403, name
        assert other_company.post(url, data).status_code == 404, name
        assert _state() == before, name


def test_batch_state_denied_for_other_company_and_role_without_permission(world, client_for):
    ids = [h.pk for h in world.houses_a1[:3]]
    before = list(House.objects.order_by("pk").values_list("state", flat=True))
    data = {"state": "vacant", "houses": ids}
    url = reverse("estates:house_batch_state")
    assert (
        client_for(world.staff("customer_service")).post(url, data).status_code == 403
    )  # estates view only
    response = client_for(world.staff("hq_admin", "b")).post(url, data, follow=True)
    assert "批量修改失败" in response.content.decode()
    assert list(House.objects.order_by("pk").values_list("state", flat=True)) == before


def test_batch_state_changes_selected_houses(world, client_for):
    ids = [h.pk for h in world.houses_a1[:3]]
    url = reverse("estates:house_batch_state")
    back = reverse("estates:house_list") + "?state=occupied"
    response = client_for(world.staff("project_manager")).post(
        url, {"state": "renovating", "houses": ids, "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    assert set(House.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        HouseState.RENOVATING
    }


LISTS = {
    "house_list": "翠苑一区",
    "community_list": "翠苑一区",
    "building_list": "翠苑一区",
    "resident_list": "王建国",
    "vehicle_list": "浙A12345",
    "shop_list": "S-01",
    "space_list": "P-01",
    "lot_list": "地面车场",
    "venue_list": "活动室",
    "adspace_list": "AD-1",
}


@pytest.mark.parametrize(("name", "marker"), LISTS.items())
def test_lists_are_isolated_per_company(world, client_for, name, marker):
    _objects(world)
    url = reverse(f"estates:{name}")
    assert marker in client_for(world.staff("hq_admin")).get(url).content.decode()
    theirs = client_for(world.staff("hq_admin", "b")).get(url).content.decode()
    assert marker not in theirs
    # filtering by another company's community shows nothing of it either
    theirs = client_for(world.staff("hq_admin", "b")).get(url, {"community": world.community_a1.pk})
    assert marker not in theirs.content.decode()


def test_project_manager_sees_only_own_project_communities(world, client_for):
    body = (
        client_for(world.staff("project_manager"))
        .get(reverse("estates:house_list"))
        .content.decode()
    )
    assert "翠苑一区" in body and "西溪花园" not in body


def test_house_list_filters_by_building_state_and_owner(world, client_for):
    pm = client_for(world.staff("project_manager"))
    house = world.owner_house
    House.objects.filter(pk=house.pk).update(state=HouseState.RENTED)
    response = pm.get(
        reverse("estates:house_list"),
        {"community": house.community_id, "building": house.building_id, "state": "rented"},
    )
    rows = response.context["rows"]
    assert rows and all(r["cells"][9]["text"] == "出租" for r in rows)
    assert any(r["pk"] == house.pk for r in rows)
    response = pm.get(reverse("estates:house_list"), {"owner": "王建国"})
    assert [r["pk"] for r in response.context["rows"]] == [house.pk]


def test_resident_list_masks_personal_data_without_permission(world, client_for):
    url = reverse("estates:resident_list")
    masked = client_for(world.staff("cashier")).get(url).content.decode()
    assert "135****0001" in masked and "13500000001" not in masked
    full = client_for(world.staff("project_manager")).get(url).content.decode()
    assert "13500000001" in full


def test_house_page_shows_residents_history_vehicles_and_spaces(world, client_for):
    objs = _objects(world)
    ParkingSpace.objects.filter(pk=objs["space"].pk).update(state="sold", house=world.owner_house)
    occ = objs["occupancy"]
    Occupancy.objects.create(
        house=world.owner_house,
        resident=Resident.objects.create(company=world.company_a, name="前任租户"),
        relation=Relation.TENANT,
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2020, 1, 1),
        end_reason="租期届满",
    )
    body = (
        client_for(world.staff("project_manager"))
        .get(reverse("estates:house_detail", args=[world.owner_house.pk]))
        .content.decode()
    )
    for text in (occ.resident.name, "前任租户", "租期届满", "浙A12345", "P-01", "办理入住"):
        assert text in body
    # a role with estates but without residents sees the house, not the people
    body = (
        client_for(world.staff("repair_worker"))
        .get(reverse("estates:house_detail", args=[world.owner_house.pk]))
        .content.decode()
    )
    assert "浙A12345" in body and occ.resident.name not in body and "办理入住" not in body


def test_export_needs_permission_and_contains_filtered_rows(world, client_for):
    url = reverse("estates:house_list")
    assert client_for(world.staff("cashier")).get(url, {"export": "xlsx"}).status_code == 403
    response = client_for(world.staff("project_manager")).get(
        url, {"export": "xlsx", "state": "occupied"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("小区", "楼栋", "单元", "房号")
    expected = House.objects.filter(community=world.community_a1, state="occupied").count()
    assert len(rows) - 1 == expected and all(r[9] == "入住" for r in rows[1:])


def test_resident_export_masks_without_sensitive_permission(world, client_for):
    hq = world.staff("hq_admin")
    response = client_for(hq).get(reverse("estates:resident_list"), {"export": "xlsx"})
    values = [
        c
        for row in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert "13500000001" in values  # hq_admin holds residents.view_sensitive


def test_htmx_filter_request_gets_only_the_list_region(world, client_for):
    client = client_for(world.staff("project_manager"))
    response = client.get(
        reverse("estates:house_list"), {"state": "occupied"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="list-total"' in body
    assert "<html" in client.get(reverse("estates:house_list")).content.decode()


def test_house_page_shows_readable_operation_log(world, client_for):
    client = client_for(world.staff("project_manager"))
    house = world.houses_a1[0]
    client.post(reverse("estates:house_batch_state"), {"state": "renovating", "houses": [house.pk]})
    body = client.get(reverse("estates:house_detail", args=[house.pk])).content.decode()
    assert "批量修改房屋状态" in body and "房屋状态：" in body and "→ 装修" in body


def test_house_list_hides_people_from_roles_without_residents_permission(world, client_for):
    url = reverse("estates:house_list")
    body = client_for(world.staff("repair_worker")).get(url).content.decode()
    assert "翠苑一区" in body and "王建国" not in body and "业主" not in body
    # nor can they find houses by an owner's name
    response = client_for(world.staff("repair_worker")).get(url, {"owner": "王建国"})
    assert (
        response.context["page"].paginator.count
        == House.objects.filter(community=world.community_a1).count()
    )
    assert "王建国" in client_for(world.staff("cashier")).get(url).content.decode()


def test_house_list_filters_by_unit_from_building_page(world, client_for):
    unit = world.owner_house.unit
    response = client_for(world.staff("project_manager")).get(
        reverse("estates:house_list"), {"unit": unit.pk}
    )
    assert {r["pk"] for r in response.context["rows"]} == set(
        House.objects.filter(unit=unit).values_list("pk", flat=True)
    )
    assert 'type="hidden" name="unit"' in response.content.decode()


def test_house_list_sorts_by_clicked_column_and_ignores_unknown_fields(world, client_for):
    client = client_for(world.staff("project_manager"))
    url = reverse("estates:house_list")
    areas = [
        r["cells"][6]["text"] for r in client.get(url, {"o": "-building_area"}).context["rows"]
    ]
    assert [float(a) for a in areas] == sorted((float(a) for a in areas), reverse=True)
    headers = client.get(url, {"o": "-building_area"}).context["headers"]
    assert next(h for h in headers if h["label"] == "建筑面积(㎡)")["dir"] == "desc"
    assert (
        client.get(url, {"o": "community__company__name"}).status_code == 200
    )  # not a column: ignored


def test_batch_state_for_all_houses_matching_the_filter(world, client_for):
    building = world.houses_a1[0].building
    matching = House.objects.filter(building=building)
    others = dict(House.objects.exclude(building=building).values_list("pk", "state"))
    response = client_for(world.staff("project_manager")).post(
        reverse("estates:house_batch_state"),
        {
            "state": "delivered",
            "all_matching": "1",
            "filter": f"community={building.community_id}&building={building.pk}",
        },
    )
    assert response.status_code == 302
    assert set(matching.values_list("state", flat=True)) == {HouseState.DELIVERED}
    assert dict(House.objects.exclude(building=building).values_list("pk", "state")) == others


def test_batch_state_all_matching_stays_within_scope(world, client_for):
    # company B's manager, "all houses" with no filter: only B's houses change
    before = dict(
        House.objects.filter(community__company=world.company_a).values_list("pk", "state")
    )
    client_for(world.staff("hq_admin", "b")).post(
        reverse("estates:house_batch_state"), {"state": "vacant", "all_matching": "1", "filter": ""}
    )
    assert (
        dict(House.objects.filter(community__company=world.company_a).values_list("pk", "state"))
        == before
    )
    assert set(
        House.objects.filter(community=world.community_b1).values_list("state", flat=True)
    ) == {"vacant"}
