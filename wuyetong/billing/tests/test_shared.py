"""公摊: shared-meter charges split over houses, to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wuyetong.billing import services
from wuyetong.billing.models import Bill, LedgerEntry, SharedAllocation
from wuyetong.core.exceptions import ApplicationError

from .conftest import set_house


def _allocate(world, fees, **kwargs):
    data = {
        "actor": world.staff("cashier"),
        "community": world.community_a1,
        "fee_item": fees["公摊水电"],
        "meter": "1幢电梯电表",
        "period_start": dt.date(2024, 3, 1),
        "period_end": dt.date(2024, 3, 31),
        "basis": "area",
        "total_amount": "100.00",
        "due_date": dt.date(2024, 4, 15),
    }
    data.update(kwargs)
    return services.shared_allocate(**data)


def test_split_by_area_excludes_unsold_houses_and_sums_exactly(world, fees):
    h = world.houses_a1
    set_house(h[0], area="89.50")
    set_house(h[1], area="120.25")
    set_house(h[2], area="100.00", state="unsold", handover=None)
    allocation = _allocate(world, fees, houses=h[:3], total_amount="10.00")
    bills = {b.house_id: b for b in Bill.objects.filter(shared_allocation=allocation)}
    assert set(bills) == {h[0].pk, h[1].pk}
    assert bills[h[0].pk].amount == Decimal("4.27")  # 10 × 89.50 / 209.75 = 4.2669…
    assert bills[h[1].pk].amount == Decimal("5.73")
    assert sum(b.amount for b in bills.values()) == Decimal("10.00")
    assert "89.50㎡ ÷ 合计 209.75㎡" in bills[h[0].pk].calculation
    assert LedgerEntry.objects.filter(bill__shared_allocation=allocation).count() == 2


def test_split_per_household_over_the_whole_community(world, fees):
    sold = [set_house(x) for x in world.houses_a1[:7]]
    set_house(world.houses_a1[7], state="unsold", handover=None)
    allocation = _allocate(world, fees, basis="household", total_amount="100.00")
    amounts = sorted(
        Bill.objects.filter(shared_allocation=allocation).values_list("amount", flat=True)
    )
    assert len(amounts) == len(sold)
    assert sum(amounts) == Decimal("100.00")
    assert amounts == [Decimal("14.28")] * 3 + [Decimal("14.29")] * 4


def test_the_same_meter_and_period_is_allocated_once(world, fees):
    for x in world.houses_a1:
        set_house(x)
    _allocate(world, fees)
    with pytest.raises(ApplicationError) as exc:
        _allocate(world, fees)
    assert exc.value.field == "meter"
    assert SharedAllocation.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"total_amount": "-1"}, "total_amount"),
        ({"total_amount": "1.001"}, "total_amount"),
        ({"basis": "random"}, "basis"),
        ({"meter": ""}, "meter"),
        ({"period_end": dt.date(2024, 2, 1)}, "period_end"),
    ],
)
def test_bad_allocation_is_refused_naming_the_field(world, fees, kwargs, field):
    for x in world.houses_a1:
        set_house(x)
    with pytest.raises(ApplicationError) as exc:
        _allocate(world, fees, **kwargs)
    assert exc.value.field == field
    assert not SharedAllocation.objects.exists() and not Bill.objects.exists()


def test_only_unsold_houses_means_nothing_to_split(world, fees):
    for x in world.houses_a1:
        set_house(x, state="unsold", handover=None)
    with pytest.raises(ApplicationError) as exc:
        _allocate(world, fees)
    assert exc.value.field == "houses"
