"""The information feed: the offline demo provider, the real providers fed recorded answers
(never the network), subscriptions, and the morning / evening weather push with a controlled
clock."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.models import Occupancy
from wuyetong.notices import tasks
from wuyetong.notices.choices import FeedSlot, FeedTopic, MessageKind
from wuyetong.notices.feed import http, providers, selectors, services
from wuyetong.notices.feed.providers import DemoProvider, FeedUnavailable, Place
from wuyetong.notices.models import FeedPush, Message

HANGZHOU = Place("330100", "杭州市")
MORNING = timezone.make_aware(datetime(2026, 7, 1, 7, 0))
EVENING = timezone.make_aware(datetime(2026, 7, 1, 19, 0))


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_demo_weather_is_the_same_for_a_city_and_day_and_plausible():
    demo = DemoProvider()
    days = [date(2026, m, d) for m in range(1, 13) for d in (1, 11, 21)]
    for day in days:
        w = demo.weather(HANGZHOU, day)
        assert w == demo.weather(HANGZHOU, day)
        assert w.temp_low < w.temp_high and w.temp_low >= -10 and w.temp_high <= 40
        assert w.text_day and w.wind.endswith("级")
    july = [demo.weather(HANGZHOU, date(2026, 7, d)) for d in range(1, 31)]
    january = [demo.weather(HANGZHOU, date(2026, 1, d)) for d in range(1, 31)]
    assert min(w.temp_high for w in july) > max(w.temp_low for w in january)
    # Not one fixed answer: the sky changes over a month.
    assert len({w.text_day for w in july}) > 1


def test_demo_air_traffic_and_news_are_deterministic():
    demo = DemoProvider()
    day = date(2026, 7, 1)
    air = demo.air(HANGZHOU, day)
    assert air == demo.air(HANGZHOU, day)
    assert air.category == providers.aqi_category(air.aqi)
    assert [i.title for i in demo.traffic(HANGZHOU, day)] == [
        i.title for i in demo.traffic(HANGZHOU, day)
    ]
    news = demo.city_news(HANGZHOU, day)
    assert len(news) == 3 and all("杭州市" in i.title for i in news)
    # Nothing in the demo links to another host.
    assert all(i.url == "" for i in news + demo.traffic(HANGZHOU, day))
    place = Place("330100", "杭州市", 7, "翠苑一区")
    assert all("翠苑一区" in i.title for i in demo.community_news(place, day))


@pytest.mark.parametrize(
    ("aqi", "category"),
    [
        (0, "优"),
        (50, "优"),
        (51, "良"),
        (100, "良"),
        (101, "轻度污染"),
        (150, "轻度污染"),
        (151, "中度污染"),
        (201, "重度污染"),
        (301, "严重污染"),
    ],
)
def test_aqi_categories_follow_the_national_bands(aqi, category):
    assert providers.aqi_category(aqi) == category


AMAP_ANSWER = {
    "status": "1",
    "count": "1",
    "info": "OK",
    "infocode": "10000",
    "forecasts": [
        {
            "city": "杭州市",
            "adcode": "330100",
            "province": "浙江",
            "reporttime": "2026-07-01 05:32:10",
            "casts": [
                {
                    "date": "2026-07-01",
                    "week": "3",
                    "dayweather": "雷阵雨",
                    "nightweather": "多云",
                    "daytemp": "35",
                    "nighttemp": "27",
                    "daywind": "南",
                    "nightwind": "南",
                    "daypower": "1-3",
                    "nightpower": "1-3",
                },
                {
                    "date": "2026-07-02",
                    "week": "4",
                    "dayweather": "晴",
                    "nightweather": "晴",
                    "daytemp": "36",
                    "nighttemp": "28",
                    "daywind": "无风向",
                    "nightwind": "无风向",
                    "daypower": "≤3",
                    "nightpower": "≤3",
                },
            ],
        }
    ],
}


def test_amap_provider_reads_the_forecast_of_the_day(monkeypatch, settings):
    settings.AMAP_WEB_KEY = "test-key"
    asked = []

    def fake_fetch(url):
        asked.append(url)
        return json.dumps(AMAP_ANSWER).encode()

    monkeypatch.setattr(http, "fetch", fake_fetch)
    w = http.AmapWeatherProvider().weather(HANGZHOU, date(2026, 7, 2))
    assert (w.text_day, w.temp_low, w.temp_high, w.wind) == ("晴", 28, 36, "微风≤3级")
    assert asked[0].startswith("https://restapi.amap.com/v3/weather/weatherInfo?")
    assert "city=330100" in asked[0] and "key=test-key" in asked[0]
    assert "extensions=all" in asked[0]
    w1 = http.AmapWeatherProvider().weather(HANGZHOU, date(2026, 7, 1))
    assert w1.summary == "雷阵雨转多云 27~35℃ 南风1-3级"
    with pytest.raises(FeedUnavailable):
        http.AmapWeatherProvider().weather(HANGZHOU, date(2026, 7, 9))


def test_amap_provider_refuses_errors_and_needs_a_key(monkeypatch, settings):
    settings.AMAP_WEB_KEY = ""
    with pytest.raises(FeedUnavailable):
        http.AmapWeatherProvider().weather(HANGZHOU, date(2026, 7, 1))
    settings.AMAP_WEB_KEY = "k"
    monkeypatch.setattr(
        http, "fetch", lambda url: b'{"status":"0","info":"INVALID_USER_KEY","infocode":"10001"}'
    )
    with pytest.raises(FeedUnavailable):
        http.AmapWeatherProvider().weather(HANGZHOU, date(2026, 7, 1))
    monkeypatch.setattr(http, "fetch", lambda url: b"<html>busy</html>")
    with pytest.raises(FeedUnavailable):
        http.AmapWeatherProvider().weather(HANGZHOU, date(2026, 7, 1))


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>杭州发布</title>
<item><title>地铁 3 号线北段开通</title><link>https://example.org/a</link>
<description>&lt;p&gt;新增 5 座车站&lt;/p&gt;</description>
<pubDate>Wed, 01 Jul 2026 08:00:00 +0800</pubDate></item>
<item><title>  </title></item>
<item><title>老旧小区改造</title><link>javascript:alert(1)</link></item>
</channel></rss>""".encode()


def test_rss_provider_reads_items_and_drops_unsafe_links(monkeypatch, settings):
    settings.FEED_RSS_URLS = {"city_news": "https://news.example.org/{city_code}.xml"}
    asked = []
    monkeypatch.setattr(http, "fetch", lambda url: asked.append(url) or RSS)
    items = http.RssProvider().city_news(HANGZHOU, date(2026, 7, 1))
    assert asked == ["https://news.example.org/330100.xml"]
    assert [(i.title, i.summary, i.url, i.source) for i in items] == [
        ("地铁 3 号线北段开通", "新增 5 座车站", "https://example.org/a", "杭州发布"),
        ("老旧小区改造", "", "", "杭州发布"),
    ]
    assert items[0].published_at.isoformat() == "2026-07-01T08:00:00+08:00"
    with pytest.raises(FeedUnavailable):
        http.RssProvider().traffic(HANGZHOU, date(2026, 7, 1))  # no address configured
    for broken in (b"not xml", b"<rss><channel>"):
        with pytest.raises(FeedUnavailable):
            http.RssProvider.parse(broken)


def test_fetch_refuses_other_schemes():
    with pytest.raises(FeedUnavailable):
        http.fetch("file:///etc/passwd")


def test_provider_is_chosen_by_settings(settings):
    assert providers.provider_for("weather").name == "demo"
    settings.FEED_PROVIDERS = {**settings.FEED_PROVIDERS, "weather": "amap"}
    assert providers.provider_for("weather").name == "amap"
    settings.FEED_PROVIDERS = {**settings.FEED_PROVIDERS, "weather": "nonsense"}
    assert providers.provider_for("weather").name == "demo"


def test_a_failing_provider_hides_the_weather_instead_of_failing(world, settings, monkeypatch):
    settings.FEED_PROVIDERS = {**settings.FEED_PROVIDERS, "weather": "amap"}
    settings.AMAP_WEB_KEY = "k"
    calls = []

    def down(url):
        calls.append(url)
        raise FeedUnavailable("timeout")

    monkeypatch.setattr(http, "fetch", down)
    assert selectors.owner_weather_today(user=world.owner, day=date(2026, 7, 1)) is None
    # The failure is remembered for a minute: the next page does not wait again.
    assert selectors.owner_weather_today(user=world.owner, day=date(2026, 7, 1)) is None
    assert len(calls) == 1


def test_owner_places_and_feed_follow_where_the_owner_lives(world):
    assert [p.community_name for p in selectors.owner_places(world.owner)] == ["翠苑一区"]
    assert selectors.owner_places(world.admin) == []
    place, weather = selectors.owner_weather_today(user=world.owner, day=date(2026, 7, 1))
    assert place.city_name == "杭州市" and weather == DemoProvider().weather(place, weather.day)
    feed = selectors.owner_feed(user=world.owner, day=date(2026, 7, 1))
    assert feed.topics == set() and feed.cities[0].weather is None
    services.subscription_set(
        user=world.owner, topics=[FeedTopic.WEATHER, FeedTopic.COMMUNITY_NEWS]
    )
    feed = selectors.owner_feed(user=world.owner, day=date(2026, 7, 1))
    assert feed.cities[0].weather is not None and feed.cities[0].tomorrow is not None
    assert feed.cities[0].city_news is None and feed.cities[0].air is None
    assert [p.community_name for p, _items in feed.community_news] == ["翠苑一区"]


def test_subscriptions_are_set_and_toggled(world):
    owner = world.owner
    assert services.subscription_set(user=owner, topics=["weather", "air"]) == {"weather", "air"}
    assert services.subscription_set(user=owner, topics=["weather", "weather"]) == {"weather"}
    assert services.subscription_toggle(user=owner, topic="traffic", on=True) == {
        "weather",
        "traffic",
    }
    assert services.subscription_toggle(user=owner, topic="weather", on=False) == {"traffic"}
    assert selectors.subscribed_topics(owner) == {"traffic"}


def test_a_bad_topic_is_refused_naming_the_field_and_changes_nothing(world):
    services.subscription_set(user=world.owner, topics=["weather"])
    with pytest.raises(ApplicationError) as err:
        services.subscription_set(user=world.owner, topics=["air", "horoscope"])
    assert err.value.field == "topics"
    with pytest.raises(ApplicationError) as err:
        services.subscription_toggle(user=world.owner, topic="", on=True)
    assert err.value.field == "topic"
    assert selectors.subscribed_topics(world.owner) == {"weather"}


def _weather_messages(user):
    return list(Message.objects.filter(user=user, kind=MessageKind.FEED).order_by("id"))


def test_morning_push_reaches_only_weather_subscribers(world, bind_owner, pushes):
    neighbour = bind_owner("13500000031", world.houses_a1[3])
    services.subscription_set(user=world.owner, topics=[FeedTopic.WEATHER])
    services.subscription_set(user=neighbour, topics=[FeedTopic.CITY_NEWS])  # not weather
    assert tasks.push_weather(slot="morning", now=MORNING) == 1

    [message] = _weather_messages(world.owner)
    expected = DemoProvider().weather(HANGZHOU, date(2026, 7, 1))
    assert message.title.startswith("今日天气 · 杭州市：")
    assert f"{expected.temp_low}~{expected.temp_high}℃" in message.title
    assert message.link == "/app/notices/news/" and message.created_at == MORNING
    assert _weather_messages(neighbour) == []
    assert _weather_messages(world.other_owner) == []
    push = FeedPush.objects.get()
    assert (push.day, push.slot, push.recipient_count) == (date(2026, 7, 1), "morning", 1)


def test_weather_is_pushed_once_per_slot_and_evening_tells_tomorrow(
    world, pushes, django_capture_on_commit_callbacks
):
    services.subscription_set(user=world.owner, topics=[FeedTopic.WEATHER])
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.push_weather(slot="morning", now=MORNING) == 1
        # A second run of the same slot (a restart, two beats) pushes nothing more.
        again = (MORNING + timedelta(minutes=5)).isoformat()
        assert tasks.push_weather(slot="morning", now=again) == 0
        assert tasks.push_weather(slot="evening", now=EVENING) == 1
    titles = [m.title for m in _weather_messages(world.owner)]
    assert len(titles) == 2 and titles[1].startswith("明日天气 · 杭州市：")
    tomorrow = DemoProvider().weather(HANGZHOU, date(2026, 7, 2))
    assert f"{tomorrow.temp_low}~{tomorrow.temp_high}℃" in titles[1]
    assert FeedPush.objects.get(slot="evening").day == date(2026, 7, 2)
    # Each push went to the owner's open screens too.
    assert [g for g, _p in pushes] == [f"user.{world.owner.pk}"] * 2


def test_unsubscribed_owner_is_never_pushed(world, pushes, django_capture_on_commit_callbacks):
    services.subscription_set(user=world.owner, topics=[FeedTopic.WEATHER])
    services.subscription_toggle(user=world.owner, topic=FeedTopic.WEATHER, on=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.push_weather(slot="morning", now=MORNING) == 0
        assert tasks.push_weather(slot="evening", now=EVENING) == 0
    assert _weather_messages(world.owner) == [] and pushes == []
    assert not FeedPush.objects.exists()


def test_moved_out_subscriber_is_not_pushed(world, pushes):
    services.subscription_set(user=world.owner, topics=[FeedTopic.WEATHER])
    Occupancy.objects.filter(resident__user=world.owner).update(end_date=date(2026, 6, 30))
    assert tasks.push_weather(slot="morning", now=MORNING) == 0
    assert _weather_messages(world.owner) == []


def test_a_city_whose_provider_fails_is_pushed_by_the_next_run(world, monkeypatch, pushes):
    services.subscription_set(user=world.owner, topics=[FeedTopic.WEATHER])
    monkeypatch.setattr(services, "weather_for", lambda place, day: None)
    assert tasks.push_weather(slot="morning", now=MORNING) == 0
    assert not FeedPush.objects.exists()
    monkeypatch.undo()
    assert tasks.push_weather(slot="morning", now=MORNING + timedelta(minutes=10)) == 1
    assert len(_weather_messages(world.owner)) == 1


def test_bad_slot_is_refused():
    with pytest.raises(ApplicationError) as err:
        services.weather_push(slot="noon", now=MORNING)
    assert err.value.field == "slot"


def test_beat_pushes_weather_at_seven_and_nineteen_local_time():
    entries = {
        name: entry
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] == "notices.push_weather"
    }
    slots = sorted(e["kwargs"]["slot"] for e in entries.values())
    assert slots == [FeedSlot.EVENING, FeedSlot.MORNING]
    for entry in entries.values():
        hour = 7 if entry["kwargs"]["slot"] == FeedSlot.MORNING else 19
        sched = entry["schedule"]
        assert sched.hour == {hour} and sched.minute == {0}
        # Due just after its hour when it last ran the day before, not due just before.
        last = timezone.make_aware(datetime(2026, 6, 30, hour, 0, 30))
        before = timezone.make_aware(datetime(2026, 7, 1, hour - 1, 59))
        after = timezone.make_aware(datetime(2026, 7, 1, hour, 0, 20))
        assert not type(sched)(hour=hour, minute=0, nowfun=lambda t=before: t).is_due(last)[0]
        assert type(sched)(hour=hour, minute=0, nowfun=lambda t=after: t).is_due(last)[0]
