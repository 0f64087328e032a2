"""The notices API: the permission matrix of every endpoint, the staff workflow, the bureau's
reach, the owner's own endpoints and bad input answered with the field named."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wuyetong.notices import services
from wuyetong.notices.choices import NoticeKind, NoticeTarget
from wuyetong.notices.models import Message, Notice, NoticeDelivery, NoticeReminder, Subscription

pytestmark = pytest.mark.django_db


def _published(world, **kw):
    cs = world.staff("customer_service")
    fields = {
        "kind": NoticeKind.COMMUNITY,
        "target": NoticeTarget.COMMUNITY,
        "community_id": world.community_a1.pk,
        "title": "停水通知",
        "body": "周六停水",
        "attachments": [SimpleUploadedFile("安排.pdf", b"%PDF-1 api")],
    }
    fields.update(kw)
    n = services.notice_create(actor=cs, **fields)
    return services.notice_publish(actor=cs, notice_id=n.pk)


def _snapshot():
    return (
        list(Notice.objects.order_by("pk").values_list("pk", "state", "pinned", "title")),
        NoticeDelivery.objects.filter(read_at__isnull=False).count(),
        NoticeReminder.objects.count(),
        Message.objects.count(),
    )


def test_staff_endpoints_permission_matrix(world, api_for):
    notice = _published(world)
    file_pk = notice.attachments.get().pk
    n = notice.pk
    reads = [
        "/api/v1/notices/",
        f"/api/v1/notices/{n}/",
        f"/api/v1/notices/{n}/receipts/",
        f"/api/v1/notices/{n}/unread/",
        f"/api/v1/notices/{n}/attachments/{file_pk}/",
    ]
    writes = [
        (
            "post",
            "/api/v1/notices/",
            {
                "kind": "community",
                "target": "community",
                "community": world.community_a1.pk,
                "title": "x",
                "body": "x",
            },
        ),
        (
            "put",
            f"/api/v1/notices/{n}/",
            {
                "kind": "community",
                "target": "community",
                "community": world.community_a1.pk,
                "title": "y",
                "body": "y",
            },
        ),
        ("post", f"/api/v1/notices/{n}/publish/", {}),
        ("post", f"/api/v1/notices/{n}/withdraw/", {}),
        ("post", f"/api/v1/notices/{n}/display/", {"pinned": True, "expires_at": None}),
        ("post", f"/api/v1/notices/{n}/remind/", {"sms": True}),
        ("delete", f"/api/v1/notices/{n}/attachments/{file_pk}/", None),
    ]
    before = _snapshot()
    refused = {
        "anonymous": (api_for(), {401, 403}),
        "owner": (api_for(world.owner), {403}),
        "cashier": (api_for(world.staff("cashier")), {403}),
    }
    for who, (client, codes) in refused.items():
        for url in reads:
            assert client.get(url).status_code in codes, (who, url)
        for method, url, body in writes:
            assert getattr(client, method)(url, body, format="json").status_code in codes, (
                who,
                url,
            )
    for who, client in (
        ("other company", api_for(world.staff("hq_admin", company="b"))),
        ("other bureau", api_for(world.bureau_b_official)),
    ):
        assert client.get("/api/v1/notices/").json()["results"] == []
        for url in reads[1:]:
            assert client.get(url).status_code == 404, (who, url)
        for method, url, body in writes[1:]:
            assert getattr(client, method)(url, body, format="json").status_code in (400, 404), (
                who,
                url,
            )
    assert _snapshot() == before
    cs = api_for(world.staff("customer_service"))
    for url in reads:
        assert cs.get(url).status_code == 200, url


def test_staff_write_publish_and_follow_up_through_the_api(
    world, api_for, bind_owner, sms_outbox, django_capture_on_commit_callbacks
):
    neighbour = bind_owner("13500000071", world.houses_a1[3], name="李邻居")
    cs = api_for(world.staff("customer_service"))
    response = cs.post(
        "/api/v1/notices/",
        {
            "kind": "community",
            "target": "houses",
            "community": world.community_a1.pk,
            "house_ids": [world.owner_house.pk, world.houses_a1[3].pk],
            "title": "楼道粉刷",
            "body": "本周粉刷楼道",
            "attachments": [SimpleUploadedFile("色板.png", b"\x89PNG....")],
            "publish": True,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == "published" and data["delivered_count"] == 2
    assert data["house_ids"] == sorted([world.owner_house.pk, world.houses_a1[3].pk])
    assert data["attachments"][0]["name"] == "色板.png"
    n = data["id"]
    services.notice_mark_read(user=world.owner, notice_id=n)
    receipts = cs.get(f"/api/v1/notices/{n}/receipts/").json()
    assert (receipts["delivered"], receipts["read"], receipts["unread"]) == (2, 1, 1)
    unread = cs.get(f"/api/v1/notices/{n}/unread/").json()["results"]
    assert [(u["name"], u["phone"]) for u in unread] == [("李邻居", "135****0071")]
    with django_capture_on_commit_callbacks(execute=True):
        reminded = cs.post(f"/api/v1/notices/{n}/remind/", {"sms": True}, format="json")
    assert reminded.status_code == 201 and reminded.json()["recipient_count"] == 1
    assert [m.phone for m in sms_outbox] == [neighbour.phone]
    listed = cs.get("/api/v1/notices/?q=粉刷").json()["results"]
    assert [(r["title"], r["read_count"], r["delivered_count"]) for r in listed] == [
        ("楼道粉刷", 1, 2)
    ]
    shown = cs.post(
        f"/api/v1/notices/{n}/display/", {"pinned": True, "expires_at": None}, format="json"
    )
    assert shown.json()["pinned"] is True
    withdrawn = cs.post(f"/api/v1/notices/{n}/withdraw/")
    assert withdrawn.json()["state"] == "withdrawn"
    assert api_for(world.owner).get(f"/api/v1/me/notices/{n}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"target": "buildings"}, "building_ids"),
        ({"building_ids": ["x"], "target": "buildings"}, "building_ids"),
        ({"community": 999999}, "community_id"),
        ({"kind": "policy"}, "kind"),
        ({"expires_at": "2000-01-01T00:00:00+08:00"}, "expires_at"),
        ({"publish_at": "not a time"}, "publish_at"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, api_for, body, field):
    payload = {
        "kind": "community",
        "target": "community",
        "community": world.community_a1.pk,
        "title": "停水",
        "body": "停水",
        "publish": True,
    }
    payload.update(body)
    response = api_for(world.staff("customer_service")).post(
        "/api/v1/notices/", payload, format="json"
    )
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not Notice.objects.exists()


def test_a_file_of_a_refused_type_is_refused_with_nothing_saved(world, api_for):
    response = api_for(world.staff("customer_service")).post(
        "/api/v1/notices/",
        {
            "kind": "community",
            "target": "community",
            "community": world.community_a1.pk,
            "title": "x",
            "body": "x",
            "attachments": [SimpleUploadedFile("setup.exe", b"MZ")],
        },
        format="multipart",
    )
    assert response.status_code == 400 and "attachments" in response.json()["errors"]
    assert not Notice.objects.exists()


def test_update_adds_files_and_published_notices_cannot_be_edited(world, api_for):
    cs = api_for(world.staff("customer_service"))
    draft = cs.post(
        "/api/v1/notices/",
        {
            "kind": "community",
            "target": "community",
            "community": world.community_a1.pk,
            "title": "草稿",
            "body": "x",
        },
        format="json",
    ).json()
    assert draft["state"] == "draft"
    added = cs.post(
        f"/api/v1/notices/{draft['id']}/attachments/",
        {"files": [SimpleUploadedFile("a.pdf", b"%PDF")]},
        format="multipart",
    )
    assert added.status_code == 201 and len(added.json()["attachments"]) == 1
    changed = cs.put(
        f"/api/v1/notices/{draft['id']}/",
        {
            "kind": "community",
            "target": "community",
            "community": world.community_a1.pk,
            "title": "定稿",
            "body": "y",
            "publish": True,
        },
        format="json",
    )
    assert changed.json()["title"] == "定稿" and changed.json()["state"] == "published"
    again = cs.put(
        f"/api/v1/notices/{draft['id']}/",
        {
            "kind": "community",
            "target": "community",
            "community": world.community_a1.pk,
            "title": "再改",
            "body": "z",
        },
        format="json",
    )
    assert again.status_code == 400 and "state" in again.json()["errors"]
    assert Notice.objects.get().title == "定稿"


def test_bureau_reaches_its_district_and_sees_counts_only(world, api_for, bind_owner):
    a2 = bind_owner("13500000072", world.houses_a2[0])
    bureau = api_for(world.bureau_official)
    response = bureau.post(
        "/api/v1/notices/",
        {
            "kind": "public",
            "target": "jurisdiction",
            "title": "防汛提示",
            "body": "强降雨",
            "publish": True,
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["publisher"] == "西湖区住建局"
    n = response.json()["id"]
    recipients = set(NoticeDelivery.objects.filter(notice_id=n).values_list("user_id", flat=True))
    assert recipients == {world.owner.pk, a2.pk}
    assert bureau.get(f"/api/v1/notices/{n}/receipts/").json()["delivered"] == 2
    assert bureau.get(f"/api/v1/notices/{n}/unread/").json()["results"] == []
    # A company cannot see the bureau's notice in its list.
    assert api_for(world.staff("hq_admin")).get(f"/api/v1/notices/{n}/").status_code == 404


def test_owner_endpoints(world, api_for):
    notice = _published(world)
    file_pk = notice.attachments.get().pk
    owner = api_for(world.owner)
    listed = owner.get("/api/v1/me/notices/").json()["results"]
    assert [(r["title"], r["read_at"]) for r in listed] == [("停水通知", None)]
    detail = owner.get(f"/api/v1/me/notices/{notice.pk}/").json()
    assert detail["body"] == "周六停水" and detail["attachments"][0]["url"].startswith(
        "/api/v1/me/"
    )
    assert NoticeDelivery.objects.get(user=world.owner).read_at is None  # reading is explicit
    file = owner.get(detail["attachments"][0]["url"])
    assert file.status_code == 200 and b"".join(file.streaming_content) == b"%PDF-1 api"
    assert owner.get("/api/v1/me/messages/unread/").json() == {"messages": 1, "notices": 1}
    read = owner.post(f"/api/v1/me/notices/{notice.pk}/read/")
    assert read.status_code == 200 and read.json()["read_at"]
    assert owner.get("/api/v1/me/messages/unread/").json() == {"messages": 0, "notices": 0}
    assert owner.get("/api/v1/me/notices/?unread=1").json()["results"] == []
    messages = owner.get("/api/v1/me/messages/").json()["results"]
    assert messages[0]["kind"] == "notice" and messages[0]["notice_id"] == notice.pk
    assert owner.post("/api/v1/me/messages/read-all/").json() == {"marked": 0}
    # Somebody else's notice, file and message do not exist for another owner.
    other = api_for(world.other_owner)
    for url in (
        f"/api/v1/me/notices/{notice.pk}/",
        f"/api/v1/me/notices/{notice.pk}/attachments/{file_pk}/",
    ):
        assert other.get(url).status_code == 404
    assert other.post(f"/api/v1/me/notices/{notice.pk}/read/").status_code == 404
    assert other.post(f"/api/v1/me/messages/{messages[0]['id']}/read/").status_code == 404
    anonymous = api_for()
    for url in (
        "/api/v1/me/notices/",
        "/api/v1/me/messages/",
        "/api/v1/me/feed/",
        "/api/v1/me/subscriptions/",
    ):
        assert anonymous.get(url).status_code in (401, 403)


def test_owner_subscriptions_and_feed_api(world, api_for):
    owner = api_for(world.owner)
    topics = owner.get("/api/v1/me/subscriptions/").json()
    assert [t["topic"] for t in topics] == [
        "weather",
        "air",
        "traffic",
        "city_news",
        "community_news",
    ]
    assert not any(t["subscribed"] for t in topics)
    saved = owner.put(
        "/api/v1/me/subscriptions/", {"topics": ["weather", "traffic"]}, format="json"
    )
    assert [t["topic"] for t in saved.json() if t["subscribed"]] == ["weather", "traffic"]
    bad = owner.put("/api/v1/me/subscriptions/", {"topics": ["weather", "gossip"]}, format="json")
    assert bad.status_code == 400 and "topics" in bad.json()["errors"]
    assert set(Subscription.objects.values_list("topic", flat=True)) == {"weather", "traffic"}
    feed = owner.get("/api/v1/me/feed/").json()
    assert feed["topics"] == ["traffic", "weather"]
    city = feed["cities"][0]
    assert city["city"] == "杭州市" and city["weather"]["summary"] and city["air"] is None
    assert len(city["traffic"]) == 3 and city["city_news"] is None
    chosen = owner.get("/api/v1/me/feed/?topics=community_news").json()
    assert chosen["community_news"][0]["community"] == "翠苑一区"
