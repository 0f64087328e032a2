"""In Chromium: finance downloads the sandbox bank's statement of today from the
reconciliation report, imports it with the form, and reads the result; a wrong file is
refused on the form with the row and column named, and nothing is imported."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from wuyetong.billing import services
from wuyetong.billing.gateways import gateway_for
from wuyetong.billing.models import StatementImport
from wuyetong.conftest import browser_login

from .collect_helpers import one_off, sandbox_order

SHOTS = Path(tempfile.gettempdir()) / "wuyetong-shots"
SHOTS.mkdir(exist_ok=True)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_statement_downloaded_imported_and_read(world, fees, page_for, tmp_path):
    today = timezone.localdate()
    bill = one_off(world, fees, world.owner_house, "188.80", today)
    order = sandbox_order(world, [bill])
    headers, body = gateway_for("sandbox").notification(
        out_trade_no=order.out_trade_no, amount=order.amount, approve=True
    )
    services.notice_receive(gateway="sandbox", headers=headers, body=body)

    page = page_for()
    browser_login(page, world.staff("finance").phone)
    page.goto("/billing/online/reconciliation/")
    with page.expect_download() as info:
        page.click(f"#sandbox-statements a:text('{today.isoformat()}')")
    statement = tmp_path / "sandbox.csv"
    info.value.save_as(statement)
    assert order.out_trade_no in statement.read_text(encoding="utf-8-sig")

    # a file of the wrong channel: refused on the form, nothing imported
    form = page.locator("#statement-form")
    form.locator("select[name=gateway]").select_option("wechat")
    form.locator("input[name=date_from]").fill(today.isoformat())
    form.locator("input[name=file]").set_input_files(str(statement))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "表头缺少列" in page.locator("#statement-form").inner_text()
    assert not StatementImport.objects.exists()

    form = page.locator("#statement-form")
    form.locator("select[name=gateway]").select_option("sandbox")
    form.locator("input[name=date_from]").fill(today.isoformat())
    form.locator("input[name=file]").set_input_files(str(statement))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#statement-summary")
    s = StatementImport.objects.get()
    assert (s.pay_count, s.pay_total, s.problem_count) == (1, Decimal("188.80"), 0)
    summary = page.locator("#statement-summary").inner_text()
    assert "188.80" in summary and "1.13" in summary  # the demo bank's 0.6 % fee
    assert "一致" in page.locator("table").inner_text()
    page.screenshot(path=str(SHOTS / "statement_detail.png"), full_page=True)
    page.goto("/billing/online/reconciliation/")
    assert "sandbox.csv" in page.locator("#statements").inner_text()
    page.screenshot(path=str(SHOTS / "reconciliation.png"), full_page=True)
