"""Oversight tests run on the service desk's fixtures: a type tree and SLA rules for company
A (breach and 差评 go to the bureau), workers, and a seeded walk of cases through the
services for both companies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from wuyetong.core.access import reset_access
from wuyetong.demo import builders
from wuyetong.servicedesk import services
from wuyetong.servicedesk.tests.conftest import desk, media, pushes  # noqa: F401 (fixtures)
from wuyetong.servicedesk.tests.walk import random_walk

LIST_TOTAL = re.compile(r'id="list-total">([0-9]+)<')
FIGURE_LINK = re.compile(r'<a href="(/oversight/(?:company/)?cases/\?[^"]+)"[^>]*>\s*([0-9]+)\s*<')


@dataclass
class Seen:
    """Cases with a known role in the oversight tests."""

    desk: Any
    queued: Any  # breached, escalated into 西湖区's queue
    old_open: Any  # open for four days, never escalated
    fresh: Any  # just reported
    other_project: Any  # company A, community A2 (another project)


@pytest.fixture
def seen(desk, pushes) -> Seen:  # noqa: F811 (fixtures from the service desk)
    world = desk.world
    random_walk(desk, 5, steps=120)
    builders.owner_bind(user=world.owner, house=world.houses_a2[0])
    reset_access(world.owner)  # the access is cached on the user object
    now = timezone.now()
    queued = desk.submit(now=now - timedelta(hours=6))
    services.sla_scan(now=now - timedelta(hours=5))
    old_open = desk.submit(kind="complaint", now=now - timedelta(days=4))
    services.case_dispatch(
        actor=desk.cs,
        case_id=old_open.pk,
        assignee_id=desk.emp(desk.worker).pk,
        now=now - timedelta(days=4),
    )
    other = desk.submit(house_id=world.houses_a2[0].pk, now=now - timedelta(hours=1))
    fresh = desk.submit(now=now - timedelta(minutes=3))
    for case in (queued, old_open, other, fresh):
        case.refresh_from_db()
    assert queued.bureau_id == world.bureau_a.pk
    return Seen(desk, queued, old_open, fresh, other)


def figure_links(html: str) -> list[tuple[str, int]]:
    """Every drill-down link on a page and the number it shows."""
    return [(href.replace("&amp;", "&"), int(n)) for href, n in FIGURE_LINK.findall(html)]


def list_total(html: str) -> int:
    match = LIST_TOTAL.search(html)
    assert match, "no list total on the page"
    return int(match[1])
