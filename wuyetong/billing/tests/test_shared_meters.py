"""公摊: shared meters, their monthly reading split over the houses they serve (unsold left
out, parts add up to the total), the pages, and the owner's view of their share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.urls import reverse

from wuyetong.billing.models import Bill, SharedMeter, SharedMeterReading
from wuyetong.billing.selectors_ops import shared_share_for_owner
from wuyetong.billing.services import shared_meters as svc
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.money import money_total

from .conftest import set_house

pytestmark = pytest.mark.django_db
JAN, FEB = dt.date(2024, 1, 1), dt.date(2024, 2, 1)


@pytest.fixture
def lift(world, fees):
    """A lift meter of building 1 of 翠苑一区 at 0.617 元/度, split by 建筑面积."""
    building = world.owner_house.building
    houses = [h for h in world.houses_a1 if h.building_id == building.pk]
    areas = ["89.50", "96.13", "105.77", "118.00"]
    for house, area in zip(houses, areas, strict=False):
        set_house(house, area=area)
    set_house(houses[-1], area="143.00", handover=None, state="unsold")
    return svc.shared_meter_create(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        fee_item=fees["公摊水电"],
        name="1幢电梯",
        basis="area",
        unit_price="0.617",
        building_ids=[building.pk],
    )


def test_a_reading_splits_usage_times_price_over_sold_houses_to_the_fen(world, lift):
    reading = svc.shared_meter_read(
        actor=world.staff("cashier"),
        meter=lift,
        period=JAN,
        previous_reading="1000",
        current_reading="1333.3",
    )
    assert reading.usage == Decimal("333.3")
    assert reading.amount == Decimal("205.65")  # 333.3 × 0.617 = 205.6461
    bills = list(Bill.objects.filter(shared_allocation=reading.allocation))
    sold = [h for h in world.houses_a1 if h.building_id == lift.buildings.get().pk][:-1]
    assert sorted(b.house_id for b in bills) == sorted(h.pk for h in sold)
    assert money_total(b.amount for b in bills) == reading.amount
    assert all("公摊总额 205.65元" in b.calculation for b in bills)
    # next month starts from this month's reading; a second entry of a month is refused
    feb = svc.shared_meter_read(
        actor=world.staff("cashier"), meter=lift, period=FEB, current_reading="1400"
    )
    assert feb.previous_reading == Decimal("1333.3")
    with pytest.raises(ApplicationError) as exc:
        svc.shared_meter_read(
            actor=world.staff("cashier"), meter=lift, period=FEB, current_reading="1500"
        )
    assert exc.value.field == "period"


def test_a_lower_reading_or_zero_usage_is_refused_and_writes_nothing(world, lift):
    svc.shared_meter_read(
        actor=world.staff("cashier"),
        meter=lift,
        period=JAN,
        previous_reading="0",
        current_reading="10",
    )
    for current, words in (("9", "小于上次读数"), ("10", "用量为零")):
        with pytest.raises(ApplicationError) as exc:
            svc.shared_meter_read(
                actor=world.staff("cashier"), meter=lift, period=FEB, current_reading=current
            )
        assert words in exc.value.message
    assert SharedMeterReading.objects.count() == 1


def test_per_household_split_ignores_area(world, fees):
    for h in world.houses_a2:
        set_house(h)
    meter = svc.shared_meter_create(
        actor=world.staff("hq_admin"),
        community=world.community_a2,
        fee_item=fees["公摊水电"],
        name="全区路灯",
        basis="household",
        unit_price="1",
    )
    reading = svc.shared_meter_read(
        actor=world.staff("hq_admin"),
        meter=meter,
        period=JAN,
        previous_reading="0",
        current_reading="10",
    )
    amounts = sorted(
        Bill.objects.filter(shared_allocation=reading.allocation).values_list("amount", flat=True)
    )
    assert amounts == [Decimal("2.50")] * 4


def test_the_owner_sees_how_their_share_was_computed_and_no_one_elses(world, lift):
    reading = svc.shared_meter_read(
        actor=world.staff("cashier"),
        meter=lift,
        period=JAN,
        previous_reading="1000",
        current_reading="1333.3",
    )
    mine = Bill.objects.get(shared_allocation=reading.allocation, house=world.owner_house)
    share = shared_share_for_owner(user=world.owner, bill_id=mine.pk)
    assert share.meter == "1幢电梯" and share.basis_label == "按建筑面积"
    assert (share.previous_reading, share.current_reading, share.usage) == (
        Decimal("1000"),
        Decimal("1333.3"),
        Decimal("333.3"),
    )
    assert share.unit_price == Decimal("0.617") and share.total == Decimal("205.65")
    assert share.weight == Decimal("89.50") and share.weight_unit == "㎡"
    assert share.weight_total == Decimal("291.40") and share.households == 3  # unsold left out
    assert share.amount == mine.amount == Decimal("63.16")  # 205.65 × 89.50 / 291.40
    other = (
        Bill.objects.filter(shared_allocation=reading.allocation)
        .exclude(house=world.owner_house)
        .first()
    )
    with pytest.raises(Http404):
        shared_share_for_owner(user=world.owner, bill_id=other.pk)
    with pytest.raises(Http404):
        shared_share_for_owner(user=world.other_owner, bill_id=mine.pk)


def test_detail_page_previews_then_confirms_the_split(world, lift, client_for):
    client = client_for(world.staff("cashier"))
    url = reverse("billing:shared_detail", args=[lift.pk])
    data = {"period": "2024-01", "previous_reading": "1000", "current_reading": "1333.3"}
    preview = client.post(url, data)
    body = preview.content.decode()
    assert preview.status_code == 200 and "用量 333.3 × 单价 0.617 = 205.65 元，分摊到 3 户" in body
    assert not SharedMeterReading.objects.exists()
    done = client.post(url, {**data, "confirm": "1"})
    assert done.status_code == 302
    assert SharedMeterReading.objects.get().amount == Decimal("205.65")
    page = client.get(url).content.decode()
    assert "205.65" in page and "?allocation=" in page


def test_meter_form_refuses_another_communitys_building(world, fees, client_for):
    client = client_for(world.staff("hq_admin"))
    foreign = world.houses_a2[0].building
    response = client.post(
        reverse("billing:shared_create"),
        {
            "community": world.community_a1.pk,
            "fee_item": fees["公摊水电"].pk,
            "name": "越界表",
            "basis": "area",
            "unit_price": "1",
            "buildings": [foreign.pk],
        },
    )
    assert response.status_code == 400 and not SharedMeter.objects.filter(name="越界表").exists()


@pytest.mark.parametrize(
    ("name", "obj"),
    [
        ("shared_list", False),
        ("shared_create", False),
        ("shared_detail", True),
        ("shared_edit", True),
    ],
)
def test_shared_pages_permission_matrix(world, lift, client, client_for, name, obj):
    url = reverse(f"billing:{name}", args=[lift.pk] if obj else [])
    assert client.get(url).status_code == 302
    assert client_for(world.owner).get(url).status_code == 403
    assert client_for(world.staff("customer_service")).get(url).status_code == 403
    changes = name in ("shared_create", "shared_edit")
    assert client_for(world.staff("project_manager")).get(url).status_code == (
        403 if changes else 200
    )
    assert client_for(world.staff("hq_admin")).get(url).status_code == 200
    other = client_for(world.staff("hq_admin", "b")).get(url)
    assert other.status_code == (404 if obj else 200)


def test_denied_reading_posts_change_nothing(world, lift, client_for):
    url = reverse("billing:shared_detail", args=[lift.pk])
    data = {"period": "2024-01", "previous_reading": "0", "current_reading": "10", "confirm": "1"}
    assert client_for(world.staff("project_manager")).post(url, data).status_code == 403
    assert client_for(world.owner).post(url, data).status_code == 403
    assert client_for(world.staff("hq_admin", "b")).post(url, data).status_code == 404
    assert not SharedMeterReading.objects.exists() and not Bill.objects.exists()
