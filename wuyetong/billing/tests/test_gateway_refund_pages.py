"""The pages and API of refunds sent back through the gateway: the refund page shows the
route and its state, retry and 已线下退款 for billing.approve only; who may see and act
(another company, a cashier without approve, an owner, the bureau, the platform admin), and
that a refusal changes nothing; the owner's receipts show the refund and its state; the
refund notification endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from wuyetong.billing import services
from wuyetong.billing.gateways import gateway_for
from wuyetong.billing.models import GatewayRefund, GatewayRefundEvent

from .collect_helpers import one_off, sandbox_order

TODAY = dt.date.today()


def _bank(outcome):
    cfg = {k: dict(v) for k, v in settings.PAYMENT_GATEWAYS.items()}
    cfg["sandbox"]["refund_outcome"] = outcome
    return override_settings(PAYMENT_GATEWAYS=cfg)


@pytest.fixture
def failed(world, fees, django_capture_on_commit_callbacks):
    """An online payment of 66.60 whose refund the sandbox bank refused."""
    bill = one_off(world, fees, world.owner_house, "66.60", TODAY)
    order = sandbox_order(world, [bill], method="alipay")
    headers, body = gateway_for("sandbox").notification(  # type: ignore[attr-defined]
        out_trade_no=order.out_trade_no, amount=order.amount, approve=True
    )
    services.notice_receive(gateway="sandbox", headers=headers, body=body)
    order.refresh_from_db()
    request = services.refund_request(
        actor=world.staff("cashier"), payment=order.payment, bill_ids=[bill.pk], reason="多缴"
    )
    with _bank("failed"), django_capture_on_commit_callbacks(execute=True):
        services.refund_approve(actor=world.staff("finance"), request=request)
    request.refresh_from_db()
    route = GatewayRefund.objects.get(request=request)
    assert route.state == "failed" and request.refund_no
    return request, route


def _state(route) -> str:
    route.refresh_from_db()
    return route.state


def test_refund_page_shows_route_and_actions_by_permission(world, failed, client_for):
    request, route = failed
    url = reverse("billing:refund_detail", args=[request.pk])
    page = client_for(world.staff("finance")).get(url).content.decode()
    assert "原路退回" in page and "退款失败" in page and route.out_refund_no in page
    assert 'id="route-retry"' in page and 'id="route-offline"' in page
    cashier = client_for(world.staff("cashier")).get(url).content.decode()
    assert "退款失败" in cashier and 'id="route-retry"' not in cashier
    assert 'id="route-offline"' not in cashier
    listing = client_for(world.staff("finance")).get(reverse("billing:refund_list"))
    assert "退款失败" in listing.content.decode()


def test_route_actions_permission_matrix(world, failed, client, client_for):
    request, route = failed
    url = reverse("billing:refund_route", args=[request.pk])
    offline = {"action": "offline", "method": "cash", "note": "现金退还"}
    assert client.post(url, offline).status_code == 302  # anonymous → login
    assert "login" in client.post(url, offline)["Location"]
    for user, status in [
        (world.staff("cashier"), 403),  # billing.add / view, no approve
        (world.staff("repair_worker"), 403),
        (world.owner, 403),
        (world.bureau_official, 403),
        (world.admin, 403),  # the platform reads tenants' data, never changes it
        (world.staff("finance", "b"), 404),  # another company's refund is absent
    ]:
        assert client_for(user).post(url, offline).status_code == status, user
        assert client_for(user).post(url, {"action": "retry"}).status_code == status, user
    assert _state(route) == "failed"
    assert not GatewayRefundEvent.objects.filter(kind__in=["retry", "offline"]).exists()
    # the platform admin reads the refund page; the bureau does not
    detail = reverse("billing:refund_detail", args=[request.pk])
    assert client_for(world.admin).get(detail).status_code == 200
    assert client_for(world.bureau_official).get(detail).status_code == 403
    assert client_for(world.staff("finance", "b")).get(detail).status_code == 404


def test_finance_retries_then_records_offline_on_the_page(
    world, failed, client_for, django_capture_on_commit_callbacks
):
    request, route = failed
    finance = client_for(world.staff("finance"))
    url = reverse("billing:refund_route", args=[request.pk])
    with _bank("failed"), django_capture_on_commit_callbacks(execute=True):
        r = finance.post(url, {"action": "retry"}, follow=True)
    assert "已重新发起原路退款" in r.content.decode()
    route.refresh_from_db()
    assert (route.state, route.attempts) == ("failed", 2)
    bad = finance.post(url, {"action": "offline", "method": "cash", "note": ""}, follow=True)
    assert "请填写线下退款说明" in bad.content.decode()
    assert _state(route) == "failed"
    ok = finance.post(
        url, {"action": "offline", "method": "cash", "note": "前台现金退还 王会计"}, follow=True
    )
    page = ok.content.decode()
    assert "已登记线下退款" in page and "前台现金退还 王会计" in page
    assert _state(route) == "offline"


def test_owner_receipts_show_the_refund_and_its_state(
    world, failed, client_for, django_capture_on_commit_callbacks
):
    request, route = failed
    owner = client_for(world.owner)
    page = owner.get(reverse("owner_billing:receipts")).content.decode()
    assert request.refund_no in page and "66.60" in page and "退款未成功" in page
    with django_capture_on_commit_callbacks(execute=True):
        services.gateway_refunds.route_retry(actor=world.staff("finance"), refund=route)
    page = owner.get(reverse("owner_billing:receipts")).content.decode()
    assert "已原路退回" in page
    # another owner sees none of it
    other = client_for(world.other_owner).get(reverse("owner_billing:receipts")).content.decode()
    assert request.refund_no not in other


def test_refund_notify_endpoint_verifies_the_signature(world, failed, client):
    _request, route = failed
    url = reverse("api-billing-refund-notify", args=["sandbox"])
    headers, body = gateway_for("sandbox").refund_notification(  # type: ignore[attr-defined]
        out_refund_no=route.out_refund_no, amount=route.amount, state="succeeded"
    )
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    forged = client.post(
        url, body.replace(b"66.60", b"6.66"), content_type="application/json", **meta
    )
    assert forged.status_code == 400 and _state(route) == "failed"
    r = client.post(url, body, content_type="application/json", **meta)
    assert r.status_code == 200 and r.content == b"OK"
    assert _state(route) == "succeeded"  # a failed refund paid after all


# ---------------------------------------------------------------- API


def test_route_api_permission_matrix(world, failed, api_for):
    request, route = failed
    get = reverse("api-billing-refund-route", args=[request.pk])
    retry = reverse("api-billing-refund-route-retry", args=[request.pk])
    offline = reverse("api-billing-refund-route-offline", args=[request.pk])
    body = {"method": "transfer", "note": "转账 0091"}
    assert api_for().get(get).status_code in (401, 403)
    assert api_for().post(offline, body, format="json").status_code in (401, 403)
    r = api_for(world.staff("cashier")).get(get)
    assert r.status_code == 200
    assert r.json()["state"] == "failed" and r.json()["out_refund_no"] == route.out_refund_no
    assert r.json()["events"][0]["kind"] == "answer"
    assert api_for(world.admin).get(get).status_code == 200
    for user, status in [
        (world.staff("cashier"), 403),
        (world.owner, 403),
        (world.bureau_official, 403),
        (world.admin, 403),
        (world.staff("finance", "b"), 404),
    ]:
        api = api_for(user)
        assert api.post(offline, body, format="json").status_code == status, user
        assert api.post(retry, {}, format="json").status_code == status, user
    for user in (world.owner, world.bureau_official):
        assert api_for(user).get(get).status_code == 403
    assert api_for(world.staff("finance", "b")).get(get).status_code == 404
    assert _state(route) == "failed"
    bad = api_for(world.staff("finance")).post(offline, {"method": "wechat", "note": "x"})
    assert bad.status_code == 400 and _state(route) == "failed"
    ok = api_for(world.staff("finance")).post(offline, body, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "offline"
    event = ok.json()["events"][-1]
    assert (event["kind"], event["method"], event["note"]) == ("offline", "transfer", "转账 0091")
    listed = api_for(world.staff("finance")).get(reverse("api-billing-refunds")).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    [row] = [x for x in rows if x["id"] == request.pk]
    assert row["route"]["state"] == "offline"


def test_route_api_retry_sends_again(world, failed, api_for, django_capture_on_commit_callbacks):
    request, route = failed
    with django_capture_on_commit_callbacks(execute=True):
        r = api_for(world.staff("finance")).post(
            reverse("api-billing-refund-route-retry", args=[request.pk]),
            {"note": "再试"},
            format="json",
        )
    assert r.status_code == 200
    route.refresh_from_db()
    assert (route.state, route.attempts) == ("succeeded", 2)
    again = api_for(world.staff("finance")).post(
        reverse("api-billing-refund-route-retry", args=[request.pk]), {}, format="json"
    )
    assert again.status_code == 400
