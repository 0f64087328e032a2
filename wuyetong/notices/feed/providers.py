"""Feed providers. Each topic is served by the provider named in settings.FEED_PROVIDERS
(from the environment): the offline demo provider by default, real HTTP providers when
configured (feed/http.py). Providers raise FeedUnavailable when they cannot answer; callers
show the rest of the page without that part."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class FeedUnavailable(Exception):
    """The provider could not answer (network, quota, bad data)."""


@dataclass(frozen=True)
class Place:
    """Where a feed is asked for: a city (its 6-digit administrative code) and, for
    community news, a community."""

    city_code: str
    city_name: str
    community_id: int | None = None
    community_name: str = ""


@dataclass(frozen=True)
class Weather:
    day: date
    text_day: str
    text_night: str
    temp_high: int
    temp_low: int
    wind: str
    humidity: int | None = None
    source: str = ""

    @property
    def summary(self) -> str:
        text = (
            self.text_day
            if self.text_day == self.text_night
            else (f"{self.text_day}转{self.text_night}")
        )
        return f"{text} {self.temp_low}~{self.temp_high}℃ {self.wind}"


@dataclass(frozen=True)
class AirQuality:
    day: date
    aqi: int
    category: str
    primary: str
    pm25: int
    source: str = ""

    @property
    def level(self) -> int:
        """1 (优) … 6 (严重污染), for the colour of the figure."""
        return next((i for i, top in enumerate((50, 100, 150, 200, 300), 1) if self.aqi <= top), 6)


@dataclass(frozen=True)
class FeedItem:
    title: str
    summary: str = ""
    url: str = ""
    published_at: datetime | None = None
    source: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


class FeedProvider:
    """The interface. A provider answers some topics; the others raise FeedUnavailable."""

    name = "base"

    def weather(self, place: Place, day: date) -> Weather:
        raise FeedUnavailable(self.name)

    def air(self, place: Place, day: date) -> AirQuality:
        raise FeedUnavailable(self.name)

    def traffic(self, place: Place, day: date) -> list[FeedItem]:
        raise FeedUnavailable(self.name)

    def city_news(self, place: Place, day: date) -> list[FeedItem]:
        raise FeedUnavailable(self.name)

    def community_news(self, place: Place, day: date) -> list[FeedItem]:
        raise FeedUnavailable(self.name)


def aqi_category(aqi: int) -> str:
    """The category of HJ 633-2012 (环境空气质量指数技术规定) for an AQI value."""
    for limit, name in (
        (50, "优"),
        (100, "良"),
        (150, "轻度污染"),
        (200, "中度污染"),
        (300, "重度污染"),
    ):
        if aqi <= limit:
            return name
    return "严重污染"


# --- the offline demo provider -------------------------------------------------------------
# Plausible, deterministic data: the same city and date always give the same answer, so the
# demo, screenshots and tests are stable and nothing is fetched from anywhere.

# Typical daily low/high (℃) per month for a city of the Yangtze delta.
_NORMALS = [
    (2, 9),
    (4, 11),
    (8, 16),
    (13, 22),
    (18, 27),
    (22, 30),
    (26, 34),
    (26, 33),
    (21, 29),
    (15, 24),
    (9, 18),
    (3, 11),
]
_SKIES = {
    "winter": [("晴", 4), ("多云", 5), ("阴", 4), ("小雨", 3), ("小雪", 1)],
    "spring": [("晴", 4), ("多云", 5), ("阴", 3), ("小雨", 4), ("中雨", 2)],
    "summer": [("晴", 5), ("多云", 5), ("阵雨", 3), ("雷阵雨", 3), ("中雨", 1)],
    "autumn": [("晴", 6), ("多云", 5), ("阴", 3), ("小雨", 2)],
}
_WINDS = ["东风", "东南风", "南风", "西南风", "西北风", "北风", "东北风"]
_TRAFFIC = [
    (
        "早高峰主城区拥堵指数 {index}，{level}",
        "7:30–9:00 进出城方向车流较大，建议错峰出行或乘坐地铁。",
    ),
    (
        "晚高峰预计 17:30 起车流增加",
        "高架及主要过江通道预计 17:30–19:00 通行缓慢，请合理安排行程。",
    ),
    ("地铁运营提示：今日各线路正常运营", "早晚高峰加密发车，末班车时间不变。"),
    ("施工提示：{road}夜间封闭施工", "22:00 至次日 5:00 分段封闭，请提前绕行。"),
    ("{road}路口信号灯优化完成", "高峰时段通行时间预计缩短约 10%。"),
    ("周末出行提示：景区周边停车位紧张", "建议乘坐公共交通前往，景区周边道路实行临时交通管制。"),
]
_ROADS = ["城北快速路", "环城东路", "滨江大道", "文化路", "学院路", "体育场路", "江南大道"]
_CITY_NEWS = [
    ("{city}新增 12 处口袋公园，年底前全部开放", "城市更新"),
    ("{city}发布夏季用电高峰有序用电方案，居民用电不受影响", "民生"),
    ("{city}老旧小区加装电梯再提速，今年计划完成 300 台", "住房"),
    ("{city}垃圾分类新规下月施行，这些变化要知道", "环保"),
    ("{city}公交 10 条线路优化调整，覆盖更多新建小区", "交通"),
    ("{city}医保个人账户家庭共济范围扩大", "民生"),
    ("{city}启动“15 分钟社区生活圈”建设", "城市更新"),
    ("{city}今年新增普惠托育位 5000 个", "教育"),
    ("{city}住房公积金贷款额度上调", "住房"),
    ("{city}开展燃气安全专项检查，入户检查免费", "安全"),
    ("{city}图书馆推出夜间开放和社区分馆通借通还", "文化"),
    ("{city}电动自行车充电设施进小区，年底覆盖率达九成", "安全"),
]
_COMMUNITY_NEWS = [
    ("{community}：本周六上午中心花园义诊，测血压血糖免费", "便民"),
    ("{community}：二次供水水箱清洗完成，水质检测合格", "物业"),
    ("{community}：电动车集中充电棚扩建，新增 40 个充电位", "物业"),
    ("{community}：垃圾分类积分兑换活动本周日举行", "活动"),
    ("{community}：消防通道整治完成，请勿占用", "安全"),
    ("{community}：儿童游乐区地垫更换，周三起恢复开放", "物业"),
    ("{community}：老年食堂试运营，60 岁以上业主就餐优惠", "便民"),
    ("{community}：邻里节摄影作品征集中", "活动"),
    ("{community}：雨季排水管网疏通已完成", "物业"),
    ("{community}：快递柜新增两组，位于 3 号楼东侧", "便民"),
]


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _season(month: int) -> str:
    return {
        12: "winter",
        1: "winter",
        2: "winter",
        3: "spring",
        4: "spring",
        5: "spring",
        6: "summer",
        7: "summer",
        8: "summer",
    }.get(month, "autumn")


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class DemoProvider(FeedProvider):
    """Offline data for the demo and tests, deterministic by city (or community) and date."""

    name = "demo"
    source = "物业通演示数据"

    def weather(self, place: Place, day: date) -> Weather:
        rng = _rng("weather", place.city_code, day.isoformat())
        low, high = _NORMALS[day.month - 1]
        sky = _SKIES[_season(day.month)]
        text_day = _weighted(rng, sky)
        text_night = text_day if rng.random() < 0.6 else _weighted(rng, sky)
        rainy = "雨" in text_day or "雪" in text_day
        high += rng.randint(-3, 2) - (2 if rainy else 0)
        low += rng.randint(-2, 2)
        return Weather(
            day=day,
            text_day=text_day,
            text_night=text_night,
            temp_high=max(high, low + 3),
            temp_low=low,
            wind=f"{rng.choice(_WINDS)}{rng.randint(1, 4)}级",
            humidity=rng.randint(70, 95) if rainy else rng.randint(40, 75),
            source=self.source,
        )

    def air(self, place: Place, day: date) -> AirQuality:
        rng = _rng("air", place.city_code, day.isoformat())
        winter = _season(day.month) == "winter"
        aqi = int(rng.triangular(20, 170 if winter else 120, 70 if winter else 45))
        if aqi <= 50:
            primary = "—"
        elif _season(day.month) == "summer":
            primary = "O₃"
        else:
            primary = rng.choice(["PM2.5", "PM2.5", "PM10"])
        pm25 = max(5, int(aqi * rng.uniform(0.45, 0.7)))
        return AirQuality(day, aqi, aqi_category(aqi), primary, pm25, self.source)

    def traffic(self, place: Place, day: date) -> list[FeedItem]:
        rng = _rng("traffic", place.city_code, day.isoformat())
        index = round(rng.uniform(1.3, 2.1), 1)
        level = "畅通" if index < 1.5 else "轻度拥堵" if index < 1.8 else "中度拥堵"
        picked = [_TRAFFIC[0], *rng.sample(_TRAFFIC[1:], 2)]
        return [
            FeedItem(
                title=title.format(index=index, level=level, road=rng.choice(_ROADS)),
                summary=summary,
                published_at=_at(day, 6, 30 + i * 10),
                source=self.source,
            )
            for i, (title, summary) in enumerate(picked)
        ]

    def city_news(self, place: Place, day: date) -> list[FeedItem]:
        rng = _rng("city_news", place.city_code, day.isoformat())
        return [
            FeedItem(
                title=title.format(city=place.city_name),
                published_at=_at(day, 8 + i * 2, rng.randint(0, 59)),
                source=self.source,
                tags=(tag,),
            )
            for i, (title, tag) in enumerate(rng.sample(_CITY_NEWS, 3))
        ]

    def community_news(self, place: Place, day: date) -> list[FeedItem]:
        rng = _rng("community_news", place.community_id, day.isoformat())
        return [
            FeedItem(
                title=title.format(community=place.community_name),
                published_at=_at(day - timedelta(days=i), 9, rng.randint(0, 59)),
                source=self.source,
                tags=(tag,),
            )
            for i, (title, tag) in enumerate(rng.sample(_COMMUNITY_NEWS, 2))
        ]


PROVIDERS = {
    "demo": "wuyetong.notices.feed.providers.DemoProvider",
    "amap": "wuyetong.notices.feed.http.AmapWeatherProvider",
    "rss": "wuyetong.notices.feed.http.RssProvider",
}


def provider_for(topic: str) -> FeedProvider:
    """The provider configured for a topic (settings.FEED_PROVIDERS, default demo)."""
    name = getattr(settings, "FEED_PROVIDERS", {}).get(topic, "demo")
    return import_string(PROVIDERS.get(name, PROVIDERS["demo"]))()
