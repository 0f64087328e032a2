"""Helpers for the notice tests: more owners bound to houses of the shared world."""

from __future__ import annotations

import pytest

from wuyetong.accounts import sms


@pytest.fixture
def sms_outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def bind_owner():
    """bind_owner(phone, house) → a registered user bound to the house as owner."""
    from wuyetong.demo import builders as b

    def _bind(phone: str, house, name: str = "业主"):
        user = b.user_create(phone, name)
        b.owner_bind(user=user, house=house)
        return user

    return _bind


@pytest.fixture
def pushes(monkeypatch):
    """Real-time pushes, recorded as (group, payload) when the transaction commits."""
    from django.db import transaction

    from wuyetong.core import realtime

    sent: list[tuple[str, dict]] = []

    def _publish_many(groups, payload: dict) -> None:
        groups = list(groups)
        transaction.on_commit(lambda: sent.extend((g, payload) for g in groups))

    monkeypatch.setattr(realtime, "publish_many", _publish_many)
    monkeypatch.setattr(realtime, "publish", lambda group, payload: _publish_many([group], payload))
    return sent
