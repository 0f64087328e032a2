"""The collecting API: permission matrix of every endpoint, the owner's flow (bills → order
→ sandbox notification over HTTP → receipt), desk payment, refund approval, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from wuyetong.billing import services
from wuyetong.billing.gateways import gateway_for
from wuyetong.billing.models import Bill, GatewayNotice, Payment, RefundRequest

from .collect_helpers import key, one_off, pdf_text

TODAY = dt.date.today()


@pytest.fixture
def setup(world, fees):
    house = world.owner_house
    bill = one_off(world, fees, house, "66.60", TODAY)
    paid_bill = one_off(world, fees, house, "10.00", TODAY)
    payment = services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        method="cash",
        bill_ids=[paid_bill.pk],
        idempotency_key=key(),
    )
    refund = services.refund_request(
        actor=world.staff("cashier"), payment=payment, bill_ids=[paid_bill.pk], reason="测试"
    )
    return {"house": house, "bill": bill, "payment": payment, "refund": refund}


def test_staff_endpoints_permission_matrix(world, setup, api_for):
    h, p, r = setup["house"], setup["payment"], setup["refund"]
    reads = [
        (reverse("api-billing-desk-houses") + "?q=" + h.room_no, "list"),
        (reverse("api-billing-desk-house", args=[h.pk]), "object"),
        (reverse("api-billing-payments"), "list"),
        (reverse("api-billing-payment-pdf", args=[p.pk]), "object"),
        (reverse("api-billing-refunds"), "list"),
        (reverse("api-billing-invoices"), "list"),
        (reverse("api-billing-reconciliation"), "list"),
    ]
    anon, worker = api_for(), api_for(world.staff("repair_worker"))
    other, cashier = api_for(world.staff("finance", "b")), api_for(world.staff("cashier"))
    for url, kind in reads:
        assert anon.get(url).status_code in (401, 403), url
        assert worker.get(url).status_code == 403, url
        assert cashier.get(url).status_code == 200, url
        got = other.get(url)
        if kind == "object":
            assert got.status_code in (403, 404), url
        else:
            assert got.status_code in (200, 403), url
            if got.status_code == 200:
                assert p.receipt_no not in got.content.decode(), url
    # writes refused change nothing
    pay = reverse("api-billing-desk-pay", args=[h.pk])
    body = {"bills": [setup["bill"].pk], "method": "cash", "idempotency_key": key()}
    assert anon.post(pay, body, format="json").status_code in (401, 403)
    assert worker.post(pay, body, format="json").status_code == 403
    assert api_for(world.staff("hq_admin", "b")).post(pay, body, format="json").status_code == 404
    assert api_for(world.owner).post(pay, body, format="json").status_code == 403
    approve = reverse("api-billing-refund-approve", args=[r.pk])
    assert cashier.post(approve, {}, format="json").status_code == 403
    assert api_for(world.staff("hq_admin", "b")).post(approve, {}, format="json").status_code == 404
    assert Payment.objects.count() == 1
    assert RefundRequest.objects.get(pk=r.pk).state == "pending"
    setup["bill"].refresh_from_db()
    assert setup["bill"].state == "unpaid"


def test_desk_pay_and_refund_through_api(world, setup, api_for):
    cashier = api_for(world.staff("cashier"))
    h = setup["house"]
    owed = cashier.get(reverse("api-billing-desk-house", args=[h.pk])).json()
    assert owed["total"] == "66.60"
    bad = cashier.post(
        reverse("api-billing-desk-pay", args=[h.pk]),
        {"bills": [setup["bill"].pk], "method": "cash", "tendered": 70.5, "idempotency_key": key()},
        format="json",
    )
    assert bad.status_code == 400  # a float is no money
    bad = cashier.post(
        reverse("api-billing-desk-pay", args=[h.pk]),
        {"bills": [setup["bill"].pk], "method": "bitcoin", "idempotency_key": key()},
        format="json",
    )
    assert bad.status_code == 400 and "method" in bad.json()["errors"]
    k = key()
    ok = cashier.post(
        reverse("api-billing-desk-pay", args=[h.pk]),
        {
            "bills": [setup["bill"].pk],
            "method": "cash",
            "tendered": "100.00",
            "expected_total": "66.60",
            "idempotency_key": k,
        },
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["amount"] == "66.60"
    again = cashier.post(
        reverse("api-billing-desk-pay", args=[h.pk]),
        {"bills": [setup["bill"].pk], "method": "cash", "idempotency_key": k},
        format="json",
    )
    assert again.status_code == 201 and again.json()["id"] == ok.json()["id"]
    finance = api_for(world.staff("finance"))
    done = finance.post(
        reverse("api-billing-refund-approve", args=[setup["refund"].pk]),
        {"note": "同意"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["refund_no"].startswith("TKCY01")


def test_owner_api_flow_with_http_notification(world, setup, api_for, client):
    owner = api_for(world.owner)
    h = setup["house"]
    bills = owner.get(reverse("api-billing-my-bills"), {"house": h.pk})
    assert bills.status_code == 200
    data = bills.json()
    assert data["total"] == "66.60" and data["lines"][0]["calculation"] == "测试账单：66.60元"
    assert (
        api_for(world.other_owner).get(reverse("api-billing-my-bills"), {"house": h.pk}).status_code
        == 404
    )
    assert api_for().get(reverse("api-billing-my-bills"), {"house": h.pk}).status_code in (401, 403)
    assert owner.get(reverse("api-billing-my-bills"), {"house": "x"}).status_code == 404
    created = owner.post(
        reverse("api-billing-my-orders"),
        {
            "house": h.pk,
            "bills": [setup["bill"].pk],
            "gateway": "sandbox",
            "expected_total": "66.60",
        },
        format="json",
    )
    assert created.status_code == 201
    order = created.json()
    headers, body = gateway_for("sandbox").notification(
        out_trade_no=order["out_trade_no"], amount=Decimal("66.60"), approve=True
    )
    url = reverse("api-billing-notify", args=["sandbox"])
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    for _ in range(2):  # delivered twice
        r = client.post(url, data=body, content_type="application/json", **extra)
        assert r.status_code == 200
    forged = client.post(
        url, data=body.replace(b"66.60", b"0.66"), content_type="application/json", **extra
    )
    assert forged.status_code == 400
    assert Payment.objects.filter(house=h).count() == 2  # the desk payment of the fixture + this
    assert GatewayNotice.objects.filter(result="bad_signature").count() == 1
    state = owner.get(reverse("api-billing-my-order", args=[order["out_trade_no"]])).json()
    assert state["state"] == "paid" and state["receipt_no"]
    assert (
        api_for(world.other_owner)
        .get(reverse("api-billing-my-order", args=[order["out_trade_no"]]))
        .status_code
        == 404
    )
    receipts = owner.get(reverse("api-billing-my-receipts")).json()
    assert receipts["count"] == 2
    pid = next(x["id"] for x in receipts["results"] if x["receipt_no"] == state["receipt_no"])
    pdf = owner.get(reverse("api-billing-my-receipt-pdf", args=[pid]))
    assert "66.60" in pdf_text(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    assert (
        api_for(world.other_owner)
        .get(reverse("api-billing-my-receipt-pdf", args=[pid]))
        .status_code
        == 404
    )
    inv = owner.post(
        reverse("api-billing-my-invoice", args=[pid]),
        {"title": "王建国", "email": "nope"},
        format="json",
    )
    assert inv.status_code == 400 and "email" in inv.json()["errors"]
    assert Bill.objects.get(pk=setup["bill"].pk).state == "paid"


def test_owner_bills_api_query_count_is_flat(world, fees, api_for, django_assert_max_num_queries):
    owner = api_for(world.owner)
    for i in range(20):
        one_off(world, fees, world.owner_house, f"{i + 1}.00", TODAY)
    owner.get(reverse("api-billing-my-bills"), {"house": world.owner_house.pk})
    with django_assert_max_num_queries(14):
        r = owner.get(reverse("api-billing-my-bills"), {"house": world.owner_house.pk})
    assert len(r.json()["lines"]) == 20
