"""Fee standards and assigning them: validation that names the field, 计费起始 defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wuyetong.billing import services
from wuyetong.billing.models import FeeAssignment, FeeStandard
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.orgs.models import OperationLog

from .conftest import property_standard, set_house


def test_standard_is_created_and_logged(world, fees):
    standard = property_standard(world, fees, fixed_amount="5.00", cycle_months=3)
    assert standard.unit_price == Decimal("2.8000")
    assert standard.fixed_amount == Decimal("5.00")
    assert OperationLog.objects.filter(object_id=str(standard.pk), action="create").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": 2.8}, "unit_price"),
        ({"unit_price": "2.80001"}, "unit_price"),
        ({"unit_price": "abc"}, "unit_price"),
        ({"fixed_amount": "1.005"}, "fixed_amount"),
        ({"cycle_months": 2}, "cycle_months"),
        ({"due_day": 31}, "due_day"),
        ({"timing": "later"}, "timing"),
        ({"rounding": "ROUND_HALF_EVEN"}, "rounding"),
        ({"method": "metered"}, "method"),  # 物业费 is periodic
        ({"method": "area_building", "target": "space"}, "target"),
        ({"effective_to": dt.date(2023, 12, 31)}, "effective_to"),
        ({"effective_from": "2024-01-01"}, "effective_from"),
        ({"name": ""}, "name"),
        ({"tiers": [{"up_to": "10", "price": "1"}, {"price": "2"}]}, "tiers"),
    ],
)
def test_bad_standard_is_refused_naming_the_field_and_nothing_is_written(
    world, fees, changes, field
):
    with pytest.raises(ApplicationError) as exc:
        property_standard(world, fees, **changes)
    assert exc.value.field == field
    assert exc.value.message
    assert not FeeStandard.objects.exists()


def test_duplicate_standard_name_is_refused(world, fees):
    property_standard(world, fees)
    with pytest.raises(ApplicationError) as exc:
        property_standard(world, fees)
    assert exc.value.field == "name"


def test_another_company_cannot_create_standards_in_our_community(world, fees):
    with pytest.raises(NotFound):
        property_standard(world, fees, actor=world.staff("hq_admin", company="b"))
    with pytest.raises(PermissionDenied):  # a repair worker has no billing permission
        property_standard(world, fees, actor=world.staff("repair_worker"))
    assert not FeeStandard.objects.exists()


def test_metered_standard_takes_tiers(world, fees):
    standard = services.fee_standard_create(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        fee_item=fees["水费"],
        name="居民阶梯水价",
        method="metered",
        tiers=[{"up_to": "180", "price": "3.40"}, {"up_to": None, "price": "4.90"}],
        tiers_yearly=True,
        timing="postpaid",
        effective_from=dt.date(2024, 1, 1),
    )
    assert standard.tiers == [{"up_to": "180", "price": "3.40"}, {"up_to": None, "price": "4.90"}]


def test_billing_starts_the_month_after_handover_by_default(world, fees):
    h0 = set_house(world.houses_a1[0], handover=dt.date(2024, 3, 10))
    h1 = set_house(world.houses_a1[1], handover=None, state="unsold")
    standard = property_standard(world, fees)
    result = services.fee_assign(actor=world.staff("hq_admin"), standard=standard, houses=[h0, h1])
    assert [(a.house_id, a.start_date) for a in result.created] == [(h0.pk, dt.date(2024, 4, 1))]
    assert result.skipped and "未交房" in result.skipped[0][1]


def test_community_setting_bills_from_the_handover_day(world, fees):
    world.community_a1.settings = {"billing_start": "handover_day"}
    world.community_a1.save()
    h0 = set_house(world.houses_a1[0], handover=dt.date(2024, 3, 10))
    standard = property_standard(world, fees)
    result = services.fee_assign(actor=world.staff("hq_admin"), standard=standard, houses=[h0])
    assert result.created[0].start_date == dt.date(2024, 3, 10)


def test_assign_by_building_is_safe_to_repeat(world, fees):
    for h in world.houses_a1:
        set_house(h)
    standard = property_standard(world, fees)
    building = world.houses_a1[0].building_id
    first = services.fee_assign(
        actor=world.staff("hq_admin"), standard=standard, building_ids=[building]
    )
    in_building = [h for h in world.houses_a1 if h.building_id == building]
    assert len(first.created) == len(in_building)
    again = services.fee_assign(
        actor=world.staff("hq_admin"), standard=standard, building_ids=[building]
    )
    assert again.created == [] and again.already == len(in_building)
    assert FeeAssignment.objects.filter(standard=standard).count() == len(in_building)


def test_houses_of_another_community_cannot_be_assigned(world, fees):
    standard = property_standard(world, fees)
    with pytest.raises(ApplicationError) as exc:
        services.fee_assign(
            actor=world.staff("hq_admin"), standard=standard, houses=[world.houses_a2[0]]
        )
    assert exc.value.field == "houses"
    assert not FeeAssignment.objects.exists()
