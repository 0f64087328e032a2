"""Billing fixtures on top of the shared `world` personas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wuyetong.billing import services
from wuyetong.estates.models import House


@pytest.fixture
def fees(world):
    """Company A's default fee items by name (物业费, 水费, …)."""
    items = services.fee_items_ensure_defaults(
        actor=world.staff("hq_admin"), company=world.company_a
    )
    return {i.name: i for i in items}


def set_house(
    house: House,
    *,
    area: str = "100.00",
    inner: str | None = None,
    coefficient: str = "1.000",
    handover: dt.date | None = dt.date(2024, 1, 1),
    state: str = "occupied",
) -> House:
    House.objects.filter(pk=house.pk).update(
        building_area=Decimal(area),
        inner_area=None if inner is None else Decimal(inner),
        fee_coefficient=Decimal(coefficient),
        handover_date=handover,
        state=state,
    )
    house.refresh_from_db()
    return house


def property_standard(world, fees, **kwargs):
    data = {
        "actor": world.staff("hq_admin"),
        "community": world.community_a1,
        "fee_item": fees["物业费"],
        "name": "住宅物业费",
        "method": "area_building",
        "unit_price": Decimal("2.80"),
        "effective_from": dt.date(2024, 1, 1),
    }
    data.update(kwargs)
    return services.fee_standard_create(**data)
