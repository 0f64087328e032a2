"""The monthly figures the dashboards read equal direct counts of the cases, whatever the
services did to them and in whatever order; a rebuild gives the same rows; the cases behind
each figure are exactly as many as the figure says."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from wuyetong.core.tests.race import outcomes, run_at_once
from wuyetong.servicedesk import rollup, services, stats
from wuyetong.servicedesk.models import Case, CaseMonthStat

from .walk import random_walk

SHANGHAI = ZoneInfo("Asia/Shanghai")
FAR = (datetime(2000, 1, 1, tzinfo=SHANGHAI), datetime(2100, 1, 1, tzinfo=SHANGHAI))
FIELDS = (*stats.COUNTS, "response_total", "resolution_total")


def _figures(obj) -> tuple:
    return tuple(getattr(obj, name) for name in FIELDS)


def rollup_table() -> dict:
    return {
        (r.company_id, r.community_id, r.month, r.kind): _figures(r)
        for r in CaseMonthStat.objects.all()
    }


def direct_table() -> dict:
    return {
        (r.company_id, r.community_id, r.month, r.kind): _figures(r.figures)
        for r in stats.case_stats(Case.objects.all(), start=FAR[0], end=FAR[1])
    }


def assert_exact() -> None:
    direct = direct_table()
    assert direct, "no cases"
    assert rollup_table() == direct


@pytest.mark.parametrize("seed", [1, 2])
def test_monthly_figures_equal_direct_counts_after_random_handling(desk, pushes, seed):
    random_walk(desk, seed, steps=220)
    assert Case.objects.values("submitted_at__month").distinct().count() >= 3
    assert Case.objects.filter(reopen_count__gt=0).exists()
    assert Case.objects.exclude(rating="").exists()
    assert Case.objects.filter(escalation_level__gt=0).exists()
    assert_exact()
    # A bulk rebuild writes the very same rows.
    before = rollup_table()
    CaseMonthStat.objects.all().delete()
    assert rollup.rebuild() == len(before)
    assert rollup_table() == before


def test_each_figure_counts_exactly_the_cases_behind_it(desk, pushes):
    random_walk(desk, 3, steps=220)
    world = desk.world
    for user, make_scope in (
        (world.bureau_official, stats.bureau_scope),
        (world.staff("hq_admin"), stats.company_scope),
        (world.staff("hq_admin", "b"), stats.company_scope),
    ):
        scope = make_scope(user)
        first, last = stats.default_months(count=5)
        query = stats.FigureQuery(first=first, last=last)
        totals = stats.figure_totals(scope, query)
        assert totals.received > 0
        for metric in stats.COUNTS:
            behind = stats.cases_behind(scope.cases(), query, metric)
            assert behind.count() == getattr(totals, metric), metric
        # Every line of every table, and its months, add up the same way.
        for row in stats.figure_list(scope, query, by="community"):
            narrowed = stats.FigureQuery(
                first=first, last=last, community_id=row.community_id, company_id=row.company_id
            )
            for metric in ("received", "overdue", "good"):
                assert stats.cases_behind(scope.cases(), narrowed, metric).count() == getattr(
                    row, metric
                )
        by_month = stats.month_series(scope, query)
        assert [r.month for r in by_month] == query.months()
        assert sum(r.received for r in by_month) == totals.received
        by_company = stats.figure_list(scope, query, by="company")
        assert sum(r.escalated for r in by_company) == totals.escalated
        for kind in ("repair", "complaint"):
            narrowed = stats.FigureQuery(first=first, last=last, kind=kind)
            rated = stats.cases_behind(scope.cases(), narrowed, "rated").count()
            good = stats.cases_behind(scope.cases(), narrowed, "good").count()
            assert getattr(totals, f"{kind}_rated") == rated
            assert getattr(totals, f"{kind}_good") == good
    # The two bureaus and the two companies see disjoint worlds.
    a = stats.figure_totals(stats.company_scope(world.staff("hq_admin")), query)
    b = stats.figure_totals(stats.company_scope(world.staff("hq_admin", "b")), query)
    bureau_b = stats.figure_totals(stats.bureau_scope(world.bureau_b_official), query)
    start, end = query.bounds()
    in_range = Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    assert a.received + b.received == in_range.count()
    assert bureau_b.received == b.received  # 至善's community lies in 滨江区


def test_a_case_counts_in_the_local_month_it_was_submitted(desk, pushes):
    march_end = datetime(2025, 3, 31, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC, still March
    april = datetime(2025, 4, 1, 0, 10, tzinfo=SHANGHAI)  # 31 March 16:10 UTC
    desk.submit(now=march_end)
    desk.submit(now=april)
    months = sorted((r.month.isoformat(), r.received) for r in CaseMonthStat.objects.all())
    assert months == [("2025-03-01", 1), ("2025-04-01", 1)]
    assert_exact()
    scope = stats.bureau_scope(desk.world.bureau_official)
    march = stats.FigureQuery(first=date(2025, 3, 1), last=date(2025, 3, 1))
    assert stats.figure_totals(scope, march).received == 1
    assert list(stats.cases_behind(scope.cases(), march, "received")) == [
        Case.objects.get(submitted_at=march_end)
    ]


def test_averages_and_rates_come_from_the_sums(desk, pushes):
    t0 = timezone.now() - timedelta(days=2)
    fast = desk.submit(now=t0)
    slow = desk.submit(now=t0)
    emp = desk.emp(desk.worker).pk
    for case, minutes in ((fast, 10), (slow, 35)):
        services.case_dispatch(actor=desk.cs, case_id=case.pk, assignee_id=emp, now=t0)
        services.case_accept(
            actor=desk.worker, case_id=case.pk, now=t0 + timedelta(minutes=minutes)
        )
    services.case_arrive(actor=desk.worker, case_id=fast.pk, now=t0 + timedelta(minutes=20))
    services.case_start(actor=desk.worker, case_id=fast.pk, now=t0 + timedelta(minutes=21))
    services.case_complete(actor=desk.worker, case_id=fast.pk, now=t0 + timedelta(hours=3))
    services.case_rate(reporter=desk.world.owner, case_id=fast.pk, rating="good", now=t0)
    desk.submit(kind="complaint", now=t0)
    scope = stats.bureau_scope(desk.world.bureau_official)
    first, last = stats.default_months(count=2)
    totals = stats.figure_totals(scope, stats.FigureQuery(first=first, last=last))
    assert (totals.received, totals.accepted, totals.resolved) == (3, 2, 1)
    assert totals.avg_response_minutes == Decimal("22.5")  # (10 + 35) / 2
    assert totals.avg_resolution_hours == Decimal("3.0")
    assert totals.acceptance_rate == Decimal("66.7")
    assert totals.repair_satisfaction_rate == Decimal("100.0")
    assert totals.complaint_satisfaction_rate is None  # nothing rated: no rate, not 0 %


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_to_one_month_keep_it_exact(desk, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises whole transactions")
    from wuyetong.servicedesk.services import _common, oversight, owner, sla

    for module in (_common, oversight, owner, sla):
        monkeypatch.setattr(module, "publish", lambda group, payload: None)
    cases = [desk.submit() for _ in range(6)]
    emp = desk.emp(desk.worker).pk
    for case in cases:
        services.case_dispatch(actor=desk.cs, case_id=case.pk, assignee_id=emp)
    _, _, errors = outcomes(
        run_at_once(
            [lambda c=c: services.case_accept(actor=desk.worker, case_id=c.pk) for c in cases]
        )
    )
    assert errors == []
    row = CaseMonthStat.objects.get()
    assert (row.received, row.accepted) == (6, 6)
    assert_exact()
