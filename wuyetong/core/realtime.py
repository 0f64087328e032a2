"""Publish an event to open screens after the transaction commits."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def publish(group: str, payload: dict) -> None:
    def _send():
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(
                group, {"type": "push.event", "group": group, "payload": payload}
            )

    transaction.on_commit(_send)
