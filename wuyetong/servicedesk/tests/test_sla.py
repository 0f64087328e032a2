"""SLA warnings, breaches and escalation, 差评 escalation, automatic return visit and close,
and bureau urging — all driven by an explicit clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.servicedesk import services, tasks
from wuyetong.servicedesk.choices import CaseKind, CaseState, EscalationLevel, EventKind
from wuyetong.servicedesk.models import Case, CaseEvent


def test_warning_before_response_deadline_notifies_handler_and_project_manager(desk, pushes):
    case = desk.drive(desk.submit(), "dispatched")
    early = services.sla_scan(now=case.response_due_at - timedelta(minutes=11))
    assert early.warned == []
    result = services.sla_scan(now=case.response_due_at - timedelta(minutes=9))
    assert result.warned == [case.pk] and result.breached == []
    warning = CaseEvent.objects.get(case=case, kind=EventKind.WARNING)
    assert warning.actor is None and warning.data == {"which": "response"}
    warned = {g for g, p in pushes if p["type"] == "case.sla_warning"}
    pm = desk.world.staff("project_manager")
    assert warned == {f"user.{desk.worker.pk}", f"user.{pm.pk}"}
    # A second scan does not warn again.
    assert services.sla_scan(now=case.response_due_at - timedelta(minutes=5)).warned == []


def test_response_breach_escalates_to_region_and_into_bureau_queue(desk, pushes):
    case = desk.submit()
    result = services.sla_scan(now=case.response_due_at + timedelta(minutes=1))
    assert result.breached == [case.pk]
    case.refresh_from_db()
    assert case.response_breached_at is not None
    assert case.escalation_level == EscalationLevel.REGION
    assert case.escalated_to == desk.world.a.region
    assert case.bureau == desk.world.bureau_a and case.bureau_queued_at is not None
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.BREACH, EventKind.ESCALATION]
    groups = {g for g, p in pushes if p["type"] == "case.escalated"}
    assert groups == {f"company.{desk.world.company_a.pk}", f"bureau.{desk.world.bureau_a.pk}"}


def test_breach_is_recorded_once_and_resolution_breach_climbs_to_hq(desk):
    case = desk.submit()
    services.sla_scan(now=case.response_due_at + timedelta(minutes=1))
    assert services.sla_scan(now=case.response_due_at + timedelta(minutes=2)).breached == []
    services.sla_scan(now=case.resolution_due_at + timedelta(minutes=1))
    case.refresh_from_db()
    assert case.escalation_level == EscalationLevel.HQ
    assert case.escalated_to == desk.world.a.hq
    assert case.events.filter(kind=EventKind.BREACH).count() == 2


def test_accepted_case_does_not_breach_response_but_can_breach_resolution(desk):
    case = desk.drive(desk.submit(), "accepted")
    result = services.sla_scan(now=case.response_due_at + timedelta(minutes=1))
    assert result.breached == []
    result = services.sla_scan(now=case.resolution_due_at + timedelta(seconds=1))
    assert result.breached == [case.pk]


def test_completed_case_is_not_escalated(desk):
    case = desk.drive(desk.submit(), "completed")
    assert services.sla_scan(now=case.resolution_due_at + timedelta(days=1)).breached == []


def test_breach_without_bureau_rule_stays_inside_the_company(desk):
    case = desk.submit(kind=CaseKind.COMPLAINT)
    services.sla_scan(now=case.response_due_at + timedelta(minutes=1))
    case.refresh_from_db()
    assert case.escalation_level == EscalationLevel.REGION and case.bureau is None


def test_bad_rating_escalates_to_region_and_bureau(desk, pushes):
    case = desk.drive(desk.submit(), "completed")
    services.case_rate(
        reporter=desk.world.owner, case_id=case.pk, rating="bad", comment="修完还在漏"
    )
    case.refresh_from_db()
    assert case.state == CaseState.RATED and case.rating == "bad"
    assert case.escalation_level == EscalationLevel.REGION
    assert case.bureau == desk.world.bureau_a
    escalation = case.events.get(kind=EventKind.ESCALATION)
    assert "差评" in escalation.note
    assert any(g == f"bureau.{desk.world.bureau_a.pk}" for g, _ in pushes)


def test_unrated_case_gets_automatic_return_visit_then_closes(desk):
    company = desk.world.company_a
    company.settings = {"servicedesk": {"return_visit_days": 2, "auto_close_days": 1}}
    company.save()
    case = desk.drive(desk.submit(), "completed")
    assert services.return_visit_scan(now=case.completed_at + timedelta(days=1)).visited == []
    day3 = case.completed_at + timedelta(days=2, minutes=1)
    result = services.return_visit_scan(now=day3)
    assert result.visited == [case.pk] and result.closed == []
    case.refresh_from_db()
    assert case.state == CaseState.RETURN_VISITED and "2天未评价" in case.return_visit_note
    result = services.return_visit_scan(now=day3 + timedelta(days=1))
    assert result.closed == [case.pk]
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    system_steps = case.events.filter(actor__isnull=True).values_list("action", flat=True)
    assert list(system_steps) == ["return_visit", "close"]


def test_complaint_without_reply_is_not_auto_closed(desk):
    case = desk.submit(kind=CaseKind.COMPLAINT)
    desk.drive(case, "in_progress")
    services.case_complete(actor=desk.worker, case_id=case.pk)
    case.refresh_from_db()
    later = case.completed_at + timedelta(days=30)
    services.return_visit_scan(now=later)
    result = services.return_visit_scan(now=later + timedelta(days=5))
    assert result.closed == []
    case.refresh_from_db()
    assert case.state == CaseState.RETURN_VISITED


def test_tasks_take_the_clock_as_iso_string(desk):
    case = desk.submit()
    out = tasks.sla_scan.apply(
        kwargs={"now": (case.response_due_at + timedelta(minutes=1)).isoformat()}
    )
    assert out.get() == {"warned": [], "breached": [case.pk]}
    assert tasks.return_visit_scan.apply().get() == {"visited": [], "closed": []}


def test_bureau_urges_escalated_case_and_company_answers(desk, pushes):
    case = desk.submit()
    breach_at = case.response_due_at + timedelta(minutes=1)
    services.sla_scan(now=breach_at)
    urge = services.bureau_urge(
        official=desk.world.bureau_official,
        case_id=case.pk,
        note="请尽快处理",
        now=breach_at + timedelta(hours=1),
    )
    assert any(
        g == f"company.{desk.world.company_a.pk}" and p["type"] == "case.urged" for g, p in pushes
    )
    answered = services.company_answer_urge(
        actor=desk.world.staff("project_manager"),
        urge_id=urge.pk,
        answer="已安排师傅今日上门",
        now=breach_at + timedelta(hours=2),
    )
    assert answered.answered_at is not None
    with pytest.raises(ApplicationError):
        services.company_answer_urge(
            actor=desk.world.staff("project_manager"), urge_id=urge.pk, answer="再答一次"
        )
    actions = list(case.events.values_list("action", flat=True))
    assert actions[-2:] == ["urge", "urge_answer"]


def test_bureau_cannot_urge_a_fresh_case_or_another_district(desk):
    case = desk.submit()
    with pytest.raises(ApplicationError) as exc:
        services.bureau_urge(official=desk.world.bureau_official, case_id=case.pk, note="催")
    assert exc.value.code == "not_urgeable"
    Case.objects.filter(pk=case.pk).update(submitted_at=case.submitted_at - timedelta(days=4))
    with pytest.raises(NotFound):
        services.bureau_urge(official=desk.world.bureau_b_official, case_id=case.pk, note="催")
    services.bureau_urge(official=desk.world.bureau_official, case_id=case.pk, note="超三天未办结")


def test_other_company_cannot_answer_an_urge(desk):
    case = desk.submit()
    Case.objects.filter(pk=case.pk).update(submitted_at=case.submitted_at - timedelta(days=4))
    urge = services.bureau_urge(official=desk.world.bureau_official, case_id=case.pk, note="催")
    with pytest.raises(NotFound):
        services.company_answer_urge(
            actor=desk.world.staff("hq_admin", "b"), urge_id=urge.pk, answer="不是我们"
        )
    urge.refresh_from_db()
    assert urge.answered_at is None


def test_bad_rating_is_not_auto_closed_until_someone_visits(desk):
    case = desk.drive(desk.submit(), "completed")
    services.case_rate(reporter=desk.world.owner, case_id=case.pk, rating="bad", comment="没修好")
    case.refresh_from_db()
    later = case.rated_at + timedelta(days=10)
    assert services.return_visit_scan(now=later).closed == []
    services.case_return_visit(actor=desk.cs, case_id=case.pk, note="已上门致歉并返修")
    assert services.return_visit_scan(now=later + timedelta(days=2)).closed == [case.pk]


def test_malformed_company_setting_falls_back_to_defaults(desk):
    company = desk.world.company_a
    company.settings = {"servicedesk": "oops"}
    company.save()
    case = desk.drive(desk.submit(), "completed")
    assert services.return_visit_scan(
        now=case.completed_at + timedelta(days=3, seconds=1)
    ).visited == [case.pk]


def test_project_directly_under_hq_escalates_to_hq(desk):
    from wuyetong.orgs.models import OrgUnit

    project = desk.world.community_a1.project
    hq = desk.world.a.hq
    OrgUnit.objects.filter(pk=project.pk).update(parent=hq, path=f"{hq.path}{project.pk}/")
    case = desk.submit()
    services.sla_scan(now=case.response_due_at + timedelta(minutes=1))
    case.refresh_from_db()
    assert case.escalated_to == hq and case.escalation_level == EscalationLevel.HQ
    services.sla_scan(now=case.resolution_due_at + timedelta(minutes=1))
    case.refresh_from_db()
    assert case.escalated_to == hq  # nowhere higher to go


def test_warning_and_breach_notes_give_the_deadline_in_local_time(desk, pushes):
    from django.utils import timezone

    case = desk.submit()
    due = timezone.localtime(case.response_due_at)  # Asia/Shanghai, 8 hours ahead of UTC
    services.sla_scan(now=case.response_due_at - timedelta(minutes=9))
    services.sla_scan(now=case.response_due_at + timedelta(minutes=1))
    notes = list(
        CaseEvent.objects.filter(case=case, kind__in=[EventKind.WARNING, EventKind.BREACH])
        .order_by("pk")
        .values_list("note", flat=True)
    )
    assert len(notes) == 2 and all(f"{due:%Y-%m-%d %H:%M}" in n for n in notes), notes
