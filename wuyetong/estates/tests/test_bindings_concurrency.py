"""Two reviewers pressing "approve" at the same moment: the row lock makes one of them see an
approved request, so the owner is bound once. Needs PostgreSQL's real row locks."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from wuyetong.core.tests.race import outcomes, run_at_once
from wuyetong.demo.builders import make_id_card
from wuyetong.estates.models import BindingRequest, Occupancy, Resident
from wuyetong.estates.services import bindings as services
from wuyetong.orgs.models import OperationLog


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_bind_the_owner_once(world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    # Real commits fire the realtime announcements; they are not under test here, and
    # async_to_sync refuses to run in a test thread where Playwright left an event loop.
    monkeypatch.setattr(services, "publish", lambda group, payload: None)
    binding = services.binding_request_create(
        user=world.owner, house_id=world.houses_a1[2].pk, applicant_id_card=make_id_card(1)
    )
    reviewers = [world.staff("customer_service"), world.staff("project_manager")]
    _, _, errors = outcomes(
        run_at_once(
            [
                lambda r=r: services.binding_approve(actor=r, binding=BindingRequest(pk=binding.pk))
                for r in reviewers
            ]
        )
    )
    assert errors == []
    assert (
        Occupancy.objects.filter(house=world.houses_a1[2], resident__user=world.owner).count() == 1
    )
    assert Resident.objects.filter(company=world.company_a, phone=world.owner.phone).count() == 1
    approvals = OperationLog.objects.filter(
        content_type=ContentType.objects.get_for_model(BindingRequest),
        object_id=str(binding.pk),
        action="approve",
    )
    assert approvals.count() == 1
