"""The cashier desk: payments, receipts, prepaid balance and deposits."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from wuyetong.billing import services
from wuyetong.billing.models import Bill, LedgerEntry, Payment, PrepaidBalance
from wuyetong.billing.selectors import house_account_balances
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied


@pytest.fixture
def billed(world, fees):
    """Two unpaid monthly bills of 100.00 on the first house."""
    house = world.houses_a1[0]
    bills = [
        services.bill_create_one_off(
            idempotency_key=uuid.uuid4().hex,
            actor=world.staff("cashier"),
            house=house,
            fee_item=fees["物业费"],
            amount="100.00",
            description=f"{m}月物业费",
            due_date=dt.date(2024, m, 15),
        )
        for m in (1, 2)
    ]
    return house, bills


def _pay(world, house, key, *, bills, method="cash"):
    return services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        idempotency_key=key,
        bill_ids=[b.pk for b in bills],
        method=method,
    )


def test_paying_chosen_bills_settles_them_and_writes_the_ledger(world, billed):
    house, bills = billed
    payment = _pay(world, house, "p1", bills=bills, method="wechat")
    assert payment.amount == Decimal("200.00") and payment.method == "wechat"
    assert payment.receipt_no == "SJCY0100000001"
    assert set(Bill.objects.values_list("state", "paid_amount")) == {("paid", Decimal("100.00"))}
    assert house_account_balances(house=house)["receivable"] == Decimal("0.00")
    assert LedgerEntry.objects.filter(payment=payment, kind="payment").count() == 2


def test_every_payment_path_charges_the_same_late_fee(world, fees):
    """The same overdue bill on two houses: paid at the desk and paid online, each payment
    carries the same late fee, as a bill of its own, by the community's rule."""
    from wuyetong.billing.gateways import gateway_for

    from .collect_helpers import one_off, sandbox_order

    services.late_fee_rule_set(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        daily_rate_percent="0.03",
        grace_days=15,
    )
    due = dt.date.today() - dt.timedelta(days=55)  # 40 days past the grace period
    at_desk = one_off(world, fees, world.houses_a1[1], "1234.56", due)
    online = one_off(world, fees, world.owner_house, "1234.56", due)
    desk_payment = _pay(world, world.houses_a1[1], "desk", bills=[at_desk])
    order = sandbox_order(world, [online], method="wechat")
    headers, body = gateway_for("sandbox").notification(
        out_trade_no=order.out_trade_no, amount=order.amount, approve=True
    )
    assert services.notice_receive(gateway="sandbox", headers=headers, body=body).ok
    order.refresh_from_db()
    # 1234.56 × 0.03 % × 40 days = 14.81472 → 14.81
    for payment, bill in ((desk_payment, at_desk), (order.payment, online)):
        fee = Bill.objects.get(late_fee_of=bill)
        assert fee.amount == Decimal("14.81") and fee.state == "paid"
        assert payment.amount == Decimal("1249.37")
        assert LedgerEntry.objects.get(bill=fee, kind="late_fee").amount == Decimal("-14.81")
    assert not hasattr(services, "payment_take")  # the old path without late fees is gone


def test_the_same_idempotency_key_records_one_payment(world, billed):
    house, bills = billed
    first = _pay(world, house, "same", bills=bills)
    again = _pay(world, house, "same", bills=bills)
    assert first.pk == again.pk
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 2


def test_a_paid_bill_cannot_be_paid_again(world, billed):
    house, bills = billed
    _pay(world, house, "p1", bills=[bills[0]])
    with pytest.raises(ApplicationError) as exc:
        _pay(world, house, "p2", bills=[bills[0]])
    assert exc.value.field == "bills"
    assert Payment.objects.count() == 1


def test_receipt_numbers_are_gapless_per_community_even_after_refusals(world, fees, billed):
    house, bills = billed
    other_house = world.houses_a2[0]
    hq = world.staff("hq_admin")
    for i in range(5):
        services.prepay_deposit(
            actor=world.staff("cashier"),
            house=house,
            amount="10.00",
            method="cash",
            idempotency_key=f"a{i}",
        )
        with pytest.raises(ApplicationError):  # a refused payment must not burn a number
            _pay(world, house, f"bad{i}", bills=bills[:1], method="prepaid")  # 100 > balance
        services.prepay_deposit(
            actor=hq, house=other_house, amount="10.00", method="cash", idempotency_key=f"b{i}"
        )
    for community in (world.community_a1, world.community_a2):
        seqs = list(
            Payment.objects.filter(community=community)
            .order_by("receipt_seq")
            .values_list("receipt_seq", flat=True)
        )
        assert seqs == [1, 2, 3, 4, 5]


def test_prepaid_balance_pays_bills_and_equals_its_ledger(world, billed):
    house, bills = billed
    services.prepay_deposit(
        actor=world.staff("cashier"),
        house=house,
        amount="150.00",
        method="alipay",
        idempotency_key="pre1",
    )
    _pay(world, house, "use1", bills=[bills[0]], method="prepaid")
    balance = PrepaidBalance.objects.get(house=house)
    assert balance.balance == Decimal("50.00")
    assert house_account_balances(house=house)["prepaid"] == Decimal("50.00")
    with pytest.raises(ApplicationError) as exc:
        _pay(world, house, "use2", bills=[bills[1]], method="prepaid")
    assert exc.value.field == "method"
    assert Bill.objects.get(pk=bills[1].pk).state == "unpaid"


def test_deposit_is_held_and_refunded_with_approval(world, fees):
    house = world.houses_a1[0]
    services.deposit_take(
        actor=world.staff("cashier"),
        house=house,
        amount="2000.00",
        method="bank_card",
        idempotency_key="dep1",
        note="装修押金",
    )
    with pytest.raises(PermissionDenied):  # a cashier cannot approve a refund
        services.deposit_refund(
            idempotency_key=uuid.uuid4().hex,
            actor=world.staff("cashier"),
            house=house,
            amount="2000.00",
            reason="验收合格",
        )
    with pytest.raises(ApplicationError) as exc:
        services.deposit_refund(
            idempotency_key=uuid.uuid4().hex,
            actor=world.staff("finance"),
            house=house,
            amount="2000.01",
            reason="验收合格",
        )
    assert exc.value.field == "amount"
    services.deposit_refund(
        idempotency_key=uuid.uuid4().hex,
        actor=world.staff("finance"),
        house=house,
        amount="1500.00",
        reason="验收合格，扣除损坏",
    )
    assert PrepaidBalance.objects.get(house=house).deposit_held == Decimal("500.00")
    assert house_account_balances(house=house)["deposit"] == Decimal("500.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"method": "bitcoin"}, "method"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"bill_ids": None}, "bills"),
        ({"bill_ids": []}, "bills"),
        ({"bill_ids": ["x"]}, "bills"),
        ({"bill_ids": [True]}, "bills"),
        ({"bill_ids": [999999]}, "bills"),
        ({"tendered": "1.00"}, "tendered"),  # less than owed
        ({"method": "wechat", "tendered": "300"}, "tendered"),  # change only for cash
        ({"expected_total": "1.00"}, "expected_total"),  # not the total the payer saw
    ],
)
def test_bad_payment_is_refused_naming_the_field_and_nothing_is_written(
    world, billed, kwargs, field
):
    house, bills = billed
    kwargs.setdefault("idempotency_key", "k")
    kwargs.setdefault("method", "cash")
    kwargs.setdefault("bill_ids", [b.pk for b in bills])
    with pytest.raises(ApplicationError) as exc:
        services.desk_pay(actor=world.staff("cashier"), house=house, **kwargs)
    assert exc.value.field == field
    assert not Payment.objects.exists()
    assert not LedgerEntry.objects.exclude(kind="bill").exists()
    assert not Bill.objects.exclude(state="unpaid").exists()


def test_bills_of_another_house_are_refused(world, fees, billed):
    _, bills = billed
    with pytest.raises(ApplicationError) as exc:
        _pay(world, world.houses_a1[1], "x", bills=bills)
    assert exc.value.field == "bills"
    assert not Payment.objects.exists()


def test_staff_of_another_company_or_community_cannot_take_payments(world, billed):
    house, bills = billed
    with pytest.raises(NotFound):
        services.desk_pay(
            actor=world.staff("cashier", company="b"),
            house=house,
            bill_ids=[b.pk for b in bills],
            method="cash",
            idempotency_key="x",
        )
    with pytest.raises(NotFound):  # company A's cashier works only in 翠苑一区
        services.prepay_deposit(
            actor=world.staff("cashier"),
            house=world.houses_a2[0],
            amount="1.00",
            method="cash",
            idempotency_key="y",
        )
    assert not Payment.objects.exists()


def test_ledger_is_append_only(world, billed):
    row = LedgerEntry.objects.first()
    assert row is not None
    row.amount = Decimal("1.00")
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.all().update(amount=Decimal("1.00"))
    with pytest.raises(TypeError):
        LedgerEntry.objects.all().delete()


def test_a_payment_failing_after_taking_a_number_gives_the_number_back(world, billed, monkeypatch):
    house, (jan, feb) = billed
    _pay(world, house, "p1", bills=[jan])

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(LedgerEntry.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        _pay(world, house, "p2", bills=[feb])
    monkeypatch.undo()
    assert Bill.objects.get(pk=feb.pk).state == "unpaid"
    again = _pay(world, house, "p3", bills=[feb])
    assert again.receipt_seq == 2
    assert list(Payment.objects.values_list("receipt_seq", flat=True).order_by("receipt_seq")) == [
        1,
        2,
    ]


def test_prepayment_is_capped_by_the_community_setting(world, fees):
    from .conftest import property_standard, set_house

    world.community_a1.settings = {"prepay_cap_months": 12}
    world.community_a1.save()
    house = set_house(world.houses_a1[0], area="100.00")
    standard = property_standard(world, fees)  # 280.00 a month
    services.fee_assign(
        actor=world.staff("hq_admin"),
        standard=standard,
        houses=[house],
        start_date=dt.date(2024, 1, 1),
    )
    services.prepay_deposit(
        actor=world.staff("cashier"),
        house=house,
        amount="3000.00",
        method="cash",
        idempotency_key="c1",
    )
    with pytest.raises(ApplicationError) as exc:  # 3000 + 361 > 12 × 280 = 3360
        services.prepay_deposit(
            actor=world.staff("cashier"),
            house=house,
            amount="361.00",
            method="cash",
            idempotency_key="c2",
        )
    assert exc.value.field == "amount" and "3360.00" in exc.value.message
    services.prepay_deposit(
        actor=world.staff("cashier"),
        house=house,
        amount="360.00",
        method="cash",
        idempotency_key="c3",
    )
    assert PrepaidBalance.objects.get(house=house).balance == Decimal("3360.00")
    assert list(Payment.objects.values_list("receipt_seq", flat=True).order_by("receipt_seq")) == [
        1,
        2,
    ]


def test_deposit_refund_double_submit_refunds_once(world, fees):
    house = world.houses_a1[0]
    services.deposit_take(
        actor=world.staff("cashier"),
        house=house,
        amount="2000.00",
        method="cash",
        idempotency_key="dep-twice",
    )
    finance = world.staff("finance")
    first = services.deposit_refund(
        actor=finance, house=house, amount="800.00", reason="验收合格", idempotency_key="ref-1"
    )
    again = services.deposit_refund(
        actor=finance, house=house, amount="800.00", reason="验收合格", idempotency_key="ref-1"
    )
    assert again.pk == first.pk
    assert LedgerEntry.objects.filter(kind="deposit_refund").count() == 1
    assert PrepaidBalance.objects.get(house=house).deposit_held == Decimal("1200.00")
    with pytest.raises(ApplicationError) as exc:  # the same key for another house
        services.deposit_refund(
            actor=finance,
            house=world.houses_a1[1],
            amount="1.00",
            reason="验收合格",
            idempotency_key="ref-1",
        )
    assert exc.value.field == "idempotency_key"
    with pytest.raises(ApplicationError) as exc:
        services.deposit_refund(
            actor=finance, house=house, amount="1.00", reason="验收合格", idempotency_key=" "
        )
    assert exc.value.field == "idempotency_key"
