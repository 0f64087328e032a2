"""Two cashiers paying the same bill at the same moment, in real concurrent transactions:
the bill's row lock makes the second one find it paid, so one payment exists. Needs
PostgreSQL's row locks (SQLite serialises whole write transactions, which proves nothing)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from wuyetong.billing import services
from wuyetong.billing.models import Bill, LedgerEntry, Payment, PrepaidBalance
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.tests.race import run_at_once

from .conftest import set_house


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_key", [False, True], ids=["two-cashiers", "double-submit"])
def test_two_cashiers_paying_one_bill_at_once_make_one_payment(world, fees, same_key):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: SQLite serialises whole transactions")
    house = world.houses_a1[0]
    bill = services.bill_create_one_off(
        idempotency_key=uuid.uuid4().hex,
        actor=world.staff("cashier"),
        house=house,
        fee_item=fees["物业费"],
        amount="300.00",
        description="3月物业费",
        due_date=dt.date(2024, 3, 15),
    )
    cashiers = [world.staff("cashier"), world.staff("finance")]

    def pay(actor, key):
        return lambda: services.desk_pay(
            actor=actor, house=house, bill_ids=[bill.pk], method="cash", idempotency_key=key
        )

    results = run_at_once(
        [pay(c, "same" if same_key else f"desk-{i}") for i, c in enumerate(cashiers)]
    )
    payments = [r for r in results if isinstance(r, Payment)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert not [r for r in results if r not in payments and r not in refusals], results
    assert Payment.objects.count() == 1
    if same_key:
        assert len(payments) == 2 and payments[0].pk == payments[1].pk
    else:
        assert len(payments) == 1 and len(refusals) == 1 and refusals[0].field == "bills"
    bill.refresh_from_db()
    assert (bill.state, bill.paid_amount) == ("paid", Decimal("300.00"))
    assert LedgerEntry.objects.filter(bill=bill, kind="payment").count() == 1
    assert Payment.objects.get().receipt_seq == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_in_one_community_get_consecutive_receipts(world, fees):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: SQLite serialises whole transactions")
    houses = world.houses_a1[:6]
    results = run_at_once(
        [
            lambda h=h, i=i: services.prepay_deposit(
                actor=world.staff("cashier"),
                house=h,
                amount="10.00",
                method="cash",
                idempotency_key=f"pre-{i}",
            )
            for i, h in enumerate(houses)
        ]
    )
    assert all(isinstance(r, Payment) for r in results), results
    seqs = sorted(Payment.objects.values_list("receipt_seq", flat=True))
    assert seqs == [1, 2, 3, 4, 5, 6]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_double_submitted_one_off_bill_and_deposit_refund_happen_once(world, fees):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: SQLite serialises whole transactions")
    house = world.houses_a1[0]
    services.deposit_take(
        actor=world.staff("cashier"),
        house=house,
        amount="500.00",
        method="cash",
        idempotency_key="dep-race",
    )

    def bill():
        return services.bill_create_one_off(
            idempotency_key="one-off-race",
            actor=world.staff("cashier"),
            house=house,
            fee_item=fees["物业费"],
            amount="80.00",
            description="维修费",
            due_date=dt.date(2024, 5, 1),
        )

    def refund():
        return services.deposit_refund(
            idempotency_key="refund-race",
            actor=world.staff("finance"),
            house=house,
            amount="200.00",
            reason="验收合格",
        )

    bills = run_at_once([bill, bill])
    assert all(isinstance(b, Bill) for b in bills), bills
    assert bills[0].pk == bills[1].pk
    refunds = run_at_once([refund, refund])
    assert all(isinstance(r, LedgerEntry) for r in refunds), refunds
    assert refunds[0].pk == refunds[1].pk
    assert LedgerEntry.objects.filter(kind="bill").count() == 1
    assert LedgerEntry.objects.filter(kind="deposit_refund").count() == 1
    assert PrepaidBalance.objects.get(house=house).deposit_held == Decimal("300.00")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_yearly_tier_readings_are_not_charged_at_too_low_a_tier(world, fees):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: SQLite serialises whole transactions")
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
    water = services.fee_assign(
        actor=world.staff("hq_admin"), standard=standard, houses=[house]
    ).created[0]

    def read(month, previous, current):
        return lambda: services.bill_metered_create(
            actor=world.staff("cashier"),
            assignment=water,
            period=dt.date(2024, month, 1),
            previous_reading=previous,
            current_reading=current,
        )

    results = run_at_once([read(1, "100", "110"), read(2, "110", "122.5")])
    bills = {r.period.month: r for r in results if isinstance(r, Bill)}
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(bills) + len(refused) == 2, results
    if 1 in bills:  # January first: February counts its 10 in the first band
        assert bills[2].amount == Decimal("53.75")
    else:  # February first: January is refused rather than billed after it
        assert refused[0].code == "out_of_order"
        assert bills[2].amount == Decimal("42.50")
