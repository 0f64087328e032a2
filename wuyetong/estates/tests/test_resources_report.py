"""资源统计: numbers per community match the data, per tenant, in a fixed number of queries."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from wuyetong.estates.models import House, ParkingLot, ParkingSpace, Vehicle

pytestmark = pytest.mark.django_db
URL = "estates:resource_report"


def test_report_counts_houses_by_state_and_parking(world, client_for):
    lot = ParkingLot.objects.create(community=world.community_a1, name="地面")
    ParkingSpace.objects.create(community=world.community_a1, lot=lot, code="1")
    ParkingSpace.objects.create(
        community=world.community_a1, lot=lot, code="2", state="sold", house=world.owner_house
    )
    Vehicle.objects.create(community=world.community_a1, plate="浙A12345")
    response = client_for(world.staff("hq_admin")).get(reverse(URL))
    rows = {r["community"].name: r for r in response.context["rows"]}
    assert set(rows) == {"翠苑一区", "西溪花园"}  # not company B's
    a1 = rows["翠苑一区"]
    houses = House.objects.filter(community=world.community_a1)
    assert a1["houses"] == houses.count()
    for state, n in a1["states"].items():
        assert n == houses.filter(state=state).count()
    assert a1["spaces"] == {"free": 1, "sold": 1, "rented": 0} and a1["vehicles"] == 1
    assert a1["residents"] >= 1
    assert (
        response.context["totals"]["houses"]
        == House.objects.filter(community__company=world.company_a).count()
    )


def test_report_permissions_and_export(world, client, client_for):
    assert client.get(reverse(URL)).status_code == 302
    assert client_for(world.staff("cleaner")).get(reverse(URL)).status_code == 403
    assert (
        client_for(world.staff("cashier")).get(reverse(URL), {"export": "xlsx"}).status_code == 403
    )
    body = client_for(world.staff("hq_admin", "b")).get(reverse(URL)).content.decode()
    assert "江南名府" in body and "翠苑一区" not in body
    response = client_for(world.staff("project_manager")).get(reverse(URL), {"export": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "小区" and [r[0] for r in rows[1:]] == ["翠苑一区", "合计"]


def test_report_queries_do_not_grow_with_communities(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.staff("hq_admin"))
    with django_assert_max_num_queries(
        17
    ):  # session, user, access (6), communities, 5 grouped counts
        client.get(reverse(URL))
