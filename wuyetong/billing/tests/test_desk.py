"""The cashier desk: late fees, discounts, months ahead, cash change, daily close."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wuyetong.billing import services
from wuyetong.billing.models import Bill, LedgerEntry, Payment
from wuyetong.billing.selectors import house_account_balances
from wuyetong.billing.services.quote import late_fee_for
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied

from .collect_helpers import key, one_off
from .conftest import property_standard, set_house

TODAY = dt.date(2026, 3, 20)


@pytest.fixture
def rule(world):
    return services.late_fee_rule_set(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        daily_rate_percent="0.03",
        grace_days=10,
        cap_percent="10",
    )


def test_late_fee_is_daily_rate_of_overdue_amount_after_grace(world, rule):
    # due 1 Feb, 10 days' grace: on 20 Mar it is 47 − 10 = 37 days late
    fee = late_fee_for(principal=Decimal("1000.00"), due=dt.date(2026, 2, 1), on=TODAY, rule=rule)
    assert fee.days == 37
    assert fee.amount == Decimal("11.10")  # 1000 × 0.0003 × 37
    assert "0.03%" in fee.text and "37天" in fee.text
    # within the grace period: nothing
    assert (
        late_fee_for(principal=Decimal("1000"), due=dt.date(2026, 3, 12), on=TODAY, rule=rule)
        is None
    )
    # the cap: 10 % of 1000 after 334 days and more
    capped = late_fee_for(
        principal=Decimal("1000.00"), due=dt.date(2024, 1, 1), on=TODAY, rule=rule
    )
    assert capped.amount == Decimal("100.00") and "上限" in capped.text


def test_desk_pays_bill_with_its_late_fee_as_a_bill_of_its_own(world, fees, rule):
    house = world.owner_house
    bill = one_off(world, fees, house, "1000.00", dt.date(2026, 2, 1))
    cashier = world.staff("cashier")
    payment = services.desk_pay(
        actor=cashier,
        house=house,
        method="cash",
        bill_ids=[bill.pk],
        tendered="1020.00",
        expected_total="1011.10",
        idempotency_key=key(),
        on=TODAY,
    )
    assert payment.amount == Decimal("1011.10")
    assert payment.tendered == Decimal("1020.00")  # change 8.90 printed on the receipt
    assert payment.cashier == cashier
    bill.refresh_from_db()
    assert bill.state == "paid"
    late = Bill.objects.get(late_fee_of=bill)
    assert late.amount == Decimal("11.10") and late.state == "paid"
    assert late.fee_item.name == "滞纳金"
    kinds = sorted(LedgerEntry.objects.filter(house=house).values_list("kind", "amount"))
    assert ("late_fee", Decimal("-11.10")) in kinds
    assert house_account_balances(house=house)["receivable"] == Decimal("0.00")


def test_waived_late_fee_is_not_charged_and_needs_approve_permission(world, fees, rule):
    house = world.owner_house
    bill = one_off(world, fees, house, "1000.00", dt.date(2026, 2, 1))
    with pytest.raises(PermissionDenied):
        services.late_fee_waive(actor=world.staff("cashier"), bill=bill, reason="老人", on=TODAY)
    with pytest.raises(ApplicationError) as err:
        services.late_fee_waive(actor=world.staff("finance"), bill=bill, reason=" ", on=TODAY)
    assert err.value.field == "reason"
    with pytest.raises(NotFound):
        services.late_fee_waive(actor=world.staff("finance", "b"), bill=bill, reason="x", on=TODAY)
    waiver = services.late_fee_waive(
        actor=world.staff("finance"), bill=bill, reason="业主住院，经理批准", on=TODAY
    )
    assert waiver.waived_amount == Decimal("11.10")
    payment = services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        method="wechat",
        bill_ids=[bill.pk],
        idempotency_key=key(),
        on=TODAY,
    )
    assert payment.amount == Decimal("1000.00")
    assert not Bill.objects.filter(late_fee_of=bill).exists()
    from wuyetong.orgs.models import OperationLog

    assert OperationLog.objects.filter(note__contains="业主住院").exists()


def test_changed_total_is_refused_and_nothing_is_written(world, fees, rule):
    house = world.owner_house
    bill = one_off(world, fees, house, "1000.00", dt.date(2026, 2, 1))
    before = LedgerEntry.objects.count()
    with pytest.raises(ApplicationError) as err:
        services.desk_pay(
            actor=world.staff("cashier"),
            house=house,
            method="cash",
            bill_ids=[bill.pk],
            expected_total="1000.00",  # the clerk saw yesterday's figure
            idempotency_key=key(),
            on=TODAY,
        )
    assert err.value.field == "expected_total" and "1011.10" in err.value.message
    assert LedgerEntry.objects.count() == before
    assert not Payment.objects.exists()
    bill.refresh_from_db()
    assert bill.state == "unpaid"


def test_cash_tendered_below_total_is_refused(world, fees):
    house = world.owner_house
    bill = one_off(world, fees, house, "300.00", TODAY)
    with pytest.raises(ApplicationError) as err:
        services.desk_pay(
            actor=world.staff("cashier"),
            house=house,
            method="cash",
            bill_ids=[bill.pk],
            tendered="200",
            idempotency_key=key(),
            on=TODAY,
        )
    assert err.value.field == "tendered"
    assert not Payment.objects.exists()


def _monthly_house(world, fees):
    house = set_house(world.owner_house, area="100.00", handover=dt.date(2025, 12, 1))
    standard = property_standard(world, fees, unit_price=Decimal("2.00"))  # 200.00 a month
    services.fee_assign(
        actor=world.staff("hq_admin"),
        standard=standard,
        houses=[house],
        start_date=dt.date(2026, 1, 1),
    )
    return house


def test_months_ahead_with_percent_discount_and_a_later_run_adds_nothing(world, fees):
    house = _monthly_house(world, fees)
    services.discount_rule_create(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        name="预缴一年95折",
        kind="prepay_percent",
        min_months=12,
        percent="5",
        valid_from=dt.date(2026, 1, 1),
    )
    payment = services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        method="bank_card",
        months_ahead=12,
        idempotency_key=key(),
        on=TODAY,
    )
    bills = list(Bill.objects.filter(house=house).order_by("period"))
    assert next(b.period for b in bills) == dt.date(2026, 3, 1)
    assert len(bills) == 12 and all(b.state == "paid" for b in bills)
    assert all(b.discount_amount == Decimal("10.00") for b in bills)
    assert payment.amount == Decimal("2280.00")  # 12 × 200 × 95 %
    assert house_account_balances(house=house)["receivable"] == Decimal("0.00")
    run = services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2026, 5, 1)
    )
    assert Bill.objects.filter(house=house, period=dt.date(2026, 5, 1)).count() == 1
    assert all(
        r.bill_count == 0 or house.pk not in r.bills.values_list("house_id", flat=True) for r in run
    )


def test_free_months_discount_and_prepay_cap(world, fees):
    house = _monthly_house(world, fees)
    services.discount_rule_create(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        name="交十送二",
        kind="prepay_free",
        min_months=12,
        free_months=2,
        valid_from=dt.date(2026, 1, 1),
    )
    quote = services.quote_build(house=house, bills=[], months_ahead=12, on=TODAY)
    assert quote.discounts == Decimal("400.00") and quote.total == Decimal("2000.00")
    free = [x for x in quote.lines if x.discount]
    assert sorted(x.bill.period for x in free) == [dt.date(2027, 1, 1), dt.date(2027, 2, 1)]
    community = world.community_a1
    community.settings = {**(community.settings or {}), "prepay_cap_months": 6}
    community.save(update_fields=["settings"])
    house.refresh_from_db()
    with pytest.raises(ApplicationError) as err:
        services.quote_build(house=house, bills=[], months_ahead=12, on=TODAY)
    assert err.value.field == "months_ahead" and "6" in err.value.message


def test_fixed_reduction_only_without_other_arrears(world, fees):
    house = world.owner_house
    old = one_off(world, fees, house, "50.00", dt.date(2026, 1, 5))
    new = one_off(world, fees, house, "300.00", dt.date(2026, 3, 25))
    services.discount_rule_create(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        name="无欠费立减20",
        kind="fixed",
        amount="20",
        require_no_arrears=True,
        valid_from=dt.date(2026, 1, 1),
    )
    only_new = services.quote_build(house=house, bills=[new], on=TODAY)
    assert only_new.discounts == 0  # the January bill is still owed
    both = services.quote_build(house=house, bills=[old, new], on=TODAY)
    assert both.discounts == Decimal("20.00") and both.total == Decimal("330.00")


def test_vacancy_relief_applies_only_after_approval(world, fees):
    house = world.owner_house
    bill = one_off(world, fees, house, "200.00", dt.date(2026, 3, 25))
    relief = services.vacancy_relief_request(
        actor=world.staff("cashier"),
        house=house,
        fee_item=fees["物业费"],
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 6, 1),
        percent="30",
        reason="房屋空置未装修",
    )
    assert services.quote_build(house=house, bills=[bill], on=TODAY).discounts == 0
    with pytest.raises(PermissionDenied):
        services.vacancy_relief_decide(actor=world.staff("cashier"), relief=relief, approve=True)
    services.vacancy_relief_decide(actor=world.staff("finance"), relief=relief, approve=True)
    quote = services.quote_build(house=house, bills=[bill], on=TODAY)
    assert quote.discounts == Decimal("60.00") and "空置" in quote.lines[0].discount_note


def test_daily_close_totals_by_method_and_locks_the_day(world, fees):
    house = world.owner_house
    cashier = world.staff("cashier")
    for amount, method in (("100.00", "cash"), ("50.50", "cash"), ("80.00", "wechat")):
        b = one_off(world, fees, house, amount, TODAY)
        services.desk_pay(
            actor=cashier, house=house, method=method, bill_ids=[b.pk], idempotency_key=key()
        )
    close = services.daily_close(actor=cashier)
    assert close.count == 3 and close.total == Decimal("230.50")
    assert close.by_method == {"cash": "150.50", "wechat": "80.00"}
    b = one_off(world, fees, house, "10.00", TODAY)
    with pytest.raises(ApplicationError) as err:
        services.desk_pay(
            actor=cashier, house=house, method="cash", bill_ids=[b.pk], idempotency_key=key()
        )
    assert "日结" in err.value.message
    with pytest.raises(ApplicationError):
        services.daily_close(actor=cashier)
    # another cashier's day is their own
    services.daily_close(actor=world.staff("finance"))


def test_desk_refuses_other_company_and_roles_without_add(world, fees):
    house = world.owner_house
    bill = one_off(world, fees, house, "10.00", TODAY)
    with pytest.raises(NotFound):
        services.desk_pay(
            actor=world.staff("cashier", "b"),
            house=house,
            method="cash",
            bill_ids=[bill.pk],
            idempotency_key=key(),
        )
    with pytest.raises(PermissionDenied):
        services.desk_pay(
            actor=world.staff("repair_worker"),
            house=house,
            method="cash",
            bill_ids=[bill.pk],
            idempotency_key=key(),
        )
    with pytest.raises(NotFound):  # an owner is no staff of the company
        services.desk_pay(
            actor=world.owner, house=house, method="cash", bill_ids=[bill.pk], idempotency_key=key()
        )
    bill.refresh_from_db()
    assert bill.state == "unpaid" and not Payment.objects.exists()


def test_repeated_submission_records_one_payment(world, fees):
    house = world.owner_house
    bill = one_off(world, fees, house, "10.00", TODAY)
    k = key()
    first = services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        method="cash",
        bill_ids=[bill.pk],
        idempotency_key=k,
    )
    again = services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        method="cash",
        bill_ids=[bill.pk],
        idempotency_key=k,
    )
    assert first.pk == again.pk and Payment.objects.count() == 1
