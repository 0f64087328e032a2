"""Real feed providers over HTTP, configured by the environment and never called in tests
(tests feed them recorded answers through `fetch`).

- amap: 高德开放平台 天气查询 (restapi.amap.com/v3/weather/weatherInfo, extensions=all): the
  forecast of a city by its administrative code; key AMAP_WEB_KEY.
- rss: an RSS 2.0 channel per topic (FEED_RSS_URLS: city news, traffic bulletins, community
  news), e.g. a city government's or a traffic police news channel; `{city_code}` and
  `{community_id}` in the address are filled in.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from defusedxml import ElementTree
from django.conf import settings
from django.utils.html import strip_tags

from .providers import FeedItem, FeedProvider, FeedUnavailable, Place, Weather

logger = logging.getLogger("wuyetong.feed")


def fetch(url: str) -> bytes:
    """GET a provider's address (http or https only) with the configured timeout."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FeedUnavailable(f"refused address {url!r}")
    request = Request(url, headers={"User-Agent": "wuyetong-feed/1.0"})
    try:
        with urlopen(request, timeout=settings.FEED_HTTP_TIMEOUT) as response:
            return response.read(2_000_000)
    except OSError as exc:
        logger.warning("feed provider %s failed: %s", urlsplit(url).netloc, exc)
        raise FeedUnavailable(str(exc)) from exc


def _int(value) -> int:
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise FeedUnavailable(f"not a number: {value!r}") from exc


class AmapWeatherProvider(FeedProvider):
    name = "amap"
    endpoint = "https://restapi.amap.com/v3/weather/weatherInfo"

    def weather(self, place: Place, day: date) -> Weather:
        key = settings.AMAP_WEB_KEY
        if not key:
            raise FeedUnavailable("AMAP_WEB_KEY is not set")
        query = urlencode(
            {"key": key, "city": place.city_code, "extensions": "all", "output": "JSON"}
        )
        try:
            data = json.loads(fetch(f"{self.endpoint}?{query}"))
        except ValueError as exc:
            raise FeedUnavailable("not JSON") from exc
        return self.parse(data, day)

    @staticmethod
    def parse(data: dict, day: date) -> Weather:
        if not isinstance(data, dict) or data.get("status") != "1":
            info = data.get("info") if isinstance(data, dict) else ""
            raise FeedUnavailable(f"amap answered {info!r}")
        for forecast in data.get("forecasts") or []:
            for cast in forecast.get("casts") or []:
                if cast.get("date") != day.isoformat():
                    continue
                direction = cast.get("daywind") or ""
                power = cast.get("daypower") or ""
                wind = "微风" if direction in ("", "无风向") else f"{direction}风"
                return Weather(
                    day=day,
                    text_day=cast.get("dayweather") or "",
                    text_night=cast.get("nightweather") or "",
                    temp_high=_int(cast.get("daytemp")),
                    temp_low=_int(cast.get("nighttemp")),
                    wind=f"{wind}{power}级" if power else wind,
                    source="高德天气",
                )
        raise FeedUnavailable(f"no forecast for {day}")


class RssProvider(FeedProvider):
    name = "rss"
    limit = 5

    def _items(self, topic: str, place: Place) -> list[FeedItem]:
        template = settings.FEED_RSS_URLS.get(topic, "")
        if not template:
            raise FeedUnavailable(f"no RSS address for {topic}")
        url = template.format(city_code=place.city_code, community_id=place.community_id or "")
        return self.parse(fetch(url))[: self.limit]

    @staticmethod
    def parse(content: bytes) -> list[FeedItem]:
        try:
            root = ElementTree.fromstring(content)
        except ElementTree.ParseError as exc:
            raise FeedUnavailable("not RSS") from exc
        channel = root.find("channel")
        source = (channel.findtext("title") if channel is not None else "") or ""
        items = []
        for item in root.iter("item"):
            title = (item.findtext("title") or "").strip()
            if not title:
                continue
            link = (item.findtext("link") or "").strip()
            published = None
            if item.findtext("pubDate"):
                try:
                    published = parsedate_to_datetime(item.findtext("pubDate") or "")
                except (TypeError, ValueError):
                    published = None
            items.append(
                FeedItem(
                    title=title[:120],
                    summary=strip_tags(item.findtext("description") or "").strip()[:200],
                    url=link if urlsplit(link).scheme in ("http", "https") else "",
                    published_at=published,
                    source=source.strip(),
                )
            )
        return items

    def traffic(self, place: Place, day: date) -> list[FeedItem]:
        return self._items("traffic", place)

    def city_news(self, place: Place, day: date) -> list[FeedItem]:
        return self._items("city_news", place)

    def community_news(self, place: Place, day: date) -> list[FeedItem]:
        return self._items("community_news", place)
