"""New notices reach open owner screens over /ws/events/ at once, strictly per recipient: the
owner of another building, another company's owner and the staff get nothing of it."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from wuyetong.core.access import get_access
from wuyetong.notices import services
from wuyetong.notices.choices import NoticeKind, NoticeTarget
from wuyetong.web.tests.test_site import _communicator, run_async


@pytest.mark.django_db(transaction=True)
def test_a_building_notice_reaches_only_its_owners_open_screens(world, bind_owner):
    building = world.owner_house.building
    other = next(h for h in world.houses_a1 if h.building_id != building.pk)
    neighbour = bind_owner("13500000081", other)
    cs = world.staff("customer_service")
    for user in (world.owner, neighbour, world.other_owner, cs):
        get_access(user)  # resolve before entering the event loop

    def publish():
        notice = services.notice_create(
            actor=cs,
            kind=NoticeKind.COMMUNITY,
            target=NoticeTarget.BUILDINGS,
            community_id=world.community_a1.pk,
            building_ids=[building.pk],
            title="本楼停电检修",
            body="周二 9:00-11:00",
            urgent=True,
        )
        return services.notice_publish(actor=cs, notice_id=notice.pk)

    async def scenario():
        screens = {}
        for name, user in (
            ("owner", world.owner),
            ("neighbour", neighbour),
            ("other", world.other_owner),
            ("staff", cs),
        ):
            comm = _communicator(user)
            assert (await comm.connect())[0]
            hello = await comm.receive_json_from()
            screens[name] = comm
        assert hello["groups"][0] == f"user.{cs.pk}"
        notice = await sync_to_async(publish)()
        event = await screens["owner"].receive_json_from(timeout=10)
        assert event == {
            "type": "notice.published",
            "kind": "notice",
            "notice_id": notice.pk,
            "title": "本楼停电检修",
            "urgent": True,
            "link": f"/app/notices/{notice.pk}/",
        }
        for name in ("neighbour", "other", "staff"):
            assert await screens[name].receive_nothing(timeout=0.3), name
        for comm in screens.values():
            await comm.disconnect()

    run_async(scenario)


@pytest.mark.django_db(transaction=True)
def test_a_reminder_reaches_only_those_who_have_not_read(world, bind_owner):
    neighbour = bind_owner("13500000082", world.houses_a1[3])
    cs = world.staff("customer_service")
    for user in (world.owner, neighbour, cs):
        get_access(user)
    notice = services.notice_publish(
        actor=cs,
        notice_id=services.notice_create(
            actor=cs,
            kind=NoticeKind.COMMUNITY,
            target=NoticeTarget.COMMUNITY,
            community_id=world.community_a1.pk,
            title="停水通知",
            body="周六",
        ).pk,
    )
    services.notice_mark_read(user=world.owner, notice_id=notice.pk)

    async def scenario():
        owner, other = _communicator(world.owner), _communicator(neighbour)
        for comm in (owner, other):
            assert (await comm.connect())[0]
            await comm.receive_json_from()
        await sync_to_async(services.notice_remind_unread)(actor=cs, notice_id=notice.pk)
        event = await other.receive_json_from(timeout=10)
        assert event["type"] == "notice.reminder" and event["title"] == "提醒：停水通知"
        assert await owner.receive_nothing(timeout=0.3)
        await asyncio.gather(owner.disconnect(), other.disconnect())

    run_async(scenario)
