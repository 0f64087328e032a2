"""The duty desk's server side: who reaches its state endpoint, what it replays after a
dropped connection (only new cases of the user's scope, once, from an exact event id), which
open screens a new case reaches, and an idle console on the Redis layer staying connected."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse
from django.utils import timezone

from wuyetong.core.access import get_access
from wuyetong.demo import builders
from wuyetong.servicedesk import services
from wuyetong.servicedesk.models import Case, CaseEvent
from wuyetong.web.tests.test_site import _communicator, run_async

STATE = reverse("servicedesk:desk_state")


def newest_event() -> int:
    return CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, status",
    [
        ("customer_service", 200),
        ("repair_worker", 200),
        ("cashier", 403),
        ("owner", 403),
        ("bureau", 403),
        ("anonymous", 302),
    ],
)
def test_desk_state_permission_matrix(desk, client, client_for, who, status):
    users = {"owner": desk.world.owner, "bureau": desk.world.bureau_official, "anonymous": None}
    user = users[who] if who in users else desk.world.staff(who)
    r = (client_for(user) if user else client).get(STATE)
    assert r.status_code == status
    # Neither the page shell nor anything else offers the desk to those without cases.
    if user is not None and status == 403 and who != "owner":
        assert 'id="desk"' not in client_for(user).get("/").content.decode()


@pytest.mark.django_db
def test_replay_returns_only_new_cases_of_the_users_scope_since_the_event(
    desk, client_for, request
):
    desk.submit()
    cursor = newest_event()
    missed = desk.submit(description="楼道灯不亮")
    desk.drive(missed, "dispatched")  # later events of the same case: one card, not two
    a2_case = request.getfixturevalue("a2_case")  # 西溪花园: not this clerk's project
    b_other = client_for(desk.world.staff("customer_service", "b"))
    cs = client_for(desk.cs)
    body = cs.get(f"{STATE}?after={cursor}").json()
    assert [c["number"] for c in body["cases"]] == [missed.number]
    assert body["cases"][0]["url"] == reverse("servicedesk:case_detail", args=[missed.pk])
    assert body["pool"] == 1  # the first case still waits; the missed one was dispatched
    assert body["last_event_id"] > cursor and body["more"] is False
    again = cs.get(f"{STATE}?after={body['last_event_id']}").json()
    assert again["cases"] == []
    # The HQ admin sees both projects; the other company none of it.
    hq = client_for(desk.world.staff("hq_admin")).get(f"{STATE}?after={cursor}").json()
    assert [c["number"] for c in hq["cases"]] == [missed.number, a2_case.number]
    other = b_other.get(f"{STATE}?after={cursor}").json()
    assert other["cases"] == [] and other["pool"] == 0
    # A bureau's urge is replayed as its own card, with its note.
    Case.objects.filter(pk=missed.pk).update(submitted_at=timezone.now() - timedelta(days=4))
    urge = services.bureau_urge(
        official=desk.world.bureau_official, case_id=missed.pk, note="请尽快处理"
    )
    cards = cs.get(f"{STATE}?after={body['last_event_id']}").json()["cases"]
    assert [(c["urge_id"], c["note"], c["number"]) for c in cards] == [
        (urge.pk, "请尽快处理", missed.number)
    ]
    # Rubbish cursors are refused as no cursor, never a 500.
    for bad in ("abc", "-1", "99999999999999999999999"):
        r = cs.get(f"{STATE}?after={bad}")
        assert r.status_code == 200 and r.json()["cases"] == []


@pytest.mark.django_db(transaction=True)
def test_a_new_case_reaches_the_open_screens_of_its_community_only(desk):
    cs = desk.cs  # 翠苑一区's project
    hq = desk.world.staff("hq_admin")
    a2_cs = builders.employee_create(
        bundle=desk.world.a, phone="13900000098", name="西溪客服", template="customer_service"
    )
    desk.world.a.staff["customer_service"] = cs
    # employee_create puts project staff at the first project: move this one to the second
    from wuyetong.orgs.models import Employee

    Employee.objects.filter(user=a2_cs).update(org_unit=desk.world.a.projects[1])
    other = desk.world.staff("customer_service", "b")
    for user in (cs, hq, a2_cs, other):
        get_access(user)

    async def scenario():
        screens = {}
        for name, user in (("cs", cs), ("hq", hq), ("a2", a2_cs), ("other", other)):
            comm = _communicator(user)
            assert (await comm.connect())[0]
            await comm.receive_json_from()  # hello
            screens[name] = comm
        case = await sync_to_async(desk.submit)()
        for name in ("cs", "hq"):
            got = [await screens[name].receive_json_from(timeout=10) for _ in range(2)]
            created = next(p for p in got if p["type"] == "case.created")
            assert created["number"] == case.number and created["community"] == "翠苑一区"
        for name in ("a2", "other"):
            assert await screens[name].receive_nothing(timeout=0.3), name
        for comm in screens.values():
            await comm.disconnect()

    run_async(scenario)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the Redis layer needs REDIS_URL")
def test_an_idle_console_stays_connected_on_the_redis_layer(desk, settings):
    """redis-py ≥ 8 reads with a 5 s socket timeout by default; channels_redis waits up to 5 s
    in BZPOPMIN. Without the layer's own socket timeout an idle consumer dies within seconds."""
    from channels.layers import channel_layers

    from config.settings.base import redis_channel_layer

    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(os.environ["REDIS_URL"])}
    channel_layers.backends.clear()
    cs = desk.cs
    get_access(cs)

    async def scenario():
        comm = _communicator(cs)
        assert (await comm.connect(timeout=5))[0]
        await comm.receive_json_from(timeout=10)
        await asyncio.sleep(12)  # idle past two blocking waits and the client's old timeout
        case = await sync_to_async(desk.submit)()
        got = [await comm.receive_json_from(timeout=10) for _ in range(2)]
        assert {p["type"] for p in got} == {"case.created", "case.updated"}
        assert got[0]["id"] == case.pk
        await comm.disconnect()

    try:
        run_async(scenario)
    finally:
        channel_layers.backends.clear()
