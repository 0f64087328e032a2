"""What a desk payment costs in queries, pinned so that a regression fails: the late-fee
bills, the bills' settlement and the ledger entries are written by one statement each,
whatever the number of bills paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuyetong.billing import services
from wuyetong.billing.models import Bill, LedgerEntry, Payment
from wuyetong.billing.selectors import house_account_balances

from .collect_helpers import key, one_off

TODAY = dt.date(2026, 3, 20)
# the payment of any number of overdue bills: payment key, cashier's day (row lock and
# close), bills, key again after the locks, rules token, waivers, late-fee item, late-fee
# bills, receipt counter, key at the counter, counter update, payment, bills, ledger; and
# the transaction's savepoint and release (inside the test's transaction)
DESK_PAYMENT_QUERIES = 17


@pytest.fixture
def rule(world):
    return services.late_fee_rule_set(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        daily_rate_percent="0.03",
        grace_days=10,
        cap_percent="10",
    )


def _pay(cashier, house, bills):
    with CaptureQueriesContext(connection) as ctx:
        payment = services.desk_pay(
            actor=cashier,
            house=house,
            method="cash",
            bill_ids=[b.pk for b in bills],
            idempotency_key=key(),
            on=TODAY,
        )
    return payment, len(ctx.captured_queries)


def test_desk_payment_of_overdue_bills_costs_the_same_queries_for_one_or_six(world, fees, rule):
    house = world.owner_house
    cashier = world.staff("cashier")
    # amounts a binary float cannot hold exactly, due months apart: each has its late fee
    bills = [
        one_off(world, fees, house, f"{179 + i}.43", dt.date(2025, 5 + i, 1)) for i in range(8)
    ]
    _pay(cashier, house, bills[:1])  # the first payment makes the receipt counter and 滞纳金
    one, one_count = _pay(cashier, house, bills[1:2])
    six, six_count = _pay(cashier, house, bills[2:])

    assert one_count == six_count == DESK_PAYMENT_QUERIES
    for b in bills:
        b.refresh_from_db()
        assert b.state == "paid" and b.paid_amount == b.amount
    late = list(Bill.objects.filter(late_fee_of__in=bills[2:]).order_by("late_fee_of_id"))
    assert [f.late_fee_of_id for f in late] == [b.pk for b in bills[2:]]
    assert all(f.state == "paid" and f.paid_amount == f.amount > 0 for f in late)
    assert one.amount == bills[1].amount + Bill.objects.get(late_fee_of=bills[1]).amount
    assert six.amount == sum((b.amount for b in bills[2:]), Decimal("0")) + sum(
        (f.amount for f in late), Decimal("0")
    )
    # each late fee charged on the ledger against its own bill, each bill paid under the receipt
    charged = dict(
        LedgerEntry.objects.filter(kind="late_fee", bill__in=late).values_list("bill_id", "amount")
    )
    assert charged == {f.pk: -f.amount for f in late}
    paid = dict(LedgerEntry.objects.filter(payment=six).values_list("bill_id", "amount"))
    assert paid == {b.pk: b.amount for b in [*bills[2:], *late]}
    assert Payment.objects.filter(house=house).count() == 3
    assert house_account_balances(house=house)["receivable"] == Decimal("0.00")
