"""Notice services: targeting, publishing, read receipts, reminders, scheduling, withdrawal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wuyetong.accounts.models import User
from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.estates.models import Occupancy, Resident
from wuyetong.notices import selectors, services, tasks
from wuyetong.notices.choices import NoticeKind, NoticeState, NoticeTarget
from wuyetong.notices.models import Message, Notice, NoticeDelivery, NoticeReminder

NOW = timezone.make_aware(datetime(2026, 7, 1, 9, 0))


def _create(actor, **kw):
    fields = {
        "kind": NoticeKind.COMMUNITY,
        "target": NoticeTarget.COMMUNITY,
        "title": "停水通知",
        "body": "7月2日8:00-12:00 管道检修停水，请提前储水。",
        "now": NOW,
    }
    fields.update(kw)
    return services.notice_create(actor=actor, **fields)


def _publish(actor, notice, now=NOW):
    return services.notice_publish(actor=actor, notice_id=notice.pk, now=now)


def _recipients(notice) -> set[int]:
    return set(NoticeDelivery.objects.filter(notice=notice).values_list("user_id", flat=True))


def test_building_notice_skips_owner_of_another_building(world, bind_owner):
    cs = world.staff("customer_service")
    building1 = world.owner_house.building
    other = next(h for h in world.houses_a1 if h.building_id != building1.pk)
    neighbour = bind_owner("13500000011", other)
    notice = _create(
        cs,
        community_id=world.community_a1.pk,
        target=NoticeTarget.BUILDINGS,
        building_ids=[building1.pk],
    )
    _publish(cs, notice)
    assert _recipients(notice) == {world.owner.pk}
    assert not selectors.owner_notice_list(user=neighbour, now=NOW).exists()
    assert list(selectors.owner_notice_list(user=world.owner, now=NOW)) == [notice]


def test_house_notice_reaches_only_that_house(world, bind_owner):
    cs = world.staff("customer_service")
    same_building = world.houses_a1[1]
    tenant = bind_owner("13500000012", same_building)
    family = bind_owner("13500000013", world.owner_house, name="家属")
    notice = _create(
        cs,
        community_id=world.community_a1.pk,
        target=NoticeTarget.HOUSES,
        house_ids=[world.owner_house.pk],
    )
    _publish(cs, notice)
    assert _recipients(notice) == {world.owner.pk, family.pk}
    assert tenant.pk not in _recipients(notice)
    notice.refresh_from_db()
    assert notice.state == NoticeState.PUBLISHED and notice.recipient_count == 2


def test_moved_out_resident_does_not_receive(world, bind_owner):
    cs = world.staff("customer_service")
    leaver = bind_owner("13500000014", world.houses_a1[2])
    Occupancy.objects.filter(resident__user=leaver).update(end_date=NOW.date())
    notice = _create(cs, community_id=world.community_a1.pk)
    _publish(cs, notice)
    assert _recipients(notice) == {world.owner.pk}


def test_company_b_staff_cannot_target_company_a(world):
    b_staff = world.staff("hq_admin", company="b")
    with pytest.raises(ApplicationError) as err:
        _create(b_staff, community_id=world.community_a1.pk)
    assert err.value.field == "community_id"
    with pytest.raises(ApplicationError) as err:
        _create(
            b_staff,
            community_id=world.community_b1.pk,
            target=NoticeTarget.HOUSES,
            house_ids=[world.owner_house.pk],
        )
    assert err.value.field == "house_ids"
    assert not Notice.objects.exists()


def test_company_b_staff_cannot_see_or_change_company_a_notice(world):
    cs = world.staff("customer_service")
    b_staff = world.staff("hq_admin", company="b")
    notice = _create(cs, community_id=world.community_a1.pk)
    assert not selectors.notice_list(user=b_staff).exists()
    with pytest.raises(NotFound):
        selectors.notice_get(user=b_staff, notice_id=notice.pk)
    with pytest.raises(NotFound):
        selectors.notice_read_stats(user=b_staff, notice_id=notice.pk)
    for call in (services.notice_publish, services.notice_withdraw):
        with pytest.raises(NotFound):
            call(actor=b_staff, notice_id=notice.pk, now=NOW)
    with pytest.raises(NotFound):
        services.notice_update(
            actor=b_staff,
            notice_id=notice.pk,
            kind=NoticeKind.COMMUNITY,
            target=NoticeTarget.COMMUNITY,
            community_id=world.community_b1.pk,
            title="改",
            body="改",
        )
    notice.refresh_from_db()
    assert notice.state == NoticeState.DRAFT and notice.title == "停水通知"
    assert not NoticeDelivery.objects.exists()


def test_staff_of_another_project_cannot_target_community(world):
    # customer_service sits on project 0 (community_a1); community_a2 belongs to project 1.
    cs = world.staff("customer_service")
    with pytest.raises(ApplicationError) as err:
        _create(cs, community_id=world.community_a2.pk)
    assert err.value.field == "community_id"
    with pytest.raises(ApplicationError) as err:
        _create(cs, kind=NoticeKind.COMPANY, target=NoticeTarget.COMPANY)
    assert err.value.field == "target"


def test_owner_cannot_publish_notices(world):
    from wuyetong.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _create(world.owner, community_id=world.community_a1.pk)
    assert not Notice.objects.exists()


def test_company_announcement_reaches_all_company_communities(world, bind_owner):
    hq = world.staff("hq_admin")
    a2_owner = bind_owner("13500000015", world.houses_a2[0])
    notice = _create(hq, kind=NoticeKind.COMPANY, target=NoticeTarget.COMPANY, title="春节值班安排")
    _publish(hq, notice)
    assert _recipients(notice) == {world.owner.pk, a2_owner.pk}


def test_bureau_message_reaches_owners_of_its_district_only(world, bind_owner):
    a2_owner = bind_owner("13500000016", world.houses_a2[0])
    notice = _create(
        world.bureau_official,
        kind=NoticeKind.PUBLIC,
        target=NoticeTarget.JURISDICTION,
        title="防汛提示",
    )
    _publish(world.bureau_official, notice)
    assert _recipients(notice) == {world.owner.pk, a2_owner.pk}
    assert world.other_owner.pk not in _recipients(notice)
    # The bureau manages its own notices; another bureau and the companies do not see them.
    assert list(selectors.notice_list(user=world.bureau_official)) == [notice]
    assert not selectors.notice_list(user=world.bureau_b_official).exists()
    assert not selectors.notice_list(user=world.staff("hq_admin")).exists()


def test_bureau_policy_only_for_its_jurisdiction(world):
    with pytest.raises(ApplicationError) as err:
        _create(
            world.bureau_official,
            kind=NoticeKind.POLICY,
            target=NoticeTarget.COMMUNITY,
            community_id=world.community_b1.pk,
        )
    assert err.value.field == "community_id"
    with pytest.raises(ApplicationError) as err:
        _create(world.staff("hq_admin"), kind=NoticeKind.POLICY, target=NoticeTarget.JURISDICTION)
    assert err.value.field == "kind"
    assert not Notice.objects.exists()


def test_read_receipts_and_unread_list(world, bind_owner):
    cs = world.staff("customer_service")
    neighbour = bind_owner("13500000017", world.houses_a1[3], name="李邻居")
    notice = _create(cs, community_id=world.community_a1.pk)
    _publish(cs, notice)

    stats = selectors.notice_read_stats(user=cs, notice_id=notice.pk)
    assert (stats.delivered, stats.read, stats.unread) == (2, 0, 2)

    services.notice_mark_read(user=world.owner, notice_id=notice.pk, now=NOW)
    first = NoticeDelivery.objects.get(notice=notice, user=world.owner).read_at
    services.notice_mark_read(
        user=world.owner, notice_id=notice.pk, now=NOW + timedelta(hours=1)
    )  # idempotent: the first read time stays
    assert NoticeDelivery.objects.get(notice=notice, user=world.owner).read_at == first == NOW

    stats = selectors.notice_read_stats(user=cs, notice_id=notice.pk)
    assert (stats.delivered, stats.read, stats.unread) == (2, 1, 1)
    assert [c.community_id for c in stats.by_community] == [world.community_a1.pk]
    house = world.houses_a1[3]
    unread = selectors.notice_unread_deliveries(user=cs, notice_id=notice.pk)
    rows = selectors.unread_recipients(user=cs, deliveries=unread)
    assert [(r.user_id, r.name, r.phone, r.houses) for r in rows] == [
        (
            neighbour.pk,
            "李邻居",
            "135****0017",
            f"{house.building.name}{house.unit.name}{house.room_no}",
        )
    ]
    # A role allowed to see whole numbers (项目经理: residents.view_sensitive) sees it whole.
    pm = world.staff("project_manager")
    rows = selectors.unread_recipients(
        user=pm, deliveries=selectors.notice_unread_deliveries(user=pm, notice_id=notice.pk)
    )
    assert [r.phone for r in rows] == ["13500000017"]
    assert selectors.notice_list(user=cs).get().read_count == 1


def test_owner_cannot_mark_a_notice_not_delivered_to_them(world):
    cs = world.staff("customer_service")
    notice = _create(cs, community_id=world.community_a1.pk)
    _publish(cs, notice)
    with pytest.raises(NotFound):
        services.notice_mark_read(user=world.other_owner, notice_id=notice.pk, now=NOW)
    assert not NoticeDelivery.objects.filter(read_at__isnull=False).exists()


def test_publish_creates_messages_and_pushes_after_commit(
    world, pushes, django_capture_on_commit_callbacks
):
    cs = world.staff("customer_service")
    notice = _create(cs, community_id=world.community_a1.pk)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(cs, notice)
    assert [g for g, _ in pushes] == [f"user.{world.owner.pk}"]
    assert pushes[0][1]["notice_id"] == notice.pk
    assert pushes[0][1]["type"] == "notice.published"
    assert selectors.message_unread_count(user=world.owner) == 1
    assert selectors.owner_notice_unread_count(user=world.owner, now=NOW) == 1
    services.notice_mark_read(user=world.owner, notice_id=notice.pk, now=NOW)
    assert selectors.message_unread_count(user=world.owner) == 0
    assert selectors.owner_notice_unread_count(user=world.owner, now=NOW) == 0


def test_urgent_notice_is_sent_by_sms(world, sms_outbox, django_capture_on_commit_callbacks):
    cs = world.staff("customer_service")
    notice = _create(cs, community_id=world.community_a1.pk, urgent=True)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(cs, notice)
    assert [m.phone for m in sms_outbox] == [world.owner.phone]
    assert "停水通知" in sms_outbox[0].text and "安居" in sms_outbox[0].text


def test_ordinary_notice_sends_no_sms(world, sms_outbox, django_capture_on_commit_callbacks):
    cs = world.staff("customer_service")
    notice = _create(cs, community_id=world.community_a1.pk)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(cs, notice)
    assert sms_outbox == []


def test_remind_reaches_only_the_unread(
    world, bind_owner, sms_outbox, django_capture_on_commit_callbacks
):
    cs = world.staff("customer_service")
    neighbour = bind_owner("13500000018", world.houses_a1[3])
    notice = _create(cs, community_id=world.community_a1.pk)
    _publish(cs, notice)
    services.notice_mark_read(user=world.owner, notice_id=notice.pk, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        reminder = services.notice_remind_unread(
            actor=cs, notice_id=notice.pk, sms=True, now=NOW + timedelta(hours=2)
        )
    assert reminder.recipient_count == 1 and reminder.by_sms
    assert [m.phone for m in sms_outbox] == [neighbour.phone]
    assert Message.objects.filter(user=neighbour).count() == 2
    assert Message.objects.filter(user=world.owner).count() == 1
    delivery = NoticeDelivery.objects.get(notice=notice, user=neighbour)
    assert delivery.reminded_count == 1
    assert NoticeReminder.objects.filter(notice=notice).count() == 1


def test_remind_when_everyone_has_read_is_refused(world):
    cs = world.staff("customer_service")
    notice = _create(cs, community_id=world.community_a1.pk)
    _publish(cs, notice)
    services.notice_mark_read(user=world.owner, notice_id=notice.pk, now=NOW)
    with pytest.raises(ApplicationError):
        services.notice_remind_unread(actor=cs, notice_id=notice.pk, now=NOW)
    assert not NoticeReminder.objects.exists()


def test_scheduled_notice_publishes_once_when_due(world):
    cs = world.staff("customer_service")
    at = NOW + timedelta(hours=3)
    notice = _create(cs, community_id=world.community_a1.pk, publish_at=at)
    _publish(cs, notice)
    notice.refresh_from_db()
    assert notice.state == NoticeState.SCHEDULED
    assert not NoticeDelivery.objects.exists()

    assert tasks.publish_due_notices(now=at - timedelta(seconds=1)) == []
    assert not NoticeDelivery.objects.exists()

    assert tasks.publish_due_notices(now=at) == [notice.pk]
    assert tasks.publish_due_notices(now=(at + timedelta(minutes=1)).isoformat()) == []
    notice.refresh_from_db()
    assert notice.state == NoticeState.PUBLISHED and notice.published_at == at
    assert _recipients(notice) == {world.owner.pk}
    assert Message.objects.filter(user=world.owner).count() == 1


def test_draft_with_past_time_is_not_published_by_the_task(world):
    cs = world.staff("customer_service")
    _create(cs, community_id=world.community_a1.pk, publish_at=NOW - timedelta(hours=1))
    assert tasks.publish_due_notices(now=NOW) == []
    assert not NoticeDelivery.objects.exists()


def test_published_notice_cannot_be_published_again(world):
    cs = world.staff("customer_service")
    notice = _create(cs, community_id=world.community_a1.pk)
    _publish(cs, notice)
    with pytest.raises(ApplicationError) as err:
        _publish(cs, notice)
    assert err.value.field == "state"
    assert NoticeDelivery.objects.count() == 1


def test_withdraw_hides_notice_and_its_messages_from_owners(world):
    cs = world.staff("customer_service")
    notice = _create(cs, community_id=world.community_a1.pk)
    _publish(cs, notice)
    services.notice_withdraw(actor=cs, notice_id=notice.pk, now=NOW)
    assert not selectors.owner_notice_list(user=world.owner, now=NOW).exists()
    assert selectors.message_unread_count(user=world.owner) == 0
    with pytest.raises(NotFound):
        selectors.owner_notice_get(user=world.owner, notice_id=notice.pk, now=NOW)
    # Receipts are kept for the record.
    assert NoticeDelivery.objects.filter(notice=notice).count() == 1


def test_expired_notice_leaves_owner_list_and_pinned_come_first(world):
    cs = world.staff("customer_service")
    old = _create(cs, community_id=world.community_a1.pk, title="旧通知")
    _publish(cs, old, now=NOW - timedelta(days=2))
    pinned = _create(cs, community_id=world.community_a1.pk, title="置顶", pinned=True)
    _publish(cs, pinned, now=NOW - timedelta(days=1))
    short = _create(
        cs, community_id=world.community_a1.pk, title="短期", expires_at=NOW + timedelta(hours=1)
    )
    _publish(cs, short)
    titles = [n.title for n in selectors.owner_notice_list(user=world.owner, now=NOW)]
    assert titles == ["置顶", "短期", "旧通知"]
    later = NOW + timedelta(hours=2)
    assert [n.title for n in selectors.owner_notice_list(user=world.owner, now=later)] == [
        "置顶",
        "旧通知",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "  "}, "title"),
        ({"body": ""}, "body"),
        ({"kind": "gossip"}, "kind"),
        ({"target": "everyone"}, "target"),
        ({"community_id": None}, "community_id"),
        ({"target": NoticeTarget.BUILDINGS, "building_ids": []}, "building_ids"),
        ({"target": NoticeTarget.HOUSES, "house_ids": []}, "house_ids"),
        ({"expires_at": NOW - timedelta(days=1)}, "expires_at"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, change, field):
    cs = world.staff("customer_service")
    fields = {"community_id": world.community_a1.pk, **change}
    with pytest.raises(ApplicationError) as err:
        _create(cs, **fields)
    assert err.value.field == field
    assert err.value.message
    assert not Notice.objects.exists()


def test_building_of_another_community_is_refused(world):
    cs = world.staff("customer_service")
    foreign = world.houses_a2[0].building_id
    with pytest.raises(ApplicationError) as err:
        _create(
            cs,
            community_id=world.community_a1.pk,
            target=NoticeTarget.BUILDINGS,
            building_ids=[world.owner_house.building_id, foreign],
        )
    assert err.value.field == "building_ids"
    assert not Notice.objects.exists()


def test_update_changes_draft_and_refuses_published(world):
    cs = world.staff("customer_service")
    notice = _create(cs, community_id=world.community_a1.pk)
    services.notice_update(
        actor=cs,
        notice_id=notice.pk,
        kind=NoticeKind.COMMUNITY,
        target=NoticeTarget.HOUSES,
        community_id=world.community_a1.pk,
        house_ids=[world.owner_house.pk],
        title="停水通知（更新）",
        body="改为 9:00 开始。",
        now=NOW,
    )
    notice.refresh_from_db()
    assert notice.title == "停水通知（更新）"
    assert list(notice.houses.values_list("pk", flat=True)) == [world.owner_house.pk]
    _publish(cs, notice)
    with pytest.raises(ApplicationError) as err:
        services.notice_update(
            actor=cs,
            notice_id=notice.pk,
            kind=NoticeKind.COMMUNITY,
            target=NoticeTarget.COMMUNITY,
            community_id=world.community_a1.pk,
            title="再改",
            body="再改",
            now=NOW,
        )
    assert err.value.field == "state"
    notice.refresh_from_db()
    assert notice.title == "停水通知（更新）"


def test_attachments_are_stored(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    cs = world.staff("customer_service")
    notice = _create(
        cs,
        community_id=world.community_a1.pk,
        attachments=[SimpleUploadedFile("停水安排.pdf", b"%PDF-1.4", "application/pdf")],
    )
    att = notice.attachments.get()
    assert att.name == "停水安排.pdf" and att.file.read() == b"%PDF-1.4"


def _populate(world, code: str, n_houses: int, phone_base: int):
    """A new community of company A with n houses, each with a registered owner (bulk)."""
    from wuyetong.demo import builders as b

    company = world.company_a
    community = b.community_create(
        company=company,
        project=world.a.projects[0],
        district=world.districts[0],
        name=f"测试{code}",
        code=code,
    )
    houses = b.houses_create(community, buildings=1, units=1, floors=1, per_floor=n_houses)
    users = User.objects.bulk_create(
        [User(phone=f"1{phone_base + i:010d}", name=f"业主{i}") for i in range(n_houses)]
    )
    residents = Resident.objects.bulk_create(
        [Resident(company=company, user=u, name=u.name, phone=u.phone) for u in users]
    )
    Occupancy.objects.bulk_create(
        [
            Occupancy(house=h, resident=r, relation="owner", start_date=NOW.date())
            for h, r in zip(houses, residents, strict=True)
        ]
    )
    return houses


def test_publishing_to_200_houses_takes_a_constant_number_of_queries(world):
    hq = world.staff("hq_admin")
    small = _populate(world, "T3", 3, 5500000000)
    big = _populate(world, "T200", 200, 5600000000)

    def publish_to(houses) -> int:
        notice = _create(
            hq,
            community_id=houses[0].community_id,
            target=NoticeTarget.HOUSES,
            house_ids=[h.pk for h in houses],
            urgent=True,
        )
        with CaptureQueriesContext(connection) as ctx:
            _publish(hq, notice)
        assert NoticeDelivery.objects.filter(notice=notice).count() == len(houses)
        return len(ctx.captured_queries)

    few, many = publish_to(small), publish_to(big)
    # Recipients cost no queries of their own; SQLite's bound-parameter limit may split a
    # bulk insert of 200 rows into two statements (one extra each for deliveries, messages).
    assert many - few <= 2, (few, many)
    assert many <= 12


def test_role_without_notices_permission_can_neither_publish_nor_list(world):
    cashier = world.staff("cashier")
    cs = world.staff("customer_service")
    notice = _create(cs, community_id=world.community_a1.pk)
    from wuyetong.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _create(cashier, community_id=world.community_a1.pk)
    assert not selectors.notice_list(user=cashier).exists()
    with pytest.raises(NotFound):
        _publish(cashier, notice)
    assert not selectors.notice_list(user=world.owner).exists()
    assert Notice.objects.count() == 1 and not NoticeDelivery.objects.exists()


def test_company_b_staff_cannot_remind_or_repin_company_a_notice(world):
    cs = world.staff("customer_service")
    b_staff = world.staff("hq_admin", company="b")
    notice = _create(cs, community_id=world.community_a1.pk)
    _publish(cs, notice)
    with pytest.raises(NotFound):
        services.notice_remind_unread(actor=b_staff, notice_id=notice.pk, sms=True, now=NOW)
    with pytest.raises(NotFound):
        services.notice_set_display(
            actor=b_staff, notice_id=notice.pk, pinned=True, expires_at=None
        )
    notice.refresh_from_db()
    assert not notice.pinned
    assert not NoticeReminder.objects.exists()
    assert Message.objects.count() == 1


def test_pin_and_expiry_can_change_after_publishing(world):
    cs = world.staff("customer_service")
    notice = _create(cs, community_id=world.community_a1.pk)
    _publish(cs, notice)
    services.notice_set_display(
        actor=cs, notice_id=notice.pk, pinned=True, expires_at=NOW + timedelta(days=1)
    )
    notice.refresh_from_db()
    assert notice.pinned and notice.expires_at == NOW + timedelta(days=1)
    with pytest.raises(ApplicationError) as err:
        services.notice_set_display(
            actor=cs, notice_id=notice.pk, pinned=True, expires_at=NOW - timedelta(days=1)
        )
    assert err.value.field == "expires_at"


def test_bureau_notice_to_one_community_of_its_district(world, bind_owner):
    a2_owner = bind_owner("13500000019", world.houses_a2[0])
    notice = _create(
        world.bureau_official,
        kind=NoticeKind.POLICY,
        target=NoticeTarget.COMMUNITY,
        community_id=world.community_a2.pk,
        title="物业服务收费管理办法",
    )
    _publish(world.bureau_official, notice)
    assert _recipients(notice) == {a2_owner.pk}
    with pytest.raises(NotFound):
        _publish(world.bureau_b_official, notice)


def test_staff_publish_after_the_task_published_is_refused(world):
    cs = world.staff("customer_service")
    at = NOW + timedelta(hours=1)
    notice = _create(cs, community_id=world.community_a1.pk, publish_at=at)
    _publish(cs, notice)
    assert tasks.publish_due_notices(now=at) == [notice.pk]
    with pytest.raises(ApplicationError):
        _publish(cs, notice, now=at)
    assert NoticeDelivery.objects.filter(notice=notice).count() == 1


def test_owner_lists_take_constant_queries(world, django_assert_num_queries):
    cs = world.staff("customer_service")
    for i in range(5):
        _publish(cs, _create(cs, community_id=world.community_a1.pk, title=f"通知{i}"))
    with django_assert_num_queries(1):
        notices = list(selectors.owner_notice_list(user=world.owner, now=NOW))
        assert [n.read_at for n in notices] == [None] * 5
        assert {n.community.name for n in notices} == {"翠苑一区"}
    with django_assert_num_queries(1):
        assert len(list(selectors.message_list(user=world.owner))) == 5
    with django_assert_num_queries(1):
        rows = list(selectors.notice_list(user=cs))
        assert [n.read_count for n in rows] == [0] * 5


def test_one_failing_scheduled_notice_does_not_stop_the_others(world, monkeypatch):
    cs = world.staff("customer_service")
    first = _create(cs, community_id=world.community_a1.pk, publish_at=NOW, title="甲")
    second = _create(cs, community_id=world.community_a1.pk, publish_at=NOW, title="乙")
    _publish(cs, first, now=NOW - timedelta(hours=1))
    _publish(cs, second, now=NOW - timedelta(hours=1))
    real = services._deliver

    def flaky(notice, *, now):
        if notice.pk == first.pk:
            raise RuntimeError("provider down")
        return real(notice, now=now)

    monkeypatch.setattr(services, "_deliver", flaky)
    assert tasks.publish_due_notices(now=NOW) == [second.pk]
    first.refresh_from_db()
    assert first.state == NoticeState.SCHEDULED  # rolled back; the next run tries again
    monkeypatch.setattr(services, "_deliver", real)
    assert tasks.publish_due_notices(now=NOW) == [first.pk]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("community_id", "abc"),
        ("community_id", 2**70),
        ("building_ids", ["x"]),
        ("house_ids", [-1]),
    ],
)
def test_malformed_ids_are_refused_naming_the_field(world, field, value):
    cs = world.staff("customer_service")
    kw: dict = {"community_id": world.community_a1.pk, field: value}
    if field == "building_ids":
        kw["target"] = NoticeTarget.BUILDINGS
    if field == "house_ids":
        kw["target"] = NoticeTarget.HOUSES
    with pytest.raises(ApplicationError) as err:
        _create(cs, **kw)
    assert err.value.field == field
    assert not Notice.objects.exists()


def test_bureau_notice_with_malformed_community_id_is_refused(world):
    with pytest.raises(ApplicationError) as err:
        _create(
            world.bureau_official,
            kind=NoticeKind.POLICY,
            target=NoticeTarget.COMMUNITY,
            community_id="12a",
        )
    assert err.value.field == "community_id"


def test_task_clock_accepts_iso_strings(world):
    assert tasks.publish_due_notices(now=NOW.isoformat()) == []
