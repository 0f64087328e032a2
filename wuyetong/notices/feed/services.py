"""Feed writes: an owner's topic subscriptions, and the scheduled weather push, which reaches
only the subscribers of the weather topic and each city at most once per slot."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.models import Occupancy
from wuyetong.orgs.models import City, Community

from ..choices import FeedSlot, FeedTopic, MessageKind
from ..models import FeedPush, Subscription
from ..services import message_send
from .providers import Place, Weather
from .selectors import weather_for

logger = logging.getLogger("wuyetong.feed")

FEED_LINK = "/app/notices/news/"


@transaction.atomic
def subscription_set(*, user, topics: Iterable[str]) -> set[str]:
    """Replace the owner's subscriptions with `topics` (资讯订阅); returns them."""
    wanted = set()
    for topic in topics:
        if topic not in FeedTopic.values:
            raise ApplicationError(_("订阅主题不正确"), field="topics")
        wanted.add(topic)
    Subscription.objects.filter(user_id=user.pk).exclude(topic__in=wanted).delete()
    have = set(Subscription.objects.filter(user_id=user.pk).values_list("topic", flat=True))
    Subscription.objects.bulk_create(
        [Subscription(user_id=user.pk, topic=t) for t in sorted(wanted - have)],
        ignore_conflicts=True,  # a double tap subscribes once
    )
    return wanted


def subscription_toggle(*, user, topic: str, on: bool) -> set[str]:
    """Subscribe to or unsubscribe from one topic; returns the subscriptions after."""
    if topic not in FeedTopic.values:
        raise ApplicationError(_("订阅主题不正确"), field="topic")
    current = set(Subscription.objects.filter(user_id=user.pk).values_list("topic", flat=True))
    return subscription_set(user=user, topics=(current | {topic}) if on else (current - {topic}))


def _advice(w: Weather) -> str:
    tips = []
    if any(word in w.text_day + w.text_night for word in ("雨", "雪")):
        tips.append(_("出门请带伞"))
    if w.temp_high >= 35:
        tips.append(_("高温天气，注意防暑降温"))
    if w.temp_low <= 3:
        tips.append(_("气温较低，注意保暖"))
    return "；".join(tips)


def weather_message(place: Place, weather: Weather, slot: str) -> tuple[str, str]:
    """The title and body of a weather push."""
    when = _("今日天气") if slot == FeedSlot.MORNING else _("明日天气")
    title = f"{when} · {place.city_name}：{weather.summary}"[:100]
    body = _("%(day)s %(city)s：白天%(d)s，夜间%(n)s，气温 %(lo)s~%(hi)s℃，%(wind)s。") % {
        "day": weather.day.strftime("%m月%d日"),
        "city": place.city_name,
        "d": weather.text_day,
        "n": weather.text_night,
        "lo": weather.temp_low,
        "hi": weather.temp_high,
        "wind": weather.wind,
    }
    advice = _advice(weather)
    return title, f"{body}{advice}" if advice else body


def _subscribers_by_city() -> dict[int, list[int]]:
    """{city id: user ids} of the active users subscribed to weather who live in an approved
    community of that city today."""
    subscribed = Subscription.objects.filter(topic=FeedTopic.WEATHER).values("user_id")
    rows = (
        Occupancy.objects.active()
        .filter(
            house__community__in=Community.objects.approved(),
            resident__user_id__in=subscribed,
            resident__user__is_active=True,
        )
        .values_list("house__community__district__city_id", "resident__user_id")
        .distinct()
    )
    cities: dict[int, set[int]] = {}
    for city_id, uid in rows:
        cities.setdefault(city_id, set()).add(uid)
    return {c: sorted(u) for c, u in cities.items()}


def weather_push(*, slot: str, now: datetime | None = None) -> list[FeedPush]:
    """The morning (today) or evening (tomorrow) weather to each city's subscribers. Each
    city is claimed by a unique FeedPush row in the same transaction as its messages, so a
    repeated or overlapping run pushes nothing twice; a city whose provider fails is skipped
    and tried again by the next run of the same slot."""
    if slot not in FeedSlot.values:
        raise ApplicationError(_("推送时段不正确"), field="slot")
    now = now or timezone.now()
    today = timezone.localdate(now)
    day = today if slot == FeedSlot.MORNING else today + timedelta(days=1)
    pushed = []
    by_city = _subscribers_by_city()
    cities = City.objects.in_bulk(list(by_city))
    done = set(
        FeedPush.objects.filter(
            topic=FeedTopic.WEATHER, day=day, slot=slot, city_id__in=list(by_city)
        ).values_list("city_id", flat=True)
    )
    for city_id, users in sorted(by_city.items()):
        if city_id in done:
            continue
        city = cities[city_id]
        place = Place(city.code, city.name)
        weather = weather_for(place, day)
        if weather is None:
            logger.warning("weather push %s %s: provider has no answer", city.name, day)
            continue
        title, body = weather_message(place, weather, slot)
        try:
            with transaction.atomic():
                push = FeedPush.objects.create(
                    topic=FeedTopic.WEATHER,
                    city=city,
                    day=day,
                    slot=slot,
                    title=title,
                    recipient_count=len(users),
                    created_at=now,
                )
                message_send(
                    user_ids=users,
                    title=title,
                    body=body,
                    link=FEED_LINK,
                    kind=MessageKind.FEED,
                    now=now,
                )
        except IntegrityError:  # another run pushed this city a moment ago
            continue
        pushed.append(push)
    return pushed
