"""The owner's service desk in Chromium at 390 × 844: report a repair from the home tile with
photos (a double tap makes one case), follow it live as the worker works it on his phone (the
page redraws on the case's push over /ws/events/), accept the quote, rate; a complaint with a missing field; my cases; and the
case pages measured like every /app/ page (under 150 KB without images, no other host).
Screenshots go to $SCREENSHOT_DIR (default: the temporary directory)."""

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
from wuyetong.servicedesk import services
from wuyetong.servicedesk.models import Case, CaseCharge
from wuyetong.servicedesk.tests.phone import metered_phone, png_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _live(page) -> None:
    page.wait_for_function("document.body.dataset.liveState === 'open'", timeout=10000)


def test_owner_reports_and_follows_live_as_the_worker_acts_on_his_phone(
    desk, asgi_page_for, asgi_server, tmp_path, settings
):
    """Two phones on the ASGI server: every step the worker taps reaches the owner's open
    case page through /ws/events/ (no reload), with a message in the owner's inbox."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    phone, worker = asgi_page_for(phone=True), asgi_page_for(phone=True)
    browser_login(phone, desk.world.owner.phone, DEMO_PASSWORD, path="/app/login/")
    browser_login(worker, desk.worker.phone, DEMO_PASSWORD)
    phone.goto("/app/")
    phone.click(".grid4 a:has-text('报修')")
    phone.wait_for_url(f"{asgi_server}/app/service/repair/")
    phone.select_option("select[name=place]", f"h{desk.world.owner_house.pk}")
    assert phone.locator("[data-public-only]").is_hidden()
    phone.select_option("select[name=case_type]", str(desk.leak.pk))
    phone.click(".seg label:has-text('紧急')")
    phone.fill("textarea[name=description]", "厨房水槽下水管漏水，地面积水")
    phone.set_input_files(
        "input[name=photos]",
        [png_file(tmp_path / "a.png", (200, 40, 40)), png_file(tmp_path / "b.png", (40, 40, 200))],
    )
    phone.wait_for_selector(".thumb >> nth=1")
    _no_wider_than_the_screen(phone)
    _shot(phone, "owner_service_report")
    phone.dblclick("button[type=submit]")  # a double tap
    phone.wait_for_selector("[data-case]")
    phone.wait_for_load_state("networkidle")
    case = Case.objects.get()
    assert (case.urgency, case.photos.count()) == ("urgent", 2)
    assert "已提交" in phone.inner_text(".alert") and case.number in phone.inner_text("body")
    assert phone.locator(".thumbs.shown img").count() == 2
    _shot(phone, "owner_service_case_new")
    _live(phone)

    # The worker grabs it from his pool: the owner's page follows without a reload.
    worker.goto("/servicedesk/m/")
    worker.click(f".pool [data-case-id='{case.pk}'] + form button")
    worker.wait_for_selector(".head:has-text('已接单')")
    phone.wait_for_selector(".head [data-state]:has-text('已接单')", timeout=5000)
    assert desk.worker.name in phone.inner_text(".timeline")
    assert phone.locator("#cancel").count() == 0
    phone.wait_for_selector(f"[data-toasts] >> text=您的报修已受理，{desk.worker.name}已接单")

    worker.click("form[data-action=arrive] button")
    phone.wait_for_selector(".head [data-state]:has-text('已到场')", timeout=5000)
    worker.click("form[data-action=start] button")
    worker.wait_for_selector(".head:has-text('处理中')")
    worker.fill("form[data-action=message] textarea", "需要更换一段水管，费用如下")
    worker.click("form[data-action=message] button")
    worker.wait_for_selector("text=已留言")
    worker.click("summary:has-text('报价')")
    worker.fill("input[name=quote-amount]", "86.50")
    worker.fill("input[name=quote-note]", "PVC水管及接头")
    worker.click("form[data-action=quote] button")
    worker.wait_for_selector("text=已报价")
    phone.wait_for_selector("#quote", timeout=5000)
    assert "¥86.50" in phone.inner_text("#quote")
    assert "需要更换一段水管" in phone.inner_text("#talk")
    _shot(phone, "owner_service_case_quote")
    phone.click("#quote button")
    phone.wait_for_selector("text=已确认报价")
    assert str(CaseCharge.objects.get(case=case).amount) == "86.50"

    phone.fill("#talk textarea[name=note]", "下午3点后家里有人")
    phone.click("#talk button[type=submit]")
    phone.wait_for_selector("text=已发送")
    assert "下午3点后家里有人" in phone.inner_text("#talk")
    worker.reload()
    assert "下午3点后家里有人" in worker.inner_text("#talk")

    worker.fill("form[data-action=complete] textarea[name=complete-note]", "已更换水管")
    worker.on("dialog", lambda d: d.accept())
    worker.click("form[data-action=complete] button[type=submit]")
    worker.wait_for_selector(".head:has-text('已完成')")
    phone.wait_for_selector("#rate", timeout=5000)
    phone.click("#rate label:has-text('差评')")
    phone.click("#rate button[type=submit]")
    phone.wait_for_selector("#rate .alert")
    assert "差评请写明原因" in phone.inner_text("#rate")
    phone.click("#rate label:has-text('好评')")
    phone.fill("#rate textarea", "师傅很专业")
    phone.click("#rate button[type=submit]")
    phone.wait_for_selector("text=感谢您的评价")
    case.refresh_from_db()
    assert (case.state, case.rating) == ("rated", "good")
    _no_wider_than_the_screen(phone)
    _shot(phone, "owner_service_case_rated")

    phone.goto("/app/service/?tab=past")
    phone.goto("/app/service/")
    assert case.number in phone.inner_text("[data-case-list]")
    _shot(phone, "owner_service_list")


def test_owner_complaint_form_names_the_missing_field(desk, page_for, live_server):
    cache.clear()
    phone = page_for(phone=True)
    browser_login(phone, desk.world.owner.phone, DEMO_PASSWORD, path="/app/login/")
    phone.goto("/app/")
    phone.click(".grid4 a:has-text('投诉')")
    phone.wait_for_url(f"{live_server.url}/app/service/complaint/")
    phone.select_option("select[name=place]", f"c{desk.world.community_a1.pk}")
    assert phone.locator("[data-public-only]").is_visible()
    phone.fill("input[name=place_detail]", "南门")
    phone.select_option("select[name=case_type]", str(desk.noise.pk))
    phone.fill("textarea[name=description]", "南门保安夜里大声放音乐")
    phone.click("button[type=submit]")
    phone.wait_for_selector(".f.invalid")
    assert "请填写投诉原因" in phone.inner_text(".f.invalid")
    assert not Case.objects.exists()
    _no_wider_than_the_screen(phone)
    _shot(phone, "owner_service_complaint_error")
    phone.fill("input[name=reason]", "噪音扰民")
    phone.click("button[type=submit]")
    phone.wait_for_selector("[data-case]")
    case = Case.objects.get()
    assert (case.kind, case.place, case.scope) == ("complaint", "南门", "public")


def test_case_pages_are_small_and_ask_no_other_host(desk, browser, live_server, tmp_path, settings):
    """The list and report pages are walked by the owner app's own budget test; these need
    a case."""
    settings.MEDIA_ROOT = str(tmp_path)
    cache.clear()
    from django.core.files.uploadedfile import SimpleUploadedFile

    png_file(tmp_path / "x.png", (1, 2, 3))
    png = SimpleUploadedFile("a.png", (tmp_path / "x.png").read_bytes())
    case = desk.drive(desk.submit(photos=[png]), "accepted")
    services.case_message(actor=desk.worker, case_id=case.pk, note="马上到")
    context, phone, meter = metered_phone(browser, live_server)
    browser_login(phone, desk.world.owner.phone, DEMO_PASSWORD, path="/app/login/")
    sizes = {}
    for url in (
        f"/app/service/{case.pk}/",
        "/app/service/",
        "/app/service/?tab=past",
        "/app/service/repair/",
        "/app/service/complaint/",
    ):
        total, rows = _measure(phone, meter, url)
        sizes[url] = total
        assert total < BUDGET, (url, total, rows)
    context.close()
    print("\n".join(f"{n / 1024:7.1f} KB  {u}" for u, n in sizes.items()))
    assert meter.hosts <= {urlsplit(live_server.url).netloc}, meter.hosts
