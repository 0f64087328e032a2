"""Metered bills from readings, with tiers; fixed fees on parking spaces."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wuyetong.billing import services
from wuyetong.billing.models import Bill, FeeAssignment
from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.models import ParkingLot, ParkingSpace

from .conftest import set_house


@pytest.fixture
def water(world, fees):
    house = set_house(world.houses_a1[0])
    standard = services.fee_standard_create(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        fee_item=fees["水费"],
        name="阶梯水价",
        method="metered",
        tiers=[{"up_to": "15", "price": "3.40"}, {"up_to": None, "price": "4.90"}],
        tiers_yearly=True,
        timing="postpaid",
        due_day=10,
        effective_from=dt.date(2024, 1, 1),
    )
    result = services.fee_assign(actor=world.staff("hq_admin"), standard=standard, houses=[house])
    return result.created[0]


def _read(world, assignment, month, previous, current, **kwargs):
    return services.bill_metered_create(
        actor=world.staff("cashier"),
        assignment=assignment,
        period=dt.date(2024, month, 1),
        previous_reading=previous,
        current_reading=current,
        **kwargs,
    )


def test_yearly_tiers_count_usage_billed_earlier_in_the_year(world, water):
    jan = _read(world, water, 1, "100", "110")
    assert jan.amount == Decimal("34.00")  # 10 × 3.40
    feb = _read(world, water, 2, "110", "122.5")
    # 5 more in the first band (15 − 10), 7.5 in the second: 17.00 + 36.75
    assert feb.amount == Decimal("53.75")
    assert feb.quantity == Decimal("12.5")
    assert "本年此前已用 10" in feb.calculation
    assert feb.due_date == dt.date(2024, 3, 10)


def test_lower_reading_is_refused_unless_the_meter_was_changed(world, water):
    with pytest.raises(ApplicationError) as exc:
        _read(world, water, 1, "100", "90")
    assert exc.value.field == "current_reading"
    assert not Bill.objects.exists()
    bill = _read(world, water, 1, "100", "4", meter_changed=True)
    assert bill.quantity == Decimal("4") and bill.amount == Decimal("13.60")


def test_a_month_is_billed_once(world, water):
    _read(world, water, 1, "100", "110")
    with pytest.raises(ApplicationError) as exc:
        _read(world, water, 1, "110", "120")
    assert exc.value.field == "period"
    assert Bill.objects.count() == 1


def test_space_fee_is_billed_to_the_spaces_house(world, fees):
    house = set_house(world.houses_a1[1])
    lot = ParkingLot.objects.create(community=world.community_a1, name="地下车场")
    taken = ParkingSpace.objects.create(
        community=world.community_a1, lot=lot, code="B-001", state="sold", house=house
    )
    free = ParkingSpace.objects.create(community=world.community_a1, lot=lot, code="B-002")
    standard = services.fee_standard_create(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        fee_item=fees["车位管理费"],
        name="地下车位管理费",
        method="fixed",
        target="space",
        fixed_amount="60.00",
        effective_from=dt.date(2024, 1, 1),
    )
    result = services.fee_assign(
        actor=world.staff("hq_admin"), standard=standard, spaces=[taken, free]
    )
    assert len(result.created) == 1 and len(result.skipped) == 1
    assert FeeAssignment.objects.get().house_id == house.pk
    services.bill_run_commit(
        actor=world.staff("cashier"), community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    bill = Bill.objects.get()
    assert (bill.house_id, bill.amount) == (house.pk, Decimal("60.00"))
    assert bill.calculation.startswith("车位 地下车场-B-001")


def test_yearly_tiers_refuse_a_month_earlier_than_one_already_billed(world, water):
    _read(world, water, 3, "100", "110")
    with pytest.raises(ApplicationError) as exc:
        _read(world, water, 2, "90", "100")
    assert exc.value.field == "period" and exc.value.code == "out_of_order"
    assert "2024年03月" in exc.value.message
    assert Bill.objects.filter(assignment=water).count() == 1
    assert _read(world, water, 4, "110", "112").amount == Decimal("6.80")  # in order: fine
