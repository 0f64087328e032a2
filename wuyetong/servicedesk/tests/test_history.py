"""Synthetic past cases (demo and benchmark) obey the model's rules, have timelines in
order, and after a rebuild the monthly figures equal direct counts."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from wuyetong.orgs.models import Employee
from wuyetong.servicedesk import history, stats
from wuyetong.servicedesk.models import Case, CaseEvent, CaseMonthStat, CaseNumberSequence, CaseUrge

from .test_rollup import assert_exact, rollup_table


def _site(desk, quality: float) -> history.Site:
    world = desk.world
    types = {t.kind: t.pk for t in (desk.leak, desk.noise)}
    return history.Site(
        community_id=world.community_a1.pk,
        company_id=world.company_a.pk,
        repair_type_ids=(types["repair"],),
        complaint_type_ids=(types["complaint"],),
        worker_id=Employee.objects.get(user=desk.worker).pk,
        worker_user_id=desk.worker.pk,
        desk_user_id=desk.cs.pk,
        reporter_id=world.owner.pk,
        region_id=world.a.region.pk,
        hq_id=world.a.hq.pk,
        bureau_id=world.bureau_a.pk,
        official_id=world.bureau_official.pk,
        quality=quality,
    )


def test_past_cases_are_valid_and_their_figures_exact(desk, pushes):
    live = desk.submit()  # a case made by the service today
    now = timezone.now()
    first, last = stats.default_months(count=7)
    months = stats.FigureQuery(first=first, last=last).months()[:-1]
    numbers = history.Numbers()
    made = history.write(
        history.past_cases([_site(desk, 1.3)], months, per_month=40, now=now, numbers=numbers),
        numbers=numbers,
    )
    assert made > 150
    assert Case.objects.count() == made + 1
    # Numbers are unique per company (a database constraint) and the day counters are kept,
    # so a case reported later on one of those days continues the sequence.
    assert CaseNumberSequence.objects.filter(company=desk.world.company_a).count() > 60
    past = Case.objects.exclude(pk=live.pk)
    assert past.filter(submitted_at__gte=stats.month_bounds(last, last)[0]).count() == 0
    states = set(past.values_list("state", flat=True))
    assert {"closed", "cancelled"} <= states
    assert {"good", "fair", "bad"} <= set(past.values_list("rating", flat=True))
    assert past.filter(rating="bad", bureau__isnull=False).exists()
    assert past.filter(response_breached_at__isnull=False).exists()
    for case in past.order_by("?")[:40]:
        times = list(CaseEvent.objects.filter(case=case).values_list("at", flat=True))
        assert times == sorted(times) and times[0] == case.submitted_at
        if case.accepted_at:
            assert case.submitted_at <= case.accepted_at <= (case.completed_at or now)
    for urge in CaseUrge.objects.select_related("case"):
        assert urge.case.bureau_id == urge.bureau_id and urge.urged_at >= urge.case.bureau_queued_at
    # Bulk-written rows are counted once the figures are rebuilt — by the command operators use.
    call_command("servicedesk_stats_rebuild", verbosity=0)
    assert_exact()
    table = rollup_table()
    CaseMonthStat.objects.all().delete()
    call_command("servicedesk_stats_rebuild", "--community", str(desk.world.community_a1.pk))
    assert rollup_table() == table
    # The slower company (quality 1.3) has breaches; a case reported now still gets a
    # fresh number of today.
    later = desk.submit(now=now + timedelta(minutes=1))
    assert later.number.endswith("0002")
