"""Bill run pages: preview, commit as a background job with progress, re-run says nothing
new, void with a reason before any payment; the runs and bills lists."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from wuyetong.billing import services
from wuyetong.billing.models import Bill, BillRun, BillRunJob, LedgerEntry
from wuyetong.billing.selectors_ops import job_progress, progress_key
from wuyetong.billing.services.jobs import bill_run_job_execute

from .conftest import property_standard, set_house

pytestmark = pytest.mark.django_db
MARCH = "2024-03"


@pytest.fixture
def priced(world, fees):
    """Two houses of 翠苑一区 on 住宅物业费 (100 ㎡ and 89.50 ㎡ × 2.80)."""
    a = set_house(world.houses_a1[0], area="100.00")
    b = set_house(world.houses_a1[1], area="89.50")
    standard = property_standard(world, fees)
    services.fee_assign(
        actor=world.staff("hq_admin"),
        standard=standard,
        houses=[a, b],
        start_date=dt.date(2024, 1, 1),
    )
    return standard


def _commit(client, world, captured, period=MARCH):
    with captured(execute=True):
        response = client.post(
            reverse("billing:run_commit"), {"community": world.community_a1.pk, "period": period}
        )
    assert response.status_code == 302
    return BillRunJob.objects.latest("pk"), response


def test_preview_shows_count_total_and_samples_and_writes_nothing(world, priced, client_for):
    client = client_for(world.staff("cashier"))
    response = client.get(
        reverse("billing:run_new"), {"community": world.community_a1.pk, "period": MARCH}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="preview-count">2<' in body and 'id="preview-total">530.60<' in body
    assert "建筑面积 100.00㎡ × 单价 2.8元/㎡·月" in body  # a sample's calculation
    assert not Bill.objects.exists() and not BillRun.objects.exists()


def test_commit_runs_as_a_job_and_a_rerun_makes_nothing_new(
    world, priced, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.staff("cashier"))
    job, response = _commit(client, world, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("billing:run_job", args=[job.pk])
    job.refresh_from_db()
    assert job.state == "done" and job.created_count == 2
    assert job.created_amount == Decimal("530.60")
    page = client.get(response["Location"]).content.decode()
    assert "已生成 2 张账单，合计 530.60 元" in page and 'aria-valuenow="100"' in page
    assert Bill.objects.count() == 2 and LedgerEntry.objects.filter(kind="bill").count() == 2
    # the preview now says the month is done, and a second commit adds nothing
    preview = client.get(
        reverse("billing:run_new"), {"community": world.community_a1.pk, "period": MARCH}
    ).content.decode()
    assert 'id="nothing-new"' in preview and "再次生成不会新增任何账单" in preview
    again, response = _commit(client, world, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert again.pk != job.pk and again.state == "done" and again.created_count == 0
    assert "本次没有新增任何账单" in client.get(response["Location"]).content.decode()
    assert Bill.objects.count() == 2


def test_a_double_click_queues_one_job(world, priced):
    cashier = world.staff("cashier")
    first = services.jobs.bill_run_job_start(
        actor=cashier, community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    second = services.jobs.bill_run_job_start(
        actor=cashier, community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    assert first.pk == second.pk and BillRunJob.objects.count() == 1
    # a repeated delivery of the task runs it once
    assert bill_run_job_execute(job_id=first.pk) is not None
    assert bill_run_job_execute(job_id=first.pk) is None
    assert Bill.objects.count() == 2


def test_progress_comes_from_the_cache_while_the_job_writes(world, priced):
    from django.core.cache import cache

    job = BillRunJob.objects.create(
        community=world.community_a1, period=dt.date(2024, 3, 1), state="running"
    )
    cache.set(progress_key(job.pk), {"phase": "write", "done": 1000, "total": 4000})
    assert job_progress(job) == {"phase": "write", "done": 1000, "total": 4000, "pct": 25}
    cache.delete(progress_key(job.pk))


def test_bulk_writer_reports_progress_up_to_the_total(world, priced):
    seen = []
    services.bill_run_commit(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        period=dt.date(2024, 3, 1),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)


def test_a_failing_job_is_marked_failed_with_a_message(world, priced, monkeypatch):
    from wuyetong.billing.services import jobs

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "bill_run_commit", boom)
    job = BillRunJob.objects.create(
        community=world.community_a1, period=dt.date(2024, 3, 1), created_by=world.staff("cashier")
    )
    bill_run_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "系统错误" in job.error and not Bill.objects.exists()


def test_void_needs_a_reason_then_keeps_the_bills_as_voided(
    world, priced, client_for, django_capture_on_commit_callbacks
):
    _commit(client_for(world.staff("cashier")), world, django_capture_on_commit_callbacks)
    run = BillRun.objects.get()
    pm = client_for(world.staff("project_manager"))  # 审核 permission
    page = pm.get(reverse("billing:run_detail", args=[run.pk])).content.decode()
    assert 'id="void-form"' in page
    response = pm.post(reverse("billing:run_void", args=[run.pk]), {"reason": ""})
    assert response.status_code == 400 and "请填写作废原因" in response.content.decode()
    response = pm.post(reverse("billing:run_void", args=[run.pk]), {"reason": "单价录错"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == "voided" and run.void_reason == "单价录错"
    assert set(Bill.objects.values_list("state", flat=True)) == {"voided"}
    assert LedgerEntry.objects.filter(kind="reversal").count() == 2
    # the month can be run again after voiding
    services.bill_run_commit(
        actor=world.staff("cashier"), community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    assert Bill.objects.filter(state="unpaid").count() == 2


def test_a_run_with_a_payment_cannot_be_voided(
    world, priced, client_for, django_capture_on_commit_callbacks
):
    _commit(client_for(world.staff("cashier")), world, django_capture_on_commit_callbacks)
    run = BillRun.objects.get()
    bill = Bill.objects.filter(bill_run=run).first()
    services.desk_pay(
        actor=world.staff("cashier"),
        house=bill.house,
        method="cash",
        bill_ids=[bill.pk],
        idempotency_key=uuid.uuid4().hex,
    )
    pm = client_for(world.staff("project_manager"))
    page = pm.get(reverse("billing:run_detail", args=[run.pk])).content.decode()
    assert 'id="void-form"' not in page and "不能作废" in page
    response = pm.post(reverse("billing:run_void", args=[run.pk]), {"reason": "想作废"})
    assert response.status_code == 400 and "不能作废" in response.content.decode()
    assert BillRun.objects.get().state == "committed"


PAGES = [("run_list", False), ("run_new", False), ("bill_list", False), ("run_detail", True)]


@pytest.mark.parametrize(("name", "obj"), PAGES)
def test_run_pages_permission_matrix(world, priced, client, client_for, name, obj):
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    url = reverse(f"billing:{name}", args=[BillRun.objects.get().pk] if obj else [])
    assert client.get(url).status_code == 302
    assert client_for(world.owner).get(url).status_code == 403
    assert client_for(world.staff("customer_service")).get(url).status_code == 403
    assert client_for(world.staff("cashier")).get(url).status_code == 200
    pm = client_for(world.staff("project_manager")).get(url).status_code
    assert pm == (403 if name == "run_new" else 200)  # viewing, not issuing
    other = client_for(world.staff("hq_admin", "b")).get(url)
    assert other.status_code == (404 if obj else 200)
    if not obj:
        assert "翠苑一区" not in other.content.decode()


def test_denied_run_writes_change_nothing(world, priced, client, client_for):
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    run = BillRun.objects.get()
    state = lambda: (list(BillRun.objects.values_list("state")), BillRunJob.objects.count())  # noqa: E731
    before = state()
    commit = {"community": world.community_a1.pk, "period": "2024-04"}
    for c, expected in [
        (client, 302),
        (client_for(world.owner), 403),
        (client_for(world.staff("project_manager")), 403),  # no 新增
        (client_for(world.staff("hq_admin", "b")), 302),  # not their community: form refused
    ]:
        assert c.post(reverse("billing:run_commit"), commit).status_code == expected
    for c, expected in [
        (client_for(world.staff("cashier")), 403),  # no 审核
        (client_for(world.owner), 403),
        (client_for(world.staff("hq_admin", "b")), 404),
    ]:
        assert c.post(reverse("billing:run_void", args=[run.pk]), {"reason": "x"}).status_code == (
            expected
        )
    assert state() == before


def test_bill_list_filters_by_run_and_exports(world, priced, client_for):
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    run = BillRun.objects.get()
    client = client_for(world.staff("finance"))
    body = client.get(reverse("billing:bill_list"), {"bill_run": run.pk}).content.decode()
    assert "280.00" in body and "250.60" in body
    export = client.get(reverse("billing:bill_list"), {"bill_run": run.pk, "export": "xlsx"})
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(export.content)).active
    amounts = sorted(str(row[6]) for row in sheet.iter_rows(min_row=2, values_only=True))
    assert amounts == ["250.6", "280"] or amounts == ["250.60", "280.00"]


def test_bill_list_query_count_does_not_grow(
    world, fees, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    standard = property_standard(world, fees)
    client = client_for(world.staff("hq_admin"))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("billing:bill_list")).status_code == 200
        return len(ctx.captured_queries)

    services.fee_assign(
        actor=world.staff("hq_admin"),
        standard=standard,
        houses=world.houses_a1[:2],
        start_date=dt.date(2024, 1, 1),
    )
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 3, 1)
    )
    few = count()
    services.fee_assign(
        actor=world.staff("hq_admin"),
        standard=standard,
        houses=world.houses_a1,
        start_date=dt.date(2024, 1, 1),
    )
    services.bill_run_commit(
        actor=world.staff("hq_admin"), community=world.community_a1, period=dt.date(2024, 4, 1)
    )
    assert count() == few
