"""Billing setup pages: fee items, fee standards, bulk attaching, attachments, settings —
what a clerk does and sees, and who may not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from wuyetong.billing import services
from wuyetong.billing.models import Bill, FeeAssignment, FeeItem, FeeStandard
from wuyetong.orgs.models import Community, OperationLog

from .conftest import property_standard, set_house

pytestmark = pytest.mark.django_db


def _objects(world, fees):
    standard = property_standard(world, fees)
    house = set_house(world.houses_a1[0])
    services.fee_assign(actor=world.staff("hq_admin"), standard=standard, houses=[house])
    return {
        "item": fees["物业费"],
        "standard": standard,
        "assignment": FeeAssignment.objects.get(standard=standard),
        "community": world.community_a1,
    }


# (url name, object key, permission the page needs)
PAGES = [
    ("fee_item_list", None, "view"),
    ("fee_item_create", None, "change"),
    ("fee_item_defaults", None, "change"),
    ("fee_item_edit", "item", "change"),
    ("standard_list", None, "view"),
    ("standard_create", None, "change"),
    ("standard_detail", "standard", "view"),
    ("standard_edit", "standard", "change"),
    ("assignment_list", None, "view"),
    ("assignment_end", "assignment", "change"),
    ("settings_index", None, "change"),
    ("settings", "community", "change"),
]


def _url(name, key, objs):
    return reverse(f"billing:{name}", args=[objs[key].pk] if key else [])


@pytest.mark.parametrize(("name", "key", "perm"), PAGES)
def test_page_permission_matrix(world, fees, client, client_for, name, key, perm):
    objs = _objects(world, fees)
    url = _url(name, key, objs)
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert client_for(world.owner).get(url).status_code == 403
    assert client_for(world.other_owner).get(url).status_code == 403
    assert client_for(world.staff("customer_service")).get(url).status_code == 403
    # the project manager reads billing (v, approve, export) but may not change the setup
    pm = client_for(world.staff("project_manager")).get(url)
    assert pm.status_code == (200 if perm == "view" else 403)
    assert client_for(world.staff("hq_admin")).get(url).status_code == 200
    assert client_for(world.staff("finance")).get(url).status_code == 200
    other = client_for(world.staff("hq_admin", "b")).get(url)
    if name == "settings_index":  # company B's only community: straight to its own settings
        assert other["Location"] == reverse("billing:settings", args=[world.community_b1.pk])
    else:
        assert other.status_code == (404 if key else 200)


def _state():
    return (
        sorted(FeeItem.objects.values_list("pk", "name", "sort", "is_active")),
        sorted(FeeStandard.objects.values_list("pk", "unit_price", "effective_from")),
        sorted(FeeAssignment.objects.values_list("pk", "end_date")),
        sorted(Community.objects.values_list("pk", "settings")),
        OperationLog.objects.count(),
    )


def test_denied_writes_change_nothing(world, fees, client, client_for):
    objs = _objects(world, fees)
    posts = [
        ("fee_item_create", None, {"name": "入侵项目", "kind": "periodic", "sort": 1}),
        ("fee_item_defaults", None, {}),
        ("fee_item_edit", "item", {"name": "改名", "sort": 3, "is_active": ""}),
        (
            "standard_edit",
            "standard",
            {
                "unit_price": "9.99",
                "fixed_amount": "0",
                "cycle_months": 1,
                "timing": "prepaid",
                "due_day": 15,
                "rounding": "ROUND_HALF_UP",
                "effective_from": "2024-01-01",
            },
        ),
        ("standard_detail", "standard", {"buildings": [world.houses_a1[1].building_id]}),
        ("assignment_end", "assignment", {"end_date": "2024-06-30"}),
        ("settings", "community", {"billing_start": "handover_day", "prepay_cap_months": 3}),
    ]
    other = client_for(world.staff("hq_admin", "b"))
    pm = client_for(world.staff("project_manager"))
    owner = client_for(world.owner)
    for name, key, data in posts:
        url = _url(name, key, objs)
        before = _state()
        assert client.post(url, data).status_code == 302, name
        assert owner.post(url, data).status_code == 403, name
        assert pm.post(url, data).status_code == 403, name
        if key:  # another company's object does not exist for them
            assert other.post(url, data).status_code == 404, name
        assert _state() == before, name


def test_clerk_adds_the_usual_fee_items_once(world, client_for):
    client = client_for(world.staff("finance"))
    page = client.get(reverse("billing:fee_item_defaults"))
    assert "物业费" in page.content.decode() and "装修押金" in page.content.decode()
    client.post(reverse("billing:fee_item_defaults"))
    names = set(FeeItem.objects.filter(company=world.company_a).values_list("name", flat=True))
    assert {"物业费", "水费", "电费", "燃气费", "公摊水电", "车位管理费"} <= names
    count = FeeItem.objects.count()
    client.post(reverse("billing:fee_item_defaults"))
    assert FeeItem.objects.count() == count  # nothing twice
    listing = client.get(reverse("billing:fee_item_list")).content.decode()
    assert "车位租金" in listing


def test_fee_item_form_names_the_field_in_chinese(world, fees, client_for):
    client = client_for(world.staff("hq_admin"))
    response = client.post(
        reverse("billing:fee_item_create"), {"name": "物业费", "kind": "periodic", "sort": 1}
    )
    assert response.status_code == 400
    assert "已有同名收费项目" in response.content.decode()
    response = client.post(
        reverse("billing:fee_item_edit", args=[fees["水费"].pk]),
        {"name": "自来水费", "sort": 2, "is_active": "on"},
    )
    assert response.status_code == 302
    assert FeeItem.objects.get(pk=fees["水费"].pk).name == "自来水费"


STANDARD = {
    "fee_item": None,
    "name": "高层住宅物业费",
    "method": "area_building",
    "target": "house",
    "unit_price": "2.35",
    "fixed_amount": "5.00",
    "tiers": "",
    "cycle_months": 3,
    "timing": "prepaid",
    "due_day": 10,
    "rounding": "ROUND_HALF_UP",
    "effective_from": "2024-01-01",
}


def test_standard_created_from_the_form_bills_area_times_price_plus_fixed(world, fees, client_for):
    client = client_for(world.staff("hq_admin"))
    data = {**STANDARD, "community": world.community_a1.pk, "fee_item": fees["物业费"].pk}
    response = client.post(reverse("billing:standard_create"), data)
    assert response.status_code == 302
    standard = FeeStandard.objects.get(name="高层住宅物业费")
    assert (standard.unit_price, standard.fixed_amount, standard.cycle_months) == (
        Decimal("2.35"),
        Decimal("5.00"),
        3,
    )
    detail = client.get(response["Location"]).content.decode()
    assert "2.35 元/㎡·月" in detail and "每季度" in detail


def test_standard_form_refuses_bad_tiers_and_a_wrong_method_naming_the_field(
    world, fees, client_for
):
    client = client_for(world.staff("hq_admin"))
    data = {
        **STANDARD,
        "community": world.community_a1.pk,
        "fee_item": fees["水费"].pk,
        "name": "阶梯水价",
        "method": "metered",
        "tiers": "180,0.538\n150,0.6\n,0.9",
    }
    response = client.post(reverse("billing:standard_create"), data)
    assert response.status_code == 400
    assert "第2档阶梯上限必须大于上一档" in response.content.decode()
    data["method"] = "area_building"
    data["tiers"] = ""
    response = client.post(reverse("billing:standard_create"), data)
    assert "不能用" in response.content.decode()  # 计量 item with an area method
    assert not FeeStandard.objects.filter(name="阶梯水价").exists()


def test_changing_a_standard_never_changes_issued_bills(world, fees, client_for):
    house = set_house(world.houses_a1[0], area="100.00")
    standard = property_standard(world, fees)
    services.fee_assign(
        actor=world.staff("hq_admin"),
        standard=standard,
        houses=[house],
        start_date=dt.date(2024, 1, 1),
    )
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    issued = Bill.objects.get(house=house)
    client = client_for(world.staff("hq_admin"))
    data = {
        "unit_price": "3.10",
        "fixed_amount": "0",
        "cycle_months": 1,
        "timing": "prepaid",
        "due_day": 15,
        "rounding": "ROUND_HALF_UP",
        "effective_from": "2024-01-01",
        "tiers": "",
    }
    response = client.post(reverse("billing:standard_edit", args=[standard.pk]), data)
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.amount == Decimal("280.00") and "2.8" in issued.calculation
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 4, 1)
    )
    april = Bill.objects.get(house=house, period=dt.date(2024, 4, 1))
    assert april.amount == Decimal("310.00")


def test_attach_by_building_skips_unsold_houses_and_is_safe_to_repeat(world, fees, client_for):
    standard = property_standard(world, fees)
    building = world.houses_a1[0].building
    in_building = [h for h in world.houses_a1 if h.building_id == building.pk]
    for h in in_building:
        set_house(h)
    set_house(in_building[-1], handover=None, state="unsold")
    client = client_for(world.staff("finance"))
    url = reverse("billing:standard_detail", args=[standard.pk])
    response = client.post(url, {"buildings": [building.pk]})
    assert response.status_code == 200
    body = response.content.decode()
    assert f"已关联 {len(in_building) - 1} 个对象" in body and "未交房" in body
    attached = FeeAssignment.objects.filter(standard=standard)
    assert attached.count() == len(in_building) - 1
    # billing starts the month after 交房 (2024-01-01 → 2024-02-01) by default
    assert set(attached.values_list("start_date", flat=True)) == {dt.date(2024, 2, 1)}
    again = client.post(url, {"buildings": [building.pk]}).content.decode()
    assert "已关联 0 个对象" in again and attached.count() == len(in_building) - 1


def test_attach_chosen_houses_with_a_start_date(world, fees, client_for):
    standard = property_standard(world, fees)
    chosen = world.houses_a1[:2]
    client = client_for(world.staff("hq_admin"))
    url = reverse("billing:standard_detail", args=[standard.pk])
    client.post(url, {"houses": [h.pk for h in chosen], "start_date": "2024-05-10"})
    rows = FeeAssignment.objects.filter(standard=standard)
    assert sorted(rows.values_list("house_id", flat=True)) == sorted(h.pk for h in chosen)
    assert set(rows.values_list("start_date", flat=True)) == {dt.date(2024, 5, 10)}
    # a house of another community is not a choice: refused, nothing added
    foreign = world.houses_a2[0]
    response = client.post(url, {"houses": [foreign.pk]})
    assert response.status_code == 400 and rows.count() == 2


def test_ending_an_attachment_stops_later_bills(world, fees, client_for):
    house = set_house(world.houses_a1[0], area="100.00")
    standard = property_standard(world, fees)
    services.fee_assign(
        actor=world.staff("hq_admin"),
        standard=standard,
        houses=[house],
        start_date=dt.date(2024, 1, 1),
    )
    assignment = FeeAssignment.objects.get(standard=standard)
    client = client_for(world.staff("cashier"))
    bad = client.post(
        reverse("billing:assignment_end", args=[assignment.pk]), {"end_date": "2023-12-31"}
    )
    assert bad.status_code == 400 and "计费截止不能早于计费起始" in bad.content.decode()
    client.post(reverse("billing:assignment_end", args=[assignment.pk]), {"end_date": "2024-03-15"})
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 4, 1)
    )
    bills = Bill.objects.filter(house=house)
    assert [b.amount for b in bills] == [Decimal("135.48")]  # 280 × 15/31


def test_settings_change_the_billing_start_rule(world, fees, client_for):
    client = client_for(world.staff("hq_admin"))
    url = reverse("billing:settings", args=[world.community_a1.pk])
    response = client.post(url, {"billing_start": "handover_day", "prepay_cap_months": 12})
    assert response.status_code == 302
    community = Community.objects.get(pk=world.community_a1.pk)
    assert community.settings["billing_start"] == "handover_day"
    assert community.settings["prepay_cap_months"] == 12
    assert services.default_billing_start(community, dt.date(2024, 3, 9)) == dt.date(2024, 3, 9)
    bad = client.post(url, {"billing_start": "whenever", "prepay_cap_months": 0})
    assert bad.status_code == 400
    assert Community.objects.get(pk=world.community_a1.pk).settings["prepay_cap_months"] == 12


def test_other_companys_standards_are_not_listed(world, fees, client_for):
    property_standard(world, fees, name="安居专属标准")
    body = client_for(world.staff("hq_admin", "b")).get(reverse("billing:standard_list"))
    assert "安居专属标准" not in body.content.decode()
    own = client_for(world.staff("cashier")).get(reverse("billing:standard_list"))
    assert "安居专属标准" in own.content.decode()
