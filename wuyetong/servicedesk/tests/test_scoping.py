"""Tenant isolation: staff of another company, another owner and the bureau reach only what
they may, get 404 for the rest, and change nothing."""

from __future__ import annotations

import pytest

from wuyetong.core.exceptions import NotFound
from wuyetong.servicedesk import selectors, services
from wuyetong.servicedesk.models import Case, CaseEvent


def _staff_calls(desk, actor, pk):
    emp_b = desk.emp(desk.world.staff("repair_worker", "b")).pk
    return [
        lambda: services.case_dispatch(actor=actor, case_id=pk, assignee_id=emp_b),
        lambda: services.case_dispatch_round_robin(actor=actor, case_id=pk),
        lambda: services.case_grab(actor=actor, case_id=pk),
        lambda: services.case_accept(actor=actor, case_id=pk),
        lambda: services.case_transfer(actor=actor, case_id=pk, assignee_id=emp_b),
        lambda: services.case_return_to_pool(actor=actor, case_id=pk, reason="x"),
        lambda: services.case_quote(actor=actor, case_id=pk, amount="10"),
        lambda: services.case_complete(actor=actor, case_id=pk),
        lambda: services.case_reply(actor=actor, case_id=pk, reply="x"),
        lambda: services.case_return_visit(actor=actor, case_id=pk, note="x"),
        lambda: services.case_close(actor=actor, case_id=pk),
        lambda: services.case_reopen(actor=actor, case_id=pk, reason="x"),
    ]


@pytest.mark.parametrize("template", ["hq_admin", "customer_service", "repair_worker"])
def test_other_company_staff_gets_404_and_changes_nothing(desk, template):
    case = desk.submit()
    outsider = desk.world.staff(template, "b")
    assert not Case.objects.for_user(outsider).filter(pk=case.pk).exists()
    with pytest.raises(NotFound):
        selectors.staff_case_get(user=outsider, case_id=case.pk)
    before = CaseEvent.objects.count()
    for call in _staff_calls(desk, outsider, case.pk):
        with pytest.raises(NotFound):
            call()
    case.refresh_from_db()
    assert case.state == "submitted" and case.assignee is None
    assert CaseEvent.objects.count() == before


def test_another_owner_cannot_see_cancel_rate_or_reopen(desk):
    case = desk.submit()
    other = desk.world.other_owner
    assert not selectors.owner_case_list(user=other).exists()
    with pytest.raises(NotFound):
        selectors.owner_case_get(user=other, case_id=case.pk)
    for call in (
        lambda: services.case_cancel(reporter=other, case_id=case.pk),
        lambda: services.case_rate(reporter=other, case_id=case.pk, rating="good"),
        lambda: services.case_add_info(reporter=other, case_id=case.pk, note="x"),
        lambda: services.case_quote_accept(reporter=other, case_id=case.pk, expected_amount="1"),
        lambda: services.case_reopen(actor=other, case_id=case.pk, reason="x"),
    ):
        with pytest.raises(NotFound):
            call()
    case.refresh_from_db()
    assert case.state == "submitted"


def test_owner_without_staff_role_sees_nothing_through_for_user(desk):
    desk.submit()
    assert not Case.objects.for_user(desk.world.owner).exists()
    assert selectors.owner_case_list(user=desk.world.owner).count() == 1


def test_huge_or_missing_id_is_not_found(desk):
    with pytest.raises(NotFound):
        selectors.staff_case_get(user=desk.cs, case_id=2**70)
    with pytest.raises(NotFound):
        services.case_accept(actor=desk.worker, case_id=999999)


def test_owner_sees_open_and_past_cases(desk):
    open_case = desk.submit()
    done = desk.drive(desk.submit(), "closed")
    assert list(selectors.owner_case_list(user=desk.world.owner, open_only=True)) == [open_case]
    assert list(selectors.owner_case_list(user=desk.world.owner, open_only=False)) == [done]


def test_staff_case_list_has_no_n_plus_1(desk, django_assert_max_num_queries):
    for _ in range(3):
        desk.drive(desk.submit(), "dispatched")
    desk.submit(house_id=None, community_id=desk.world.community_a1.pk, place="地库")
    cs = desk.cs
    list(selectors.staff_case_list(user=cs))  # warm the access cache
    with django_assert_max_num_queries(1):
        rows = [
            (
                c.community.name,
                c.case_type.name,
                c.place_label,
                c.reporter.name,
                c.assignee.user.name if c.assignee else "",
            )
            for c in selectors.staff_case_list(user=cs)
        ]
    assert len(rows) == 4


def test_worker_lists_own_tasks(desk):
    mine = desk.drive(desk.submit(), "dispatched")
    desk.submit()
    assert list(selectors.staff_case_list(user=desk.worker, assigned_to_me=True)) == [mine]


def test_timeline_is_in_order_with_actors(desk, django_assert_max_num_queries):
    case = desk.drive(desk.submit(), "in_progress")
    got = selectors.staff_case_get(user=desk.cs, case_id=case.pk)
    with django_assert_max_num_queries(1):
        steps = [
            (e.action, e.actor.name if e.actor else "") for e in selectors.case_timeline(case=got)
        ]
    assert [s for s, _ in steps] == ["submit", "dispatch", "accept", "arrive", "start"]


def test_bureau_reads_cases_of_its_district_only(desk):
    case = desk.submit()
    assert list(selectors.bureau_case_list(user=desk.world.bureau_official)) == [case]
    assert not selectors.bureau_case_list(user=desk.world.bureau_b_official).exists()
    with pytest.raises(NotFound):
        selectors.bureau_case_get(user=desk.world.bureau_b_official, case_id=case.pk)
    assert not selectors.bureau_case_list(user=desk.cs).exists()
    assert not Case.objects.for_user(desk.world.bureau_official).exists()


def test_project_staff_do_not_see_other_projects(desk, world):
    from wuyetong.demo import builders
    from wuyetong.estates.models import House

    house = House.objects.filter(community=world.community_a2).first()
    builders.owner_bind(user=world.owner, house=house)
    from wuyetong.core.access import reset_access

    reset_access(world.owner)
    case = desk.submit(house_id=house.pk)
    assert not Case.objects.for_user(desk.cs).filter(pk=case.pk).exists()
    assert Case.objects.for_user(world.staff("hq_admin")).filter(pk=case.pk).exists()


def test_pool_lists_only_unassigned_waiting_cases(desk):
    waiting = desk.submit()
    desk.drive(desk.submit(), "dispatched")
    assert list(selectors.staff_case_list(user=desk.worker, pool=True)) == [waiting]


def test_assignee_choices_are_case_handlers_of_the_project(desk, django_assert_max_num_queries):
    case = selectors.staff_case_get(user=desk.cs, case_id=desk.submit().pk)
    with django_assert_max_num_queries(3):
        names = {e.user.name for e in selectors.case_assignee_choices(user=desk.cs, case=case)}
    world = desk.world
    assert desk.worker.name in names and desk.worker2.name in names
    assert world.staff("cleaner").name not in names
    assert world.staff("repair_worker", "b").name not in names
    assert selectors.case_assignee_choices(user=world.staff("hq_admin", "b"), case=case) == []


def test_duty_desk_replays_what_it_missed_within_its_scope(desk):
    from datetime import timedelta

    from django.utils import timezone

    before = timezone.now() - timedelta(seconds=1)
    case = desk.submit()
    desk.drive(case, "dispatched")
    missed = list(selectors.duty_desk_missed(user=desk.cs, since=before))
    assert [e.action for e in missed] == ["submit", "dispatch"]
    assert (
        list(selectors.duty_desk_missed(user=desk.world.staff("hq_admin", "b"), since=before)) == []
    )
    assert list(selectors.duty_desk_missed(user=desk.cs, since=missed[-1].at)) == []
    after_submit = selectors.duty_desk_missed(user=desk.cs, after_id=missed[0].pk)
    assert [e.action for e in after_submit] == ["dispatch"]
