"""Publish an event to open screens after the transaction commits."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def _group_send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)


def publish(group: str, payload: dict) -> None:
    message = {"type": "push.event", "group": group, "payload": payload}

    def _send():
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            _group_send(group, message)
            return
        # Called from a thread that runs an event loop (async_to_sync refuses there).
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(_group_send, group, message).result(timeout=10)

    transaction.on_commit(_send)
