"""Shared test personas: staff of company A and company B, owners, a bureau official, a
merchant and the platform admin, built with the same builders as the demo data."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

# No timed assertions in tests: Hypothesis' default 200 ms deadline per example fails money
# properties at random on a loaded machine (shared CI cores), which says nothing about them.
hypothesis_settings.register_profile("wuyetong", deadline=None)
hypothesis_settings.load_profile("wuyetong")

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class World:
    admin: Any
    city: Any
    districts: list
    bureau_a: Any
    bureau_official: Any
    bureau_b_official: Any
    company_a: Any
    company_b: Any
    a: Any  # CompanyBundle
    b: Any
    community_a1: Any
    community_a2: Any
    community_b1: Any
    houses_a1: list
    houses_a2: list
    houses_b1: list
    owner: Any
    owner_house: Any
    other_owner: Any
    other_owner_house: Any
    merchant: Any
    merchant_user: Any
    extra: dict = field(default_factory=dict)

    def staff(self, template: str, company: str = "a"):
        return (self.a if company == "a" else self.b).staff[template]


def build_world() -> World:
    from wuyetong.demo import builders as b

    admin = b.user_create("13800000000", "平台管理员", is_staff=True, is_superuser=True)
    city, (d1, d2) = b.city_create()
    bureau_a, official = b.bureau_create(
        name="西湖区住建局",
        city=city,
        district=d1,
        official_phone="13800000001",
        official_name="西湖房管",
    )
    _, official_b = b.bureau_create(
        name="滨江区住建局",
        city=city,
        district=d2,
        official_phone="13800000002",
        official_name="滨江房管",
    )
    a = b.company_create(
        name="安居物业", short_name="安居", credit_code="91330100MA2A000001", city=city
    )
    bb = b.company_create(
        name="至善物业", short_name="至善", credit_code="91330100MA2B000002", city=city
    )
    for i, t in enumerate(b.ROLE_TEMPLATES, start=1):
        b.employee_create(bundle=a, phone=f"139000000{i:02d}", name=f"A{t}", template=t)
        b.employee_create(bundle=bb, phone=f"137000000{i:02d}", name=f"B{t}", template=t)
    a1 = b.community_create(
        company=a.company, project=a.projects[0], district=d1, name="翠苑一区", code="CY01"
    )
    a2 = b.community_create(
        company=a.company, project=a.projects[1], district=d1, name="西溪花园", code="XX01"
    )
    b1 = b.community_create(
        company=bb.company, project=bb.projects[0], district=d2, name="江南名府", code="JN01"
    )
    h1 = b.houses_create(a1, buildings=2, units=1, floors=2, per_floor=2, seed=1)
    h2 = b.houses_create(a2, buildings=1, units=1, floors=2, per_floor=2, seed=2)
    h3 = b.houses_create(b1, buildings=1, units=1, floors=2, per_floor=2, seed=3)
    owner = b.user_create("13500000001", "王建国", id_card=b.make_id_card(1))
    b.owner_bind(user=owner, house=h1[0])
    other = b.user_create("13500000002", "赵其他")
    b.owner_bind(user=other, house=h3[0])
    merchant, merchant_user = b.merchant_create(
        name="邻家鲜果", phone="13600000001", communities=[a1]
    )
    return World(
        admin,
        city,
        [d1, d2],
        bureau_a,
        official,
        official_b,
        a.company,
        bb.company,
        a,
        bb,
        a1,
        a2,
        b1,
        h1,
        h2,
        h3,
        owner,
        h1[0],
        other,
        h3[0],
        merchant,
        merchant_user,
    )


@pytest.fixture(autouse=True)
def _owner_bills_forgotten():
    """The owner's bills API and the rules cache keep entries per process; a rolled-back
    test reuses ids."""
    yield
    from wuyetong.billing.services import owner_bills, rules_cache

    owner_bills.forget()
    rules_cache.forget()


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def client_for(client):
    """Log a user into a fresh test client: client_for(user)."""
    from django.test import Client

    def _login(user):
        c = Client()
        c.force_login(user)
        return c

    return _login


@pytest.fixture
def api_for():
    from rest_framework.test import APIClient

    def _api(user=None):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return _api


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never downloaded)."""
    from playwright.sync_api import sync_playwright

    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(path):
        pytest.fail(
            f"Chromium is required for browser tests: install it (apt-get install chromium) or set CHROMIUM_PATH; {path} not found"
        )
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


class _Pages:
    """Browser pages on one server, each in its own context (own cookies), closed at the end."""

    def __init__(self, browser, base_url: str):
        self.browser, self.base_url = browser, base_url
        self.contexts: list[Any] = []

    def __call__(self, phone: bool = False):
        ctx = self.browser.new_context(
            viewport={"width": 390, "height": 844} if phone else {"width": 1366, "height": 860},
            locale="zh-CN",
            base_url=self.base_url,
            is_mobile=phone,
            has_touch=phone,
        )
        self.contexts.append(ctx)
        return ctx.new_page()

    def close(self):
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture
def page_for(browser, live_server):
    """A logged-out page at desktop size; page_for(phone=True) for the owner's 390×844 screen."""
    pages = _Pages(browser, live_server.url)
    yield pages
    pages.close()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, plus: before the test database is dropped, end the connections that
    server threads (the ASGI and live servers' worker threads) still hold to it. Otherwise
    PostgreSQL refuses to drop it ("being accessed by other users") and it stays behind."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor != "postgresql":
                continue
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker):
    """The whole site, HTTP and /ws/, served by Daphne (as `make run` does) in a thread of
    this process, so a browser test sees live pushes; pytest-django's live_server speaks
    WSGI only. Twisted's reactor runs once per process: one server for the session."""
    import threading
    import time

    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server  # installs the asyncio reactor Twisted needs

    from config.asgi import application

    server = Server(
        application=application,
        endpoints=build_endpoint_description_strings(host="127.0.0.1", port=0),
        signal_handlers=False,
        verbosity=0,
    )
    threading.Thread(target=server.run, daemon=True, name="asgi-live-server").start()
    deadline = time.monotonic() + 15
    while not server.listening_addresses:
        if time.monotonic() > deadline:
            pytest.fail("the ASGI test server did not start")
        time.sleep(0.05)
    host, port = server.listening_addresses[0]
    yield f"http://{host}:{port}"
    from twisted.internet import reactor

    reactor.callFromThread(reactor.stop)


@pytest.fixture
def asgi_page_for(browser, asgi_server, transactional_db):
    """Like page_for, on the ASGI server: page scripts get their WebSocket."""
    pages = _Pages(browser, asgi_server)
    yield pages
    pages.close()


def browser_login(page, phone: str, password: str = "wuyetong123", path: str = "/accounts/login/"):
    page.goto(path)
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
