"""Publish an event to open screens after the transaction commits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def _send_all(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send() -> None:
        for group, message in messages:
            await layer.group_send(group, message)

    # One trip into the event loop for all of them: a notice to 20,000 owners is 20,000
    # group sends, and entering async_to_sync once per send cost more than the sends.
    async_to_sync(send)()


def _run(messages: list[tuple[str, dict]]) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
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
