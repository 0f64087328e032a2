"""Console pages of notices: who may open each page and press each button (anonymous, another
company, an owner, a role without the module, the role with it, the bureau), writing and
publishing through the form, bad input named, receipts and the unread list, Excel export."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wuyetong.notices import services
from wuyetong.notices.choices import NoticeKind, NoticeState, NoticeTarget
from wuyetong.notices.models import Message, Notice, NoticeDelivery, NoticeReminder

pytestmark = pytest.mark.django_db


def _published(actor, community, **kw):
    fields = {
        "kind": NoticeKind.COMMUNITY,
        "target": NoticeTarget.COMMUNITY,
        "community_id": community.pk,
        "title": "停水通知",
        "body": "周六停水。",
    }
    fields.update(kw)
    notice = services.notice_create(actor=actor, **fields)
    return services.notice_publish(actor=actor, notice_id=notice.pk)


def _draft(actor, community, **kw):
    fields = {
        "kind": NoticeKind.COMMUNITY,
        "target": NoticeTarget.COMMUNITY,
        "community_id": community.pk,
        "title": "草稿通知",
        "body": "内容",
    }
    fields.update(kw)
    return services.notice_create(actor=actor, **fields)


def _state(notice):
    n = Notice.objects.get(pk=notice.pk)
    return (
        n.state,
        n.pinned,
        n.expires_at,
        NoticeDelivery.objects.filter(notice=n).count(),
        NoticeReminder.objects.filter(notice=n).count(),
        n.attachments.count(),
    )


def test_console_pages_permission_matrix(world, client_for):
    cs = world.staff("customer_service")
    notice = _published(cs, world.community_a1)
    draft = _draft(cs, world.community_a1, attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1")])
    file_pk = draft.attachments.get().pk
    pages = [
        "/notices/",
        "/notices/new/",
        f"/notices/audience/?community={world.community_a1.pk}",
        f"/notices/{notice.pk}/",
        f"/notices/{draft.pk}/edit/",
        f"/notices/{draft.pk}/files/{file_pk}/",
    ]
    anonymous = Client()
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    # An owner, a role without the module (收费员): refused outright.
    for user in (world.owner, world.staff("cashier")):
        for url in pages:
            assert client_for(user).get(url).status_code == 403, (user, url)
    # Another company's staff and another bureau: its pages exist, the notice does not.
    for user in (world.staff("hq_admin", company="b"),):
        c = client_for(user)
        assert c.get("/notices/").status_code == 200
        assert "停水通知" not in c.get("/notices/").content.decode()
        for url in pages[3:]:
            assert c.get(url).status_code == 404, url
        audience = c.get(f"/notices/audience/?community={world.community_a1.pk}")
        assert world.community_a1.name not in audience.content.decode()
    bureau_b = client_for(world.bureau_b_official)
    for url in pages[3:]:
        assert bureau_b.get(url).status_code == 404, url
    # The role with the module sees every page.
    c = client_for(cs)
    for url in pages:
        assert c.get(url).status_code == 200, url


def test_denied_buttons_change_nothing(world, client_for):
    cs = world.staff("customer_service")
    notice = _published(cs, world.community_a1)
    draft = _draft(cs, world.community_a1, attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1")])
    before = {n.pk: _state(n) for n in (notice, draft)}
    attempts = [
        (notice, "withdraw", {}),
        (notice, "remind", {"sms": "on"}),
        (notice, "display", {"pinned": "on"}),
        (draft, "publish", {}),
        (draft, "remove_file", {"attachment": draft.attachments.get().pk}),
    ]
    outsiders = {
        "anonymous": (Client(), (302,)),
        "owner": (client_for(world.owner), (403,)),
        "cashier": (client_for(world.staff("cashier")), (403,)),
        "other company": (client_for(world.staff("hq_admin", company="b")), (404,)),
        "other bureau": (client_for(world.bureau_b_official), (404,)),
    }
    for who, (c, codes) in outsiders.items():
        for n, verb, data in attempts:
            response = c.post(f"/notices/{n.pk}/{verb}/", data)
            assert response.status_code in codes, (who, verb, response.status_code)
        response = c.post(
            f"/notices/{draft.pk}/edit/",
            {"kind": "community", "target": "community", "title": "改", "body": "改"},
        )
        assert response.status_code in codes, (who, "edit")
    assert {n.pk: _state(n) for n in (notice, draft)} == before
    assert Notice.objects.get(pk=draft.pk).title == "草稿通知"
    assert Notice.objects.count() == 2


def test_staff_write_and_publish_a_building_notice_through_the_form(world, client_for, bind_owner):
    cs = world.staff("customer_service")
    building = world.owner_house.building
    other = next(h for h in world.houses_a1 if h.building_id != building.pk)
    neighbour = bind_owner("13500000051", other)
    c = client_for(cs)
    response = c.post(
        "/notices/new/",
        {
            "kind": "community",
            "target": "buildings",
            "community": world.community_a1.pk,
            "building_ids": [building.pk],
            "title": "电梯检修",
            "body": "明天上午电梯检修。",
            "pinned": "on",
            "do": "publish",
            "attachments": [SimpleUploadedFile("检修安排.pdf", b"%PDF-1.4 test")],
        },
    )
    notice = Notice.objects.get(title="电梯检修")
    assert response.status_code == 302 and response["Location"] == f"/notices/{notice.pk}/"
    assert notice.state == NoticeState.PUBLISHED and notice.pinned
    assert list(notice.buildings.values_list("pk", flat=True)) == [building.pk]
    assert set(NoticeDelivery.objects.filter(notice=notice).values_list("user_id", flat=True)) == {
        world.owner.pk
    }
    assert not Message.objects.filter(user=neighbour).exists()
    page = c.get(response["Location"]).content.decode()
    assert "已发布，送达 1 人" in page and "检修安排.pdf" in page
    # The file is served to the staff through the scoped view.
    file_pk = notice.attachments.get().pk
    download = c.get(f"/notices/{notice.pk}/files/{file_pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"


def test_a_save_keeps_a_draft_and_a_later_time_schedules(world, client_for):
    cs = world.staff("customer_service")
    c = client_for(cs)
    base = {
        "kind": "community",
        "target": "community",
        "community": world.community_a1.pk,
        "title": "消防演练",
        "body": "下周三演练",
    }
    c.post("/notices/new/", {**base, "do": "save"})
    draft = Notice.objects.get()
    assert draft.state == NoticeState.DRAFT and not NoticeDelivery.objects.exists()
    later = timezone.localtime() + timedelta(days=2)
    response = c.post(
        f"/notices/{draft.pk}/edit/",
        {
            **base,
            "title": "消防演练（改期）",
            "publish_at": later.strftime("%Y-%m-%dT%H:%M"),
            "do": "publish",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == NoticeState.SCHEDULED and draft.title == "消防演练（改期）"
    assert "已定时" in c.get(f"/notices/{draft.pk}/").content.decode()
    assert not NoticeDelivery.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "请填写标题"),
        ({"community": "b1"}, "community", "小区不存在或不在您的管理范围内"),
        ({"target": "buildings"}, "building_ids", "请选择楼栋"),
        ({"target": "houses", "house_ids": ["abc"]}, "house_ids", "编号不正确"),
        ({"community": ""}, "community", "请选择小区"),
        ({"expires_at": "2020-01-01T08:00"}, "expires_at", "过期时间必须晚于发布时间"),
        (
            {"attachments": [SimpleUploadedFile("run.exe", b"MZ")]},
            "attachments",
            "类型不支持",
        ),
    ],
)
def test_bad_form_input_names_the_field_and_saves_nothing(
    world, client_for, change, field, message
):
    data = {
        "kind": "community",
        "target": "community",
        "community": world.community_a1.pk,
        "title": "停水",
        "body": "停水",
        "do": "publish",
    }
    data.update(change)
    if data["community"] == "b1":  # another company's community
        data["community"] = world.community_b1.pk
    response = client_for(world.staff("customer_service")).post("/notices/new/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert message in response.content.decode()
    assert not Notice.objects.exists() and not NoticeDelivery.objects.exists()


def test_buildings_of_another_company_are_refused_from_the_form(world, client_for):
    other_building = world.houses_b1[0].building
    response = client_for(world.staff("customer_service")).post(
        "/notices/new/",
        {
            "kind": "community",
            "target": "buildings",
            "community": world.community_a1.pk,
            "building_ids": [other_building.pk],
            "title": "x",
            "body": "x",
            "do": "publish",
        },
    )
    assert response.status_code == 400 and "所选楼栋不属于该小区" in response.content.decode()
    assert not Notice.objects.exists()


def test_receipts_unread_list_remind_and_export(
    world, client_for, bind_owner, sms_outbox, django_capture_on_commit_callbacks
):
    cs = world.staff("customer_service")
    neighbour = bind_owner("13500000052", world.houses_a1[3], name="李邻居")
    notice = _published(cs, world.community_a1)
    services.notice_mark_read(user=world.owner, notice_id=notice.pk)
    c = client_for(cs)
    page = c.get(f"/notices/{notice.pk}/").content.decode()
    assert "未读名单（1 人）" in page and "李邻居" in page and "135****0052" in page
    assert "王建国" not in page.split("未读名单")[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(f"/notices/{notice.pk}/remind/", {"sms": "on"}, follow=True)
    assert "已提醒 1 位未读住户（站内消息和短信）" in response.content.decode()
    assert [m.phone for m in sms_outbox] == [neighbour.phone]
    assert NoticeDelivery.objects.get(notice=notice, user=neighbour).reminded_count == 1
    # The unread list as a workbook (customer service has no export permission; HQ has).
    assert c.get(f"/notices/{notice.pk}/?export=unread").status_code == 403
    pm = client_for(world.staff("hq_admin"))
    response = pm.get(f"/notices/{notice.pk}/?export=unread")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    house = world.houses_a1[3]
    assert rows[0] == ("姓名", "手机号", "房屋", "提醒次数")
    # HQ may see whole numbers (residents.view_sensitive).
    assert rows[1:] == [
        ("李邻居", "13500000052", f"{house.building.name}{house.unit.name}{house.room_no}", 1)
    ]


def test_display_with_a_bad_expiry_names_the_field_and_changes_nothing(world, client_for):
    cs = world.staff("customer_service")
    notice = _published(cs, world.community_a1)
    before = _state(notice)
    response = client_for(cs).post(
        f"/notices/{notice.pk}/display/",
        {"pinned": "on", "expires_at": "2000-01-01T00:00"},
        follow=True,
    )
    assert "过期时间必须晚于发布时间" in response.content.decode()
    assert _state(notice) == before
    response = client_for(cs).post(
        f"/notices/{notice.pk}/display/", {"pinned": "on", "expires_at": "not a time"}, follow=True
    )
    assert "过期时间：" in response.content.decode() and _state(notice) == before


def test_withdraw_from_the_page_hides_it_from_owners(world, client_for):
    cs = world.staff("customer_service")
    notice = _published(cs, world.community_a1)
    owner = client_for(world.owner)
    assert owner.get(f"/app/notices/{notice.pk}/").status_code == 200
    response = client_for(cs).post(f"/notices/{notice.pk}/withdraw/", follow=True)
    assert "已撤回" in response.content.decode()
    assert owner.get(f"/app/notices/{notice.pk}/").status_code == 404


def test_an_unknown_button_is_not_found(world, client_for):
    cs = world.staff("customer_service")
    notice = _published(cs, world.community_a1)
    assert client_for(cs).post(f"/notices/{notice.pk}/explode/").status_code == 404


def test_project_staff_read_but_cannot_withdraw_a_company_announcement(world, client_for):
    notice = _published(
        world.staff("hq_admin"),
        world.community_a1,
        kind=NoticeKind.COMPANY,
        target=NoticeTarget.COMPANY,
        community_id=None,
        title="春节值班",
    )
    c = client_for(world.staff("customer_service"))
    page = c.get(f"/notices/{notice.pk}/").content.decode()
    assert "春节值班" in page and "撤回" not in page
    assert c.post(f"/notices/{notice.pk}/withdraw/").status_code == 404
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.PUBLISHED


def test_bureau_writes_a_policy_for_its_district(world, client_for, bind_owner):
    a2_owner = bind_owner("13500000053", world.houses_a2[0])
    c = client_for(world.bureau_official)
    form = c.get("/notices/new/").content.decode()
    assert "政策法规" in form and "社区通知" not in form
    response = c.post(
        "/notices/new/",
        {
            "kind": "policy",
            "target": "jurisdiction",
            "title": "条例解读",
            "body": "要点",
            "do": "publish",
        },
    )
    notice = Notice.objects.get(title="条例解读")
    assert response.status_code == 302 and notice.bureau_id == world.bureau_a.pk
    recipients = set(NoticeDelivery.objects.filter(notice=notice).values_list("user_id", flat=True))
    assert recipients == {world.owner.pk, a2_owner.pk}
    assert world.other_owner.pk not in recipients
    page = c.get(f"/notices/{notice.pk}/").content.decode()
    assert "未读名单" not in page  # the bureau sees counts, not names
    # A company's staff cannot write bureau kinds.
    response = client_for(world.staff("hq_admin")).post(
        "/notices/new/",
        {"kind": "policy", "target": "jurisdiction", "title": "x", "body": "x", "do": "publish"},
    )
    assert response.status_code == 400 and Notice.objects.count() == 1


def test_notice_list_query_count_does_not_grow_with_rows(world, client_for):
    cs = world.staff("customer_service")
    c = client_for(cs)
    _published(cs, world.community_a1)
    c.get("/notices/")
    with CaptureQueriesContext(connection) as few:
        assert c.get("/notices/").status_code == 200
    for i in range(12):
        _published(cs, world.community_a1, title=f"通知{i}")
    with CaptureQueriesContext(connection) as many:
        assert c.get("/notices/").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_detail_query_count_does_not_grow_with_unread_rows(world, client_for, bind_owner):
    cs = world.staff("customer_service")
    notice = _published(cs, world.community_a1)
    c = client_for(cs)
    c.get(f"/notices/{notice.pk}/")
    with CaptureQueriesContext(connection) as few:
        c.get(f"/notices/{notice.pk}/")
    for i, house in enumerate(world.houses_a1[1:7]):
        bind_owner(f"135000001{i:02d}", house)
    notice2 = _published(cs, world.community_a1, title="再来一条")
    c.get(f"/notices/{notice2.pk}/")
    with CaptureQueriesContext(connection) as many:
        c.get(f"/notices/{notice2.pk}/")
    assert len(many.captured_queries) == len(few.captured_queries)
