"""Review fixes: ids parsed by core.ids, money by core.money, the quote the owner saw, the
差评 rule re-checked under the lock, the owner reopen endpoint only for the reporter."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from wuyetong.core.exceptions import ApplicationError
from wuyetong.servicedesk import selectors, services
from wuyetong.servicedesk.choices import CaseState, QuoteState, Rating
from wuyetong.servicedesk.models import Case, CaseCharge, CaseEvent
from wuyetong.servicedesk.orgpath import path_ids
from wuyetong.servicedesk.services import _common, scans

BASE = "/api/v1/servicedesk"


def test_superscript_community_filter_is_no_filter_not_a_500(desk, api_for):
    case = desk.submit()
    api = api_for(desk.cs)
    for bad in ("²", str(2**70), "-1", "abc"):
        res = api.get(f"{BASE}/cases/?community={bad}")
        assert res.status_code == 200, bad
        assert [c["id"] for c in res.json()["results"]] == [case.pk]
    res = api.get(f"{BASE}/cases/?community={case.community_id}")
    assert [c["id"] for c in res.json()["results"]] == [case.pk]


def test_booleans_and_out_of_range_are_not_ids():
    for check in (_common.is_id, selectors._is_id):
        assert check(1) and check(2**63 - 1)
        assert not check(True) and not check(0) and not check(2**63) and not check("1")


def test_quote_refuses_floats_and_more_than_two_decimals_and_rounds_half_up(desk):
    case = desk.drive(desk.submit(), "in_progress")
    for bad in (12.5, "1.005", "NaN", "abc"):
        with pytest.raises(ApplicationError) as exc:
            services.case_quote(actor=desk.worker, case_id=case.pk, amount=bad)
        assert exc.value.field == "amount", bad
    services.case_quote(actor=desk.worker, case_id=case.pk, amount=Decimal("2.50"))
    case.refresh_from_db()
    assert case.quote_amount == Decimal("2.50")
    services.case_quote(actor=desk.worker, case_id=case.pk, amount="3.1")
    case.refresh_from_db()
    assert case.quote_amount == Decimal("3.10")


def test_owner_cannot_accept_an_amount_they_never_saw(desk, api_for):
    case = desk.drive(desk.submit(), "in_progress")
    services.case_quote(actor=desk.worker, case_id=case.pk, amount="80")
    seen = "80.00"
    services.case_quote(actor=desk.worker, case_id=case.pk, amount="180")  # re-quoted
    with pytest.raises(ApplicationError) as exc:
        services.case_quote_accept(reporter=desk.world.owner, case_id=case.pk, expected_amount=seen)
    assert exc.value.code == "quote_changed" and "180.00" in str(exc.value)
    case.refresh_from_db()
    assert case.quote_state == QuoteState.PENDING and not CaseCharge.objects.exists()

    api = api_for(desk.world.owner)
    url = f"{BASE}/my/cases/{case.pk}/quote-accept/"
    res = api.post(url, {}, format="json")
    assert res.status_code == 400 and "expected_amount" in res.json()["errors"]
    res = api.post(url, {"expected_amount": seen}, format="json")
    assert res.status_code == 400 and res.json()["code"] == "quote_changed"
    assert not CaseCharge.objects.exists()
    res = api.post(url, {"expected_amount": "180"}, format="json")
    assert res.status_code == 200, res.json()
    assert CaseCharge.objects.get(case=case).amount == Decimal("180.00")


def test_auto_close_rechecks_bad_rating_under_the_lock(desk, monkeypatch):
    company = desk.world.company_a
    company.settings = {"servicedesk": {"auto_close_days": 1}}
    company.save()
    case = desk.drive(desk.submit(), "rated")
    later = case.state_changed_at + timedelta(days=2)
    original = scans._locked

    def rated_bad_meanwhile(case_id: int) -> Case:
        # between the unlocked list and the lock, the owner's rating turned out to be 差
        Case.objects.filter(pk=case_id).update(rating=Rating.BAD)
        return original(case_id)

    monkeypatch.setattr(scans, "_locked", rated_bad_meanwhile)
    result = services.return_visit_scan(now=later)
    assert result.closed == []
    case.refresh_from_db()
    assert case.state == CaseState.RATED


def test_owner_reopen_endpoint_changes_nothing_for_a_non_reporter(desk, api_for):
    case = desk.drive(desk.submit(), "closed")
    events = CaseEvent.objects.filter(case=case).count()
    # the desk may reopen through the staff endpoint, but not through the owner's
    res = api_for(desk.cs).post(
        f"{BASE}/my/cases/{case.pk}/reopen/", {"reason": "x"}, format="json"
    )
    assert res.status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.reopen_count == 0
    assert CaseEvent.objects.filter(case=case).count() == events
    res = api_for(desk.world.owner).post(
        f"{BASE}/my/cases/{case.pk}/reopen/", {"reason": "又漏了"}, format="json"
    )
    assert res.status_code == 200 and res.json()["state"] != CaseState.CLOSED


def test_org_unit_path_read_in_one_place():
    assert path_ids("/1/4/9/") == [1, 4, 9] and path_ids("") == []
