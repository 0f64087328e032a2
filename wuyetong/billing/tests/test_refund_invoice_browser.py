"""In Chromium: a cashier asks for a refund from the receipt page; finance refuses an empty
rejection, approves, and prints the refund slip. Finance reviews an owner's invoice request,
issues it (number, PDF) and e-mails it."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from wuyetong.billing import services
from wuyetong.billing.models import Bill, InvoiceRequest, LedgerEntry, RefundRequest
from wuyetong.conftest import browser_login

from .collect_helpers import key, one_off, pdf_text

SHOTS = Path(tempfile.gettempdir()) / "wuyetong-shots"
SHOTS.mkdir(exist_ok=True)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def paid(world, fees):
    today = dt.date.today()
    house = world.owner_house
    fee = one_off(world, fees, house, "320.40", today)
    rubbish = one_off(world, fees, house, "45.00", today, item="垃圾清运费")
    payment = services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        method="wechat",
        bill_ids=[fee.pk, rubbish.pk],
        idempotency_key=key(),
    )
    return payment, fee, rubbish


def test_refund_is_asked_at_the_receipt_and_approved_by_finance(world, paid, page_for):
    payment, fee, rubbish = paid
    desk = page_for()
    browser_login(desk, world.staff("cashier").phone)
    desk.goto(f"/billing/receipts/{payment.pk}/")
    desk.check(f"#refund-form input[name=bills][value='{rubbish.pk}']")
    desk.fill("#refund-reason", "垃圾清运费重复收取")
    desk.select_option("#refund-method", "cash")
    desk.click("#refund-form button[type=submit]")
    desk.wait_for_load_state("networkidle")
    assert "已提交退款申请" in desk.locator(".messages").inner_text()
    assert desk.locator("#refund-decide").count() == 0  # a cashier cannot approve
    assert "45.00" in desk.locator(".big-money").inner_text()
    desk.screenshot(path=str(SHOTS / "refund_requested.png"), full_page=True)
    request = RefundRequest.objects.get()
    assert (request.state, request.method, request.amount) == ("pending", "cash", Decimal("45.00"))

    finance = page_for()
    browser_login(finance, world.staff("finance").phone)
    finance.goto("/billing/refunds/")
    # times in the list are local, as on the detail page (they were shown in UTC)
    local = timezone.localtime(request.requested_at)
    assert f"{local:%Y-%m-%d %H:%M}" in finance.locator("table").inner_text()
    finance.screenshot(path=str(SHOTS / "refund_list.png"), full_page=True)
    finance.click(f"a[href='/billing/refunds/{request.pk}/']")
    finance.wait_for_selector("#refund-decide")
    # a rejection needs a reason: refused, nothing changes
    finance.click("#refund-decide button[value=reject]")
    finance.wait_for_load_state("networkidle")
    assert "请填写驳回原因" in finance.locator(".messages").inner_text()
    request.refresh_from_db()
    assert request.state == "pending"
    finance.fill("#note", "核实无误")
    finance.click("#refund-decide button[value=approve]")
    finance.wait_for_load_state("networkidle")
    request.refresh_from_db()
    assert request.state == "approved" and request.refund_no
    assert f"已批准退款，退款单 {request.refund_no}" in finance.locator(".messages").inner_text()
    assert request.refund_no in finance.locator("h1").inner_text()
    assert finance.locator("#refund-decide").count() == 0
    finance.screenshot(path=str(SHOTS / "refund_approved.png"), full_page=True)
    rubbish.refresh_from_db()
    fee.refresh_from_db()
    assert (rubbish.state, fee.state) == ("reversed", "paid")
    assert LedgerEntry.objects.get(bill=rubbish, kind="refund").amount == Decimal("-45.00")
    slip = finance.request.get(f"/billing/refunds/{request.pk}/pdf/")
    assert slip.headers["content-type"] == "application/pdf"
    text = pdf_text(slip.body())
    assert request.refund_no in text and "45.00" in text and "垃圾清运费" in text
    # the receipt page now lists the refund and no longer offers the refunded bill
    desk.goto(f"/billing/receipts/{payment.pk}/")
    assert request.refund_no in desk.content()
    assert desk.locator(f"#refund-form input[value='{rubbish.pk}']").count() == 0


def test_finance_reviews_issues_and_emails_an_invoice(world, paid, page_for):
    payment, _fee, _rubbish = paid
    invoice = services.invoice_request(
        actor=world.owner,
        payment=payment,
        title="杭州某某科技有限公司",
        tax_no="91330100MA2XXXX12Y",
        email="owner@example.com",
    )
    page = page_for()
    browser_login(page, world.staff("finance").phone)
    page.goto("/billing/invoices/")
    assert "杭州某某科技有限公司" in page.content()
    page.screenshot(path=str(SHOTS / "invoice_list.png"), full_page=True)
    page.goto(f"/billing/invoices/{invoice.pk}/")
    page.click("button[value=approve]")
    page.wait_for_load_state("networkidle")
    assert "审核完成" in page.locator(".messages").inner_text()
    page.click("button[value=issue]")
    page.wait_for_load_state("networkidle")
    invoice.refresh_from_db()
    assert invoice.state == "issued" and invoice.invoice_no
    assert invoice.invoice_no in page.locator("h1").inner_text()
    page.screenshot(path=str(SHOTS / "invoice_issued.png"), full_page=True)
    pdf = page.request.get(f"/billing/invoices/{invoice.pk}/pdf/")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert invoice.invoice_no in text and "杭州某某科技有限公司" in text
    assert "91330100MA2XXXX12Y" in text and "365.40" in text
    page.click("button[value=send]")
    page.wait_for_load_state("networkidle")
    assert "已发送至 owner@example.com" in page.locator(".messages").inner_text()
    invoice.refresh_from_db()
    assert invoice.state == "sent" and invoice.sent_at is not None
    [message] = mail.outbox
    assert (
        message.to == ["owner@example.com"] and invoice.invoice_no in message.subject + message.body
    )
    [(_name, data, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and invoice.invoice_no in pdf_text(data)
    page.screenshot(path=str(SHOTS / "invoice_sent.png"), full_page=True)
    assert InvoiceRequest.objects.count() == 1 and Bill.objects.filter(state="paid").count() == 2


def test_arrears_page_shows_the_late_fee_beside_the_principal(world, fees, page_for):
    """0.05 %/day after 10 days' grace: 1000.00 due 40 days ago → 30 days → 15.00."""
    today = dt.date.today()
    services.late_fee_rule_set(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        daily_rate_percent="0.05",
        grace_days=10,
    )
    one_off(world, fees, world.owner_house, "1000.00", today - dt.timedelta(days=40))
    one_off(world, fees, world.houses_a1[1], "88.80", today - dt.timedelta(days=5))  # in grace
    page = page_for()
    browser_login(page, world.staff("finance").phone)
    page.goto("/billing/arrears/")
    assert page.locator("#arrears-total").inner_text() == "1088.80"
    assert page.locator("#arrears-late-fee").inner_text() == "15.00"
    page.click(f"#arrears-table a:has-text('{world.community_a1.name}')")
    page.wait_for_load_state("networkidle")
    page.click("#arrears-table tbody a >> nth=0")  # the building
    page.wait_for_load_state("networkidle")
    rows = page.locator("#arrears-table tbody tr")
    assert rows.count() == 2
    mine = rows.filter(has_text=world.owner_house.room_no).first.inner_text()
    assert "1000.00" in mine and "15.00" in mine and "1015.00" in mine
    page.screenshot(path=str(SHOTS / "arrears_houses.png"), full_page=True)


def test_an_online_refund_goes_back_the_way_it_came(world, fees, page_for):
    """Finance approves the refund of a payment made online: the page says it goes back the
    way it came; the bank refuses it (失败 with the reason); finance retries and sees it
    back (已退回); the owner's receipts say so."""
    from django.conf import settings
    from django.test import override_settings

    from wuyetong.billing.gateways import gateway_for
    from wuyetong.billing.models import GatewayRefund

    from .collect_helpers import sandbox_order

    bill = one_off(world, fees, world.owner_house, "188.80", dt.date.today())
    order = sandbox_order(world, [bill], method="wechat")
    headers, body = gateway_for("sandbox").notification(  # type: ignore[attr-defined]
        out_trade_no=order.out_trade_no, amount=order.amount, approve=True
    )
    services.notice_receive(gateway="sandbox", headers=headers, body=body)
    order.refresh_from_db()
    request = services.refund_request(
        actor=world.staff("cashier"), payment=order.payment, bill_ids=[bill.pk], reason="多缴"
    )
    cfg = {k: dict(v) for k, v in settings.PAYMENT_GATEWAYS.items()}
    cfg["sandbox"]["refund_outcome"] = "failed"
    finance = page_for()
    browser_login(finance, world.staff("finance").phone)
    finance.goto(f"/billing/refunds/{request.pk}/")
    assert "原路退回" in finance.locator("#route-pending").inner_text()
    with override_settings(PAYMENT_GATEWAYS=cfg):
        finance.click("#refund-decide button[value=approve]")
        finance.wait_for_load_state("networkidle")
    assert finance.locator("#route-state").inner_text() == "退款失败"
    assert "模拟银行拒绝退款" in finance.locator("#route-error").inner_text()
    finance.screenshot(path=str(SHOTS / "refund_route_failed.png"), full_page=True)
    route = GatewayRefund.objects.get(request=request)
    assert (route.state, route.amount) == ("failed", Decimal("188.80"))
    finance.click("#route-retry button")
    finance.wait_for_load_state("networkidle")
    assert "已重新发起原路退款" in finance.locator(".messages").inner_text()
    assert finance.locator("#route-state").inner_text() == "已退回"
    assert finance.locator("#route-retry").count() == 0
    assert finance.locator("#route-events tbody tr").count() == 3  # answer, retry, answer
    finance.screenshot(path=str(SHOTS / "refund_route_succeeded.png"), full_page=True)
    route.refresh_from_db()
    assert (route.state, route.attempts) == ("succeeded", 2)
    owner = page_for(phone=True)
    browser_login(owner, world.owner.phone)
    owner.goto("/app/bills/receipts/")
    assert "已原路退回" in owner.locator(".refund-line").inner_text()
