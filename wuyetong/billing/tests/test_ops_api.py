"""The billing setup, bill-run, meter-reading and 公摊 API: the same services as the console,
errors naming the field, the permission matrix and tenant isolation, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuyetong.billing import services
from wuyetong.billing.models import Bill, BillRun, BillRunJob, FeeStandard, MeterReading
from wuyetong.billing.services import shared_meters
from wuyetong.core.access import reset_access

from .conftest import property_standard, set_house

pytestmark = pytest.mark.django_db
API = "/api/v1/billing"


@pytest.fixture
def setup(world, fees):
    houses = [set_house(h, area="100.00") for h in world.houses_a1[:2]]
    standard = property_standard(world, fees)
    services.fee_assign(
        actor=world.staff("hq_admin"),
        standard=standard,
        houses=houses,
        start_date=dt.date(2024, 1, 1),
    )
    return standard


def test_create_standard_and_attach_buildings(world, fees, api_for):
    api = api_for(world.staff("finance"))
    response = api.post(
        f"{API}/standards/",
        {
            "community": world.community_a1.pk,
            "fee_item": fees["水费"].pk,
            "name": "阶梯水价",
            "method": "metered",
            "tiers": [{"up_to": "15", "price": "3.40"}, {"up_to": None, "price": "4.90"}],
            "tiers_yearly": True,
            "timing": "postpaid",
            "effective_from": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    standard = FeeStandard.objects.get(pk=response.json()["id"])
    assert standard.tiers == [{"up_to": "15", "price": "3.40"}, {"up_to": None, "price": "4.90"}]
    for h in world.houses_a1:
        set_house(h)
    building = world.houses_a1[0].building_id
    attach = api.post(
        f"{API}/standards/{standard.pk}/assign/", {"buildings": [building]}, format="json"
    )
    assert attach.status_code == 200 and attach.json()["created"] == 4
    bad = api.post(
        f"{API}/standards/",
        {
            "community": world.community_a1.pk,
            "fee_item": fees["物业费"].pk,
            "name": "负单价",
            "method": "area_building",
            "unit_price": "0",
            "effective_from": "2024-01-01",
        },
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["errors"] == {
        "unit_price": ["按面积计费必须填写单价"]
    }


def test_preview_then_job_then_rerun_adds_nothing(
    world, setup, api_for, django_capture_on_commit_callbacks
):
    api = api_for(world.staff("cashier"))
    body = {"community": world.community_a1.pk, "period": "2024-03"}
    preview = api.post(f"{API}/runs/preview/", body, format="json").json()
    assert preview["count"] == 2 and preview["total"] == "560.00"
    assert preview["by_fee_item"] == [{"fee_item": "物业费", "count": 2, "total": "560.00"}]
    with django_capture_on_commit_callbacks(execute=True):
        job = api.post(f"{API}/run-jobs/", body, format="json")
    assert job.status_code == 202
    status = api.get(f"{API}/run-jobs/{job.json()['id']}/").json()
    assert status["state"] == "done" and status["created_count"] == 2
    assert status["progress"]["pct"] == 100
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"{API}/run-jobs/", body, format="json").json()
    assert api.get(f"{API}/run-jobs/{again['id']}/").json()["created_count"] == 0
    assert Bill.objects.count() == 2
    bad = api.post(
        f"{API}/runs/preview/",
        {"community": world.community_a1.pk, "period": "2024-3-1"},
        format="json",
    )
    assert bad.status_code == 400 and "period" in bad.json()["errors"]


def test_void_needs_approve_and_a_reason(world, setup, api_for):
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    run = BillRun.objects.get()
    url = f"{API}/runs/{run.pk}/void/"
    assert (
        api_for(world.staff("cashier")).post(url, {"reason": "x"}, format="json").status_code == 403
    )
    pm = api_for(world.staff("project_manager"))
    assert pm.post(url, {"reason": ""}, format="json").status_code == 400
    done = pm.post(url, {"reason": "单价错误"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "voided"
    assert (
        api_for(world.staff("hq_admin", "b")).post(url, {"reason": "x"}, format="json").status_code
        == 404
    )


def test_reading_batch_names_each_bad_row_and_saves_none(world, fees, api_for):
    houses = [set_house(h) for h in world.houses_a1[:2]]
    api = api_for(world.staff("cashier"))
    body = {
        "community": world.community_a1.pk,
        "fee_item": fees["水费"].pk,
        "period": "2024-01",
        "rows": [
            {"house": houses[0].pk, "previous_reading": "10", "current_reading": "12"},
            {"house": houses[1].pk, "previous_reading": "10", "current_reading": "8"},
        ],
    }
    bad = api.post(f"{API}/readings/batch/", body, format="json")
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == [f"{houses[1].pk}.current_reading"]
    assert not MeterReading.objects.exists()
    body["rows"][1]["current_reading"] = "18"
    ok = api.post(f"{API}/readings/batch/", body, format="json")
    assert ok.json() == {"created": 2, "updated": 0, "unchanged": 0}
    listed = api.get(f"{API}/readings/", {"fee_item": fees["水费"].pk}).json()
    assert listed["count"] == 2 and {r["usage"] for r in listed["results"]} == {"2.0000", "8.0000"}


def test_shared_meter_preview_read_and_the_owners_share(world, fees, api_for):
    for h in world.houses_a1:
        set_house(h)
    api = api_for(world.staff("hq_admin"))
    created = api.post(
        f"{API}/shared-meters/",
        {
            "community": world.community_a1.pk,
            "fee_item": fees["公摊水电"].pk,
            "name": "全区水泵",
            "basis": "household",
            "unit_price": "0.8",
        },
        format="json",
    )
    assert created.status_code == 201
    meter = created.json()["id"]
    body = {"period": "2024-01", "previous_reading": "0", "current_reading": "101"}
    preview = api.post(f"{API}/shared-meters/{meter}/preview/", body, format="json").json()
    assert preview["total"] == "80.80" and preview["houses"] == 8
    assert sum(Decimal(p["amount"]) for p in preview["sample"]) == Decimal("80.80")
    read = api.post(f"{API}/shared-meters/{meter}/readings/", body, format="json")
    assert read.status_code == 201
    bill = Bill.objects.get(shared_allocation_id=read.json()["allocation"], house=world.owner_house)
    share = api_for(world.owner).get(f"{API}/my/bills/{bill.pk}/shared-share/")
    assert share.status_code == 200 and share.json()["households"] == 8
    assert share.json()["amount"] == str(bill.amount)
    assert (
        api_for(world.other_owner).get(f"{API}/my/bills/{bill.pk}/shared-share/").status_code == 404
    )


ENDPOINTS = [
    ("get", "fee-items/"),
    ("get", "standards/"),
    ("get", "assignments/"),
    ("get", "runs/"),
    ("get", "bills/"),
    ("get", "readings/"),
    ("get", "shared-meters/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_list_endpoints_permission_matrix(world, fees, setup, api_for, method, path):
    admin = world.staff("hq_admin")
    services.bill_run_commit(actor=admin, community=world.community_a1, period=dt.date(2024, 3, 1))
    from wuyetong.billing.services.readings import ReadingInput, meter_readings_save

    meter_readings_save(
        actor=admin,
        community=world.community_a1,
        fee_item=fees["水费"],
        period=dt.date(2024, 3, 1),
        rows=[ReadingInput(world.houses_a1[0].pk, "5", previous="1")],
    )
    shared_meters.shared_meter_create(
        actor=admin,
        community=world.community_a1,
        fee_item=fees["公摊水电"],
        name="水泵",
        basis="household",
        unit_price="1",
    )
    url = f"{API}/{path}"
    assert api_for().get(url).status_code in (401, 403)
    assert api_for(world.owner).get(url).status_code == 403
    assert api_for(world.staff("customer_service")).get(url).status_code == 403
    mine = api_for(world.staff("cashier")).get(url)
    assert mine.status_code == 200 and mine.json()["count"] >= 1
    other = api_for(world.staff("hq_admin", "b")).get(url)
    assert other.status_code == 200 and other.json()["count"] == 0


def test_writes_are_refused_to_roles_without_the_permission_and_change_nothing(
    world, setup, api_for
):
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    before = (
        list(FeeStandard.objects.values_list("pk", "unit_price")),
        BillRunJob.objects.count(),
        Bill.objects.count(),
    )
    pm = api_for(world.staff("project_manager"))  # view / approve / export only
    other = api_for(world.staff("hq_admin", "b"))
    period = {"community": world.community_a1.pk, "period": "2024-04"}
    assert (
        pm.patch(f"{API}/standards/{setup.pk}/", {"unit_price": "9"}, format="json").status_code
        == 403
    )
    assert (
        other.patch(f"{API}/standards/{setup.pk}/", {"unit_price": "9"}, format="json").status_code
        == 404
    )
    assert pm.post(f"{API}/run-jobs/", period, format="json").status_code == 403
    assert other.post(f"{API}/run-jobs/", period, format="json").status_code == 404
    assert api_for(world.owner).post(f"{API}/run-jobs/", period, format="json").status_code == 403
    assert (
        other.post(
            f"{API}/standards/{setup.pk}/assign/", {"buildings": [1]}, format="json"
        ).status_code
        == 404
    )
    after = (
        list(FeeStandard.objects.values_list("pk", "unit_price")),
        BillRunJob.objects.count(),
        Bill.objects.count(),
    )
    assert after == before


def test_bill_list_query_count_does_not_grow_with_rows(world, fees, api_for):
    user = world.staff("hq_admin")
    api = api_for(user)
    standard = property_standard(world, fees)

    def count():
        reset_access(user)
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"{API}/bills/").status_code == 200
        return len(ctx.captured_queries)

    services.fee_assign(
        actor=user, standard=standard, houses=world.houses_a1[:1], start_date=dt.date(2024, 1, 1)
    )
    services.bill_run_commit(actor=user, community=world.community_a1, period=dt.date(2024, 3, 1))
    few = count()
    services.fee_assign(
        actor=user, standard=standard, houses=world.houses_a1, start_date=dt.date(2024, 1, 1)
    )
    services.bill_run_commit(actor=user, community=world.community_a1, period=dt.date(2024, 4, 1))
    assert count() == few


def test_shared_meter_list_query_count_does_not_grow(world, fees, api_for):
    user = world.staff("hq_admin")
    api = api_for(user)

    def count():
        reset_access(user)
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"{API}/shared-meters/").status_code == 200
        return len(ctx.captured_queries)

    building = world.houses_a1[0].building_id
    shared_meters.shared_meter_create(
        actor=user,
        community=world.community_a1,
        fee_item=fees["公摊水电"],
        name="表1",
        basis="area",
        unit_price="1",
        building_ids=[building],
    )
    few = count()
    for i in range(2, 6):
        shared_meters.shared_meter_create(
            actor=user,
            community=world.community_a1,
            fee_item=fees["公摊水电"],
            name=f"表{i}",
            basis="area",
            unit_price="1",
            building_ids=[building],
        )
    assert count() == few
