"""Feed reads: where an owner lives (their cities and communities), their subscriptions, and
the feed itself, cached per provider, place and day so a real provider is asked at most once
per FEED_CACHE_SECONDS for everyone in a city."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from wuyetong.estates.models import Occupancy

from ..choices import FeedTopic
from ..models import Subscription
from .providers import AirQuality, FeedItem, FeedUnavailable, Place, Weather, provider_for

_MISSING = object()


def owner_places(user) -> list[Place]:
    """The communities the user lives in now (one Place each), cities first by name."""
    rows = (
        Occupancy.objects.active()
        .filter(resident__user_id=getattr(user, "pk", None))
        .values_list(
            "house__community__district__city__code",
            "house__community__district__city__name",
            "house__community_id",
            "house__community__name",
        )
        .distinct()
        .order_by("house__community__district__city__code", "house__community__name")
    )
    return [Place(code, city, cid, name) for code, city, cid, name in rows]


def owner_cities(user) -> list[Place]:
    seen: dict[str, Place] = {}
    for p in owner_places(user):
        seen.setdefault(p.city_code, Place(p.city_code, p.city_name))
    return list(seen.values())


def subscribed_topics(user) -> set[str]:
    if not getattr(user, "pk", None):
        return set()
    return set(Subscription.objects.filter(user_id=user.pk).values_list("topic", flat=True))


def _cached(topic: str, method: str, place: Place, day: date):
    """Ask the topic's provider, through the cache; None when it cannot answer (a failure is
    cached for a minute so a dead provider does not slow every page)."""
    provider = provider_for(topic)
    where = place.community_id if method == "community_news" else place.city_code
    key = f"feed:{provider.name}:{method}:{where}:{day.isoformat()}"
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return value
    try:
        value = getattr(provider, method)(place, day)
    except FeedUnavailable:
        cache.set(key, None, 60)
        return None
    cache.set(key, value, settings.FEED_CACHE_SECONDS)
    return value


def weather_for(place: Place, day: date) -> Weather | None:
    return _cached(FeedTopic.WEATHER, "weather", place, day)


def air_for(place: Place, day: date) -> AirQuality | None:
    return _cached(FeedTopic.AIR, "air", place, day)


@dataclass
class CityFeed:
    place: Place
    weather: Weather | None = None
    tomorrow: Weather | None = None
    air: AirQuality | None = None
    traffic: list[FeedItem] | None = None
    city_news: list[FeedItem] | None = None


@dataclass
class OwnerFeed:
    day: date
    topics: set[str]
    cities: list[CityFeed] = field(default_factory=list)
    community_news: list[tuple[Place, list[FeedItem] | None]] = field(default_factory=list)


def owner_feed(*, user, topics: set[str] | None = None, day: date | None = None) -> OwnerFeed:
    """Today's feed of the owner's cities and communities, for the chosen topics (default:
    those subscribed)."""
    day = day or timezone.localdate()
    topics = subscribed_topics(user) if topics is None else topics
    places = owner_places(user)
    feed = OwnerFeed(day=day, topics=topics)
    for city in owner_cities(user) if places else []:
        entry = CityFeed(place=city)
        if FeedTopic.WEATHER in topics:
            entry.weather = weather_for(city, day)
            entry.tomorrow = weather_for(city, date.fromordinal(day.toordinal() + 1))
        if FeedTopic.AIR in topics:
            entry.air = air_for(city, day)
        if FeedTopic.TRAFFIC in topics:
            entry.traffic = _cached(FeedTopic.TRAFFIC, "traffic", city, day)
        if FeedTopic.CITY_NEWS in topics:
            entry.city_news = _cached(FeedTopic.CITY_NEWS, "city_news", city, day)
        feed.cities.append(entry)
    if FeedTopic.COMMUNITY_NEWS in topics:
        feed.community_news = [
            (p, _cached(FeedTopic.COMMUNITY_NEWS, "community_news", p, day)) for p in places
        ]
    return feed


def owner_weather_today(*, user, day: date | None = None) -> tuple[Place, Weather] | None:
    """Today's weather where the owner lives (their first city), for the home screen."""
    cities = owner_cities(user)
    if not cities:
        return None
    weather = weather_for(cities[0], day or timezone.localdate())
    return (cities[0], weather) if weather else None
