"""In Chromium: a cashier finds a house, takes cash with a late fee and change, prints the
receipt and closes the day; an owner on a 390 × 844 phone pays bills through the sandbox
gateway and downloads the receipt."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from wuyetong.billing import services
from wuyetong.billing.models import Bill, DailyClose, Payment
from wuyetong.conftest import browser_login

from .collect_helpers import one_off, pdf_text

SHOTS = Path(tempfile.gettempdir()) / "wuyetong-shots"
SHOTS.mkdir(exist_ok=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_cashier_takes_cash_prints_receipt_and_closes_the_day(world, fees, page_for):
    today = dt.date.today()
    services.late_fee_rule_set(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        daily_rate_percent="0.05",
        grace_days=0,
    )
    house = world.owner_house
    overdue = one_off(world, fees, house, "300.00", today - dt.timedelta(days=20))  # fee 3.00
    current = one_off(world, fees, house, "45.50", today, item="垃圾清运费")
    page = page_for()
    browser_login(page, world.staff("cashier").phone)
    page.goto("/billing/desk/")
    page.fill("input[name=q]", house.room_no)
    page.wait_for_selector("#house-results a")
    page.screenshot(path=str(SHOTS / "desk_search.png"), full_page=True)
    page.click(f"#house-results a[href='/billing/desk/house/{house.pk}/']")
    page.wait_for_load_state("networkidle")
    assert "3.00" in page.locator("#owed-bills").inner_text()  # the late fee
    page.wait_for_function("document.getElementById('quote-total').textContent.trim() === '348.50'")
    # untick the current bill: the totals box follows (htmx)
    page.check(f"input[name=bills][value='{current.pk}']")
    page.uncheck(f"input[name=bills][value='{current.pk}']")
    page.wait_for_function("document.getElementById('quote-total').textContent.trim() === '303.00'")
    page.check(f"input[name=bills][value='{current.pk}']")
    page.wait_for_function("document.getElementById('quote-total').textContent.trim() === '348.50'")
    page.check("input[name=method][value=cash]")
    page.fill("input[name=tendered]", "400")
    assert page.locator("#change").inner_text() == "51.50"
    page.screenshot(path=str(SHOTS / "desk_house.png"), full_page=True)
    page.click("#pay-submit")
    page.wait_for_load_state("networkidle")
    payment = Payment.objects.get()
    assert payment.amount == Decimal("348.50") and payment.tendered == Decimal("400.00")
    assert payment.receipt_no in page.locator("h1").inner_text()
    assert page.locator("#receipt-change").inner_text() == "51.50"
    page.screenshot(path=str(SHOTS / "desk_receipt.png"), full_page=True)
    href = page.locator("#print-receipt").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert payment.receipt_no in text and "滞纳金" in text and "叁佰肆拾捌元伍角整" in text
    assert Bill.objects.get(pk=overdue.pk).state == "paid"
    page.goto("/billing/close/")
    assert page.locator("#close-total").inner_text() == "348.50"
    page.on("dialog", lambda d: d.accept())
    page.click("#close-day")
    page.wait_for_load_state("networkidle")
    assert "日结完成" in page.locator(".messages").inner_text()
    assert DailyClose.objects.get().total == Decimal("348.50")
    page.screenshot(path=str(SHOTS / "desk_close.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_pays_online_on_the_phone(world, fees, page_for):
    today = dt.date.today()
    house = world.owner_house
    one_off(world, fees, house, "268.80", today)
    second = one_off(world, fees, house, "35.00", today + dt.timedelta(days=20), item="垃圾清运费")
    phone = page_for(phone=True)
    sizes: list[int] = []
    phone.on(
        "response",
        lambda r: sizes.append(int(r.headers.get("content-length") or len(r.body() or b""))),
    )
    browser_login(phone, world.owner.phone, path="/app/login/")
    sizes.clear()
    phone.goto("/app/bills/")
    phone.wait_for_load_state("networkidle")
    assert sum(sizes) < 150_000  # the owner app's page budget, images aside
    assert phone.locator("#pay-total").inner_text() == "¥303.80"
    phone.screenshot(path=str(SHOTS / "owner_bills.png"), full_page=True)
    phone.uncheck(f"input[name=bills][value='{second.pk}']")
    assert phone.locator("#pay-total").inner_text() == "¥268.80"
    phone.click("#pay-now")
    phone.wait_for_selector("#sandbox-amount")
    assert phone.locator("#sandbox-amount").inner_text() == "¥268.80"
    phone.screenshot(path=str(SHOTS / "owner_sandbox.png"), full_page=True)
    phone.click("#sandbox-approve")
    phone.wait_for_selector("#order-result")
    assert "缴费成功" in phone.locator("#order-result").inner_text()
    payment = Payment.objects.get()
    assert phone.locator("#receipt-no").inner_text() == payment.receipt_no
    assert payment.cashier is None and payment.amount == Decimal("268.80")
    phone.screenshot(path=str(SHOTS / "owner_paid.png"), full_page=True)
    with phone.expect_download() as download:
        phone.click("text=下载电子收据")
    data = Path(download.value.path()).read_bytes()
    assert payment.receipt_no in pdf_text(data)
    phone.goto("/app/bills/")
    assert phone.locator("#pay-total").inner_text() == "¥35.00"
    assert Bill.objects.get(pk=second.pk).state == "unpaid"
