"""A push made in a thread that is not the server's (the embedded scheduler's SLA scans)
reaches an open screen at once: with the in-memory layer it is handed to the loop that serves
the WebSockets instead of waking it from another loop (which waited for its next wake-up)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from wuyetong.core import realtime
from wuyetong.core.access import get_access
from wuyetong.core.realtime import publish
from wuyetong.web.tests.test_site import _communicator, run_async


@pytest.mark.django_db(transaction=True)
def test_a_push_from_another_thread_is_sent_on_the_servers_loop(world, monkeypatch):
    # How fast it arrives is measured by bench/desk_popup.py; the test checks the mechanism:
    # the send runs on the loop that serves the socket, not on the sending thread's own loop.
    user = world.staff("customer_service")
    get_access(user)
    group = f"company.{world.company_a.pk}"
    sent_on: list[asyncio.AbstractEventLoop] = []
    send = realtime._send_on_loop

    async def recording(messages):
        sent_on.append(asyncio.get_running_loop())
        await send(messages)

    monkeypatch.setattr(realtime, "_send_on_loop", recording)

    async def scenario():
        comm = _communicator(user)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        sender = threading.Thread(target=publish, args=(group, {"type": "ping", "n": 7}))
        sender.start()
        got = await comm.receive_json_from(timeout=10)
        await asyncio.get_running_loop().run_in_executor(None, sender.join)
        assert got == {"type": "ping", "n": 7}
        assert sent_on == [asyncio.get_running_loop()]
        await comm.disconnect()

    run_async(scenario)
