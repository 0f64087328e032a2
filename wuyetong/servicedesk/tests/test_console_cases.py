"""The console's case list and case page: who may see them, what the list filters find, and
every staff action through the page, refused ones included (the service's message, never a
500; a stale page says someone else acted)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wuyetong.servicedesk import services
from wuyetong.servicedesk.choices import CaseKind, CaseState
from wuyetong.servicedesk.models import Case, CaseEvent, CasePhoto, CaseUrge

from .conftest import PNG

pytestmark = pytest.mark.django_db
LIST = reverse("servicedesk:case_list")


def detail(case) -> str:
    return reverse("servicedesk:case_detail", args=[case.pk])


def post(client, case, action: str, seen: int | None = None, **data):
    payload = {"action": action, "seen": seen if seen is not None else last_event(case)}
    payload.update({f"{action}-{k}": v for k, v in data.items()})
    return client.post(detail(case), payload)


def last_event(case) -> int:
    return CaseEvent.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True)[0]


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, list_status, sees_case, detail_status, may_dispatch",
    [
        ("customer_service", 200, True, 200, True),
        ("project_manager", 200, True, 200, True),
        ("hq_admin", 200, True, 200, True),
        ("repair_worker", 200, True, 200, False),
        ("cashier", 403, False, 403, False),
        ("other_company_admin", 200, False, 404, False),
        ("other_company_cs", 200, False, 404, False),
        ("owner", 403, False, 403, False),
        ("bureau", 403, False, 403, False),
        ("platform", 200, True, 200, False),  # reads for support, never handles
        ("anonymous", 302, False, 302, False),
    ],
)
def test_permission_matrix_of_list_and_case_page(
    desk, client, client_for, who, list_status, sees_case, detail_status, may_dispatch
):
    case = desk.submit()
    users = {
        "other_company_admin": desk.world.staff("hq_admin", "b"),
        "other_company_cs": desk.world.staff("customer_service", "b"),
        "owner": desk.world.owner,
        "bureau": desk.world.bureau_official,
        "platform": desk.world.admin,
        "anonymous": None,
    }
    user = users[who] if who in users else desk.world.staff(who)
    c = client_for(user) if user else client
    r = c.get(LIST)
    assert r.status_code == list_status
    if list_status == 200:
        assert (case.number in r.content.decode()) == sees_case
    assert c.get(detail(case)).status_code == detail_status
    # Posting an action changes nothing for anyone who may not take it.
    r = post(c, case, "round_robin")
    case.refresh_from_db()
    if may_dispatch:
        assert r.status_code == 302 and case.state == CaseState.DISPATCHED
    else:
        assert r.status_code in (302, 403, 404) and case.state == CaseState.SUBMITTED
        if who != "anonymous":
            assert r.status_code in (403, 404)


def test_other_community_of_same_company_is_404_for_project_staff(desk, client_for, a2_case):
    cs = client_for(desk.cs)  # 翠苑一区's project only
    assert a2_case.number not in cs.get(LIST).content.decode()
    assert cs.get(detail(a2_case)).status_code == 404
    assert post(cs, a2_case, "round_robin").status_code == 404
    hq = client_for(desk.world.staff("hq_admin"))
    assert a2_case.number in hq.get(LIST).content.decode()


# --- the list -----------------------------------------------------------------------------


def test_list_filters_pool_mine_overdue_search_and_sla(desk, client_for):
    pool = desk.submit()
    mine = desk.drive(desk.submit(description="卫生间漏水"), "dispatched")
    late = desk.submit(kind=CaseKind.COMPLAINT)
    Case.objects.filter(pk=late.pk).update(response_due_at=timezone.now() - timedelta(minutes=90))
    worker = client_for(desk.worker)
    cs = client_for(desk.cs)

    def numbers(client, query: str) -> set[str]:
        text = client.get(f"{LIST}?{query}").content.decode()
        return {c.number for c in (pool, mine, late) if c.number in text}

    assert numbers(cs, "") == {pool.number, mine.number, late.number}
    assert numbers(cs, "view=pool") == {pool.number, late.number}
    assert numbers(worker, "view=mine") == {mine.number}
    assert numbers(cs, "view=overdue") == {late.number}
    assert numbers(cs, "kind=complaint") == {late.number}
    assert numbers(cs, f"q={mine.number}") == {mine.number}
    assert numbers(cs, "q=13500000001") == {pool.number, mine.number, late.number}
    assert numbers(cs, f"case_type={desk.water.pk}") == {pool.number, mine.number}
    assert numbers(cs, "state=dispatched") == {mine.number}
    today = timezone.localdate()
    assert numbers(cs, f"date_from={today}&date_to={today}") == {
        pool.number,
        mine.number,
        late.number,
    }
    assert numbers(cs, f"date_to={today - timedelta(days=1)}") == set()
    text = cs.get(f"{LIST}?view=overdue").content.decode()
    assert "响应超时 1小时30分" in text or "响应超时 1小时29分" in text
    text = cs.get(f"{LIST}?state=submitted&kind=repair").content.decode()
    assert "响应剩" in text


def test_list_rejects_bad_filter_values_without_error(desk, client_for):
    desk.submit()
    cs = client_for(desk.cs)
    for query in (
        "community=999999999999999999999",
        "case_type=abc",
        "date_from=2025-13-40",
        "o=--number",
    ):
        r = cs.get(f"{LIST}?{query}")
        assert r.status_code == 200


def test_list_export_has_the_filtered_rows(desk, client_for):
    desk.submit()
    desk.submit(kind=CaseKind.COMPLAINT)
    pm = client_for(desk.world.staff("project_manager"))
    r = pm.get(f"{LIST}?kind=complaint&export=xlsx")
    assert r.status_code == 200
    from io import BytesIO

    rows = list(load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "投诉"
    # customer service has no export permission
    assert client_for(desk.cs).get(f"{LIST}?export=xlsx").status_code == 403


def test_list_takes_the_same_queries_for_few_or_many_rows(
    desk, client_for, django_assert_max_num_queries
):
    cs = client_for(desk.cs)
    desk.submit()
    cs.get(LIST)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        cs.get(LIST)
    for _ in range(6):
        desk.drive(desk.submit(), "dispatched")
    with CaptureQueriesContext(connection) as many:
        cs.get(LIST)
    assert len(many) == len(few)


# --- the case page: every action ----------------------------------------------------------


def test_desk_dispatches_worker_works_desk_visits_and_closes(desk, client_for, media):
    case = desk.submit()
    cs, worker = client_for(desk.cs), client_for(desk.worker)
    page = cs.get(detail(case)).content.decode()
    assert 'data-action="dispatch"' in page and 'data-action="accept"' not in page
    assert desk.worker.name in page  # assignee choices
    r = post(cs, case, "dispatch", assignee=desk.emp(desk.worker).pk, note="请尽快")
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.assignee.user == desk.worker
    page = worker.get(detail(case)).content.decode()
    assert 'data-action="accept"' in page and 'data-action="dispatch"' not in page
    for action in ("accept", "arrive", "start"):
        assert post(worker, case, action).status_code == 302
    r = post(worker, case, "pause", reason="等配件")
    case.refresh_from_db()
    assert case.state == CaseState.PAUSED and case.pause_reason == "等配件"
    assert post(worker, case, "resume").status_code == 302
    assert post(worker, case, "quote", amount="120.50", note="换阀门").status_code == 302
    case.refresh_from_db()
    assert str(case.quote_amount) == "120.50"
    services.case_quote_accept(reporter=desk.world.owner, case_id=case.pk, expected_amount="120.50")
    photo = SimpleUploadedFile("done.png", PNG, content_type="image/png")
    r = worker.post(
        detail(case),
        {
            "action": "complete",
            "seen": last_event(case),
            "complete-note": "已换阀门",
            "complete-photos": [photo],
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED
    assert CasePhoto.objects.filter(case=case, stage="completion").count() == 1
    assert post(cs, case, "return_visit", note="业主满意").status_code == 302
    assert post(cs, case, "close").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.return_visit_note == "业主满意"
    timeline = cs.get(detail(case)).content.decode()
    for label in (
        "派单",
        "接单",
        "到场",
        "开始处理",
        "暂停",
        "恢复处理",
        "报价",
        "完成",
        "回访",
        "关闭",
    ):
        assert f"<b>{label}</b>" in timeline
    assert "等配件" in timeline and desk.cs.name in timeline
    assert post(cs, case, "reopen", reason="又漏了").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REOPENED and case.reopen_count == 1


def test_grab_round_robin_transfer_and_return_to_pool(desk, client_for):
    cs, worker, worker2 = client_for(desk.cs), client_for(desk.worker), client_for(desk.worker2)
    grabbed = desk.submit()
    assert 'data-action="grab"' in worker.get(detail(grabbed)).content.decode()
    assert post(worker, grabbed, "grab").status_code == 302
    grabbed.refresh_from_db()
    assert grabbed.state == CaseState.ACCEPTED and grabbed.assignee.user == desk.worker
    # worker2 was too late: the service's message, and the page says it is stale
    r = post(worker2, grabbed, "grab", seen=last_event(grabbed) - 1)
    assert r.status_code == 409
    text = r.content.decode()
    assert "该工单已被他人更新" in text and "已接单" in text
    rr = desk.submit()
    assert post(cs, rr, "round_robin").status_code == 302
    rr.refresh_from_db()
    assert rr.state == CaseState.DISPATCHED and rr.assignee is not None
    first = rr.assignee.user
    other = desk.worker2 if first == desk.worker else desk.worker
    assert post(cs, rr, "transfer", assignee=desk.emp(other).pk, note="换人").status_code == 302
    rr.refresh_from_db()
    assert rr.assignee.user == other
    r = post(client_for(other), rr, "return_to_pool", reason="")
    assert r.status_code == 400 and "请填写退回原因" in r.content.decode()
    assert post(client_for(other), rr, "return_to_pool", reason="不在岗").status_code == 302
    rr.refresh_from_db()
    assert rr.state == CaseState.SUBMITTED and rr.assignee is None


def test_refused_actions_show_the_service_message_and_change_nothing(desk, client_for):
    case = desk.submit()
    cs, worker = client_for(desk.cs), client_for(desk.worker)
    # Closing a case that is waiting for dispatch: refused with the state in Chinese.
    r = post(cs, case, "close")
    assert r.status_code == 400
    assert "工单当前状态为「待派单」，不能关闭" in r.content.decode()
    # A worker may not dispatch (desk permission)
    r = post(worker, case, "dispatch", assignee=desk.emp(desk.worker).pk)
    assert r.status_code == 403
    # dispatch without a worker chosen
    r = post(cs, case, "dispatch", assignee="")
    assert r.status_code == 400 and "请选择处理人" in r.content.decode()
    # someone who is not the handler cannot accept
    desk.drive(case, "dispatched")
    r = post(client_for(desk.worker2), case, "accept")
    assert r.status_code == 403 and "只有该工单的处理人可以接单" in r.content.decode()
    # bad quote amount, pause without a reason
    for action in ("accept", "arrive", "start"):
        post(worker, case, action)
    r = post(worker, case, "quote", amount="12.345")
    assert r.status_code == 400 and "金额最多两位小数" in r.content.decode()
    r = post(worker, case, "pause", reason="  ")
    assert r.status_code == 400 and "请填写暂停原因" in r.content.decode()
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    r = worker.post(
        detail(case), {"action": "complete", "seen": last_event(case), "complete-photos": [bad]}
    )
    assert r.status_code == 400 and "照片只支持" in r.content.decode()
    r = client_for(desk.cs).post(detail(case), {"action": "nonsense"})
    assert r.status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and case.quote_amount is None


def test_complaint_needs_written_reply_before_close_and_messages_reach_owner(
    desk, client_for, pushes
):
    case = desk.drive(desk.submit(kind=CaseKind.COMPLAINT), "dispatched")
    cs, worker = client_for(desk.cs), client_for(desk.worker)
    for action in ("accept", "arrive", "start"):
        post(worker, case, action)
    post(worker, case, "complete", note="已沟通")
    post(cs, case, "return_visit", note="已回访")
    r = post(cs, case, "close")
    assert r.status_code == 400 and "投诉工单须有书面答复才能关闭" in r.content.decode()
    assert post(cs, case, "reply", reply="经核查已要求楼上整改").status_code == 302
    assert post(cs, case, "close").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.reply.startswith("经核查")
    case2 = desk.submit()
    assert post(cs, case2, "message", note="师傅下午两点到").status_code == 302
    assert (f"user.{desk.world.owner.pk}",) == (pushes[-1][0],)
    page = cs.get(detail(case2)).content.decode()
    assert "师傅下午两点到" in page


def test_answer_a_bureau_urge_from_the_case_page(desk, client_for):
    case = desk.submit()
    Case.objects.filter(pk=case.pk).update(submitted_at=timezone.now() - timedelta(days=4))
    urge = services.bureau_urge(
        official=desk.world.bureau_official, case_id=case.pk, note="请三日内办结"
    )
    cs = client_for(desk.cs)
    page = cs.get(detail(case)).content.decode()
    assert "请三日内办结" in page and "答复催办" in page
    r = cs.post(
        detail(case),
        {"action": "urge_answer", "urge_answer-urge": urge.pk, "urge_answer-answer": ""},
    )
    assert r.status_code == 400 and "请填写答复" in r.content.decode()
    r = cs.post(
        detail(case),
        {
            "action": "urge_answer",
            "urge_answer-urge": urge.pk,
            "urge_answer-answer": "已安排明日上门",
        },
    )
    assert r.status_code == 302
    urge = CaseUrge.objects.get(pk=urge.pk)
    assert urge.answer == "已安排明日上门" and urge.answered_by == desk.cs


def test_htmx_request_gets_the_live_region_only(desk, client_for):
    case = desk.submit()
    r = client_for(desk.cs).get(detail(case), HTTP_HX_REQUEST="true")
    text = r.content.decode()
    assert r.status_code == 200 and "<html" not in text and case.number in text


def test_case_page_takes_the_same_queries_for_a_short_or_long_history(desk, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cs = client_for(desk.cs)
    short = desk.submit()
    cs.get(detail(short))
    with CaptureQueriesContext(connection) as few:
        assert cs.get(detail(short)).status_code == 200
    long = desk.drive(desk.submit(), "completed")
    for n in range(5):
        services.case_message(actor=desk.cs, case_id=long.pk, note=f"第{n}次留言")
    with CaptureQueriesContext(connection) as many:
        assert cs.get(detail(long)).status_code == 200
    # A different state offers other forms (no assignee choices once dispatched), never more.
    assert len(many) <= len(few)
