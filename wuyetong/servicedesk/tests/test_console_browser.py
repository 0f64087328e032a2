"""The console pages in Chromium at a desk: the case list with its filters and SLA column, a
refused action on the case page, and the configuration pages driven by the HQ admin.
Screenshots land in $WUYETONG_SCREENSHOTS (default /tmp)."""

from __future__ import annotations

import os

import pytest

from wuyetong.conftest import browser_login
from wuyetong.servicedesk.choices import CaseKind
from wuyetong.servicedesk.models import CaseType, SlaRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("WUYETONG_SCREENSHOTS", "/tmp")


def shot(page, name):
    page.screenshot(path=f"{SHOTS}/servicedesk_{name}.png", full_page=True)


def test_clerk_filters_the_list_and_a_refused_close_is_explained(desk, page_for):
    cases = [desk.submit(), desk.submit(kind=CaseKind.COMPLAINT)]
    desk.drive(desk.submit(description="卫生间漏水"), "in_progress")
    page = page_for()
    browser_login(page, desk.cs.phone)
    page.goto("/servicedesk/cases/")
    assert page.locator("#list-total").inner_text() == "3"
    page.select_option("select[name=view]", "pool")
    page.wait_for_function("document.getElementById('list-total').textContent === '2'")
    assert "view=pool" in page.url
    shot(page, "case_list")
    page.click(f"a:has-text('{cases[1].number}')")
    page.wait_for_selector(f"h1:has-text('{cases[1].number}')")
    page.fill("textarea[name=message-note]", "您好，我们已收到投诉")
    page.click("form[data-action=message] button")
    page.wait_for_selector(".sd-msg:has-text('您好，我们已收到投诉')")
    page.once("dialog", lambda d: d.accept())
    page.click("form[data-action=round_robin] button")
    page.wait_for_selector("[role=alert]:has-text('没有负责')")  # no worker for 噪音扰民
    shot(page, "case_refused")


def test_hq_admin_configures_types_rules_and_settings(desk, page_for):
    page = page_for()
    browser_login(page, desk.world.staff("hq_admin").phone)
    page.goto("/servicedesk/config/types/")
    page.select_option("select[name=create-kind]", "repair")
    page.select_option("select[name=create-parent]", str(desk.water.pk))
    page.fill("input[name=create-name]", "电路跳闸")
    page.click("form[data-action=create] button")
    page.wait_for_selector(".msg:has-text('已保存')")
    node = CaseType.objects.get(name="电路跳闸")
    assert node.parent_id == desk.water.pk
    page.once("dialog", lambda d: d.accept())
    page.click(f"tr[data-type='{node.pk}'] button.danger")
    page.wait_for_selector(f"tr.off[data-type='{node.pk}']")
    shot(page, "config_types")
    page.goto("/servicedesk/config/sla/")
    page.select_option("select[name=save-case_type]", str(desk.door.pk))
    page.select_option("select[name=save-urgency]", "urgent")
    page.fill("input[name=save-response]", "0.5")
    page.fill("input[name=save-resolution]", "0.25")
    page.click("form[data-action=save] button")
    page.wait_for_selector(".errorlist:has-text('解决时限不能短于响应时限')")
    page.fill("input[name=save-resolution]", "4")
    page.click("form[data-action=save] button")
    page.wait_for_selector(".msg:has-text('已保存')")
    assert SlaRule.objects.get(case_type=desk.door).resolution_minutes == 240
    shot(page, "config_sla")
    page.goto("/servicedesk/config/workers/")
    shot(page, "config_workers")
