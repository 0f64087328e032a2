"""The bulk path of a bill run (values instead of instances, memoised charges, COPY on
PostgreSQL) writes exactly the bills and ledger entries calc.py gives one house at a time."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

from wuyetong.billing import calc, services
from wuyetong.billing.models import Bill, BillRun, FeeAssignment, LedgerEntry
from wuyetong.estates.models import House, ParkingLot, ParkingSpace

from .conftest import property_standard

APRIL = dt.date(2024, 4, 1)  # a quarter start: the quarterly standard bills too
AREAS = ["89.50", "100.00", "61.37", "143.21", "120.05", "75.55", "99.99", "88.88"]
COEFFICIENTS = ["1.000", "1.200", "0.850", "1.333", "0.500", "1.075"]
STARTS = [dt.date(2024, 1, 1), dt.date(2024, 4, 10), dt.date(2024, 4, 30), dt.date(2024, 5, 17)]


def _houses(world, count: int) -> list[House]:
    """The world's houses plus more in the same unit, with varied areas and coefficients."""
    first = world.houses_a1[0]
    House.objects.bulk_create(
        House(
            community=world.community_a1,
            building_id=first.building_id,
            unit_id=first.unit_id,
            room_no=f"9{i:03d}",
            building_area=Decimal("1"),
        )
        for i in range(count - len(world.houses_a1))
    )
    houses = list(House.objects.filter(community=world.community_a1).order_by("pk"))
    for i, house in enumerate(houses):
        house.building_area = Decimal(AREAS[i % len(AREAS)]) + i % 5
        house.inner_area = (
            None if i % 9 == 4 else (house.building_area * Decimal("0.8")).quantize(Decimal("0.01"))
        )
        house.fee_coefficient = Decimal(COEFFICIENTS[i % len(COEFFICIENTS)])
    House.objects.bulk_update(houses, ["building_area", "inner_area", "fee_coefficient"])
    return houses


def _expected(assignment: FeeAssignment, house: House, period: dt.date) -> Decimal | None:
    """calc.py by hand for one assignment: span, monthly amount to the fen, × months."""
    s = assignment.standard
    if not calc.cycle_starts_at(period, s.cycle_months):
        return None
    ends = [d for d in (assignment.end_date, s.effective_to) if d]
    span = calc.billed_span(
        period,
        s.cycle_months,
        max(assignment.start_date, s.effective_from),
        min(ends, default=None),
    )
    if span is None:
        return None
    if s.method == "fixed":
        monthly = s.fixed_amount
    else:
        area = house.inner_area if s.method == "area_inner" else house.building_area
        if area is None:
            return None
        monthly = calc.monthly_area_amount(
            area=area,
            unit_price=s.unit_price,
            coefficient=house.fee_coefficient,
            fixed=s.fixed_amount,
            rounding=s.rounding,
        )
    amount = calc.prorated(monthly, span.months, s.rounding)
    return amount if amount > 0 else None


def test_bulk_run_equals_calc_one_house_at_a_time(world, fees):
    houses = _houses(world, 60)
    admin = world.staff("hq_admin")
    standards = [
        property_standard(world, fees, unit_price="2.35", fixed_amount="3.50"),
        property_standard(
            world,
            fees,
            fee_item=fees["车位租金"],
            name="套内面积",
            method="area_inner",
            unit_price="1.1234",
            rounding=ROUND_DOWN,
        ),
        property_standard(
            world,
            fees,
            fee_item=fees["垃圾清运费"],
            name="垃圾清运费",
            method="fixed",
            unit_price="0",
            fixed_amount="15.00",
            cycle_months=3,
            timing="postpaid",
            due_day=10,
            effective_to=dt.date(2024, 5, 20),
        ),
    ]
    for n, standard in enumerate(standards):
        for i, house in enumerate(houses):
            services.fee_assign(
                actor=admin, standard=standard, houses=[house], start_date=STARTS[(i + n) % 4]
            )
    # one assignment ends mid-month, one house pays for a parking space too
    FeeAssignment.objects.filter(standard=standards[0], house=houses[0]).update(
        end_date=dt.date(2024, 4, 12)
    )
    lot = ParkingLot.objects.create(community=world.community_a1, name="地面车场")
    space = ParkingSpace.objects.create(
        community=world.community_a1, lot=lot, code="A-7", state="sold", house=houses[5]
    )
    space_standard = services.fee_standard_create(
        actor=admin,
        community=world.community_a1,
        fee_item=fees["车位管理费"],
        name="车位管理费",
        method="fixed",
        target="space",
        fixed_amount="60.00",
        effective_from=dt.date(2024, 1, 1),
    )
    services.fee_assign(
        actor=admin, standard=space_standard, spaces=[space], start_date=dt.date(2024, 4, 8)
    )

    preview = services.bill_run_preview(actor=admin, community=world.community_a1, period=APRIL)
    runs = services.bill_run_commit(actor=admin, community=world.community_a1, period=APRIL)

    by_pk = {h.pk: h for h in houses}
    expected: dict[int, Decimal] = {}
    texts: dict[int, str] = {}
    for a in FeeAssignment.objects.select_related("standard", "parking_space__lot"):
        amount = _expected(a, by_pk[a.house_id], APRIL)
        one = services.bill_compute(
            assignment=a, standard=a.standard, house=by_pk[a.house_id], period=APRIL
        )
        assert (one.amount if one else None) == amount
        if amount is not None:
            expected[a.pk] = amount
            texts[a.pk] = one.calculation
    bills = {b.assignment_id: b for b in Bill.objects.filter(period=APRIL)}
    assert {k: b.amount for k, b in bills.items()} == expected
    assert {k: b.calculation for k, b in bills.items()} == texts
    assert len(expected) > 100  # varied enough to mean something
    assert any("不足月" in t for t in texts.values()) and any(
        "车位 地面车场-A-7" in t for t in texts.values()
    )

    # one ledger entry per bill, −amount, on the receivable account, same fee item
    entries = list(LedgerEntry.objects.filter(bill__period=APRIL).select_related("bill"))
    assert len(entries) == len(bills)
    assert {e.bill_id for e in entries} == {b.pk for b in bills.values()}
    for e in entries:
        assert (e.kind, e.account, e.amount) == ("bill", "receivable", -e.bill.amount)
        assert (e.house_id, e.fee_item_id, e.community_id) == (
            e.bill.house_id,
            e.bill.fee_item_id,
            e.bill.community_id,
        )
        assert e.created_by_id == admin.pk == e.bill.created_by_id
    per_house: dict[int, Decimal] = defaultdict(Decimal)
    for a_pk, amount in expected.items():
        per_house[bills[a_pk].house_id] -= amount
    for house_id, total in per_house.items():
        ledger = [e.amount for e in entries if e.house_id == house_id]
        assert sum(ledger, Decimal(0)) == total

    # the runs' totals, the preview and the bills agree to the fen
    assert sum(r.bill_count for r in runs) == len(bills) == preview.count
    assert (
        sum((r.total_amount for r in runs), Decimal(0)) == sum(expected.values()) == preview.total
    )
    for run in BillRun.objects.all():
        mine = [b.amount for b in bills.values() if b.bill_run_id == run.pk]
        assert (run.bill_count, run.total_amount) == (len(mine), sum(mine, Decimal(0)))
    assert all(b.state == "unpaid" and b.paid_amount == 0 for b in bills.values())
    # and running the month again adds nothing
    services.bill_run_commit(actor=admin, community=world.community_a1, period=APRIL)
    assert Bill.objects.count() == len(bills) and LedgerEntry.objects.count() == len(bills)
