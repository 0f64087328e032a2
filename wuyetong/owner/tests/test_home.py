"""The owner's home and "me": each module's summary read for this owner only (unpaid total to
the fen, open cases, latest notices, weather), shortcut tiles that hide when a module's page
is missing, the same figures through /api/v1/me/home/."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuyetong.billing import services as billing
from wuyetong.notices import services as notices
from wuyetong.notices.choices import NoticeKind, NoticeTarget
from wuyetong.notices.feed import services as feed_services
from wuyetong.notices.feed.providers import DemoProvider, Place
from wuyetong.owner import shortcuts
from wuyetong.servicedesk import services as desk
from wuyetong.servicedesk.models import CaseType

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache():
    cache.clear()


def _bill(world, house, amount):
    company = "a" if house.community.company_id == world.company_a.pk else "b"
    actor = world.staff("hq_admin", company=company)
    fees = billing.fee_items_ensure_defaults(actor=actor, company=house.community.company)
    return billing.bill_create_one_off(
        idempotency_key=uuid.uuid4().hex,
        actor=actor,
        house=house,
        fee_item=fees[0],
        amount=amount,
        description="物业费",
        due_date=dt.date(2026, 3, 15),
    )


def _case(world, reporter, house):
    desk.case_type_defaults_create(company_id=house.community.company_id)
    kind_type = CaseType.objects.filter(
        company_id=house.community.company_id, kind="repair"
    ).first()
    return desk.case_submit(
        reporter=reporter,
        kind="repair",
        case_type_id=kind_type.pk,
        description="卫生间漏水",
        house_id=house.pk,
    )


def _notice(world, title):
    cs = world.staff("customer_service")
    n = notices.notice_create(
        actor=cs,
        kind=NoticeKind.COMMUNITY,
        target=NoticeTarget.COMMUNITY,
        community_id=world.community_a1.pk,
        title=title,
        body="正文",
    )
    return notices.notice_publish(actor=cs, notice_id=n.pk)


def test_home_shows_this_owners_money_cases_notices_and_weather(world, client_for):
    _bill(world, world.owner_house, "100.00")
    _bill(world, world.owner_house, "23.45")
    _bill(world, world.other_owner_house, "999.99")  # another owner's house
    _case(world, world.owner, world.owner_house)
    _case(world, world.other_owner, world.other_owner_house)
    _notice(world, "停水通知")
    html = client_for(world.owner).get("/app/").content.decode()
    assert "¥123.45" in html and "2 笔账单" in html and "999.99" not in html
    assert "卫生间漏水" not in html  # the case shows by type and state, not its text
    summary = client_for(world.owner).get("/app/").context["summary"]
    assert summary.open_case_count == 1 and summary.unpaid_count == 2
    assert [n.title for n in summary.notices] == ["停水通知"]
    assert "停水通知" in html and "1 条未读" in html
    weather = DemoProvider().weather(Place("330100", "杭州市"), dt.date.today())
    assert f"{weather.temp_low}~{weather.temp_high}℃" in html
    # The other owner sees none of it.
    other = client_for(world.other_owner).get("/app/").context["summary"]
    assert str(other.unpaid_total) == "999.99" and other.notices == []


def test_an_owner_with_nothing_due_sees_zero(world, client_for):
    html = client_for(world.owner).get("/app/").content.decode()
    assert "¥0.00" in html and "暂无待缴" in html and "暂无进行中的工单" in html


def test_shortcut_tiles_follow_the_pages_that_exist(world, client_for, monkeypatch):
    monkeypatch.setattr(
        shortcuts,
        "SHORTCUTS",
        [
            shortcuts.Shortcut("通知", "notice", ("owner_notices:notice_list",)),
            shortcuts.Shortcut("不存在", "repair", ("owner_nothing:page",)),
            shortcuts.Shortcut("备选", "vote", ("owner_nothing:a", "owner_notices:feed")),
            shortcuts.Shortcut("带参数", "pay", (("owner_notices:notice_detail", (7,)),)),
        ],
    )
    tiles = client_for(world.owner).get("/app/").context["shortcuts"]
    assert [(t["label"], t["url"]) for t in tiles] == [
        ("通知", "/app/notices/"),
        ("备选", "/app/notices/news/"),
        ("带参数", "/app/notices/7/"),
    ]


# Tiles whose module pages are not built yet (none now); a wrong URL name elsewhere hides a
# tile silently, so every other tile must be there.
NOT_BUILT: set[str] = set()


def test_every_module_page_has_its_tile(world, client_for):
    tiles = client_for(world.owner).get("/app/").context["shortcuts"]
    assert [str(t["label"]) for t in tiles] == [
        str(s.label) for s in shortcuts.SHORTCUTS if str(s.label) not in NOT_BUILT
    ]
    assert {"label": "缴费", "url": "/app/bills/"} in [
        {"label": str(t["label"]), "url": t["url"]} for t in tiles
    ]


def test_me_shows_message_count_and_subscriptions(world, client_for):
    _notice(world, "停水通知")
    feed_services.subscription_set(user=world.owner, topics=["weather", "community_news"])
    html = client_for(world.owner).get("/app/me/").content.decode()
    assert "我的消息" in html and 'data-badge="messages">1<' in html
    assert "天气预报、社区新闻" in html and "资讯订阅" in html and "退出登录" in html


def test_home_api_matches_the_page(world, api_for):
    _bill(world, world.owner_house, "88.80")
    _case(world, world.owner, world.owner_house)
    _notice(world, "停水通知")
    data = api_for(world.owner).get("/api/v1/me/home/").json()
    assert data["unpaid_total"] == "88.80" and data["unpaid_count"] == 1
    assert data["open_case_count"] == 1 and data["open_cases"][0]["state"] == "submitted"
    assert [n["title"] for n in data["notices"]] == ["停水通知"] and data["unread_notices"] == 1
    assert data["weather"]["city"] == "杭州市" and data["weather"]["summary"]
    assert {"label": "通知", "url": "/app/notices/"} in data["shortcuts"]
    other = api_for(world.other_owner).get("/api/v1/me/home/").json()
    assert other["unpaid_total"] == "0.00" and other["notices"] == []
    assert api_for().get("/api/v1/me/home/").status_code in (401, 403)


def test_home_query_count_does_not_grow_with_data(world, client_for):
    c = client_for(world.owner)
    c.get("/app/")
    with CaptureQueriesContext(connection) as few:
        c.get("/app/")
    for i in range(4):
        _bill(world, world.owner_house, f"{10 + i}.00")
        _case(world, world.owner, world.owner_house)
        _notice(world, f"通知{i}")
    with CaptureQueriesContext(connection) as many:
        c.get("/app/")
    assert len(many.captured_queries) == len(few.captured_queries)
