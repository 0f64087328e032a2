"""The staff workbench's to-do tiles: each number equals the list it opens, for this user only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from wuyetong.servicedesk import services
from wuyetong.servicedesk.choices import CaseKind
from wuyetong.servicedesk.models import Case, CaseType

pytestmark = pytest.mark.django_db


def _tiles(client) -> dict[str, dict]:
    response = client.get("/")
    assert response.status_code == 200
    return {
        f"{g['label']}/{t['label']}": t
        for g in response.context.get("todo") or []
        for t in g["tiles"]
    }


def _listed(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def test_tiles_count_what_their_lists_show_and_nothing_of_another_company(desk, client_for):
    world = desk.world
    pool = desk.submit()
    mine = desk.drive(desk.submit(), "dispatched")
    desk.submit(kind=CaseKind.COMPLAINT)
    # Company B's case must not reach company A's tiles.
    b_type = CaseType.objects.create(company=world.company_b, kind=CaseKind.REPAIR, name="水电")
    services.case_submit(
        reporter=world.other_owner,
        kind=CaseKind.REPAIR,
        case_type_id=b_type.pk,
        description="门禁坏了",
        house_id=world.other_owner_house.pk,
    )
    assert Case.objects.count() == 4
    # One open case past its response deadline; one closed case that breached on its way.
    past = timezone.now() - timedelta(hours=1)
    Case.objects.filter(pk=pool.pk).update(response_due_at=past)
    done = desk.drive(desk.submit(), "closed")
    Case.objects.filter(pk=done.pk).update(resolution_breached_at=past)

    manager = client_for(world.staff("project_manager"))
    tiles = _tiles(manager)
    assert tiles["报修投诉/待派单"]["count"] == 2  # the pool: pool + the complaint
    assert tiles["报修投诉/未办结"]["count"] == 3
    assert tiles["报修投诉/超时未办结"]["count"] == 1  # the closed one is history, not to-do
    for key, tile in tiles.items():
        assert _listed(manager, tile["url"]) == tile["count"], key

    worker = client_for(desk.worker)
    tiles = _tiles(worker)
    assert tiles["报修投诉/我的未办结"]["count"] == 1  # not the closed one
    assert _listed(worker, tiles["报修投诉/我的未办结"]["url"]) == 1
    assert pool.pk != mine.pk


def test_tiles_follow_permissions(world, client_for):
    def groups(template: str) -> set[str]:
        return {key.split("/")[0] for key in _tiles(client_for(world.staff(template)))}

    assert groups("cashier") == {"收费"}  # money, not cases or moderation
    assert groups("repair_worker") == {"报修投诉"}
    assert groups("customer_service") == {"报修投诉", "社区"}
    assert groups("hq_admin") == {"报修投诉", "收费", "社区"}
    # Owners go to their phone app; the bureau gets its own overview.
    assert client_for(world.owner).get("/").status_code == 302
    bureau = client_for(world.bureau_official).get("/")
    assert bureau.status_code == 200 and "todo" not in bureau.context
