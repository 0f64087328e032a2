"""The owner's app in Chromium at 390 × 844: the home, notices, message centre, feed,
subscriptions and "me" pages used as an owner would, and every /app/ page (this app's and
the other modules') measured: under 150 KB transferred without images, nothing requested from
another host, nothing wider than the screen. Screenshots go to $SCREENSHOT_DIR (default: the
temporary directory) for a look."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from wuyetong.conftest import browser_login
from wuyetong.demo.builders import DEMO_PASSWORD
from wuyetong.notices import services
from wuyetong.notices.choices import NoticeKind, NoticeTarget
from wuyetong.notices.feed import services as feed_services
from wuyetong.notices.models import NoticeDelivery

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir())) / "wuyetong-shots"
BUDGET = 150 * 1024
# Not pages: the PWA files, JSON endpoints of the registration steps, POST-only actions.
NOT_PAGES = {
    "app/manifest.webmanifest",
    "app/sw.js",
    "app/sms/",
    "app/picker/",
    "app/register/check/",
}


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _publish(world, title, **kw):
    cs = world.staff("customer_service")
    fields = {
        "kind": NoticeKind.COMMUNITY,
        "target": NoticeTarget.COMMUNITY,
        "community_id": world.community_a1.pk,
        "title": title,
        "body": "周六 8:00-16:00 二次供水水箱清洗，全小区停水，请提前储水。",
    }
    fields.update(kw)
    notice = services.notice_create(actor=cs, **fields)
    return services.notice_publish(actor=cs, notice_id=notice.pk)


def _no_wider_than_the_screen(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_reads_notices_messages_and_the_feed_on_a_phone(world, page_for, live_server):
    cache.clear()
    pinned = _publish(world, "二次供水清洗停水通知", pinned=True)
    _publish(world, "紧急：楼内水管抢修", urgent=True)
    phone = page_for(phone=True)
    browser_login(phone, world.owner.phone, DEMO_PASSWORD, path="/app/login/")
    phone.goto("/app/")
    assert "二次供水清洗停水通知" in phone.inner_text("[data-live-list=notices]")
    assert phone.inner_text(".tabbar [data-badge=notices]") == "2"
    _no_wider_than_the_screen(phone)
    _shot(phone, "owner_home")

    phone.click(".tabbar a:has-text('通知')")
    phone.wait_for_url(f"{live_server.url}/app/notices/")
    assert phone.locator(".item.unread").count() == 2
    _shot(phone, "owner_notice_list")
    phone.click(f"a[href='/app/notices/{pinned.pk}/']")
    phone.wait_for_selector("article.notice")
    assert "全小区停水" in phone.inner_text("article.notice")
    assert phone.inner_text(".tabbar [data-badge=notices]") == "1"
    assert NoticeDelivery.objects.get(notice=pinned, user=world.owner).read_at is not None
    _no_wider_than_the_screen(phone)
    _shot(phone, "owner_notice_detail")

    phone.goto("/app/me/")
    phone.click("text=我的消息")
    phone.wait_for_url(f"{live_server.url}/app/notices/messages/")
    assert phone.locator(".item.unread").count() == 1
    _shot(phone, "owner_messages")
    phone.click("button:has-text('全部已读')")
    phone.wait_for_selector("text=已将 1 条消息标为已读")
    assert phone.locator(".item.unread").count() == 0
    assert phone.locator(".tabbar [data-badge=messages]").is_hidden()

    phone.goto("/app/notices/news/")
    assert "您还没有订阅任何资讯" in phone.inner_text("body")
    phone.click("button:has-text('天气预报')")
    phone.wait_for_selector("text=杭州市天气")
    assert "订阅已保存" in phone.inner_text("body")
    _shot(phone, "owner_feed")
    phone.goto("/app/notices/news/subscriptions/")
    phone.click("label.switch:has-text('社区新闻')")
    phone.click("label.switch:has-text('空气质量')")
    phone.click("button:has-text('保存')")
    phone.wait_for_selector("text=订阅已保存")
    assert feed_services.subscription_set is not None
    from wuyetong.notices.feed.selectors import subscribed_topics

    assert subscribed_topics(world.owner) == {"weather", "community_news", "air"}
    _shot(phone, "owner_subscriptions")
    phone.goto("/app/notices/news/")
    assert "空气质量" in phone.inner_text("body") and "社区新闻" in phone.inner_text("body")
    _no_wider_than_the_screen(phone)
    _shot(phone, "owner_feed_subscribed")
    phone.goto("/app/me/")
    assert "天气预报、空气质量、社区新闻" in phone.inner_text("body")
    _shot(phone, "owner_me")
    phone.click("button:has-text('退出登录')")
    phone.wait_for_url(f"{live_server.url}/app/**")
    assert "手机号登录" in phone.inner_text("body") or "登录" in phone.inner_text("body")


def _app_routes() -> list[str]:
    """Every GET-able /app/ address without parameters, from the URL configuration (so the
    other modules' owner pages are walked as soon as they exist)."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif (
                isinstance(p, URLPattern)
                and route.startswith("app/")
                and "<" not in route
                and "^" not in route
                and route not in NOT_PAGES
            ):
                found.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


class Meter:
    """Bytes on the wire per page load, from Chromium's network events (cache disabled, so
    each page is measured as a first visit), and every host asked."""

    def __init__(self, page) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.types: dict[str, str] = {}
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.hosts: set[str] = set()
        self.cdp.on("Network.requestWillBeSent", self._request)
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)
        page.on("websocket", lambda ws: self.hosts.add(urlsplit(ws.url).netloc))

    def _request(self, e) -> None:
        self.urls[e["requestId"]] = e["request"]["url"]
        url = urlsplit(e["request"]["url"])
        if url.scheme not in ("data", "blob"):
            self.hosts.add(url.netloc)

    def _response(self, e) -> None:
        self.types[e["requestId"]] = e.get("type", "")

    def _finished(self, e) -> None:
        self.bytes[e["requestId"]] = int(e.get("encodedDataLength", 0))

    def reset(self) -> None:
        self.types.clear()
        self.bytes.clear()
        self.urls.clear()

    def total(self) -> tuple[int, list[tuple[str, int]]]:
        rows = [
            (self.urls.get(rid, "?"), n)
            for rid, n in self.bytes.items()
            if self.types.get(rid) != "Image"
        ]
        return sum(n for _u, n in rows), rows


def _measure(page, meter, url: str) -> tuple[int, list]:
    meter.reset()
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status < 400, (url, response and response.status)
    _no_wider_than_the_screen(page)
    return meter.total()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_owner_page_is_small_and_asks_no_other_host(world, browser, live_server):
    cache.clear()
    notice = _publish(world, "二次供水清洗停水通知")
    feed_services.subscription_set(
        user=world.owner, topics=["weather", "air", "traffic", "city_news", "community_news"]
    )
    server = urlsplit(live_server.url).netloc
    # Service workers blocked: the app's worker would answer navigations itself, and the page
    # would see no bytes on the wire.
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        base_url=live_server.url,
        is_mobile=True,
        has_touch=True,
        service_workers="block",
    )
    phone = context.new_page()
    meter = Meter(phone)
    sizes: dict[str, int] = {}
    # Signed out: the start screen and the pages reachable without an account.
    for url in (
        "/app/",
        "/app/login/",
        "/app/login/sms/",
        "/app/register/",
        "/app/password/reset/",
        "/app/agreement/",
    ):
        sizes[f"{url} (signed out)"], _rows = _measure(phone, meter, url)
    browser_login(phone, world.owner.phone, DEMO_PASSWORD, path="/app/login/")
    client = Client()
    client.force_login(world.owner)
    # Addresses that only take a POST (an action button's target) are not pages.
    pages = [u for u in _app_routes() if client.get(u).status_code != 405]
    pages += [f"/app/notices/{notice.pk}/"]
    assert {"/app/", "/app/me/", "/app/notices/", "/app/notices/news/"} <= set(pages)
    for url in pages:
        total, rows = _measure(phone, meter, url)
        sizes[url] = total
        assert total < BUDGET, (url, total, sorted(rows, key=lambda r: -r[1])[:5])
    context.close()
    report = "\n".join(f"{n / 1024:7.1f} KB  {url}" for url, n in sorted(sizes.items()))
    print(
        f"\nowner pages, bytes transferred without images (budget {BUDGET // 1024} KB):\n{report}"
    )
    assert meter.hosts <= {server}, meter.hosts
