"""Billing reports: every figure equals the direct sum of the rows it stands for, to the fen;
charts and Excel exports carry the same numbers; scope and permissions hold."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from wuyetong.billing import selectors_reports as reports
from wuyetong.billing import services
from wuyetong.billing.models import Bill, Payment, PrepaidBalance

from .conftest import property_standard, set_house

pytestmark = pytest.mark.django_db


def key():
    return uuid.uuid4().hex


@pytest.fixture
def books(world, fees):
    """Three months of 物业费 for four houses (odd areas: amounts with fen), water on two,
    payments by several methods and cashiers, prepaid and a deposit."""
    admin, cashier = world.staff("hq_admin"), world.staff("cashier")
    houses = [
        set_house(h, area=area)
        for h, area in zip(world.houses_a1, ["89.37", "96.13", "105.77", "118.01"], strict=False)
    ]
    standard = property_standard(world, fees, unit_price="2.33")
    services.fee_assign(
        actor=admin, standard=standard, houses=houses, start_date=dt.date(2024, 1, 1)
    )
    for month in (1, 2, 3):
        services.bill_run_commit(
            actor=admin, community=world.community_a1, period=dt.date(2024, month, 1)
        )
    for h in houses[:2]:
        services.bill_create_one_off(
            actor=admin,
            house=h,
            fee_item=fees["水费"],
            amount="37.37",
            description="水费",
            due_date=dt.date(2024, 2, 10),
            idempotency_key=key(),
        )
    jan = list(
        Bill.objects.filter(period=dt.date(2024, 1, 1), fee_item=fees["物业费"]).order_by(
            "house_id"
        )
    )
    for bill, method, actor in (
        (jan[0], "cash", cashier),
        (jan[1], "wechat", cashier),
        (jan[2], "alipay", admin),
    ):
        services.desk_pay(
            actor=actor, house=bill.house, method=method, bill_ids=[bill.pk], idempotency_key=key()
        )
    services.prepay_deposit(
        actor=cashier, house=houses[3], amount="500.00", method="bank_card", idempotency_key=key()
    )
    services.desk_pay(
        actor=cashier,
        house=houses[3],
        method="prepaid",
        bill_ids=[jan[3].pk],
        idempotency_key=key(),
    )
    services.deposit_take(
        actor=cashier, house=houses[0], amount="2000.00", method="transfer", idempotency_key=key()
    )
    services.deposit_refund(
        actor=admin, house=houses[0], amount="300.00", reason="部分退还", idempotency_key=key()
    )
    return houses


def test_collection_by_month_equals_direct_sums(world, fees, books):
    rows = reports.collection(
        world.staff("finance"), group="month", start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 1)
    )
    for r in rows:
        bills = Bill.objects.filter(period=r["period"]).exclude(state__in=["voided", "reversed"])
        billed = sum((b.amount for b in bills), Decimal("0"))
        collected = sum((b.paid_amount for b in bills), Decimal("0"))
        assert (r["billed"], r["collected"], r["bills"]) == (billed, collected, bills.count())
        assert r["rate"] == (collected * 100 / billed).quantize(Decimal("0.01"))
    jan = rows[0]
    # 208.23 + 223.98 + 246.44 + 274.96; paid: three at the desk, one from prepaid
    assert jan["billed"] == Decimal("953.61") and jan["collected"] == Decimal("953.61")
    assert jan["rate"] == Decimal("100.00") and rows[1]["rate"] == Decimal("0.00")
    assert str(jan["billed"]) == "953.61"  # exact Decimal, no float noise
    total = reports.collection_total(rows)
    assert total["billed"] == sum((r["billed"] for r in rows), Decimal("0"))


def test_collection_by_fee_item_and_building(world, fees, books):
    args = {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 3, 1)}
    by_item = {
        r["fee_item__name"]: r
        for r in reports.collection(world.staff("finance"), group="fee_item", **args)
    }
    assert by_item["水费"]["billed"] == Decimal("74.74") and by_item["水费"][
        "collected"
    ] == Decimal("0.00")
    by_building = reports.collection(world.staff("finance"), group="building", **args)
    assert sum((r["billed"] for r in by_building), Decimal("0")) == sum(
        (r["billed"] for r in by_item.values()), Decimal("0")
    )


def test_income_by_method_and_cashier_equals_payments(world, books):
    today = dt.date.today()
    rows = {
        r["method"]: r
        for r in reports.income(world.staff("finance"), group="method", start=today, end=today)
    }
    for method, r in rows.items():
        direct = sum((p.amount for p in Payment.objects.filter(method=method)), Decimal("0"))
        assert r["total"] == direct
    assert rows["alipay"]["total"] == Decimal("246.44")
    assert rows["bank_card"]["prepay"] == Decimal("500.00") and rows["transfer"][
        "deposit"
    ] == Decimal("2000.00")
    assert rows["prepaid"]["new_money"] is False  # drawn from money received earlier
    by_cashier = {
        r["label"]: r["total"]
        for r in reports.income(world.staff("finance"), group="cashier", start=today, end=today)
    }
    cashier = world.staff("cashier")
    assert by_cashier[cashier.name] == sum(
        (p.amount for p in Payment.objects.filter(cashier=cashier)), Decimal("0")
    )
    assert reports.refunds(world.staff("finance"), start=today, end=today) == {
        "returned": Decimal("300.00"),
        "to_prepaid": Decimal("0.00"),
    }


def test_balances_equal_the_ledger(world, books):
    rows = reports.balances(world.staff("finance"))
    ledger = reports.ledger_balances(world.staff("finance"))
    assert len(rows) == 1
    r = rows[0]
    cached = PrepaidBalance.objects.filter(community=world.community_a1)
    assert r["prepaid"] == sum((b.balance for b in cached), Decimal("0"))
    assert r["deposit"] == Decimal("1700.00")
    assert ledger[world.community_a1.pk] == {"prepaid": r["prepaid"], "deposit": r["deposit"]}


def test_reports_page_tabs_show_the_same_figures_and_export_them(world, books, client_for):
    client = client_for(world.staff("finance"))
    url = reverse("billing:reports")
    page = client.get(
        url, {"tab": "collection", "start": "2024-01", "end": "2024-03", "group": "month"}
    )
    body = page.content.decode()
    assert page.status_code == 200 and 'data-echarts="collection-chart"' in body
    rows = reports.collection(
        world.staff("finance"), group="month", start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 1)
    )
    total = reports.collection_total(rows)
    assert f'id="sum-billed">{total["billed"]:.2f}<' in body
    export = client.get(
        url,
        {
            "tab": "collection",
            "start": "2024-01",
            "end": "2024-03",
            "group": "month",
            "export": "xlsx",
        },
    )
    sheet = load_workbook(BytesIO(export.content)).active
    exported = [
        (r[0], Decimal(str(r[1])), Decimal(str(r[2])), Decimal(str(r[3])))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert exported == [
        (f"{r['period']:%Y-%m}", r["billed"], r["discount"], r["collected"]) for r in rows
    ]
    for tab in ("income", "ageing", "balances"):
        response = client.get(url, {"tab": tab})
        assert response.status_code == 200 and 'id="report-table"' in response.content.decode()
    balances = client.get(url, {"tab": "balances"}).content.decode()
    assert 'id="sum-deposit">1700.00<' in balances and "一致" in balances


def test_reports_permission_matrix_and_scope(world, books, client, client_for):
    url = reverse("billing:reports")
    assert client.get(url).status_code == 302
    assert client_for(world.owner).get(url).status_code == 403
    assert client_for(world.staff("customer_service")).get(url).status_code == 403
    assert (
        client_for(world.staff("cashier"))
        .get(url, {"tab": "collection", "export": "xlsx"})
        .status_code
        == 403
    )
    other = (
        client_for(world.staff("hq_admin", "b"))
        .get(url, {"tab": "collection", "start": "2024-01", "end": "2024-03"})
        .content.decode()
    )
    assert "953.61" not in other and 'id="sum-billed">0.00<' in other


def test_a_discount_settled_in_full_is_collected_not_arrears(world, fees):
    """A 10 元 fixed reduction on a 300.00 bill paid in full: 290.00 collected, nothing
    outstanding on it; the rate is collected ÷ (billed − discounts)."""
    from .collect_helpers import key, one_off

    house = world.houses_a1[0]
    other = next(h for h in world.houses_a1 if h.building_id != house.building_id)
    today = dt.date.today()
    services.discount_rule_create(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        name="立减10元",
        kind="fixed",
        amount="10",
        valid_from=today - dt.timedelta(days=1),
    )
    paid = one_off(world, fees, house, "300.00", today)
    open_bill = one_off(world, fees, other, "200.33", today)
    payment = services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        method="cash",
        bill_ids=[paid.pk],
        idempotency_key=key(),
    )
    paid.refresh_from_db()
    assert (payment.amount, paid.discount_amount, paid.state) == (
        Decimal("290.00"),
        Decimal("10.00"),
        "paid",
    )
    args = {"start": paid.period, "end": open_bill.period, "community_id": world.community_a1.pk}
    finance = world.staff("finance")
    [both] = reports.collection(finance, group="community", **args)
    assert (both["billed"], both["discount"], both["collected"]) == (
        Decimal("500.33"),
        Decimal("10.00"),
        Decimal("290.00"),
    )
    assert both["receivable"] == Decimal("490.33")
    assert both["outstanding"] == Decimal("200.33")  # the unpaid bill only
    assert both["rate"] == Decimal("59.14")  # 290.00 ÷ 490.33
    total = reports.collection_total([both])
    assert (total["discount"], total["outstanding"], total["rate"]) == (
        Decimal("10.00"),
        Decimal("200.33"),
        Decimal("59.14"),
    )
    # the discounted bill alone (its house's building) is fully collected
    [settled] = [
        r
        for r in reports.collection(finance, group="building", **args)
        if r["house__building_id"] == house.building_id
    ]
    assert settled["outstanding"] == Decimal("0.00") and settled["rate"] == Decimal("100.00")


def test_refund_to_prepaid_is_a_transfer_not_money_returned(world, fees, client_for):
    """Two paid bills refunded after approval, one in cash (money leaves) and one credited to
    the prepaid balance (it stays with the house); a deposit refund also leaves."""
    from .collect_helpers import key, one_off

    house = world.owner_house
    today = dt.date.today()
    cashier, finance = world.staff("cashier"), world.staff("finance")
    cash_bill = one_off(world, fees, house, "150.25", today)
    credit_bill = one_off(world, fees, house, "120.40", today, item="垃圾清运费")
    payment = services.desk_pay(
        actor=cashier,
        house=house,
        method="cash",
        bill_ids=[cash_bill.pk, credit_bill.pk],
        idempotency_key=key(),
    )
    for bill, method in ((cash_bill, "cash"), (credit_bill, "prepaid")):
        request = services.refund_request(
            actor=cashier, payment=payment, bill_ids=[bill.pk], reason="多收", method=method
        )
        services.refund_approve(actor=finance, request=request)
    services.deposit_take(
        actor=cashier, house=house, amount="500.00", method="cash", idempotency_key=key()
    )
    services.deposit_refund(
        actor=finance, house=house, amount="200.05", reason="退部分押金", idempotency_key=key()
    )
    assert PrepaidBalance.objects.get(house=house).balance == Decimal("120.40")
    figures = reports.refunds(finance, start=today, end=today)
    assert figures == {"returned": Decimal("350.30"), "to_prepaid": Decimal("120.40")}
    # another company's finance sees none of it
    assert reports.refunds(world.staff("finance", "b"), start=today, end=today) == {
        "returned": Decimal("0.00"),
        "to_prepaid": Decimal("0.00"),
    }
    page = client_for(finance).get(reverse("billing:reports"), {"tab": "income"}).content.decode()
    assert 'id="sum-refunded">350.30<' in page and "120.40" in page
    # new money 150.25 + 120.40 + 500.00 = 770.65; net of what left: 770.65 − 350.30
    assert "420.35" in page
