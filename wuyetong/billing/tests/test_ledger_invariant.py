"""The ledger invariant under random sequences of billing operations: for every house, each
cached balance equals the sum of its ledger entries, the receivable account equals minus
what its open bills still owe, each bill's paid amount equals its payment entries, and
receipt numbers stay gapless."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from wuyetong.billing import services
from wuyetong.billing.models import Bill, BillRun, LedgerEntry, Payment, PrepaidBalance
from wuyetong.billing.selectors import house_account_balances
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.money import to_money

from .conftest import property_standard, set_house

HOUSES = 3
PAY_DAY = dt.date(2024, 3, 1)  # January's bills are overdue: payments carry late fees
cents = st.integers(min_value=1, max_value=500_00).map(lambda c: Decimal(c) / 100)
house_ix = st.integers(min_value=0, max_value=HOUSES - 1)
month = st.integers(min_value=1, max_value=4)
methods = st.sampled_from(["cash", "wechat", "alipay", "bank_card", "transfer", "prepaid"])
operations = st.one_of(
    st.tuples(st.just("bill"), house_ix, cents),
    st.tuples(st.just("run"), month),
    st.tuples(st.just("void"), month),
    st.tuples(st.just("pay_bills"), house_ix, st.lists(st.integers(0, 5), max_size=3), methods),
    st.tuples(st.just("pay_all"), house_ix, methods),
    st.tuples(st.just("prepay"), house_ix, cents),
    st.tuples(st.just("deposit"), house_ix, cents),
    st.tuples(st.just("deposit_refund"), house_ix, cents),
    st.tuples(st.just("replay"), house_ix),
    # the collecting side: desk payments with late fees, discounts and months ahead, waivers,
    # refunds through approval
    st.tuples(
        st.just("desk"),
        house_ix,
        st.lists(st.integers(0, 5), max_size=3),
        methods,
        st.integers(min_value=0, max_value=120),
        st.integers(min_value=0, max_value=4),
    ),
    st.tuples(st.just("waive"), house_ix),
    st.tuples(st.just("refund"), house_ix, st.booleans()),
)


def _check(houses, community) -> None:
    for house in houses:
        sums = house_account_balances(house=house)
        cached = PrepaidBalance.objects.filter(house=house).first()
        assert (cached.balance if cached else Decimal("0.00")) == sums["prepaid"]
        assert (cached.deposit_held if cached else Decimal("0.00")) == sums["deposit"]
        owed = sum(
            (
                b.outstanding
                for b in Bill.objects.filter(house=house, state__in=["unpaid", "partial"])
            ),
            Decimal("0.00"),
        )
        assert sums["receivable"] == -owed
        assert sums["prepaid"] >= 0 and sums["deposit"] >= 0
    for bill in Bill.objects.filter(house__in=houses):
        paid = LedgerEntry.objects.filter(bill=bill, kind="payment").aggregate(s=Sum("amount"))
        assert bill.paid_amount == to_money(paid["s"] or 0)
        off = LedgerEntry.objects.filter(bill=bill, kind="discount").aggregate(s=Sum("amount"))
        assert bill.discount_amount == to_money(off["s"] or 0)
        settled = bill.paid_amount + bill.discount_amount
        expected = "unpaid" if not settled else "paid" if settled == bill.amount else "partial"
        if bill.state not in ("voided", "reversed"):
            assert bill.state == expected
    seqs = list(
        Payment.objects.filter(community=community)
        .order_by("receipt_seq")
        .values_list("receipt_seq", flat=True)
    )
    assert seqs == list(range(1, len(seqs) + 1))
    for payment in Payment.objects.filter(community=community, purpose="bills"):
        moved = LedgerEntry.objects.filter(payment=payment, kind="payment").aggregate(
            s=Sum("amount")
        )
        assert to_money(moved["s"]) == payment.amount


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=14))
# Found by CI: small one-off bills settled wholly by the fixed "no arrears" reduction.
@example(
    ops=[
        ("bill", 0, Decimal("0.01")),
        ("void", 1),
        ("bill", 0, Decimal("0.01")),
        ("bill", 0, Decimal("0.01")),
        ("bill", 0, Decimal("0.01")),
        ("bill", 0, Decimal("0.01")),
        ("run", 2),
        ("pay_all", 0, "cash"),
    ]
)
def test_every_balance_equals_its_ledger_after_any_sequence(world, fees, ops):
    cashier, finance = world.staff("cashier"), world.staff("finance")
    community = world.community_a1
    with transaction.atomic():
        houses = [set_house(h, area="95.37") for h in world.houses_a1[:HOUSES]]
        standard = property_standard(world, fees, unit_price="1.85", fixed_amount="3.00")
        services.fee_assign(
            actor=world.staff("hq_admin"),
            standard=standard,
            houses=houses,
            start_date=dt.date(2024, 1, 17),
        )
        services.late_fee_rule_set(
            actor=world.staff("hq_admin"),
            community=community,
            daily_rate_percent="0.05",
            grace_days=5,
            cap_percent="30",
        )
        services.discount_rule_create(
            actor=world.staff("hq_admin"),
            community=community,
            name="预缴3个月95折",
            kind="prepay_percent",
            min_months=3,
            percent="5",
            valid_from=dt.date(2024, 1, 1),
        )
        services.discount_rule_create(
            actor=world.staff("hq_admin"),
            community=community,
            name="无欠费减3元",
            kind="fixed",
            amount="3.00",
            require_no_arrears=True,
            valid_from=dt.date(2024, 1, 1),
        )
        # every house starts with a (prorated) January bill, so payments have work to do
        services.bill_run_commit(actor=cashier, community=community, period=dt.date(2024, 1, 1))
        keys: list[str] = []
        for n, op in enumerate(ops):
            try:
                _apply(op, n, houses, community, cashier, finance, fees, keys)
                event(f"{op[0]} done")
            except ApplicationError as exc:
                event(f"{op[0]} refused")
                assert exc.message  # refusals are fine; they must leave the books whole
            _check(houses, community)
        transaction.set_rollback(True)


def _apply(op, n, houses, community, cashier, finance, fees, keys) -> None:
    kind = op[0]
    if kind == "bill":
        services.bill_create_one_off(
            idempotency_key=uuid.uuid4().hex,
            actor=cashier,
            house=houses[op[1]],
            fee_item=fees["垃圾清运费"],
            amount=op[2],
            description="清运",
            due_date=dt.date(2024, 2, 1),
        )
    elif kind == "run":
        services.bill_run_commit(actor=cashier, community=community, period=dt.date(2024, op[1], 1))
    elif kind == "void":
        for run in BillRun.objects.filter(period=dt.date(2024, op[1], 1), state="committed"):
            services.bill_run_void(actor=finance, run=run, reason="测试作废")
    elif kind == "pay_bills":
        house = houses[op[1]]
        open_bills = list(
            Bill.objects.filter(house=house, state__in=["unpaid", "partial"]).order_by("id")
        )
        chosen = [open_bills[i] for i in op[2] if i < len(open_bills)]
        keys.append(f"k{n}")
        services.desk_pay(
            actor=cashier,
            house=house,
            bill_ids=[b.pk for b in chosen],
            method=op[3],
            idempotency_key=f"k{n}",
            on=PAY_DAY,
        )
    elif kind == "pay_all":
        keys.append(f"k{n}")
        services.desk_pay(
            actor=cashier,
            house=houses[op[1]],
            pay_all=True,
            method=op[2],
            idempotency_key=f"k{n}",
            on=PAY_DAY,
        )
    elif kind == "prepay":
        keys.append(f"k{n}")
        services.prepay_deposit(
            actor=cashier, house=houses[op[1]], amount=op[2], method="cash", idempotency_key=f"k{n}"
        )
    elif kind == "deposit":
        services.deposit_take(
            actor=cashier, house=houses[op[1]], amount=op[2], method="cash", idempotency_key=f"k{n}"
        )
    elif kind == "deposit_refund":
        held = house_account_balances(house=houses[op[1]])["deposit"]
        amount = op[2] if held <= 0 or op[2] % 5 == 0 else min(op[2], held)
        services.deposit_refund(
            idempotency_key=uuid.uuid4().hex,
            actor=finance,
            house=houses[op[1]],
            amount=amount,
            reason="退还",
        )
    elif kind == "desk":
        house = houses[op[1]]
        open_bills = list(
            Bill.objects.filter(house=house, state__in=["unpaid", "partial"]).order_by("id")
        )
        chosen = sorted({open_bills[i].pk for i in op[2] if i < len(open_bills)})
        keys.append(f"k{n}")
        services.desk_pay(
            actor=cashier,
            house=house,
            method=op[3],
            bill_ids=chosen,
            months_ahead=op[5],
            idempotency_key=f"k{n}",
            on=dt.date(2024, 2, 1) + dt.timedelta(days=op[4]),
        )
    elif kind == "waive":
        bill = (
            Bill.objects.filter(house=houses[op[1]], state="unpaid", late_fee_of__isnull=True)
            .order_by("id")
            .first()
        )
        if bill is not None:
            services.late_fee_waive(
                actor=finance, bill=bill, reason="测试减免", on=dt.date(2024, 4, 1)
            )
    elif kind == "refund":
        payment = (
            Payment.objects.filter(
                house=houses[op[1]], purpose="bills", ledger_entries__bill__state="paid"
            )
            .order_by("-id")
            .first()
        )
        if payment is not None:
            bill_ids = {
                e.bill_id
                for e in payment.ledger_entries.filter(kind="payment").select_related("bill")
                if e.bill.state == "paid" and e.bill.paid_amount == e.amount
            }
            request = services.refund_request(
                actor=cashier,
                payment=payment,
                bill_ids=sorted(bill_ids),
                reason="测试退款",
                method="prepaid" if op[2] else "",
            )
            services.refund_approve(actor=finance, request=request)
    elif kind == "replay" and keys:
        # a repeated submission of an earlier payment records nothing new
        done = Payment.objects.filter(idempotency_key=keys[-1]).first()
        if done is not None:
            count = Payment.objects.count()
            again = services.prepay_deposit(
                actor=cashier,
                house=done.house,
                amount="1.00",
                method="cash",
                idempotency_key=keys[-1],
            )
            assert again.pk == done.pk and Payment.objects.count() == count
