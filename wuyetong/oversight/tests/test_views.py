"""The bureau's and the company's statistics pages: who may open them, that every number is
the direct count of its cases and links to exactly those cases, Excel files that hold the
same numbers, bad filters answered with a message, the queue, and urging from the case page."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from wuyetong.servicedesk import services, stats
from wuyetong.servicedesk.models import Case, CaseEvent, CaseUrge

from .conftest import figure_links, list_total

BUREAU_PAGES = ["/oversight/dashboard/", "/oversight/cases/?metric=overdue", "/oversight/queue/"]
COMPANY_PAGES = ["/oversight/company/", "/oversight/company/cases/?metric=received"]


def _range_cases(first_months: int = 6):
    first, last = stats.default_months(count=first_months)
    start, end = stats.month_bounds(first, last)
    return Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)


def test_bureau_pages_answer_only_the_bureau(seen, client, client_for):
    world = seen.desk.world
    detail = f"/oversight/cases/{seen.queued.pk}/"
    for url in [*BUREAU_PAGES, detail, "/oversight/dashboard/?export=company"]:
        res = client.get(url)
        assert res.status_code == 302 and "/accounts/login/" in res["Location"], url
        for user in (
            world.owner,
            world.merchant_user,
            world.staff("hq_admin"),
            world.staff("customer_service"),
            world.admin,  # the platform reads tenants elsewhere; this is the bureau's desk
        ):
            assert client_for(user).get(url).status_code == 403, (url, user)
        assert client_for(world.bureau_official).get(url).status_code == 200, url
    # Another district's bureau opens its own pages, with none of 西湖区's cases in them.
    other = client_for(world.bureau_b_official)
    res = other.get("/oversight/dashboard/")
    assert res.status_code == 200
    in_b = _range_cases().filter(community=world.community_b1).count()
    assert res.context["total"].received == in_b
    assert other.get(detail).status_code == 404
    assert other.get("/oversight/queue/").context["page"].paginator.count == 0
    for bad in ("abc", "0", "-1", str(2**70), "１"):
        assert client_for(world.bureau_official).get(f"/oversight/cases/{bad}/").status_code == 404


def test_company_pages_need_servicedesk_view_and_show_only_the_scope(seen, client, client_for):
    world = seen.desk.world
    for url in COMPANY_PAGES:
        assert client.get(url).status_code == 302
        for user in (world.owner, world.bureau_official, world.staff("cleaner"), world.admin):
            assert client_for(user).get(url).status_code == 403, (url, user)
    in_range = _range_cases()
    hq = client_for(world.staff("hq_admin")).get("/oversight/company/")
    assert hq.context["total"].received == in_range.filter(company=world.company_a).count()
    other = client_for(world.staff("hq_admin", "b")).get("/oversight/company/")
    assert other.context["total"].received == in_range.filter(company=world.company_b).count()
    # The customer-service clerk works in project 1 only: community A2 is not theirs.
    cs = client_for(world.staff("customer_service"))
    res = cs.get("/oversight/company/")
    assert res.context["total"].received == in_range.filter(community=world.community_a1).count()
    listed = cs.get("/oversight/company/cases/?metric=received")
    assert seen.other_project.number not in listed.content.decode()
    # Reading is not exporting: the clerk has no servicedesk.export.
    assert cs.get("/oversight/company/?export=month").status_code == 403
    assert cs.get("/oversight/company/cases/?export=xlsx").status_code == 403
    assert hq.status_code == 200
    export = client_for(world.staff("hq_admin")).get("/oversight/company/?export=community")
    assert export.status_code == 200


def test_every_figure_is_the_direct_count_and_links_to_exactly_its_cases(seen, client_for):
    world = seen.desk.world
    bureau = client_for(world.bureau_official)
    res = bureau.get("/oversight/dashboard/")
    html = res.content.decode()
    total = res.context["total"]
    cases = _range_cases().filter(community__district=world.districts[0])
    assert total.received == cases.count() > 10
    assert total.accepted == cases.filter(accepted_at__isnull=False).count()
    assert total.resolved == cases.filter(completed_at__isnull=False).count()
    assert (
        total.escalated
        == cases.filter(escalation_level__gt=0).count()
        + cases.filter(escalation_level=0, bureau_queued_at__isnull=False).count()
    )
    assert total.urged == cases.filter(urges__isnull=False).distinct().count()
    assert total.good == cases.filter(rating="good").count()
    links = figure_links(html)
    assert len(links) > 20
    checked = set()
    for href, shown in links:
        if href in checked:
            continue
        checked.add(href)
        listed = bureau.get(href)
        assert listed.status_code == 200, href
        assert list_total(listed.content.decode()) == shown, href
        params = parse_qs(urlparse(href).query)
        assert params["metric"][0] in stats.METRIC_LABELS
    assert any("community=" in h for h in checked) and any("company=" in h for h in checked)
    assert any(
        parse_qs(urlparse(h).query)["month_from"] == parse_qs(urlparse(h).query)["month_to"]
        for h in checked
    )
    # The company's page: the same promise over its own cases.
    hq = client_for(world.staff("hq_admin"))
    page = hq.get("/oversight/company/").content.decode()
    for href, shown in figure_links(page)[:25]:
        assert list_total(hq.get(href).content.decode()) == shown, href


def _workbook(res):
    assert res.status_code == 200
    assert res["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(res.content)).active


def test_excel_files_hold_the_numbers_of_the_tables(seen, client_for):
    world = seen.desk.world
    bureau = client_for(world.bureau_official)
    page = bureau.get("/oversight/dashboard/")
    total = page.context["total"]
    for by, keys in (("company", 1), ("community", 3), ("month", 1)):
        res = bureau.get(f"/oversight/dashboard/?export={by}")
        assert "filename*=UTF-8''" in res["Content-Disposition"]
        sheet = _workbook(res)
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        assert header[keys : keys + 3] == ("受理", "接单", "接单率%")
        assert header[-2:] == ("报修好评率%", "投诉好评率%")
        last = rows[-1]
        assert last[0] == "合计"
        received, overdue = last[keys], last[keys + header[keys:].index("超时")]
        assert (received, overdue) == (total.received, total.overdue)
        assert sum(r[keys] for r in rows[1:-1]) == total.received
    month_rows = list(
        _workbook(bureau.get("/oversight/dashboard/?export=month")).iter_rows(values_only=True)
    )
    assert len(month_rows) == 1 + 6 + 1  # header, six months, 合计
    community_rows = list(
        _workbook(bureau.get("/oversight/dashboard/?export=community")).iter_rows(values_only=True)
    )
    names = {r[0] for r in community_rows[1:-1]}
    assert names == {"翠苑一区", "西溪花园"}  # 西湖区 only; 江南名府 is 滨江区's
    # The drill-down list exports its cases too, the same count as on screen.
    listed = bureau.get("/oversight/cases/?metric=overdue")
    sheet = _workbook(bureau.get("/oversight/cases/?metric=overdue&export=xlsx"))
    assert sheet.max_row - 1 == list_total(listed.content.decode()) == total.overdue
    assert bureau.get("/oversight/dashboard/?export=bogus").status_code == 404


def test_bad_filters_get_a_message_naming_the_field_and_no_500(seen, client_for):
    world = seen.desk.world
    bureau = client_for(world.bureau_official)
    cases = [
        ("month_from=2025-13", "请输入有效的月份"),
        ("month_from=２０２５-01", "请输入有效的月份"),
        ("month_from=2025-06&month_to=2025-01", "结束月份不能早于起始月份"),
        ("month_from=2020-01&month_to=2025-01", "一次最多统计36个月"),
        (f"company={world.company_b.pk}", "选择一个有效的选项"),
        (f"community={world.community_b1.pk}", "选择一个有效的选项"),
        (f"district={2**70}", "选择一个有效的选项"),
        ("kind=magic", "选择一个有效的选项"),
    ]
    for query, message in cases:
        for base in (
            "/oversight/dashboard/?",
            "/oversight/cases/?",
            "/oversight/dashboard/?export=month&",
        ):
            res = bureau.get(f"{base}{query}")
            if "export" in base:
                # An invalid question exports nothing: the page with the message instead.
                assert res["Content-Type"].startswith("text/html"), query
            assert res.status_code == 200, (base, query)
            assert message in res.content.decode(), (base, query)
    # Junk in the sort and page parameters falls back to the defaults.
    for query in ("o=--received", "page=abc", "page=999", f"o=name&page={2**70}"):
        assert bureau.get(f"/oversight/dashboard/?{query}").status_code == 200
    assert bureau.get("/oversight/cases/?o=--number").status_code == 200


def test_dashboard_query_count_does_not_grow_with_the_data(seen, client_for):
    world = seen.desk.world
    bureau = client_for(world.bureau_official)
    bureau.get("/oversight/dashboard/")  # warm-up (sessions, content types)
    with CaptureQueriesContext(connection) as before:
        bureau.get("/oversight/dashboard/")
    for i in range(12):
        seen.desk.submit(now=timezone.now() - timedelta(days=20 * i))
        seen.desk.submit(house_id=world.houses_a2[0].pk, now=timezone.now() - timedelta(days=9 * i))
    with CaptureQueriesContext(connection) as after:
        bureau.get("/oversight/dashboard/")
    assert len(after) == len(before) <= 16
    listed = "/oversight/cases/?metric=received"
    with CaptureQueriesContext(connection) as few:
        bureau.get(listed + "&kind=complaint")
    with CaptureQueriesContext(connection) as many:
        bureau.get(listed)
    assert len(few) == len(many)


def test_the_queue_holds_escalated_and_long_open_cases_of_this_bureau_only(seen, client_for):
    world = seen.desk.world
    bureau = client_for(world.bureau_official)
    queued = bureau.get("/oversight/queue/")
    numbers = queued.content.decode()
    assert seen.queued.number in numbers and seen.fresh.number not in numbers
    assert all(c.bureau_id == world.bureau_a.pk for c in queued.context["page"])
    long_open = bureau.get("/oversight/queue/?view=long_open").content.decode()
    assert seen.old_open.number in long_open and seen.fresh.number not in long_open
    closed = Case.objects.filter(bureau=world.bureau_a, state__in=("closed", "cancelled"))
    shown_all = bureau.get("/oversight/queue/?status=all").context["page"].paginator.count
    assert shown_all == Case.objects.filter(bureau=world.bureau_a).count()
    assert queued.context["page"].paginator.count == shown_all - closed.count()
    sheet = _workbook(bureau.get("/oversight/queue/?export=xlsx"))
    assert sheet.max_row - 1 == queued.context["page"].paginator.count
    assert (
        client_for(world.bureau_b_official)
        .get("/oversight/queue/?view=long_open")
        .context["page"]
        .paginator.count
        == 0
    )


def test_the_bureau_urges_from_the_case_page_and_sees_the_answer(seen, client_for, pushes):
    world = seen.desk.world
    bureau = client_for(world.bureau_official)
    url = f"/oversight/cases/{seen.queued.pk}/"
    page = bureau.get(url)
    html = page.content.decode()
    assert 'name="note"' in html and "催办" in html
    # Read only: no handling action is offered on the bureau's page.
    for label in ("派单", "接单", "关闭", "回访", "抢单", "完成"):
        assert f">{label}</button>" not in html
    events = CaseEvent.objects.filter(case=seen.queued).count()
    res = bureau.post(url, {"note": "   "})
    assert res.status_code == 400 and "请填写催办意见" in res.content.decode()
    assert not CaseUrge.objects.filter(case=seen.queued).exists()
    assert CaseEvent.objects.filter(case=seen.queued).count() == events
    res = bureau.post(url, {"note": "请于今日18:00前处理完毕并书面答复"})
    assert res.status_code == 302
    urge = CaseUrge.objects.get(case=seen.queued)
    assert (urge.case_id, urge.bureau_id, urge.urged_by_id) == (
        seen.queued.pk,
        world.bureau_a.pk,
        world.bureau_official.pk,
    )
    assert CaseEvent.objects.filter(case=seen.queued, kind="urge").count() == 1
    assert (f"company.{world.company_a.pk}", "case.urged") in [(g, p["type"]) for g, p in pushes]
    html = bureau.get(url).content.decode()
    assert "请于今日18:00前处理完毕并书面答复" in html and "物业公司尚未答复" in html
    services.company_answer_urge(
        actor=world.staff("project_manager"), urge_id=urge.pk, answer="已安排师傅今天下午上门"
    )
    html = bureau.get(url).content.decode()
    assert "已安排师傅今天下午上门" in html and "物业公司尚未答复" not in html
    # The figures count the case as urged at once.
    total = bureau.get("/oversight/dashboard/").context["total"]
    assert (
        total.urged
        == Case.objects.filter(community__district=world.districts[0], urges__isnull=False)
        .distinct()
        .count()
        >= 1
    )


def test_urging_is_refused_where_it_is_not_allowed_and_changes_nothing(seen, client_for):
    world = seen.desk.world
    fresh = f"/oversight/cases/{seen.fresh.pk}/"
    bureau = client_for(world.bureau_official)
    html = bureau.get(fresh).content.decode()
    assert 'name="note"' not in html
    assert "只能催办已升级或超过72小时未办结的工单" in html
    res = bureau.post(fresh, {"note": "催一下"})
    assert res.status_code == 400
    assert "只能催办已升级或超过72小时未办结的工单" in res.content.decode()
    # Long open but never escalated: allowed.
    assert (
        bureau.post(f"/oversight/cases/{seen.old_open.pk}/", {"note": "已超三天"}).status_code
        == 302
    )
    assert CaseUrge.objects.filter(case=seen.old_open).count() == 1
    queued = f"/oversight/cases/{seen.queued.pk}/"
    assert client_for(world.bureau_b_official).post(queued, {"note": "x"}).status_code == 404
    assert client_for(world.staff("hq_admin")).post(queued, {"note": "x"}).status_code == 403
    assert client_for(world.owner).post(queued, {"note": "x"}).status_code == 403
    from django.test import Client

    assert Client().post(queued, {"note": "x"}).status_code == 302
    assert CaseUrge.objects.filter(case=seen.queued).count() == 0
    assert CaseUrge.objects.filter(case=seen.fresh).count() == 0


@pytest.mark.parametrize("persona", ["bureau", "company"])
def test_invalid_filter_on_a_drill_down_lists_nothing(seen, client_for, persona):
    world = seen.desk.world
    user = world.bureau_official if persona == "bureau" else world.staff("hq_admin")
    url = "/oversight/cases/" if persona == "bureau" else "/oversight/company/cases/"
    res = client_for(user).get(url + "?month_from=nonsense&metric=received")
    assert res.status_code == 200 and list_total(res.content.decode()) == 0
    res = client_for(user).get(url + "?metric=nonsense")
    assert res.status_code == 200 and "选择一个有效的选项" in res.content.decode()
