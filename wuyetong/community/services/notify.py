"""Messages to owners' message centres (through the notices module): a vote opening, a
survey published, an activity called off, a post or comment of theirs hidden or restored.
Sent inside the action's transaction; the push to open screens follows its commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from wuyetong.notices.choices import MessageKind
from wuyetong.notices.services import message_send


def tell(user_ids: Iterable[int], *, title: str, body: str = "", link: str = "") -> int:
    ids = [uid for uid in user_ids if uid]
    if not ids:
        return 0
    return message_send(user_ids=ids, title=title, body=body, link=link, kind=MessageKind.SYSTEM)


def link(name: str, pk: int) -> str:
    return reverse(f"owner_community:{name}", args=[pk])
