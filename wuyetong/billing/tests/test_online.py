"""Online payment through the sandbox gateway: one payment however often the notification
comes, in whatever order; wrong amounts and bad signatures refused and logged; bills paid
meanwhile at the desk turn the money into prepaid balance; the reconciliation lists it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wuyetong.billing import services
from wuyetong.billing.gateways import gateway_for
from wuyetong.billing.models import GatewayNotice, Payment, PaymentOrder, PrepaidBalance
from wuyetong.core.exceptions import ApplicationError, NotFound

from .collect_helpers import key, one_off

TODAY = dt.date.today()


def _order(world, bills, **kw):
    return services.order_create(
        user=world.owner,
        house=world.owner_house,
        bill_ids=[b.pk for b in bills],
        gateway="sandbox",
        method="wechat",
        notify_url="http://testserver/api/v1/billing/notify/sandbox/",
        return_url_for=lambda o: f"/app/bills/orders/{o.out_trade_no}/",
        **kw,
    )


def _notify(order, *, approve=True, amount=None):
    headers, body = gateway_for("sandbox").notification(
        out_trade_no=order.out_trade_no, amount=amount or order.amount, approve=approve
    )
    return services.notice_receive(gateway="sandbox", headers=headers, body=body)


def test_sandbox_payment_recorded_once_however_often_notified(world, fees):
    bill = one_off(world, fees, world.owner_house, "256.40", TODAY)
    order, url = _order(world, [bill])
    assert url == f"/app/bills/pay/sandbox/{order.out_trade_no}/"
    assert order.amount == Decimal("256.40") and order.state == "created"
    first = _notify(order)
    assert first.ok and first.notice.result == "recorded"
    again = _notify(order)
    assert again.ok and again.notice.result == "duplicate"
    assert Payment.objects.count() == 1
    order.refresh_from_db()
    assert order.state == "paid" and order.payment.amount == Decimal("256.40")
    assert order.payment.cashier is None and order.payment.method == "wechat"
    bill.refresh_from_db()
    assert bill.state == "paid"


def test_decline_then_success_records_the_payment(world, fees):
    bill = one_off(world, fees, world.owner_house, "10.00", TODAY)
    order, _ = _order(world, [bill])
    _notify(order, approve=False)
    order.refresh_from_db()
    assert order.state == "failed"
    assert _notify(order).notice.result == "recorded"
    order.refresh_from_db()
    assert order.state == "paid"


def test_wrong_amount_and_bad_signature_refused_and_logged(world, fees):
    bill = one_off(world, fees, world.owner_house, "10.00", TODAY)
    order, _ = _order(world, [bill])
    wrong = _notify(order, amount=Decimal("0.01"))
    assert not wrong.ok and wrong.status == 400 and wrong.notice.result == "bad_amount"
    headers, body = gateway_for("sandbox").notification(
        out_trade_no=order.out_trade_no, amount=order.amount, approve=True
    )
    forged = services.notice_receive(
        gateway="sandbox", headers={**headers, "X-Sandbox-Signature": "0" * 64}, body=body
    )
    assert not forged.ok and forged.notice.result == "bad_signature"
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.state == "created"
    mismatches = services.reconciliation(user=world.staff("finance"))
    kinds = {m.kind for m in mismatches}
    assert "金额不符" in kinds
    # unattributable notices (bad signature) are not shown to a company
    assert "签名无效" not in kinds
    assert GatewayNotice.objects.filter(result="bad_signature").count() == 1
    assert services.reconciliation(user=world.staff("finance", "b")) == []


def test_bills_paid_at_desk_meanwhile_credit_prepaid(world, fees):
    bill = one_off(world, fees, world.owner_house, "99.00", TODAY)
    order, _ = _order(world, [bill])
    services.desk_pay(
        actor=world.staff("cashier"),
        house=world.owner_house,
        method="cash",
        bill_ids=[bill.pk],
        idempotency_key=key(),
    )
    handled = _notify(order)
    assert handled.ok and handled.notice.result == "credited"
    assert PrepaidBalance.objects.get(house=world.owner_house).balance == Decimal("99.00")
    assert Payment.objects.count() == 2
    assert any(
        m.kind == "账单已缴，转入预存" for m in services.reconciliation(user=world.staff("finance"))
    )


def test_owner_orders_only_own_house_and_current_total(world, fees):
    bill = one_off(world, fees, world.owner_house, "10.00", TODAY)
    with pytest.raises(NotFound):
        services.order_create(
            user=world.other_owner,
            house=world.owner_house,
            bill_ids=[bill.pk],
            gateway="sandbox",
            notify_url="x",
            return_url_for=lambda o: "x",
        )
    with pytest.raises(ApplicationError) as err:
        _order(world, [bill], expected_total="9.00")
    assert err.value.field == "expected_total"
    with pytest.raises(ApplicationError) as err:
        services.order_create(
            user=world.owner,
            house=world.owner_house,
            bill_ids=[bill.pk],
            gateway="wechat",  # no keys in the test settings
            notify_url="x",
            return_url_for=lambda o: "x",
        )
    assert err.value.field == "gateway"
    assert not PaymentOrder.objects.exists()


def test_unknown_order_refused(world):
    headers, body = gateway_for("sandbox").notification(
        out_trade_no="NOPE", amount=Decimal("1.00"), approve=True
    )
    handled = services.notice_receive(gateway="sandbox", headers=headers, body=body)
    assert not handled.ok and handled.notice.result == "unknown_order"
