"""Publish an event to open screens after the transaction commits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

# The event loop that serves the WebSockets of this process, noted by the consumer. The
# in-memory layer's queues belong to it: a send from another loop (a scheduler thread's own
# async_to_sync) wakes the waiting consumer only at that loop's next wake-up, up to a second
# late (bench/desk_popup.py), so sends from other threads are handed to it.
_server_loop: asyncio.AbstractEventLoop | None = None


def serving_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


async def _send_on_loop(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        for group, message in messages:
            await layer.group_send(group, message)


def _send_all(messages: list[tuple[str, dict]]) -> None:
    # One trip into the event loop for all of them: a notice to 20,000 owners is 20,000
    # group sends, and entering async_to_sync once per send cost more than the sends.
    async_to_sync(_send_on_loop)(messages)


def _run(messages: list[tuple[str, dict]]) -> None:
    try:
        current = asyncio.get_running_loop()
    except RuntimeError:
        current = None
    server = _server_loop
    if server is not None and server is not current and server.is_running():
        future = asyncio.run_coroutine_threadsafe(_send_on_loop(messages), server)
        if current is None:
            future.result(timeout=60)
        return
    if current is None:
        _send_all(messages)
        return
    # Called from a thread that runs an event loop (async_to_sync refuses there).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_send_all, messages).result(timeout=60)


def publish_many(groups: Iterable[str], payload: dict) -> None:
    """The same event to many groups (e.g. each recipient's `user.<id>`), sent together once
    the transaction has committed."""
    messages = [(g, {"type": "push.event", "group": g, "payload": payload}) for g in groups]
    if messages:
        transaction.on_commit(lambda: _run(messages))


def publish(group: str, payload: dict) -> None:
    publish_many([group], payload)
