"""A push made in a thread that is not the server's (the embedded scheduler's SLA scans)
reaches an open screen at once: with the in-memory layer it is handed to the loop that serves
the WebSockets instead of waking it from another loop (which waited for its next wake-up)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from wuyetong.core.access import get_access
from wuyetong.core.realtime import publish
from wuyetong.web.tests.test_site import _communicator, run_async


@pytest.mark.django_db(transaction=True)
def test_a_push_from_another_thread_arrives_at_once(world):
    user = world.staff("customer_service")
    get_access(user)
    group = f"company.{world.company_a.pk}"

    async def scenario():
        comm = _communicator(user)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        started = time.perf_counter()
        sender = threading.Thread(target=publish, args=(group, {"type": "ping", "n": 7}))
        sender.start()
        got = await comm.receive_json_from(timeout=0.5)
        elapsed = time.perf_counter() - started
        await asyncio.get_running_loop().run_in_executor(None, sender.join)
        assert got == {"type": "ping", "n": 7}
        assert elapsed < 0.5
        await comm.disconnect()

    run_async(scenario)
