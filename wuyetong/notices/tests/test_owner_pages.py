"""The owner's notice pages, message centre and feed (/app/notices/): only what was delivered
to me, reading is the receipt, files only to recipients, lists in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from wuyetong.notices import services
from wuyetong.notices.choices import FeedTopic, MessageKind, NoticeKind, NoticeTarget
from wuyetong.notices.feed import services as feed_services
from wuyetong.notices.models import Message, NoticeDelivery, Subscription

pytestmark = pytest.mark.django_db


def _publish(world, **kw):
    cs = world.staff("customer_service")
    fields = {
        "kind": NoticeKind.COMMUNITY,
        "target": NoticeTarget.COMMUNITY,
        "community_id": world.community_a1.pk,
        "title": "停水通知",
        "body": "周六 8:00-16:00 停水。",
    }
    fields.update(kw)
    notice = services.notice_create(actor=cs, **fields)
    return services.notice_publish(actor=cs, notice_id=notice.pk)


def test_anonymous_is_sent_to_the_app_login(world):
    notice = _publish(world)
    for url in (
        "/app/notices/",
        f"/app/notices/{notice.pk}/",
        "/app/notices/messages/",
        "/app/notices/news/",
        "/app/notices/news/subscriptions/",
    ):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/app/login/")
    assert Client().post("/app/notices/messages/read-all/").status_code == 302
    assert not NoticeDelivery.objects.filter(read_at__isnull=False).exists()


def test_owner_of_another_building_neither_lists_nor_opens_it(world, client_for, bind_owner):
    building = world.owner_house.building
    other = next(h for h in world.houses_a1 if h.building_id != building.pk)
    neighbour = bind_owner("13500000061", other)
    notice = _publish(
        world,
        target=NoticeTarget.BUILDINGS,
        building_ids=[building.pk],
        title="本楼电梯检修",
        attachments=[SimpleUploadedFile("安排.pdf", b"%PDF-1 x")],
    )
    file_pk = notice.attachments.get().pk
    c = client_for(neighbour)
    assert "本楼电梯检修" not in c.get("/app/notices/").content.decode()
    assert c.get(f"/app/notices/{notice.pk}/").status_code == 404
    assert c.get(f"/app/notices/{notice.pk}/files/{file_pk}/").status_code == 404
    # Another company's owner and the staff themselves (not recipients) neither.
    for user in (world.other_owner, world.staff("customer_service")):
        assert client_for(user).get(f"/app/notices/{notice.pk}/").status_code == 404
    assert not NoticeDelivery.objects.filter(read_at__isnull=False).exists()
    # The recipient reads it and fetches the file.
    owner = client_for(world.owner)
    assert "本楼电梯检修" in owner.get("/app/notices/").content.decode()
    response = owner.get(f"/app/notices/{notice.pk}/files/{file_pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1 x"
    assert "inline" in response["Content-Disposition"]


def test_opening_a_notice_is_the_read_receipt(world, client_for):
    notice = _publish(world)
    c = client_for(world.owner)
    listing = c.get("/app/notices/").content.decode()
    assert 'class="item unread"' in listing
    assert c.get("/app/notices/?unread=1").context["page"].paginator.count == 1
    page = c.get(f"/app/notices/{notice.pk}/").content.decode()
    assert "停水通知" in page and "周六 8:00-16:00 停水。" in page and "安居" in page
    delivery = NoticeDelivery.objects.get(notice=notice, user=world.owner)
    assert delivery.read_at is not None
    assert Message.objects.get(user=world.owner, notice=notice).read_at is not None
    assert c.get("/app/notices/?unread=1").context["page"].paginator.count == 0
    first = delivery.read_at
    c.get(f"/app/notices/{notice.pk}/")
    delivery.refresh_from_db()
    assert delivery.read_at == first


def test_kind_filter_and_tab_badge(world, client_for):
    _publish(world)
    services.notice_publish(
        actor=world.bureau_official,
        notice_id=services.notice_create(
            actor=world.bureau_official,
            kind=NoticeKind.POLICY,
            target=NoticeTarget.JURISDICTION,
            title="条例解读",
            body="要点",
        ).pk,
    )
    c = client_for(world.owner)
    html = c.get("/app/notices/?kind=policy").content.decode()
    assert "条例解读" in html and "停水通知" not in html
    assert c.get("/app/notices/?kind=nonsense").context["page"].paginator.count == 2
    assert 'data-badge="notices">2<' in html


def test_message_centre_opens_marks_read_and_reads_all(world, client_for):
    notice = _publish(world)
    services.message_send(
        user_ids=[world.owner.pk],
        title="报修已派单",
        link="/app/service/",
        kind=MessageKind.SERVICE,
    )
    services.message_send(
        user_ids=[world.owner.pk],
        title="外站链接",
        link="https://example.org/",
        kind=MessageKind.SYSTEM,
    )
    c = client_for(world.owner)
    page = c.get("/app/notices/messages/")
    assert page.context["unread_total"] == 3
    assert c.get("/app/notices/messages/?kind=service").context["page"].paginator.count == 1
    message = Message.objects.get(user=world.owner, notice=notice)
    response = c.get(f"/app/notices/messages/{message.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/app/notices/{notice.pk}/"
    message.refresh_from_db()
    assert message.read_at is not None
    outside = Message.objects.get(title="外站链接")
    assert c.get(f"/app/notices/messages/{outside.pk}/")["Location"] == "/app/notices/messages/"
    # Somebody else's message does not exist here.
    other = client_for(world.other_owner)
    assert other.get(f"/app/notices/messages/{message.pk}/").status_code == 404
    other.post("/app/notices/messages/read-all/")
    assert Message.objects.filter(user=world.owner, read_at__isnull=True).count() == 1
    response = c.post("/app/notices/messages/read-all/", follow=True)
    assert "已将 1 条消息标为已读" in response.content.decode()
    assert not Message.objects.filter(user=world.owner, read_at__isnull=True).exists()


def test_a_withdrawn_notice_message_leads_nowhere(world, client_for):
    notice = _publish(world)
    message = Message.objects.get(user=world.owner, notice=notice)
    services.notice_withdraw(actor=world.staff("customer_service"), notice_id=notice.pk)
    c = client_for(world.owner)
    assert c.get(f"/app/notices/messages/{message.pk}/").status_code == 404
    assert "停水通知" not in c.get("/app/notices/messages/").content.decode()


def test_feed_shows_subscribed_topics_and_subscriptions_are_saved(world, client_for):
    c = client_for(world.owner)
    html = c.get("/app/notices/news/").content.decode()
    assert "您还没有订阅任何资讯" in html and "＋ 天气预报" in html
    response = c.post(
        "/app/notices/news/subscriptions/",
        {"topic": "weather", "on": "1", "next": "/app/notices/news/"},
    )
    assert response["Location"] == "/app/notices/news/"
    html = c.get("/app/notices/news/").content.decode()
    assert "杭州市天气" in html and "明天：" in html and "＋ 天气预报" not in html
    c.post("/app/notices/news/subscriptions/", {"topics": ["air", "city_news", "community_news"]})
    assert set(Subscription.objects.filter(user=world.owner).values_list("topic", flat=True)) == {
        "air",
        "city_news",
        "community_news",
    }
    html = c.get("/app/notices/news/").content.decode()
    assert (
        "空气质量" in html
        and "城市新闻" in html
        and "翠苑一区" in html
        and "杭州市天气" not in html
    )
    page = c.get("/app/notices/news/subscriptions/").content.decode()
    assert 'value="air" checked' in page and 'value="weather">' in page


def test_a_bad_topic_is_refused_and_changes_nothing(world, client_for):
    feed_services.subscription_set(user=world.owner, topics=[FeedTopic.WEATHER])
    c = client_for(world.owner)
    response = c.post("/app/notices/news/subscriptions/", {"topics": ["weather", "lottery"]})
    assert response.status_code == 200 and "订阅主题不正确" in response.content.decode()
    assert list(Subscription.objects.values_list("topic", flat=True)) == ["weather"]


def test_feed_without_a_house_asks_to_bind_one(world, client_for):
    from wuyetong.demo.builders import user_create

    newcomer = user_create("13500000062", "新用户")
    html = client_for(newcomer).get("/app/notices/news/").content.decode()
    assert "绑定房屋后即可查看所在城市的天气和资讯" in html


def test_owner_lists_take_a_fixed_number_of_queries(world, client_for):
    c = client_for(world.owner)
    _publish(world)
    counts = {}
    for url in ("/app/notices/", "/app/notices/messages/"):
        c.get(url)
        with CaptureQueriesContext(connection) as ctx:
            c.get(url)
        counts[url] = len(ctx.captured_queries)
    for i in range(8):
        _publish(world, title=f"通知{i}", attachments=[SimpleUploadedFile(f"{i}.pdf", b"%PDF")])
    for url in ("/app/notices/", "/app/notices/messages/"):
        with CaptureQueriesContext(connection) as ctx:
            c.get(url)
        assert len(ctx.captured_queries) == counts[url], url
