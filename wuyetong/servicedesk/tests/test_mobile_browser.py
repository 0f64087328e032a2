"""The repair worker's phone pages in Chromium at 390 × 844: grab a case from the pool, walk
it (arrive, start, pause with a reason, resume), add photos, complete with a photo and a note;
every button at least 48 px tall; the pages under 150 KB without images and asking no other
host. Screenshots go to $SCREENSHOT_DIR (default: the temporary directory)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from wuyetong.conftest import browser_login
from wuyetong.demo.builders import DEMO_PASSWORD
from wuyetong.owner.tests.test_phone_browser import (
    BUDGET,
    _measure,
    _no_wider_than_the_screen,
    _shot,
)
from wuyetong.servicedesk.models import Case
from wuyetong.servicedesk.tests.phone import metered_phone, png_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _big_targets(page) -> None:
    heights = page.eval_on_selector_all(
        "main button[type=submit]", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights


def test_worker_grabs_and_completes_a_repair_on_a_phone(
    desk, page_for, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    case = desk.submit(urgency="urgent", description="3幢1单元楼道灯不亮，晚上很黑")
    phone = page_for(phone=True)
    browser_login(phone, desk.worker.phone, DEMO_PASSWORD)
    phone.goto("/servicedesk/m/")
    assert case.number in phone.inner_text(".pool")
    _no_wider_than_the_screen(phone)
    _shot(phone, "worker_tasks_pool")
    phone.click(".pool button:has-text('抢单')")
    phone.wait_for_url(f"{live_server.url}/servicedesk/m/{case.pk}/")
    assert "已接单" in phone.inner_text(".head")
    _big_targets(phone)
    _shot(phone, "worker_task_accepted")

    phone.click("form[data-action=arrive] button")
    phone.wait_for_selector(".head:has-text('已到场')")
    phone.click("form[data-action=start] button")
    phone.wait_for_selector(".head:has-text('处理中')")
    phone.click("summary:has-text('暂停')")  # the other steps fold away under their names
    phone.click("form[data-action=pause] button")
    phone.wait_for_selector("form[data-action=pause] .err")
    assert "请填写暂停原因" in phone.inner_text("form[data-action=pause]")
    phone.fill("form[data-action=pause] input[name=pause-reason]", "去仓库取灯管")
    phone.click("form[data-action=pause] button")
    phone.wait_for_selector(".head:has-text('已暂停')")
    phone.click("form[data-action=resume] button")
    phone.wait_for_selector(".head:has-text('处理中')")

    phone.click("summary:has-text('上传现场照片')")
    phone.set_input_files("input[name=photos-photos]", [png_file(tmp_path / "before.png")])
    phone.wait_for_selector("form[data-action=photos] .thumb")
    phone.fill("input[name=photos-note]", "灯管已发黑")
    phone.click("form[data-action=photos] button[type=submit]")
    phone.wait_for_selector("text=照片已上传")
    _no_wider_than_the_screen(phone)
    _shot(phone, "worker_task_in_progress")

    phone.set_input_files("input[name=complete-photos]", [png_file(tmp_path / "after.png")])
    phone.fill("form[data-action=complete] textarea[name=complete-note]", "更换LED灯管")
    phone.on("dialog", lambda d: d.accept())
    phone.click("form[data-action=complete] button[type=submit]")
    phone.wait_for_selector(".head:has-text('已完成')")
    case.refresh_from_db()
    assert case.state == "completed" and case.photos.filter(stage="completion").count() == 2
    _shot(phone, "worker_task_completed")
    phone.goto("/servicedesk/m/")
    assert case.number not in phone.inner_text("body")


def test_worker_pages_are_small_and_ask_no_other_host(desk, browser, live_server):
    cache.clear()
    case = desk.drive(desk.submit(), "in_progress")
    desk.submit(client_token="pool")
    context, phone, meter = metered_phone(browser, live_server)
    browser_login(phone, desk.worker.phone, DEMO_PASSWORD)
    sizes = {}
    for url in ("/servicedesk/m/", f"/servicedesk/m/{case.pk}/"):
        total, rows = _measure(phone, meter, url)
        sizes[url] = total
        assert total < BUDGET, (url, total, rows)
    context.close()
    print("\n".join(f"{n / 1024:7.1f} KB  {u}" for u, n in sizes.items()))
    assert meter.hosts <= {urlsplit(live_server.url).netloc}, meter.hosts
    assert Case.objects.count() == 2
