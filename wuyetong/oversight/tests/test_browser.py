"""In Chromium as a housing-bureau official: the dashboard with its charts, a figure clicked
down to its cases and to one case, an urge written on the case page; and the company's own
statistics page. Screenshots land in $WUYETONG_SCREENSHOTS (default /tmp)."""

from __future__ import annotations

import os
import re

import pytest
from openpyxl import load_workbook

from wuyetong.conftest import browser_login
from wuyetong.servicedesk.models import CaseUrge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("WUYETONG_SCREENSHOTS", "/tmp")


def shot(page, name):
    page.screenshot(path=f"{SHOTS}/oversight_{name}.png", full_page=True)


def _number(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text))


def test_the_bureau_follows_a_figure_to_a_case_and_urges_it(seen, page_for):
    world = seen.desk.world
    page = page_for()
    browser_login(page, world.bureau_official.phone)
    page.goto("/oversight/dashboard/")
    page.wait_for_selector("[data-echarts='chart-trend'][data-drawn='1']")
    assert page.locator("[data-echarts] svg").count() == 2  # trend and companies, drawn
    shot(page, "bureau_dashboard")
    overdue = page.locator(".ov-kpi", has_text="超时")
    shown = _number(overdue.locator("b").inner_text())
    assert shown > 0
    overdue.click()
    page.wait_for_selector("h1:has-text('工单明细 · 超时')")
    assert _number(page.locator("#list-total").inner_text()) == shown
    shot(page, "bureau_drilldown")
    # The Excel file of the list holds the same cases.
    with page.expect_download() as download:
        page.click("text=导出Excel")
    with open(download.value.path(), "rb") as fh:  # no .xlsx suffix on the temp file
        sheet = load_workbook(fh).active
    assert sheet.max_row - 1 == shown
    page.goto(f"/oversight/cases/{seen.queued.pk}/")
    page.wait_for_selector(f"h1:has-text('{seen.queued.number}')")
    assert page.locator("button", has_text="派单").count() == 0  # read only
    page.fill("textarea[name=note]", "   ")  # passes the browser, not the server
    page.click("button:has-text('催办')")
    page.wait_for_selector(".errorlist:has-text('请填写催办意见')")
    page.fill("textarea[name=note]", "请今日内处理并书面答复业主")
    page.click("button:has-text('催办')")
    page.wait_for_selector(".msg:has-text('已催办')")
    assert page.locator(".ov-urge p", has_text="请今日内处理并书面答复业主").count() == 1
    assert page.locator(".case-timeline b", has_text="催办").count() >= 1
    shot(page, "bureau_case")
    urge = CaseUrge.objects.get(case=seen.queued)
    assert urge.urged_by_id == world.bureau_official.pk
    page.goto("/oversight/queue/")
    page.wait_for_selector(f"text={seen.queued.number}")
    shot(page, "bureau_queue")
    page.goto("/oversight/committees/")
    shot(page, "bureau_committees")


def test_the_company_reads_its_own_statistics(seen, page_for):
    world = seen.desk.world
    page = page_for()
    browser_login(page, world.staff("hq_admin").phone)
    page.click("nav >> text=工单统计")
    page.wait_for_selector("[data-echarts='chart-trend'][data-drawn='1']")
    assert page.locator("#table-company").count() == 0  # one company: no comparison
    assert page.locator("text=江南名府").count() == 0
    shot(page, "company_dashboard")
    page.select_option("select[name=kind]", "complaint")
    page.click("button:has-text('查询')")
    page.wait_for_url(re.compile(r"kind=complaint"))
    received = _number(page.locator(".ov-kpi", has_text="受理").locator("b").inner_text())
    page.locator(".ov-kpi", has_text="受理").click()
    page.wait_for_selector("h1:has-text('工单明细')")
    assert _number(page.locator("#list-total").inner_text()) == received
    assert page.locator("td", has_text="报修").count() == 0
