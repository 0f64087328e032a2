"""Gaps left by the first notices session: SMS to residents without an app account, project
staff reading company announcements, publish / withdraw in the operation log, and the
message-centre seam other modules call."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.estates.models import Occupancy, Resident
from wuyetong.notices import selectors, services
from wuyetong.notices.choices import MessageKind, NoticeKind, NoticeTarget
from wuyetong.notices.models import Message, Notice, NoticeDelivery
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import OperationLog

NOW = timezone.make_aware(datetime(2026, 7, 1, 9, 0))


def _notice(actor, **kw):
    fields = {
        "kind": NoticeKind.COMMUNITY,
        "target": NoticeTarget.COMMUNITY,
        "title": "停水通知",
        "body": "7月2日8:00-12:00 管道检修停水。",
        "now": NOW,
    }
    fields.update(kw)
    notice = services.notice_create(actor=actor, **fields)
    return services.notice_publish(actor=actor, notice_id=notice.pk, now=NOW)


def _resident_without_account(house, phone, name="老住户", moved_out=False):
    resident = Resident.objects.create(company=house.community.company, name=name, phone=phone)
    return Occupancy.objects.create(
        house=house,
        resident=resident,
        relation="owner",
        start_date=date(2020, 1, 1),
        end_date=date(2026, 1, 1) if moved_out else None,
    )


def test_urgent_notice_reaches_residents_without_an_account_by_sms(
    world, sms_outbox, django_capture_on_commit_callbacks
):
    cs = world.staff("customer_service")
    _resident_without_account(world.houses_a1[1], "13811112222")
    _resident_without_account(world.houses_a1[2], "13811113333", moved_out=True)
    _resident_without_account(world.houses_a1[3], "")  # no phone: nothing to send to
    _resident_without_account(world.houses_b1[1], "13811114444")  # another company
    with django_capture_on_commit_callbacks(execute=True):
        notice = _notice(cs, community_id=world.community_a1.pk, urgent=True)
    assert sorted(m.phone for m in sms_outbox) == sorted([world.owner.phone, "13811112222"])
    notice.refresh_from_db()
    assert (notice.recipient_count, notice.sms_count) == (1, 2)
    # Only account holders get in-app deliveries and messages.
    assert list(NoticeDelivery.objects.values_list("user_id", flat=True)) == [world.owner.pk]


def test_building_urgent_notice_texts_only_that_building(
    world, sms_outbox, django_capture_on_commit_callbacks
):
    cs = world.staff("customer_service")
    building = world.owner_house.building
    inside = next(
        h for h in world.houses_a1 if h.building_id == building.pk and h != world.owner_house
    )
    outside = next(h for h in world.houses_a1 if h.building_id != building.pk)
    _resident_without_account(inside, "13811115555")
    _resident_without_account(outside, "13811116666")
    with django_capture_on_commit_callbacks(execute=True):
        _notice(
            cs,
            community_id=world.community_a1.pk,
            target=NoticeTarget.BUILDINGS,
            building_ids=[building.pk],
            urgent=True,
        )
    assert sorted(m.phone for m in sms_outbox) == sorted([world.owner.phone, "13811115555"])


def test_an_ordinary_notice_texts_nobody(world, sms_outbox, django_capture_on_commit_callbacks):
    _resident_without_account(world.houses_a1[1], "13811112222")
    with django_capture_on_commit_callbacks(execute=True):
        notice = _notice(world.staff("customer_service"), community_id=world.community_a1.pk)
    assert sms_outbox == [] and notice.sms_count == 0


def test_project_staff_read_company_announcements_but_cannot_change_them(world, bind_owner):
    hq = world.staff("hq_admin")
    cs = world.staff("customer_service")  # scoped to 翠苑项目 (community a1)
    a2_owner = bind_owner("13500000041", world.houses_a2[0])
    notice = _notice(hq, kind=NoticeKind.COMPANY, target=NoticeTarget.COMPANY, title="春节值班安排")
    assert notice in selectors.notice_list(user=cs)
    assert selectors.notice_get(user=cs, notice_id=notice.pk) == notice
    for call in (services.notice_withdraw, services.notice_remind_unread):
        with pytest.raises(NotFound):
            call(actor=cs, notice_id=notice.pk, now=NOW)
    with pytest.raises(NotFound):
        services.notice_set_display(actor=cs, notice_id=notice.pk, pinned=True, expires_at=None)
    # Receipts: the project's staff count and see only their own communities' recipients.
    stats = selectors.notice_read_stats(user=cs, notice_id=notice.pk)
    assert (stats.delivered, stats.unread) == (1, 1)
    unread = selectors.notice_unread_deliveries(user=cs, notice_id=notice.pk)
    assert [d.user_id for d in unread] == [world.owner.pk]
    full = selectors.notice_read_stats(user=hq, notice_id=notice.pk)
    assert full.delivered == 2
    assert {c.community_id for c in full.by_community} == {
        world.community_a1.pk,
        world.community_a2.pk,
    }
    assert a2_owner.pk in {
        d.user_id for d in selectors.notice_unread_deliveries(user=hq, notice_id=notice.pk)
    }
    # Another company's staff still see nothing of it.
    assert notice not in selectors.notice_list(user=world.staff("customer_service", company="b"))


def test_bureau_sees_counts_but_no_names(world, bind_owner):
    official = world.bureau_official
    notice = _notice(
        official, kind=NoticeKind.PUBLIC, target=NoticeTarget.JURISDICTION, title="防汛提示"
    )
    assert selectors.notice_read_stats(user=official, notice_id=notice.pk).delivered == 1
    assert not selectors.notice_unread_deliveries(user=official, notice_id=notice.pk).exists()


def test_publish_and_withdraw_are_named_in_the_operation_log(world):
    cs = world.staff("customer_service")
    notice = _notice(cs, community_id=world.community_a1.pk)
    services.notice_withdraw(actor=cs, notice_id=notice.pk, now=NOW)
    actions = list(
        OperationLog.objects.filter(
            object_id=str(notice.pk), content_type=ContentType.objects.get_for_model(Notice)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [OpAction.CREATE, OpAction.PUBLISH, OpAction.WITHDRAW]


def test_message_send_fills_the_inbox_and_pushes_after_commit(
    world, pushes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        n = services.message_send(
            user_ids=[world.owner.pk, world.owner.pk],
            title="您的报修已派单",
            link="/app/service/",
            kind=MessageKind.SERVICE,
            now=NOW,
        )
    assert n == 1
    message = Message.objects.get(user=world.owner)
    assert (message.kind, message.title, message.link) == (
        "service",
        "您的报修已派单",
        "/app/service/",
    )
    assert selectors.message_unread_count(user=world.owner) == 1
    assert pushes == [
        (
            f"user.{world.owner.pk}",
            {
                "type": "message.created",
                "kind": "service",
                "title": "您的报修已派单",
                "link": "/app/service/",
            },
        )
    ]


def test_message_send_refuses_an_unknown_kind(world):
    with pytest.raises(ApplicationError) as err:
        services.message_send(user_ids=[world.owner.pk], title="x", kind="spam")
    assert err.value.field == "kind"
    assert not Message.objects.exists()


def test_notice_messages_are_of_kind_notice(world):
    _notice(world.staff("customer_service"), community_id=world.community_a1.pk)
    assert list(Message.objects.values_list("kind", flat=True)) == [MessageKind.NOTICE]
    assert Notice.objects.get().sms_count == 0


def test_attachment_files_are_stored_under_unguessable_names(world, settings, tmp_path):
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    notice = services.notice_create(
        actor=world.staff("customer_service"),
        kind=NoticeKind.COMMUNITY,
        target=NoticeTarget.COMMUNITY,
        community_id=world.community_a1.pk,
        title="停水",
        body="停水",
        attachments=[SimpleUploadedFile("停水安排.PDF", b"%PDF-1.4")],
    )
    att = notice.attachments.get()
    assert att.name == "停水安排.PDF"
    assert re.fullmatch(r"notices/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", att.file.name)
