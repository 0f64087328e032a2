"""Real concurrent transactions on PostgreSQL: two cashiers at the desk paying one bill with
its late fee; a payment notification delivered twice at the same moment; the desk and an
online notification racing for the same bill. Each ends with the money recorded once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from wuyetong.billing import services
from wuyetong.billing.gateways import gateway_for
from wuyetong.billing.models import Bill, LedgerEntry, Payment, PaymentOrder
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.tests.race import run_at_once

from .collect_helpers import one_off, sandbox_order

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: SQLite serialises whole transactions")


def test_two_cashiers_at_the_desk_make_one_payment_and_one_late_fee(world, fees):
    services.late_fee_rule_set(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        daily_rate_percent="0.05",
        grace_days=0,
    )
    house = world.owner_house
    bill = one_off(world, fees, house, "500.00", dt.date(2026, 1, 1))
    on = dt.date(2026, 3, 1)

    def pay(actor, key):
        return lambda: services.desk_pay(
            actor=actor, house=house, method="cash", bill_ids=[bill.pk], idempotency_key=key, on=on
        )

    results = run_at_once(
        [pay(world.staff("cashier"), "desk-a"), pay(world.staff("finance"), "desk-b")]
    )
    payments = [r for r in results if isinstance(r, Payment)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(payments) == 1 and len(refusals) == 1, results
    assert Payment.objects.count() == 1
    assert Bill.objects.filter(late_fee_of=bill).count() == 1
    assert LedgerEntry.objects.filter(kind="late_fee").count() == 1
    assert Payment.objects.get().amount == Decimal("514.75")  # 500 + 500 × 0.05 % × 59 days


def _order(world, bill):
    return sandbox_order(world, [bill])


def test_notification_delivered_twice_at_once_records_one_payment(world, fees):
    bill = one_off(world, fees, world.owner_house, "42.00", dt.date.today())
    order = _order(world, bill)
    headers, body = gateway_for("sandbox").notification(
        out_trade_no=order.out_trade_no, amount=order.amount, approve=True
    )

    def deliver():
        return services.notice_receive(gateway="sandbox", headers=headers, body=body)

    results = run_at_once([deliver, deliver])
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sorted(r.notice.result for r in results) == ["duplicate", "recorded"]
    assert Payment.objects.count() == 1
    assert PaymentOrder.objects.get().state == "paid"


def test_desk_and_online_racing_for_one_bill_keep_all_money(world, fees):
    bill = one_off(world, fees, world.owner_house, "42.00", dt.date.today())
    order = _order(world, bill)
    headers, body = gateway_for("sandbox").notification(
        out_trade_no=order.out_trade_no, amount=order.amount, approve=True
    )
    results = run_at_once(
        [
            lambda: services.notice_receive(gateway="sandbox", headers=headers, body=body),
            lambda: services.desk_pay(
                actor=world.staff("cashier"),
                house=world.owner_house,
                method="cash",
                bill_ids=[bill.pk],
                idempotency_key="desk",
            ),
        ]
    )
    assert not any(
        isinstance(r, BaseException) and not isinstance(r, ApplicationError) for r in results
    ), results
    bill.refresh_from_db()
    assert bill.state == "paid"
    # either the desk was refused (the online payment came first) or the online money went
    # to the prepaid balance (the desk came first): never the bill paid twice
    assert LedgerEntry.objects.filter(bill=bill, kind="payment").count() == 1
    order.refresh_from_db()
    assert order.state in ("paid", "credited")


def test_two_first_rule_changes_at_once_leave_one_token_row(world, fees):
    from django.db import transaction

    from wuyetong.billing.models import RulesVersion
    from wuyetong.billing.services.rules_cache import rules_changed

    community = world.community_a1

    def change():
        with transaction.atomic():
            rules_changed(community.pk)
            return RulesVersion.objects.get(community=community).token

    results = run_at_once([change, change])
    assert all(isinstance(r, str) for r in results), results
    assert RulesVersion.objects.filter(community=community).count() == 1
    assert results[0] != results[1]  # each change has a token of its own
    assert RulesVersion.objects.get(community=community).token in results
