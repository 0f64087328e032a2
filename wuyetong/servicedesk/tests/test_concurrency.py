"""Two workers grab the same pool case at the same moment: the row lock serialises them and
exactly one wins. Needs PostgreSQL's real row locks (SQLite has none to test)."""

from __future__ import annotations

import pytest
from django.db import connection

from wuyetong.core.tests.race import outcomes, run_at_once
from wuyetong.servicedesk import services
from wuyetong.servicedesk.models import Case, CaseEvent
from wuyetong.servicedesk.services import _common, owner


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_grabbing_the_same_case_at_once_exactly_one_wins(desk, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises whole transactions")
    # Real commits would push to the channel layer; not under test here.
    for module in (_common, owner):
        monkeypatch.setattr(module, "publish", lambda group, payload: None)
    case = desk.submit()
    workers = [desk.worker, desk.worker2]
    results = run_at_once(
        [lambda w=w: services.case_grab(actor=w, case_id=case.pk) for w in workers]
    )
    won, refused, errors = outcomes(results)
    assert errors == []
    assert len(won) == 1 and len(refused) == 1
    winner = workers[results.index(won[0])]
    case = Case.objects.select_related("assignee").get(pk=case.pk)
    assert case.state == "accepted" and case.assignee.user_id == winner.pk
    assert CaseEvent.objects.filter(case=case, action="grab").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_report_submitted_twice_at_once_makes_one_case_without_a_number_gap(
    desk, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises whole transactions")
    for module in (_common, owner):
        monkeypatch.setattr(module, "publish", lambda group, payload: None)
    made, _, errors = outcomes(
        run_at_once([lambda: desk.submit(client_token="tap-tap").pk for _ in range(2)])
    )
    assert errors == []
    assert len(set(made)) == 1 and Case.objects.count() == 1
    follow_up = desk.submit()
    first = Case.objects.get(pk=made[0])
    assert int(follow_up.number[-4:]) == int(first.number[-4:]) + 1
