"""List pages and list APIs read a page in a fixed number of queries (no N+1): the count
with many rows equals the count with few, and stays under a small bound."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wuyetong.core.access import reset_access
from wuyetong.estates.choices import Relation
from wuyetong.estates.models import (
    AdSpace,
    Building,
    House,
    Occupancy,
    ParkingLot,
    ParkingSpace,
    Resident,
    Shop,
    Unit,
    Vehicle,
    Venue,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/estates"
PAGE_BOUND = 15  # session, user, access (5), count, page, prefetch, filter choices
API_BOUND = 12


def _grow(world, n: int, tag: str):
    """n more of everything in company A's first community, all related."""
    c = world.community_a1
    building = Building.objects.create(community=c, name=f"{tag}号楼")
    unit = Unit.objects.create(community=c, building=building, name="1单元")
    houses = House.objects.bulk_create(
        [
            House(
                community=c,
                building=building,
                unit=unit,
                room_no=f"{i}",
                building_area=90,
                state="occupied",
            )
            for i in range(n)
        ]
    )
    lot = ParkingLot.objects.create(community=c, name=f"车场{tag}")
    for i, house in enumerate(houses):
        r = Resident.objects.create(
            company=world.company_a, name=f"住户{tag}{i}", phone=f"1880{tag}{i:05d}"[:11]
        )
        Occupancy.objects.create(
            house=house, resident=r, relation=Relation.OWNER, start_date=dt.date(2020, 1, 1)
        )
        space = ParkingSpace.objects.create(
            community=c, lot=lot, code=f"{tag}-{i}", state="sold", house=house
        )
        Vehicle.objects.create(
            community=c, plate=f"浙A{tag}{i:03d}"[:8], house=house, resident=r, space=space
        )
        Shop.objects.create(community=c, code=f"S{tag}{i}", building_area=10)
        Venue.objects.create(community=c, name=f"场地{tag}{i}")
        AdSpace.objects.create(community=c, code=f"AD{tag}{i}", location="电梯")


PAGES = [
    "community_list",
    "building_list",
    "house_list",
    "shop_list",
    "lot_list",
    "space_list",
    "vehicle_list",
    "venue_list",
    "adspace_list",
    "resident_list",
]
ENDPOINTS = [
    "communities",
    "buildings",
    "units",
    "houses",
    "shops",
    "parking-lots",
    "parking-spaces",
    "vehicles",
    "venues",
    "ad-spaces",
    "residents",
    "occupancies",
]


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", PAGES)
def test_list_page_query_count_does_not_grow_with_rows(
    world, client_for, django_assert_max_num_queries, name
):
    client = client_for(world.staff("hq_admin"))
    url = reverse(f"estates:{name}")
    _grow(world, 2, "1")
    few = _count(lambda: client.get(url))
    _grow(world, 12, "2")
    many = _count(lambda: client.get(url))
    assert many == few
    with django_assert_max_num_queries(PAGE_BOUND):
        client.get(url, {"community": world.community_a1.pk})


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_list_api_query_count_does_not_grow_with_rows(
    world, api_for, django_assert_max_num_queries, endpoint
):
    user = world.staff("hq_admin")
    api = api_for(user)
    url = f"{API}/{endpoint}/"

    def fetch():
        reset_access(
            user
        )  # the test client reuses the user object; count access like a real request
        return api.get(url)

    _grow(world, 2, "3")
    few = _count(fetch)
    _grow(world, 12, "4")
    many = _count(fetch)
    assert many == few
    with django_assert_max_num_queries(API_BOUND):
        fetch()


def test_house_page_query_count_does_not_grow_with_history(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.staff("project_manager"))
    house = world.owner_house
    url = reverse("estates:house_detail", args=[house.pk])
    client.get(url)  # warm the content-type cache the operation log lookup uses
    few = _count(lambda: client.get(url))
    lot = ParkingLot.objects.create(community=house.community, name="车场H")
    for i in range(8):
        r = Resident.objects.create(company=world.company_a, name=f"旧住户{i}")
        Occupancy.objects.create(
            house=house,
            resident=r,
            relation=Relation.TENANT,
            start_date=dt.date(2015, 1, 1),
            end_date=dt.date(2016, 1, 1),
            end_reason="退租",
        )
        space = ParkingSpace.objects.create(
            community=house.community, lot=lot, code=f"H{i}", state="sold", house=house
        )
        Vehicle.objects.create(
            community=house.community, plate=f"浙B1234{i}", house=house, resident=r, space=space
        )
    assert _count(lambda: client.get(url)) == few
    assert House.objects.filter(pk=house.pk).exists()
