"""Bill runs: formulas to the fen, proration, preview, idempotent re-runs, voiding."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from wuyetong.billing import services
from wuyetong.billing.models import Bill, BillRun, LedgerEntry
from wuyetong.core.exceptions import ApplicationError

from .conftest import property_standard, set_house

MARCH = dt.date(2024, 3, 1)


def _assign(world, standard, houses, **kwargs):
    return services.fee_assign(
        actor=world.staff("hq_admin"), standard=standard, houses=houses, **kwargs
    )


def test_area_price_coefficient_and_fixed_add_on_to_the_fen(world, fees):
    house = set_house(world.houses_a1[0], area="89.50", coefficient="1.200")
    standard = property_standard(world, fees, fixed_amount="10.00", due_day=20)
    _assign(world, standard, [house], start_date=dt.date(2024, 1, 1))
    services.bill_run_commit(
        actor=world.staff("cashier"), community=world.community_a1, period=MARCH
    )
    bill = Bill.objects.get(house=house)
    assert bill.amount == Decimal("310.72")  # 89.50 × 2.80 × 1.200 + 10.00
    assert (bill.period_start, bill.period_end) == (MARCH, dt.date(2024, 3, 31))
    assert bill.due_date == dt.date(2024, 3, 20)
    assert bill.quantity == Decimal("89.50") and bill.unit_price == Decimal("2.80")
    assert "89.50㎡" in bill.calculation and "310.72元" in bill.calculation


def test_half_fen_rounds_half_up_and_inner_area_is_used(world, fees):
    house = set_house(world.houses_a1[0], area="130.00", inner="100.50")
    standard = property_standard(world, fees, method="area_inner", unit_price="0.25")
    _assign(world, standard, [house], start_date=dt.date(2024, 1, 1))
    services.bill_run_commit(
        actor=world.staff("cashier"), community=world.community_a1, period=MARCH
    )
    assert Bill.objects.get(house=house).amount == Decimal("25.13")  # 25.125 → 25.13


def test_partial_first_month_prorates_by_days_in_that_month(world, fees):
    house = set_house(world.houses_a1[0], area="89.50")
    standard = property_standard(world, fees)
    _assign(world, standard, [house], start_date=dt.date(2024, 3, 10))
    services.bill_run_commit(
        actor=world.staff("cashier"), community=world.community_a1, period=MARCH
    )
    bill = Bill.objects.get(house=house)
    # 250.60 a month × 22/31 = 177.845… → 177.85
    assert bill.amount == Decimal("177.85")
    assert bill.period_start == dt.date(2024, 3, 10)
    assert "22/31" in bill.calculation


def test_quarterly_postpaid_bill_is_made_at_the_quarter_start_and_due_after_it(world, fees):
    house = set_house(world.houses_a1[0], area="100.00")
    standard = property_standard(
        world,
        fees,
        method="fixed",
        unit_price="0",
        fixed_amount="30.00",
        cycle_months=3,
        timing="postpaid",
        due_day=10,
    )
    _assign(world, standard, [house], start_date=dt.date(2024, 1, 1))
    cashier = world.staff("cashier")
    services.bill_run_commit(actor=cashier, community=world.community_a1, period=MARCH)
    assert not Bill.objects.exists()  # March is not a quarter start
    services.bill_run_commit(
        actor=cashier, community=world.community_a1, period=dt.date(2024, 4, 1)
    )
    bill = Bill.objects.get()
    assert bill.amount == Decimal("90.00")
    assert (bill.period_start, bill.period_end) == (dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    assert bill.due_date == dt.date(2024, 7, 10)


def test_preview_counts_and_totals_without_writing(world, fees):
    houses = [set_house(h, area="100.00") for h in world.houses_a1[:3]]
    standard = property_standard(world, fees)
    _assign(world, standard, houses, start_date=dt.date(2024, 1, 1))
    preview = services.bill_run_preview(
        actor=world.staff("cashier"), community=world.community_a1, period=MARCH
    )
    assert preview.count == 3
    assert preview.total == Decimal("840.00")
    assert preview.by_fee_item == {"物业费": (3, Decimal("840.00"))}
    assert len(preview.samples) == 3
    assert not Bill.objects.exists() and not BillRun.objects.exists()


def test_running_the_same_period_again_makes_nothing_new(world, fees):
    houses = [set_house(h, area="100.00") for h in world.houses_a1[:3]]
    standard = property_standard(world, fees)
    _assign(world, standard, houses[:2], start_date=dt.date(2024, 1, 1))
    cashier = world.staff("cashier")
    services.bill_run_commit(actor=cashier, community=world.community_a1, period=MARCH)
    services.bill_run_commit(actor=cashier, community=world.community_a1, period=MARCH)
    assert Bill.objects.count() == 2 and BillRun.objects.count() == 1
    assert LedgerEntry.objects.count() == 2
    # a house assigned later is picked up by the re-run, in the same run
    _assign(world, standard, [houses[2]], start_date=dt.date(2024, 1, 1))
    (run,) = services.bill_run_commit(actor=cashier, community=world.community_a1, period=MARCH)
    assert Bill.objects.count() == 3 and run.bill_count == 3
    assert run.total_amount == Decimal("840.00")
    preview = services.bill_run_preview(actor=cashier, community=world.community_a1, period=MARCH)
    assert preview.count == 0


def test_changing_a_standard_never_changes_issued_bills(world, fees):
    house = set_house(world.houses_a1[0], area="100.00")
    standard = property_standard(world, fees)
    _assign(world, standard, [house], start_date=dt.date(2024, 1, 1))
    cashier = world.staff("cashier")
    services.bill_run_commit(actor=cashier, community=world.community_a1, period=MARCH)
    services.fee_standard_update(
        actor=world.staff("hq_admin"), standard=standard, unit_price="3.10"
    )
    march = Bill.objects.get(period=MARCH)
    assert (march.amount, march.unit_price) == (Decimal("280.00"), Decimal("2.80"))
    services.bill_run_commit(
        actor=cashier, community=world.community_a1, period=dt.date(2024, 4, 1)
    )
    assert Bill.objects.get(period=dt.date(2024, 4, 1)).amount == Decimal("310.00")


def test_void_before_payment_keeps_the_bills_and_reverses_them(world, fees):
    house = set_house(world.houses_a1[0], area="100.00")
    standard = property_standard(world, fees)
    _assign(world, standard, [house], start_date=dt.date(2024, 1, 1))
    (run,) = services.bill_run_commit(
        actor=world.staff("cashier"), community=world.community_a1, period=MARCH
    )
    services.bill_run_void(actor=world.staff("finance"), run=run, reason="单价录错")
    run.refresh_from_db()
    assert run.state == "voided"
    assert Bill.objects.get().state == "voided"
    kinds = list(LedgerEntry.objects.values_list("kind", "amount"))
    assert kinds == [("bill", Decimal("-280.00")), ("reversal", Decimal("280.00"))]
    # the period can be run again after a void
    services.bill_run_commit(
        actor=world.staff("cashier"), community=world.community_a1, period=MARCH
    )
    assert Bill.objects.filter(state="unpaid").count() == 1


def test_void_is_refused_after_a_payment(world, fees):
    house = set_house(world.houses_a1[0], area="100.00")
    standard = property_standard(world, fees)
    _assign(world, standard, [house], start_date=dt.date(2024, 1, 1))
    (run,) = services.bill_run_commit(
        actor=world.staff("cashier"), community=world.community_a1, period=MARCH
    )
    services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        method="cash",
        idempotency_key="k1",
        bill_ids=[run.bills.get().pk],
    )
    with pytest.raises(ApplicationError) as exc:
        services.bill_run_void(actor=world.staff("finance"), run=run, reason="重算")
    assert exc.value.field == "run"
    run.refresh_from_db()
    assert run.state == "committed"
    assert not LedgerEntry.objects.filter(kind="reversal").exists()


def test_period_must_be_a_month_start(world, fees):
    with pytest.raises(ApplicationError) as exc:
        services.bill_run_commit(
            actor=world.staff("cashier"), community=world.community_a1, period=dt.date(2024, 3, 5)
        )
    assert exc.value.field == "period"
    assert not BillRun.objects.exists()


def test_one_off_bill(world, fees):
    bill = services.bill_create_one_off(
        idempotency_key=uuid.uuid4().hex,
        actor=world.staff("cashier"),
        house=world.houses_a1[0],
        fee_item=fees["垃圾清运费"],
        amount="200.00",
        description="装修垃圾清运",
        due_date=dt.date(2024, 3, 15),
    )
    assert bill.amount == Decimal("200.00")
    assert LedgerEntry.objects.get(bill=bill).amount == Decimal("-200.00")


def test_a_run_takes_the_same_number_of_queries_for_any_number_of_houses(world, fees):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    houses = [set_house(h, area="100.00") for h in world.houses_a1]
    standard = property_standard(world, fees)
    cashier = world.staff("cashier")
    _assign(world, standard, houses[:2], start_date=dt.date(2024, 1, 1))
    services.bill_run_preview(actor=cashier, community=world.community_a1, period=MARCH)
    with CaptureQueriesContext(connection) as few:
        services.bill_run_commit(actor=cashier, community=world.community_a1, period=MARCH)
    _assign(world, standard, houses[2:], start_date=dt.date(2024, 1, 1))
    with CaptureQueriesContext(connection) as many:
        services.bill_run_commit(
            actor=cashier, community=world.community_a1, period=dt.date(2024, 4, 1)
        )
    assert Bill.objects.filter(period=dt.date(2024, 4, 1)).count() == len(houses)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_one_off_bill_double_click_bills_once(world, fees):
    def create(house):
        return services.bill_create_one_off(
            idempotency_key="fine-1",
            actor=world.staff("cashier"),
            house=house,
            fee_item=fees["物业费"],
            amount="50.00",
            description="违章停车罚款",
            due_date=dt.date(2024, 3, 20),
        )

    first = create(world.houses_a1[0])
    again = create(world.houses_a1[0])
    assert again.pk == first.pk
    assert Bill.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="bill").count() == 1
    with pytest.raises(ApplicationError) as exc:  # the same key for another house
        create(world.houses_a1[1])
    assert exc.value.field == "idempotency_key"
    assert Bill.objects.count() == 1
