"""Refunds of online payments sent back the way they came (原路退回): approval writes the
ledger once and the gateway refund is sent after commit; the answer, notifications (twice,
out of order, forged) and the periodic query move its state once; a failed refund is retried
with the same out_refund_no or recorded as paid another way; the owner is told; the
reconciliation lists failures and overdue refunds. Through the sandbox bank and through
WeChat Pay v3 with a gateway made here."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from wuyetong.billing import services
from wuyetong.billing.gateways import gateway_for
from wuyetong.billing.models import (
    GatewayNotice,
    GatewayRefund,
    GatewayRefundEvent,
    LedgerEntry,
    RefundRequest,
)
from wuyetong.billing.services import gateway_refunds as gr
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.notices.models import Message

from .collect_helpers import one_off, sandbox_order
from .test_gateways import APIV3, _keypair, _sign
from .test_refund_protocols import refund_data, refund_notice

TODAY = dt.date.today()


def _sandbox(outcome="succeeded"):
    from django.conf import settings

    cfg = {k: dict(v) for k, v in settings.PAYMENT_GATEWAYS.items()}
    cfg["sandbox"]["refund_outcome"] = outcome
    return override_settings(PAYMENT_GATEWAYS=cfg)


def _notify(order):
    headers, body = gateway_for(order.gateway).notification(  # type: ignore[attr-defined]
        out_trade_no=order.out_trade_no, amount=order.amount, approve=True
    )
    return services.notice_receive(gateway=order.gateway, headers=headers, body=body)


@pytest.fixture
def online(world, fees):
    """The owner paid 120.00 + 80.50 online (sandbox playing WeChat Pay)."""
    a = one_off(world, fees, world.owner_house, "120.00", TODAY)
    b = one_off(world, fees, world.owner_house, "80.50", TODAY, item="垃圾清运费")
    order = sandbox_order(world, [a, b], method="wechat")
    assert _notify(order).notice.result == "recorded"
    order.refresh_from_db()
    return order, a, b


def _approved(world, order, bills, capture, *, reason="重复缴费"):
    request = services.refund_request(
        actor=world.staff("cashier"),
        payment=order.payment,
        bill_ids=[b.pk for b in bills],
        reason=reason,
    )
    assert request.method == "wechat"  # the original route by default
    with capture(execute=True):
        services.refund_approve(
            actor=world.staff("finance"), request=request, base_url="https://wy.example.com/"
        )
    request.refresh_from_db()
    return request, GatewayRefund.objects.get(request=request)


def test_approval_sends_the_money_back_and_tells_the_owner(
    world, online, django_capture_on_commit_callbacks
):
    order, _a, b = online
    request, route = _approved(world, order, [b], django_capture_on_commit_callbacks)
    assert request.state == "approved" and request.refund_no
    assert (route.state, route.amount, route.attempts) == ("succeeded", Decimal("80.50"), 1)
    assert route.order == order and route.gateway == "sandbox"
    assert route.notify_url == "https://wy.example.com/api/v1/billing/notify/sandbox/refund/"
    # the ledger of approval is as before: one refund entry, written once
    refund_entries = LedgerEntry.objects.filter(kind="refund", payment=order.payment)
    assert [e.amount for e in refund_entries] == [Decimal("-80.50")]
    [message] = Message.objects.filter(user=world.owner, title="退款已退回")
    assert "80.50" in message.body and request.refund_no in message.body
    assert "微信" in message.body
    kinds = list(route.events.values_list("kind", "state", "changed"))
    assert kinds == [("answer", "succeeded", True)]


def test_nothing_is_sent_before_commit_nor_when_approval_rolls_back(
    world, online, django_capture_on_commit_callbacks
):
    order, a, _b = online
    request = services.refund_request(
        actor=world.staff("cashier"), payment=order.payment, bill_ids=[a.pk], reason="x"
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.refund_approve(actor=world.staff("finance"), request=request)
    route = GatewayRefund.objects.get(request=request)
    assert route.state == "processing" and route.attempts == 0 and route.sent_at is None
    assert len(callbacks) == 1  # the job, queued for after commit
    callbacks[0]()
    route.refresh_from_db()
    assert route.state == "succeeded"


def test_online_payment_is_refunded_the_way_it_came_or_to_prepaid(world, online):
    order, a, _b = online
    with pytest.raises(ApplicationError) as err:
        services.refund_request(
            actor=world.staff("cashier"),
            payment=order.payment,
            bill_ids=[a.pk],
            reason="x",
            method="cash",
        )
    assert err.value.field == "method" and "原路退回" in err.value.message
    prepaid = services.refund_request(
        actor=world.staff("cashier"),
        payment=order.payment,
        bill_ids=[a.pk],
        reason="转预存",
        method="prepaid",
    )
    services.refund_approve(actor=world.staff("finance"), request=prepaid)
    assert not GatewayRefund.objects.exists()  # the money stays with the house


def test_failed_refund_retried_with_the_same_number(
    world, online, django_capture_on_commit_callbacks
):
    order, _a, b = online
    with _sandbox("failed"):
        _request, route = _approved(world, order, [b], django_capture_on_commit_callbacks)
    assert route.state == "failed" and "拒绝" in route.error
    number = route.out_refund_no
    assert not Message.objects.filter(title="退款已退回").exists()
    # a cashier (no billing.approve) and another company cannot retry
    with pytest.raises(PermissionDenied):
        gr.route_retry(actor=world.staff("cashier"), refund=route)
    with pytest.raises(NotFound):
        gr.route_retry(actor=world.staff("finance", "b"), refund=route)
    with django_capture_on_commit_callbacks(execute=True):
        gr.route_retry(actor=world.staff("finance"), refund=route, note="银行卡已解冻")
    route.refresh_from_db()
    assert (route.state, route.out_refund_no, route.attempts) == ("succeeded", number, 2)
    retry = route.events.get(kind="retry")
    assert retry.actor == world.staff("finance") and retry.note == "银行卡已解冻"
    with pytest.raises(ApplicationError):
        gr.route_retry(actor=world.staff("finance"), refund=route)  # nothing left to retry
    assert Message.objects.filter(user=world.owner, title="退款已退回").count() == 1


def test_offline_completion_recorded_with_who_and_why(
    world, online, django_capture_on_commit_callbacks
):
    order, a, _b = online
    with _sandbox("failed"):
        _request, route = _approved(world, order, [a], django_capture_on_commit_callbacks)
    finance = world.staff("finance")
    with pytest.raises(ApplicationError) as err:
        gr.route_offline(actor=finance, refund=route, method="cash", note=" ")
    assert err.value.field == "note"
    with pytest.raises(ApplicationError) as err:
        gr.route_offline(actor=finance, refund=route, method="wechat", note="x")
    assert err.value.field == "method"
    with pytest.raises(PermissionDenied):
        gr.route_offline(actor=world.staff("cashier"), refund=route, method="cash", note="x")
    route.refresh_from_db()
    assert route.state == "failed"  # refusals changed nothing
    gr.route_offline(actor=finance, refund=route, method="transfer", note="转账流水 8812")
    route.refresh_from_db()
    assert route.state == "offline"
    event = route.events.get(kind="offline")
    assert (event.actor, event.method, event.note) == (finance, "transfer", "转账流水 8812")
    [message] = Message.objects.filter(user=world.owner, title="退款已退回")
    assert "线下" in message.body
    # the gateway pays it after all: the payer got it twice — flagged, listed, not hidden
    headers, body = gateway_for("sandbox").refund_notification(  # type: ignore[attr-defined]
        out_refund_no=route.out_refund_no, amount=route.amount, state="succeeded"
    )
    assert gr.refund_notice_receive(gateway="sandbox", headers=headers, body=body).ok
    route.refresh_from_db()
    assert route.state == "offline" and route.paid_twice
    kinds = {m.kind for m in services.reconciliation(user=finance)}
    assert "重复退款" in kinds


def test_notifications_twice_out_of_order_and_forged(
    world, online, django_capture_on_commit_callbacks
):
    order, a, _b = online
    with _sandbox("processing"):
        _request, route = _approved(world, order, [a], django_capture_on_commit_callbacks)
        assert route.state == "processing"
        bank = gateway_for("sandbox")

        def deliver(state, amount=None, tamper=False):
            headers, body = bank.refund_notification(  # type: ignore[attr-defined]
                out_refund_no=route.out_refund_no, amount=amount or route.amount, state=state
            )
            if tamper:
                body = body.replace(b"120.00", b"12.00")
            return gr.refund_notice_receive(gateway="sandbox", headers=headers, body=body)

        forged = deliver("succeeded", tamper=True)
        assert not forged.ok and forged.status == 400
        assert forged.notice.result == "bad_signature"
        wrong = deliver("succeeded", amount=Decimal("12.00"))
        assert not wrong.ok and wrong.notice.result == "bad_amount"
        route.refresh_from_db()
        assert route.state == "processing"
        first = deliver("succeeded")
        again = deliver("succeeded")
        late = deliver("failed")  # an older failure arriving after the success
        assert first.ok and again.ok and late.ok
    route.refresh_from_db()
    assert route.state == "succeeded" and route.error == ""
    changes = route.events.filter(kind="notice", changed=True)
    assert changes.count() == 1
    assert route.events.filter(kind="notice").count() == 3
    assert Message.objects.filter(user=world.owner, title="退款已退回").count() == 1
    assert GatewayNotice.objects.filter(result="refund").count() == 3
    unknown_headers, unknown_body = gateway_for("sandbox").refund_notification(  # type: ignore[attr-defined]
        out_refund_no="RF-NOT-OURS", amount=Decimal("1.00"), state="succeeded"
    )
    unknown = gr.refund_notice_receive(
        gateway="sandbox", headers=unknown_headers, body=unknown_body
    )
    assert not unknown.ok and unknown.notice.result == "unknown_order"


def test_periodic_query_settles_refunds_processing_too_long(
    world, online, django_capture_on_commit_callbacks
):
    order, a, b = online
    with _sandbox("processing"):
        _r1, old = _approved(world, order, [a], django_capture_on_commit_callbacks)
        _r2, fresh = _approved(world, order, [b], django_capture_on_commit_callbacks)
        later = timezone.now() + dt.timedelta(minutes=11)
        GatewayRefund.objects.filter(pk=fresh.pk).update(sent_at=later)
        kinds = {m.kind for m in services.reconciliation(user=world.staff("finance"))}
        assert "退款处理中超时" not in kinds  # not yet overdue
        GatewayRefund.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=30)
        )
        kinds = {m.kind for m in services.reconciliation(user=world.staff("finance"))}
        assert "退款处理中超时" in kinds
        assert gr.routes_due(now=later) == [old.pk]
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.state, fresh.state) == ("succeeded", "processing")
    assert old.events.filter(kind="query", changed=True).count() == 1
    # another company's finance sees none of it
    assert services.reconciliation(user=world.staff("finance", "b")) == []


def test_failed_refunds_are_listed_in_the_reconciliation(
    world, online, django_capture_on_commit_callbacks
):
    order, a, _b = online
    with _sandbox("failed"):
        _approved(world, order, [a], django_capture_on_commit_callbacks)
    rows = [m for m in services.reconciliation(user=world.staff("finance")) if m.kind == "退款失败"]
    assert len(rows) == 1 and rows[0].amount == Decimal("120.00")
    assert rows[0].out_trade_no == order.out_trade_no


# ---------------------------------------------------------------- WeChat Pay, end to end


class WechatBank:
    """WeChat Pay's API as the adapter meets it: H5 orders, refunds and their query,
    answering with the platform key made here."""

    def __init__(self, refund_status="PROCESSING"):
        self.merchant = _keypair()
        self.platform = _keypair()
        self.refund_status = refund_status
        self.requests: list[tuple[str, str, dict]] = []

    def config(self):
        return {
            "mchid": "1900000001",
            "appid": "wx0123456789",
            "serial_no": "MERCHANTSERIAL",
            "private_key": self.merchant[1],
            "platform_public_key": self.platform[2],
            "platform_serial": "PLATFORMSERIAL",
            "apiv3_key": APIV3,
            "transport": self,
        }

    def __call__(self, method, url, headers, body):
        self.requests.append((method, url, json.loads(body) if body else {}))
        if url.endswith("/v3/pay/transactions/h5"):
            data = {"h5_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?x=1"}
        else:
            refund = self.requests[-1][2] or self.last_refund
            self.last_refund = refund
            data = {
                "refund_id": "50300000001",
                "out_refund_no": url.rsplit("/", 1)[-1]
                if method == "GET"
                else refund["out_refund_no"],
                "out_trade_no": refund["out_trade_no"],
                "status": self.refund_status,
                "amount": refund["amount"],
            }
        text = json.dumps(data)
        ts, nonce = str(int(timezone.now().timestamp())), "N0NCE"
        return (
            200,
            {
                "Wechatpay-Timestamp": ts,
                "Wechatpay-Nonce": nonce,
                "Wechatpay-Signature": _sign(self.platform[0], f"{ts}\n{nonce}\n{text}\n"),
                "Wechatpay-Serial": "PLATFORMSERIAL",
            },
            text.encode(),
        )


def test_wechat_refund_end_to_end_with_its_notification(
    world, fees, django_capture_on_commit_callbacks
):
    from django.conf import settings

    bank = WechatBank()
    cfg = {k: dict(v) for k, v in settings.PAYMENT_GATEWAYS.items()}
    cfg["wechat"] = bank.config()
    bill = one_off(world, fees, world.owner_house, "1011.10", TODAY)
    with override_settings(PAYMENT_GATEWAYS=cfg):
        order, _url = services.order_create(
            user=world.owner,
            house=world.owner_house,
            bill_ids=[bill.pk],
            gateway="wechat",
            notify_url="https://wy.example.com/api/v1/billing/notify/wechat/",
            return_url_for=lambda o: "/",
        )
        # the payment notification, as WeChat Pay would send it
        from .test_gateways import _wechat_notice

        keys = {"merchant": bank.merchant, "platform": bank.platform}
        tx = {
            "mchid": "1900000001",
            "appid": "wx0123456789",
            "out_trade_no": order.out_trade_no,
            "transaction_id": "4200000009",
            "trade_state": "SUCCESS",
            "amount": {"total": 101110, "payer_total": 101110, "currency": "CNY"},
        }
        headers, body = _wechat_notice(keys, tx, ts=int(timezone.now().timestamp()))
        assert services.notice_receive(gateway="wechat", headers=headers, body=body).ok
        order.refresh_from_db()
        assert order.state == "paid"
        request, route = _approved(world, order, [bill], django_capture_on_commit_callbacks)
        method, url, sent = bank.requests[-1]
        assert (method, url) == ("POST", "https://api.mch.weixin.qq.com/v3/refund/domestic/refunds")
        assert sent["amount"] == {"refund": 101110, "total": 101110, "currency": "CNY"}
        assert sent["out_trade_no"] == order.out_trade_no
        assert sent["out_refund_no"] == route.out_refund_no
        assert sent["notify_url"] == "https://wy.example.com/api/v1/billing/notify/wechat/refund/"
        assert route.state == "processing"  # WeChat Pay said PROCESSING
        now = int(timezone.now().timestamp())
        data = refund_data(refund=101110, out_refund_no=route.out_refund_no)
        forged_h, forged_b = refund_notice(keys, data, key=bank.merchant[0], ts=now)
        refused = gr.refund_notice_receive(gateway="wechat", headers=forged_h, body=forged_b)
        assert not refused.ok and refused.status == 400
        assert json.loads(refused.body)["code"] == "FAIL"
        route.refresh_from_db()
        assert route.state == "processing"
        headers, body = refund_notice(keys, data, ts=now)
        for _ in range(2):  # delivered twice
            handled = gr.refund_notice_receive(gateway="wechat", headers=headers, body=body)
            assert handled.ok and handled.status == 204
        abnormal_h, abnormal_b = refund_notice(
            keys,
            refund_data("ABNORMAL", 101110, route.out_refund_no),
            event="REFUND.ABNORMAL",
            ts=now,
        )
        assert gr.refund_notice_receive(gateway="wechat", headers=abnormal_h, body=abnormal_b).ok
    route.refresh_from_db()
    assert route.state == "succeeded" and route.gateway_refund_id == "50000000382019052709732678859"
    assert route.events.filter(changed=True).count() == 1
    assert Message.objects.filter(user=world.owner, title="退款已退回").count() == 1
    assert RefundRequest.objects.get(pk=request.pk).state == "approved"
    assert GatewayRefundEvent.objects.filter(refund=route, kind="notice").count() == 3


def test_unknown_platform_serial_is_refused_and_logged(world, online, caplog):
    from django.conf import settings

    bank = WechatBank()
    old = _keypair()
    cfg = {k: dict(v) for k, v in settings.PAYMENT_GATEWAYS.items()}
    cfg["wechat"] = {
        **bank.config(),
        "platform_public_key_previous": old[2],
        "platform_serial_previous": "OLDSERIAL",
    }
    keys = {"merchant": bank.merchant, "platform": bank.platform}
    headers, body = refund_notice(
        keys, refund_data(), key=old[0], ts=int(timezone.now().timestamp())
    )
    with override_settings(PAYMENT_GATEWAYS=cfg):
        accepted = gr.refund_notice_receive(
            gateway="wechat", headers={**headers, "Wechatpay-Serial": "OLDSERIAL"}, body=body
        )
        assert accepted.notice.result == "unknown_order"  # verified; names no refund of ours
        with caplog.at_level("WARNING", logger="wuyetong.billing.gateway"):
            refused = gr.refund_notice_receive(
                gateway="wechat", headers={**headers, "Wechatpay-Serial": "GONE"}, body=body
            )
    assert not refused.ok and refused.status == 400
    assert refused.notice.result == "bad_signature"
    assert "未知的平台证书序列号 GONE" in refused.notice.detail
    assert "未知的平台证书序列号 GONE" in caplog.text
