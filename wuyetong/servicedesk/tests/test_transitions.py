"""Every allowed and every refused transition of the case state machine, and the rules that
sit on top of it (cancel before dispatch, reply before closing a complaint, assignee only)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.servicedesk import services
from wuyetong.servicedesk.choices import CaseKind, CaseState, QuoteState
from wuyetong.servicedesk.models import Case, CaseCharge, CaseEvent
from wuyetong.servicedesk.services._common import TRANSITIONS


def _call(desk, action: str, case: Case):
    w, cs, owner = desk.worker, desk.cs, desk.world.owner
    pk = case.pk
    calls = {
        "cancel": lambda: services.case_cancel(reporter=owner, case_id=pk),
        "dispatch": lambda: services.case_dispatch(
            actor=cs, case_id=pk, assignee_id=desk.emp(w).pk
        ),
        "round_robin": lambda: services.case_dispatch_round_robin(actor=cs, case_id=pk),
        "grab": lambda: services.case_grab(actor=w, case_id=pk),
        "accept": lambda: services.case_accept(actor=w, case_id=pk),
        "arrive": lambda: services.case_arrive(actor=w, case_id=pk),
        "start": lambda: services.case_start(actor=w, case_id=pk),
        "pause": lambda: services.case_pause(actor=w, case_id=pk, reason="等配件"),
        "resume": lambda: services.case_resume(actor=w, case_id=pk),
        "transfer": lambda: services.case_transfer(
            actor=cs, case_id=pk, assignee_id=desk.emp(desk.worker2).pk
        ),
        "return_to_pool": lambda: services.case_return_to_pool(
            actor=w, case_id=pk, reason="不会修"
        ),
        "complete": lambda: services.case_complete(actor=w, case_id=pk),
        "rate": lambda: services.case_rate(reporter=owner, case_id=pk, rating="good"),
        "return_visit": lambda: services.case_return_visit(actor=cs, case_id=pk, note="业主满意"),
        "close": lambda: services.case_close(actor=cs, case_id=pk),
        "reopen": lambda: services.case_reopen(actor=owner, case_id=pk, reason="又漏了"),
    }
    return calls[action]()


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_each_action_is_allowed_exactly_from_its_table_states(desk, action):
    case = desk.submit()
    worker_emp = desk.emp(desk.worker)
    for state in CaseState.values:
        Case.objects.filter(pk=case.pk).update(
            state=state,
            assignee=None
            if action == "grab" and state in (CaseState.SUBMITTED, CaseState.REOPENED)
            else worker_emp,
            rating="",
            quote_state=QuoteState.NONE,
        )
        events_before = CaseEvent.objects.filter(case=case).count()
        allowed = TRANSITIONS[action].get(state)
        if allowed:
            _call(desk, action, case)
            case.refresh_from_db()
            assert case.state == allowed, (action, state)
            event = CaseEvent.objects.filter(case=case).latest("id")
            assert (event.action, event.from_state, event.to_state) == (action, state, allowed)
            assert event.actor_id is not None
        else:
            with pytest.raises(ApplicationError) as exc:
                _call(desk, action, case)
            assert exc.value.code == "invalid_state", (action, state)
            assert "不能" in exc.value.message
            case.refresh_from_db()
            assert case.state == state
            assert CaseEvent.objects.filter(case=case).count() == events_before


def test_owner_submits_repair_with_number_deadlines_and_first_event(desk):
    case = desk.submit()
    assert case.state == CaseState.SUBMITTED
    assert case.number.startswith("BX") and len(case.number) == 14
    assert case.community == desk.world.community_a1
    assert case.response_due_at == case.submitted_at + desk.rule_minutes("response")
    event = case.events.get()
    assert (event.action, event.actor, event.to_state) == ("submit", desk.world.owner, "submitted")
    second = desk.submit()
    assert int(second.number[-4:]) == int(case.number[-4:]) + 1


def test_owner_cannot_report_for_someone_elses_house(desk):
    with pytest.raises(ApplicationError) as exc:
        desk.submit(house_id=desk.world.other_owner_house.pk)
    assert exc.value.field == "house"
    assert not Case.objects.exists()


def test_common_area_report_needs_a_place_in_own_community(desk):
    with pytest.raises(ApplicationError) as exc:
        desk.submit(house_id=None, community_id=desk.world.community_a1.pk)
    assert exc.value.field == "place"
    with pytest.raises(ApplicationError) as exc:
        desk.submit(house_id=None, community_id=desk.world.community_b1.pk, place="大门")
    assert exc.value.field == "community"
    case = desk.submit(house_id=None, community_id=desk.world.community_a1.pk, place="3号楼电梯")
    assert case.scope == "public" and case.house is None


def test_type_of_another_company_or_kind_is_refused(desk):
    with pytest.raises(ApplicationError) as exc:
        desk.submit(case_type_id=desk.noise.pk)
    assert exc.value.field == "case_type"


def test_complaint_requires_reason(desk):
    with pytest.raises(ApplicationError) as exc:
        desk.submit(kind=CaseKind.COMPLAINT, reason="")
    assert exc.value.field == "reason"


def test_owner_cannot_cancel_after_dispatch(desk):
    case = desk.drive(desk.submit(), "dispatched")
    with pytest.raises(ApplicationError) as exc:
        services.case_cancel(reporter=desk.world.owner, case_id=case.pk)
    assert "已派单" in exc.value.message
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED


def test_owner_cancels_before_dispatch(desk):
    case = desk.submit()
    services.case_cancel(reporter=desk.world.owner, case_id=case.pk, reason="自己修好了")
    case.refresh_from_db()
    assert case.state == CaseState.CANCELLED and case.closed_at is not None


def test_complaint_cannot_close_without_written_reply(desk):
    case = desk.submit(kind=CaseKind.COMPLAINT)
    desk.drive(case, "in_progress")
    services.case_complete(actor=desk.worker, case_id=case.pk)
    services.case_rate(reporter=desk.world.owner, case_id=case.pk, rating="fair")
    with pytest.raises(ApplicationError) as exc:
        services.case_close(actor=desk.cs, case_id=case.pk)
    assert exc.value.field == "reply"
    case.refresh_from_db()
    assert case.state == CaseState.RATED
    services.case_reply(actor=desk.cs, case_id=case.pk, reply="已约谈装修户，限定施工时间")
    services.case_close(actor=desk.cs, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED


def test_only_the_assignee_works_the_case(desk):
    case = desk.drive(desk.submit(), "dispatched")
    with pytest.raises(PermissionDenied):
        services.case_accept(actor=desk.worker2, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED


def test_worker_cannot_dispatch(desk):
    case = desk.submit()
    with pytest.raises(PermissionDenied):
        services.case_dispatch(
            actor=desk.worker, case_id=case.pk, assignee_id=desk.emp(desk.worker).pk
        )


def test_dispatch_to_employee_of_another_company_is_refused(desk):
    case = desk.submit()
    outsider = desk.emp(desk.world.staff("repair_worker", "b"))
    with pytest.raises(ApplicationError) as exc:
        services.case_dispatch(actor=desk.cs, case_id=case.pk, assignee_id=outsider.pk)
    assert exc.value.field == "assignee"


def test_pause_needs_a_reason_and_resume_clears_it(desk):
    case = desk.drive(desk.submit(), "in_progress")
    with pytest.raises(ApplicationError) as exc:
        services.case_pause(actor=desk.worker, case_id=case.pk, reason=" ")
    assert exc.value.field == "reason"
    services.case_pause(actor=desk.worker, case_id=case.pk, reason="等配件")
    case.refresh_from_db()
    assert case.state == CaseState.PAUSED and case.pause_reason == "等配件"
    services.case_resume(actor=desk.worker, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and case.pause_reason == ""


def test_grab_takes_a_pool_case_once(desk):
    case = desk.submit()
    services.case_grab(actor=desk.worker, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.assignee == desk.emp(desk.worker)
    assert case.accepted_at is not None
    with pytest.raises(ApplicationError):
        services.case_grab(actor=desk.worker2, case_id=case.pk)


def test_return_to_pool_lets_another_worker_grab(desk):
    case = desk.drive(desk.submit(), "accepted")
    services.case_return_to_pool(actor=desk.worker, case_id=case.pk, reason="不在班")
    services.case_grab(actor=desk.worker2, case_id=case.pk)
    case.refresh_from_db()
    assert case.assignee == desk.emp(desk.worker2)


def test_transfer_moves_case_to_another_handler_who_accepts_again(desk, pushes):
    case = desk.drive(desk.submit(), "on_site")
    services.case_transfer(
        actor=desk.worker, case_id=case.pk, assignee_id=desk.emp(desk.worker2).pk
    )
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.assignee == desk.emp(desk.worker2)
    assert (
        f"user.{desk.worker.pk}",
        {"type": "case.transferred", "id": case.pk, "number": case.number},
    ) in pushes
    services.case_accept(actor=desk.worker2, case_id=case.pk)


def test_round_robin_rotates_among_on_duty_workers_of_the_type(desk):
    first = desk.submit()
    second = desk.submit()
    third = desk.submit()
    for case in (first, second, third):
        services.case_dispatch_round_robin(actor=desk.cs, case_id=case.pk)
    assignees = [Case.objects.get(pk=c.pk).assignee.user for c in (first, second, third)]
    assert assignees[0] != assignees[1]
    assert assignees[2] == assignees[0]


def test_round_robin_skips_off_duty_and_refuses_without_anyone(desk):
    desk.emp(desk.worker).case_worker.__class__.objects.filter(employee__user=desk.worker).update(
        on_duty=False
    )
    case = desk.submit()
    services.case_dispatch_round_robin(actor=desk.cs, case_id=case.pk)
    case.refresh_from_db()
    assert case.assignee.user == desk.worker2
    door_case = desk.submit(case_type_id=desk.door.pk)
    with pytest.raises(ApplicationError) as exc:
        services.case_dispatch_round_robin(actor=desk.cs, case_id=door_case.pk)
    assert exc.value.code == "no_worker"
    door_case.refresh_from_db()
    assert door_case.state == CaseState.SUBMITTED


def test_paid_repair_needs_accepted_quote_before_completion_and_creates_charge(desk):
    case = desk.drive(desk.submit(), "in_progress")
    with pytest.raises(ApplicationError) as exc:
        services.case_quote(actor=desk.worker, case_id=case.pk, amount="-3")
    assert exc.value.field == "amount"
    services.case_quote(actor=desk.worker, case_id=case.pk, amount="120.5", note="更换阀门")
    with pytest.raises(ApplicationError) as exc:
        services.case_complete(actor=desk.worker, case_id=case.pk)
    assert exc.value.code == "quote_pending"
    charge = services.case_quote_accept(
        reporter=desk.world.owner, case_id=case.pk, expected_amount="120.50"
    )
    assert charge.amount == Decimal("120.50") and charge.house == desk.world.owner_house
    with pytest.raises(ApplicationError):
        services.case_quote_accept(
            reporter=desk.world.owner, case_id=case.pk, expected_amount="120.50"
        )
    services.case_complete(actor=desk.worker, case_id=case.pk)
    assert CaseCharge.objects.filter(case=case).count() == 1


def test_reopen_is_counted_and_restarts_the_clock(desk):
    case = desk.drive(desk.submit(), "closed")
    old_due = case.resolution_due_at
    services.case_reopen(actor=desk.world.owner, case_id=case.pk, reason="又漏水了")
    case.refresh_from_db()
    assert case.state == CaseState.REOPENED and case.reopen_count == 1
    assert case.assignee is None and case.rating == ""
    assert case.resolution_due_at > old_due
    desk.drive(case, "rated")
    services.case_reopen(actor=desk.cs, case_id=case.pk, reason="回访发现未修好")
    case.refresh_from_db()
    assert case.reopen_count == 2


def test_bad_rating_needs_a_comment(desk):
    case = desk.drive(desk.submit(), "completed")
    with pytest.raises(ApplicationError) as exc:
        services.case_rate(reporter=desk.world.owner, case_id=case.pk, rating="bad")
    assert exc.value.field == "comment"
    with pytest.raises(ApplicationError) as exc:
        services.case_rate(reporter=desk.world.owner, case_id=case.pk, rating="great")
    assert exc.value.field == "rating"


def test_full_lifecycle_writes_one_event_per_step_with_actor(desk):
    case = desk.drive(desk.submit(), "closed")
    actions = list(case.events.values_list("action", "actor_id"))
    w, cs, owner = desk.worker.pk, desk.cs.pk, desk.world.owner.pk
    assert actions == [
        ("submit", owner),
        ("dispatch", cs),
        ("accept", w),
        ("arrive", w),
        ("start", w),
        ("complete", w),
        ("rate", owner),
        ("close", cs),
    ]


def test_every_step_notifies_the_owner_and_a_new_case_reaches_the_duty_desk(
    desk, pushes, django_capture_on_commit_callbacks
):
    case = desk.submit()
    company_group = f"company.{desk.world.company_a.pk}"
    created = [p for g, p in pushes if g == company_group and p["type"] == "case.created"]
    assert created and created[0]["community_id"] == desk.world.community_a1.pk
    desk.drive(case, "completed")
    owner_states = [
        p["state"]
        for g, p in pushes
        if g == f"user.{desk.world.owner.pk}" and p["type"] == "case.updated"
    ]
    assert owner_states == [
        "submitted",
        "dispatched",
        "accepted",
        "on_site",
        "in_progress",
        "completed",
    ]
    worker_pushes = [p for g, p in pushes if g == f"user.{desk.worker.pk}"]
    assert worker_pushes and worker_pushes[0]["state"] == "dispatched"


def test_publish_happens_only_after_commit(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        desk.submit()
    assert len(callbacks) == 3  # owner's timeline, the company's open case pages, the duty desk


def test_bureau_official_cannot_change_handling(desk):
    case = desk.submit()
    with pytest.raises(NotFound):
        services.case_dispatch(
            actor=desk.world.bureau_official, case_id=case.pk, assignee_id=desk.emp(desk.worker).pk
        )
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


def test_double_submission_with_the_same_token_records_one_case(desk, pushes):
    first = desk.submit(client_token="form-123")
    again = desk.submit(client_token="form-123")
    assert again.pk == first.pk
    assert Case.objects.count() == 1
    assert len([p for _, p in pushes if p["type"] == "case.created"]) == 1
    other = desk.submit(client_token="form-124")
    assert int(other.number[-4:]) == int(first.number[-4:]) + 1


def test_case_cannot_go_to_staff_without_service_desk_rights(desk):
    case = desk.submit()
    cleaner = desk.emp(desk.world.staff("cleaner"))
    with pytest.raises(ApplicationError) as exc:
        services.case_dispatch(actor=desk.cs, case_id=case.pk, assignee_id=cleaner.pk)
    assert exc.value.field == "assignee" and "权限" in exc.value.message
    with pytest.raises(NotFound):  # without servicedesk.view the case is not even visible
        services.case_grab(actor=desk.world.staff("cleaner"), case_id=case.pk)


def test_company_without_the_service_desk_module_takes_no_reports(desk):
    company = desk.world.company_a
    company.modules = [m for m in company.modules if m != "servicedesk"]
    company.save()
    with pytest.raises(ApplicationError) as exc:
        desk.submit()
    assert exc.value.code == "module_off"


def test_appointment_in_the_past_is_refused_and_naive_times_are_local(desk):
    from datetime import datetime, timedelta

    with pytest.raises(ApplicationError) as exc:
        desk.submit(appointment_at=datetime(2020, 1, 1, 9, 0))
    assert exc.value.field == "appointment_at"
    case = desk.submit(appointment_at=datetime.now() + timedelta(days=1))
    assert case.appointment_at.tzinfo is not None


def test_owner_cannot_reopen_a_case_closed_long_ago_but_the_desk_can(desk):
    from datetime import timedelta

    case = desk.drive(desk.submit(), "closed")
    later = case.closed_at + timedelta(days=8)
    with pytest.raises(ApplicationError) as exc:
        services.case_reopen(actor=desk.world.owner, case_id=case.pk, reason="又坏了", now=later)
    assert exc.value.code == "reopen_expired"
    services.case_reopen(actor=desk.cs, case_id=case.pk, reason="业主来电", now=later)
    case.refresh_from_db()
    assert case.state == CaseState.REOPENED
