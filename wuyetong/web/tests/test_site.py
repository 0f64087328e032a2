import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import NoReverseMatch, reverse

from config.ws_urls import websocket_urlpatterns
from wuyetong.core.access import get_access
from wuyetong.core.realtime import publish
from wuyetong.web.navigation import NAV, build_menu

pytestmark = pytest.mark.django_db


def test_healthz_reports_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok" and body["database"]["status"] == "ok"


def test_dashboard_requires_login(client):
    resp = client.get("/")
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


@pytest.mark.parametrize("who", ["admin", "bureau_official", "merchant_user"])
def test_dashboard_per_persona(world, client_for, who):
    resp = client_for(getattr(world, who)).get("/")
    assert resp.status_code == 200


def test_staff_dashboard_counts_only_own_scope(world, client_for):
    resp = client_for(world.staff("project_manager")).get("/")
    assert resp.status_code == 200
    assert resp.context["stats"]["houses"] == len(world.houses_a1)
    assert "江南名府" not in resp.content.decode()


def test_owner_is_sent_to_the_phone_app(world, client_for):
    resp = client_for(world.owner).get("/")
    assert resp.status_code == 302 and resp["Location"].startswith("/app/")


def test_menu_follows_permissions(world):
    labels = lambda user: {i["label"] for g in build_menu(get_access(user)) for i in g["items"]}  # noqa: E731
    cleaner = labels(world.staff("cleaner"))
    assert "房屋" not in cleaner and "工作台" in cleaner
    assert "房屋" in labels(world.staff("project_manager"))
    assert "物业公司" in labels(world.admin) and "房屋" not in labels(world.admin)
    assert "辖区小区" in labels(world.bureau_official)


def test_every_menu_entry_resolves():
    for _title, items in NAV:
        for item in items:
            try:
                reverse(item.url_name)
            except NoReverseMatch:  # pragma: no cover - reported below
                pytest.fail(f"menu entry {item.label} points to missing URL {item.url_name}")


def run_async(scenario):
    """Run a coroutine function on its own loop in a fresh thread: Playwright's sync API may have
    left an event loop in this one, where async_to_sync refuses to run."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, scenario()).result(timeout=30)


def _communicator(user):
    app = URLRouter(websocket_urlpatterns)
    comm = WebsocketCommunicator(app, "/ws/events/")
    comm.scope["user"] = user
    return comm


@pytest.mark.django_db(transaction=True)
def test_websocket_delivers_company_events(world):

    user = world.staff("customer_service")
    get_access(user)  # resolve before entering the event loop

    async def scenario():
        comm = _communicator(user)
        connected, _ = await comm.connect()
        assert connected
        hello = await comm.receive_json_from()
        assert f"company.{world.company_a.pk}" in hello["groups"]
        from channels.layers import get_channel_layer

        await get_channel_layer().group_send(
            f"company.{world.company_a.pk}",
            {"type": "push.event", "payload": {"type": "ping", "n": 1}},
        )
        assert await comm.receive_json_from(timeout=10) == {"type": "ping", "n": 1}
        await comm.disconnect()

    run_async(scenario)


@pytest.mark.django_db(transaction=True)
def test_websocket_refuses_anonymous():
    from django.contrib.auth.models import AnonymousUser

    async def scenario():
        comm = _communicator(AnonymousUser())
        connected, _code = await comm.connect()
        assert not connected

    run_async(scenario)


def test_publish_waits_for_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        publish("user.1", {"type": "x"})
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_company_event_reaches_only_staff_whose_scope_has_the_community(world):
    pm = world.staff("project_manager")  # community A1 only
    get_access(pm)

    async def scenario():
        from channels.layers import get_channel_layer

        comm = _communicator(pm)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        layer = get_channel_layer()
        group = f"company.{world.company_a.pk}"
        for community in (world.community_a2, world.community_a1):
            await layer.group_send(
                group,
                {
                    "type": "push.event",
                    "group": group,
                    "payload": {"type": "binding.created", "community_id": community.pk},
                },
            )
        received = await comm.receive_json_from(timeout=10)
        assert received["community_id"] == world.community_a1.pk  # the A2 event was dropped
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    run_async(scenario)


def test_list_cells_show_times_in_local_time():
    import datetime as dt

    from wuyetong.web.pages import _text

    assert _text(dt.datetime(2026, 11, 30, 17, 5, tzinfo=dt.UTC)) == "2026-12-01 01:05"
