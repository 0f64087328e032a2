"""One WebSocket per open console or owner screen. Services publish events to groups:
`user.<id>`, `company.<id>`, `community.<id>`; later issues add the duty-desk pop-ups."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from wuyetong.core.access import get_access
from wuyetong.core.realtime import serving_loop


def groups_for(access) -> list[str]:
    groups = [f"user.{access.user_id}"]
    if access.company_id:
        groups.append(f"company.{access.company_id}")
    if access.bureau_id:
        groups.append(f"bureau.{access.bureau_id}")
    return groups


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        serving_loop(asyncio.get_running_loop())
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        access = await database_sync_to_async(get_access)(user)
        # Company-wide events carry their community; staff outside it do not receive them.
        self.community_ids = access.community_ids if access.is_staff_member else frozenset()
        self.groups_joined = groups_for(access)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "groups": self.groups_joined})

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def push_event(self, event):
        payload = event["payload"]
        community_id = payload.get("community_id")
        out_of_scope = self.community_ids is not None and community_id not in self.community_ids
        if (
            event.get("group", "").startswith("company.")
            and community_id is not None
            and out_of_scope
        ):
            return
        await self.send_json(payload)
