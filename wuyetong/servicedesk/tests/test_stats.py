"""Dashboard figures equal direct counts of the same cases."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from wuyetong.servicedesk import services, stats
from wuyetong.servicedesk.models import Case


def test_bureau_figures_equal_direct_counts(desk):
    good = desk.drive(desk.submit(), "rated")  # rated 好
    bad = desk.drive(desk.submit(), "completed")
    services.case_rate(reporter=desk.world.owner, case_id=bad.pk, rating="bad", comment="不满意")
    late = desk.submit()
    services.sla_scan(now=late.response_due_at + timedelta(minutes=1))
    services.bureau_urge(
        official=desk.world.bureau_official,
        case_id=late.pk,
        note="催",
        now=late.response_due_at + timedelta(minutes=2),
    )
    services.bureau_urge(
        official=desk.world.bureau_official,
        case_id=late.pk,
        note="再催",
        now=late.response_due_at + timedelta(minutes=3),
    )
    desk.submit(kind="complaint")
    now = timezone.now()
    start, end = now - timedelta(days=40), now + timedelta(days=1)
    rows = stats.case_stats(
        stats.bureau_scope(desk.world.bureau_official).cases(), start=start, end=end
    )
    repair = [r for r in rows if r.kind == "repair"]
    assert len(repair) == 1
    row = repair[0]
    cases = Case.objects.filter(kind="repair")
    assert row.received == cases.count() == 3
    assert row.accepted == cases.filter(accepted_at__isnull=False).count() == 2
    assert row.resolved == cases.filter(completed_at__isnull=False).count() == 2
    assert row.urged == 1  # two urges, one case
    assert row.escalated == cases.filter(escalation_level__gt=0).count()
    assert row.overdue == 1
    assert (row.rated, row.good, row.bad) == (2, 1, 1)
    assert row.satisfaction_rate == Decimal("50.0")
    assert row.avg_response_minutes is not None
    assert good.pk != bad.pk
    assert [r.kind for r in rows if r.kind == "complaint"] == ["complaint"]
    # Another district's bureau sees none of it; company staff see their own scope.
    other = stats.bureau_scope(desk.world.bureau_b_official)
    assert stats.case_stats(other.cases(), start=start, end=end) == []
    b_scope = stats.company_scope(desk.world.staff("hq_admin", "b"))
    assert stats.case_stats(b_scope.cases(), start=start, end=end) == []
    mine = stats.company_scope(desk.world.staff("hq_admin"))
    assert sum(r.received for r in stats.case_stats(mine.cases(), start=start, end=end)) == (
        Case.objects.count()
    )
    # Nobody else has a scope at all.
    for user in (desk.world.owner, desk.world.merchant_user, desk.world.staff("cleaner")):
        assert stats.bureau_scope(user) is None
    assert stats.bureau_scope(desk.world.staff("hq_admin")) is None
    assert stats.company_scope(desk.world.bureau_official) is None
    assert stats.company_scope(desk.world.owner) is None


def test_staff_message_reaches_the_owner(desk, pushes):
    case = desk.drive(desk.submit(), "accepted")
    services.case_message(actor=desk.worker, case_id=case.pk, note="下午三点上门可以吗？")
    assert case.events.latest("id").action == "message"
    assert pushes[-1][0] == f"user.{desk.world.owner.pk}"


def test_ids_beyond_bigint_are_not_found(desk):
    import pytest

    from wuyetong.core.exceptions import ApplicationError, NotFound

    with pytest.raises(NotFound):
        services.case_reopen(actor=desk.world.owner, case_id=2**70, reason="x")
    with pytest.raises(ApplicationError) as exc:
        desk.submit(case_type_id=2**70)
    assert exc.value.field == "case_type"
    with pytest.raises(ApplicationError):
        services.case_dispatch(actor=desk.cs, case_id=desk.submit().pk, assignee_id=2**70)
