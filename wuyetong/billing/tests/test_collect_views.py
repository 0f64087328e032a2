"""Console and owner pages of the collecting side: the permission matrix of every page
(anonymous, another company, a role without the permission, one with it; nothing changes on
a refusal), the desk workflow through the web forms, and query counts of the lists."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wuyetong.billing import services
from wuyetong.billing.models import Bill, InvoiceRequest, Payment, RefundRequest

from .collect_helpers import key, one_off, pdf_text

TODAY = dt.date.today()


@pytest.fixture
def paid(world, fees):
    house = world.owner_house
    bill = one_off(world, fees, house, "120.00", TODAY)
    payment = services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        method="cash",
        bill_ids=[bill.pk],
        idempotency_key=key(),
    )
    refund = services.refund_request(
        actor=world.staff("cashier"), payment=payment, bill_ids=[bill.pk], reason="测试"
    )
    invoice = services.invoice_request(
        actor=world.owner, payment=payment, title="王建国", email="w@example.com"
    )
    return {"payment": payment, "bill": bill, "refund": refund, "invoice": invoice}


def _pages(paid):
    p = paid["payment"]
    return [
        ("billing:desk", [], "billing.add"),
        ("billing:desk_house", [p.house_id], "billing.add"),
        ("billing:daily_close", [], "billing.add"),
        ("billing:receipt_list", [], "billing.view"),
        ("billing:receipt_detail", [p.pk], "billing.view"),
        ("billing:receipt_pdf", [p.pk], "billing.view"),
        ("billing:refund_list", [], "billing.view"),
        ("billing:refund_detail", [paid["refund"].pk], "billing.view"),
        ("billing:invoice_list", [], "billing.view"),
        ("billing:invoice_detail", [paid["invoice"].pk], "billing.view"),
        ("billing:balance_list", [], "billing.view"),
        ("billing:house_balance", [p.house_id], "billing.view"),
        ("billing:order_list", [], "billing.view"),
        ("billing:reconciliation", [], "billing.view"),
        ("billing:latefee_rules", [], "billing.view"),
        ("billing:discount_list", [], "billing.view"),
        ("billing:relief_list", [], "billing.view"),
    ]


def test_console_pages_permission_matrix(world, paid, client, client_for):
    finance = client_for(world.staff("finance"))
    cashier = client_for(world.staff("cashier"))
    other = client_for(world.staff("finance", "b"))
    worker = client_for(world.staff("repair_worker"))
    owner = client_for(world.owner)
    for name, args, _perm in _pages(paid):
        url = reverse(name, args=args)
        assert client.get(url).status_code == 302, url  # anonymous → login
        assert worker.get(url).status_code == 403, url  # no billing permission
        assert owner.get(url).status_code == 403, url
        ok = finance.get(url)
        assert ok.status_code == 200, url
        assert cashier.get(url).status_code == 200, url
        got = other.get(url).status_code
        if args:
            assert got == 404, url  # another company's object is absent
        else:
            assert got in (200, 403), url
    # another company's lists show none of ours
    assert (
        paid["payment"].receipt_no
        not in other.get(reverse("billing:receipt_list")).content.decode()
    )


def test_other_company_cannot_pay_or_approve_and_nothing_changes(world, paid, client_for):
    other = client_for(world.staff("hq_admin", "b"))
    house = paid["payment"].house_id
    r = other.post(
        reverse("billing:desk_pay", args=[house]),
        {"method": "cash", "idempotency_key": uuid.uuid4().hex},
    )
    assert r.status_code == 404
    r = other.post(
        reverse("billing:refund_detail", args=[paid["refund"].pk]), {"decision": "approve"}
    )
    assert r.status_code == 404
    cashier = client_for(world.staff("cashier"))
    r = cashier.post(
        reverse("billing:refund_detail", args=[paid["refund"].pk]), {"decision": "approve"}
    )
    assert r.status_code == 404  # cashier lacks billing.approve
    assert RefundRequest.objects.get(pk=paid["refund"].pk).state == "pending"
    assert Payment.objects.count() == 1


def test_desk_web_flow_pays_and_prints(world, fees, client_for):
    house = world.owner_house
    b1 = one_off(world, fees, house, "100.00", TODAY)
    b2 = one_off(world, fees, house, "23.45", TODAY, item="垃圾清运费")
    c = client_for(world.staff("cashier"))
    found = c.get(reverse("billing:desk"), {"q": house.room_no, "community": house.community_id})
    assert reverse("billing:desk_house", args=[house.pk]) in found.content.decode()
    page = c.get(reverse("billing:desk_house", args=[house.pk])).content.decode()
    assert "123.45" in page and "垃圾清运费" in page
    quote = c.post(
        reverse("billing:desk_quote", args=[house.pk]), {"bills": [b2.pk], "method": "cash"}
    )
    assert 'id="quote-total">23.45<' in quote.content.decode()
    bad = c.post(
        reverse("billing:desk_pay", args=[house.pk]),
        {
            "bills": [b1.pk, b2.pk],
            "method": "cash",
            "tendered": "100",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert bad.status_code == 400 and "实收金额不足" in bad.content.decode()
    assert not Payment.objects.exists()
    done = c.post(
        reverse("billing:desk_pay", args=[house.pk]),
        {
            "bills": [b1.pk, b2.pk],
            "method": "cash",
            "tendered": "200",
            "expected_total": "123.45",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    payment = Payment.objects.get()
    assert done.status_code == 302 and done["Location"].startswith(
        reverse("billing:receipt_detail", args=[payment.pk])
    )
    detail = c.get(done["Location"]).content.decode()
    assert payment.receipt_no in detail and "76.55" in detail  # change
    pdf = c.get(reverse("billing:receipt_pdf", args=[payment.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert payment.receipt_no in pdf_text(pdf.content)
    assert "补打" in pdf_text(c.get(reverse("billing:receipt_pdf", args=[payment.pk])).content)
    close = c.post(reverse("billing:daily_close"))
    assert close.status_code == 302
    summary = c.get(reverse("billing:daily_close")).content.decode()
    assert "123.45" in summary and "今日不能再收款" in summary


def test_receipt_list_query_count_does_not_grow(world, fees, client_for):
    c = client_for(world.staff("finance"))
    house = world.owner_house

    def pay_one():
        b = one_off(world, fees, house, "1.00", TODAY)
        services.desk_pay(
            actor=world.staff("cashier"),
            house=house,
            method="cash",
            bill_ids=[b.pk],
            idempotency_key=key(),
        )

    pay_one()
    c.get(reverse("billing:receipt_list"))
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("billing:receipt_list"))
    for _ in range(5):
        pay_one()
    with CaptureQueriesContext(connection) as many:
        r = c.get(reverse("billing:receipt_list"))
    assert r.content.decode().count("SJCY01") >= 6
    assert len(many) == len(few)


def test_owner_pages_matrix_and_online_payment(world, fees, client, client_for):
    house = world.owner_house
    bill = one_off(world, fees, house, "88.00", TODAY)
    owner = client_for(world.owner)
    other = client_for(world.other_owner)
    assert client.get(reverse("owner_billing:bill_list")).status_code == 302
    page = owner.get(reverse("owner_billing:bill_list")).content.decode()
    assert "88.00" in page and "模拟支付" in page
    assert "88.00" not in other.get(reverse("owner_billing:bill_list")).content.decode()
    assert other.get(reverse("owner_billing:bill", args=[bill.pk])).status_code == 404
    assert "测试账单" in owner.get(reverse("owner_billing:bill", args=[bill.pk])).content.decode()
    r = owner.post(
        reverse("owner_billing:pay"),
        {"house": house.pk, "bills": [bill.pk], "gateway": "sandbox", "expected_total": "88.00"},
    )
    assert r.status_code == 302 and "/pay/sandbox/" in r["Location"]
    no = r["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert other.get(r["Location"]).status_code == 404
    assert other.post(r["Location"], {"decision": "approve"}).status_code == 404
    bill.refresh_from_db()
    assert bill.state == "unpaid"
    assert "88.00" in owner.get(r["Location"]).content.decode()
    back = owner.post(r["Location"], {"decision": "approve"})
    assert back["Location"] == reverse("owner_billing:order", args=[no])
    result = owner.get(back["Location"]).content.decode()
    assert "缴费成功" in result
    bill.refresh_from_db()
    assert bill.state == "paid"
    payment = Payment.objects.get()
    assert payment.receipt_no in result
    pdf = owner.get(reverse("owner_billing:receipt_pdf", args=[payment.pk]))
    assert "88.00" in pdf_text(pdf.content)
    assert other.get(reverse("owner_billing:receipt_pdf", args=[payment.pk])).status_code == 404
    inv = owner.post(
        reverse("owner_billing:invoice", args=[payment.pk]),
        {"title": "王建国", "tax_no": "", "email": "bad"},
    )
    assert inv.status_code == 400 and "邮箱" in inv.content.decode()
    assert not InvoiceRequest.objects.exists()
    owner.post(
        reverse("owner_billing:invoice", args=[payment.pk]),
        {"title": "王建国", "email": "w@example.com"},
    )
    assert InvoiceRequest.objects.get().title == "王建国"


def test_owner_page_is_small(world, fees, client_for):
    for i in range(12):
        one_off(world, fees, world.owner_house, f"{100 + i}.00", TODAY)
    r = client_for(world.owner).get(reverse("owner_billing:bill_list"))
    assert len(r.content) < 40_000  # the whole page budget is 150 KB with CSS and JS


def test_bill_amounts_never_change_through_pages(world, fees, client_for):
    bill = one_off(world, fees, world.owner_house, "50.00", TODAY)
    c = client_for(world.staff("finance"))
    c.get(reverse("billing:desk_house", args=[world.owner_house.pk]))
    assert Bill.objects.get(pk=bill.pk).amount == Decimal("50.00")
