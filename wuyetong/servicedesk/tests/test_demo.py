"""The demo data has a case in every state, made through the services."""

from __future__ import annotations

from wuyetong.servicedesk import demo
from wuyetong.servicedesk.choices import CaseState
from wuyetong.servicedesk.models import Case, CaseCharge, CaseEvent, CaseUrge


def test_demo_populates_a_case_in_every_state(world, pushes):
    made = demo.populate(
        bundle=world.a, reporter=world.owner, bureau_official=world.bureau_official
    )
    assert set(made) == set(CaseState.values)
    for state, case in made.items():
        assert case.state == state, state
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)
    assert CaseCharge.objects.count() == 1
    assert CaseUrge.objects.count() == 1
    assert Case.objects.filter(escalation_level__gt=0).exists()
    assert CaseEvent.objects.filter(case=made["closed"], action="close").exists()
    # Running the defaults again adds nothing.
    from wuyetong.servicedesk import services

    assert services.case_type_defaults_create(company_id=world.company_a.pk) == []
