"""A community's collecting rules are cached under a token renewed by every rule change: the
owner's bills API reads them with no query, and a change shows in the very next quote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from wuyetong.billing import services
from wuyetong.billing.models import RulesVersion
from wuyetong.billing.services.rules_cache import rules_changed

from .collect_helpers import one_off

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def owed(world, fees):
    """Two bills of the owner's house, one 40 days overdue (a late fee once a rule exists)."""
    house = world.owner_house
    one_off(world, fees, house, "1000.00", TODAY - dt.timedelta(days=40))
    one_off(world, fees, house, "200.00", TODAY + dt.timedelta(days=5))
    return house


def _bills(api_for, world, house) -> dict:
    r = api_for(world.owner).get(reverse("api-billing-my-bills"), {"house": house.pk})
    assert r.status_code == 200
    return r.json()


def test_a_warm_read_is_one_query_and_does_not_depend_on_the_number_of_bills(
    world, fees, owed, api_for, django_assert_num_queries
):
    _bills(api_for, world, owed)  # fills the rules cache and the kept answer
    with django_assert_num_queries(1):  # the house: access, label, balance, fingerprint
        first = _bills(api_for, world, owed)
    for i in range(10):
        one_off(world, fees, owed, f"{i + 1}.00", TODAY)
    # the fingerprint moved: the bills are read again (the community and its rules token
    # came with the fingerprint)
    with django_assert_num_queries(2):
        more = _bills(api_for, world, owed)
    with django_assert_num_queries(1):
        again = _bills(api_for, world, owed)
    assert len(first["lines"]) == 2 and len(more["lines"]) == 12 and again == more


def test_every_rule_change_shows_in_the_next_read(world, fees, owed, api_for):
    admin = world.staff("hq_admin")
    community = world.community_a1
    assert _bills(api_for, world, owed)["late_fees"] == "0.00"  # cached: no rule yet
    rule = services.late_fee_rule_set(
        actor=admin, community=community, daily_rate_percent="0.05", grace_days=10
    )
    # 30 days late × 0.05 % × 1000.00
    assert _bills(api_for, world, owed)["late_fees"] == "15.00"
    services.late_fee_rule_set(
        actor=admin, community=community, daily_rate_percent="0.05", grace_days=20
    )
    assert _bills(api_for, world, owed)["late_fees"] == "10.00"
    discount = services.discount_rule_create(
        actor=admin,
        community=community,
        name="立减8元",
        kind="fixed",
        amount="8",
        valid_from=TODAY - dt.timedelta(days=1),
    )
    seen = _bills(api_for, world, owed)
    assert (seen["discounts"], seen["discount_rule"]) == ("8.00", "立减8元")
    assert Decimal(seen["total"]) == Decimal("1000.00") + Decimal("200.00") + 10 - 8
    services.discount_rule_disable(actor=admin, rule=discount)
    assert _bills(api_for, world, owed)["discounts"] == "0.00"
    relief = services.vacancy_relief_request(
        actor=admin,
        house=owed,
        fee_item=fees["物业费"],
        start=TODAY - dt.timedelta(days=60),
        end=TODAY + dt.timedelta(days=60),
        percent="50",
        reason="空置",
    )
    assert _bills(api_for, world, owed)["discounts"] == "0.00"  # pending: nothing yet
    services.vacancy_relief_decide(actor=admin, relief=relief, approve=True)
    relieved = _bills(api_for, world, owed)
    assert Decimal(relieved["discounts"]) > 0 and "空置优惠 50%" in str(relieved["lines"])
    assert rule.pk  # one rule row, changed in place; the token moved each time
    assert RulesVersion.objects.filter(community=community).count() == 1


def test_a_token_is_never_reused_so_a_stale_entry_is_never_read(world, fees, owed, api_for):
    community = world.community_a1
    rules_changed(community.pk)
    before = RulesVersion.objects.get(community=community).token
    _bills(api_for, world, owed)
    assert cache.get(f"billing:rules:{community.pk}:{before}") is not None
    rules_changed(community.pk)
    after = RulesVersion.objects.get(community=community).token
    assert after != before and cache.get(f"billing:rules:{community.pk}:{after}") is None
    # another community's rules are not touched by this one's change
    other = world.community_a2
    rules_changed(other.pk)
    assert RulesVersion.objects.get(community=community).token == after
