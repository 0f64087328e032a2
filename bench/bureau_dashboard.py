"""Benchmark: the bureau's service-desk dashboard over 1,000,000 cases in 3,000 communities.

PostgreSQL only (the goal's database). The parent creates a throwaway database and starts a
child, which migrates and builds a city with 10 districts, a city-level bureau (jurisdiction:
every community), 50 companies with 60 communities each, and N cases over 24 months made by
`servicedesk.history` (the demo's generator: times, deadlines, breaches, escalations, urges
and ratings by the default rules) written with COPY; then `rollup.rebuild` fills the monthly
figures table. It measures, in the same run:

- baseline: the same figures counted straight from the case table (`stats.case_stats`, one
  grouped query — what the page would have to do without the monthly table), for the default
  six months;
- the page: GET /oversight/dashboard/ as the bureau official through Django's test client
  (server time: middleware, access, queries, charts, template), with its query count, for
  the default six months, all 24 months, one company, a later page of the community table,
  and the drill-down list behind 超时;
- consistency: the page's totals equal the direct count, company by company.

Each child prints one JSON line; the parent prints the table. Goal (issue 3): the page under
300 ms on PostgreSQL.

    python -m bench.bureau_dashboard
    BENCH_CASES=100000 python -m bench.bureau_dashboard
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres
    BENCH_KEEP=1 …; BENCH_REUSE=<kept database> …   # measure again without rebuilding the data
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import child

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
COMMUNITIES = int(os.environ.get("BENCH_COMMUNITIES", "3000"))
COMPANIES = 50
DISTRICTS = 10
MONTHS = 24
RUNS = 7
GOAL_MS = 300.0


# --- child: one database ----------------------------------------------------------------------


def _build() -> dict:
    """City, districts, bureau, companies, communities, types, staff. Not timed."""
    from django.db import transaction

    from wuyetong.demo import builders as b
    from wuyetong.orgs.models import Bureau, BureauMember, Community, District
    from wuyetong.servicedesk.models import CaseType
    from wuyetong.servicedesk.services import case_type_defaults_create

    city, _pair = b.city_create()
    districts = list(District.objects.filter(city=city))
    for i in range(len(districts), DISTRICTS):
        districts.append(
            District.objects.create(city=city, name=f"基准{i}区", code=f"3301{90 + i:02d}")
        )
    official = b.user_create("13800009999", "市房管局科员")
    bureau = Bureau.objects.create(name="基准市住建局", city=city, is_active=True)
    BureauMember.objects.create(bureau=bureau, user=official)
    reporter = b.user_create("13500009999", "基准业主")
    sites = []
    per_company = COMMUNITIES // COMPANIES
    for c in range(COMPANIES):
        bundle = b.company_create(
            name=f"基准物业{c:02d}有限公司",
            short_name=f"基准{c:02d}",
            credit_code=f"91330100MA2BN{c:05d}",
            city=city,
        )
        worker = b.employee_create(
            bundle=bundle, phone=f"1390{c:03d}0005", name=f"维修{c}", template="repair_worker"
        )
        desk = b.employee_create(
            bundle=bundle, phone=f"1390{c:03d}0003", name=f"客服{c}", template="customer_service"
        )
        worker_id = _employee_id(bundle.company, worker)
        case_type_defaults_create(company_id=bundle.company.pk)
        types = list(CaseType.objects.filter(company=bundle.company))
        with transaction.atomic():
            communities = Community.objects.bulk_create(
                [
                    Community(
                        company=bundle.company,
                        project=bundle.projects[i % len(bundle.projects)],
                        district=districts[(c * per_company + i) % len(districts)],
                        name=f"基准{c:02d}-{i:03d}小区",
                        code=f"B{c:02d}{i:03d}",
                        status="approved",
                    )
                    for i in range(per_company)
                ]
            )
        sites += [
            {
                "community_id": cm.pk,
                "company_id": bundle.company.pk,
                "repair_type_ids": tuple(t.pk for t in types if t.kind == "repair"),
                "complaint_type_ids": tuple(t.pk for t in types if t.kind == "complaint"),
                "worker_id": worker_id,
                "worker_user_id": worker.pk,
                "desk_user_id": desk.pk,
                "reporter_id": reporter.pk,
                "region_id": bundle.region.pk,
                "hq_id": bundle.hq.pk,
                "bureau_id": bureau.pk,
                "official_id": official.pk,
                "quality": 0.8 + (c % 7) * 0.1,
            }
            for cm in communities
        ]
    return {"official_id": official.pk, "sites": sites}


def _built_before() -> dict:
    from wuyetong.accounts.models import User
    from wuyetong.orgs.models import Community

    return {
        "official_id": User.objects.get(phone="13800009999").pk,
        "sites": [
            {"community_id": pk, "company_id": company_id}
            for pk, company_id in Community.objects.order_by("pk").values_list("pk", "company_id")
        ],
    }


def _employee_id(company, user) -> int:
    from wuyetong.orgs.models import Employee

    return Employee.objects.get(company=company, user=user).pk


CASE_COLUMNS = [
    "company_id",
    "community_id",
    "kind",
    "number",
    "case_type_id",
    "house_id",
    "place",
    "reporter_id",
    "urgency",
    "scope",
    "description",
    "client_token",
    "reason",
    "state",
    "state_changed_at",
    "assignee_id",
    "pause_reason",
    "reopen_count",
    "submitted_at",
    "dispatched_at",
    "accepted_at",
    "arrived_at",
    "completed_at",
    "closed_at",
    "response_due_at",
    "resolution_due_at",
    "response_breached_at",
    "resolution_breached_at",
    "escalation_level",
    "escalated_to_id",
    "escalated_at",
    "bureau_id",
    "bureau_queued_at",
    "rating",
    "rating_comment",
    "rated_at",
    "return_visit_note",
    "reply",
    "quote_note",
    "quote_state",
    "created_at",
    "updated_at",
]
DEFAULTS = {
    "client_token": "",
    "pause_reason": "",
    "reopen_count": 0,
    "rating_comment": "",
    "return_visit_note": "",
    "reply": "",
    "quote_note": "",
    "quote_state": "",
}


def _write_cases(sites: list[dict], total: int) -> dict:
    """Generate and COPY the cases (and the urges of urged ones). Returns counts and time."""
    from django.db import connection
    from django.utils import timezone

    from wuyetong.servicedesk import history
    from wuyetong.servicedesk.models import Case, CaseUrge
    from wuyetong.servicedesk.stats import FigureQuery, default_months

    now = timezone.now()
    first, last = default_months(count=MONTHS)
    months = FigureQuery(first=first, last=last).months()
    per_month = max(1, round(total / (len(sites) * len(months))))
    site_objs = [history.Site(**s) for s in sites]
    numbers = history.Numbers()
    t0 = time.perf_counter()
    written = urges = 0
    urge_rows = []
    case_table, urge_table = Case._meta.db_table, CaseUrge._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.connection  # psycopg connection
        with raw.cursor() as cur:
            with cur.copy(f"COPY {case_table} ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
                for pc in history.past_cases(
                    site_objs, months, per_month=per_month, now=now, numbers=numbers, events=False
                ):
                    f = pc.fields
                    f.setdefault("created_at", f["submitted_at"])
                    f.setdefault("updated_at", f["state_changed_at"])
                    copy.write_row([f.get(c, DEFAULTS.get(c)) for c in CASE_COLUMNS])
                    written += 1
                    if pc.urge:
                        urge_rows.append((f["number"], f["company_id"], f["bureau_id"], pc.urge))
            # Urges point at their case: look the ids up by (company, number).
            cur.execute(
                f"SELECT company_id, number, id FROM {case_table} WHERE bureau_id IS NOT NULL"
            )
            ids = {(c, n): i for c, n, i in cur.fetchall()}
            with cur.copy(
                f"COPY {urge_table} (case_id, bureau_id, urged_by_id, note, urged_at, answer,"
                " answered_by_id, answered_at) FROM STDIN"
            ) as copy:
                for number, company_id, bureau_id, (
                    at,
                    note,
                    by,
                    answered,
                    answer,
                    answerer,
                ) in urge_rows:
                    copy.write_row(
                        [
                            ids[(company_id, number)],
                            bureau_id,
                            by,
                            note,
                            at,
                            answer,
                            answerer if answered else None,
                            answered,
                        ]
                    )
                    urges += 1
        cursor.execute("ANALYZE")
    return {"cases": written, "urges": urges, "write_s": time.perf_counter() - t0}


def _timed(fn, runs: int = RUNS) -> tuple[float, Any]:
    fn()  # warm-up: caches, plans, first connection
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def run_child() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wuyetong.accounts.models import User
    from wuyetong.servicedesk import rollup, stats
    from wuyetong.servicedesk.models import Case, CaseMonthStat

    figures: dict = {"vendor": connection.vendor}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    figures["migrate_s"] = time.perf_counter() - t0
    if os.environ.get("BENCH_REUSE"):  # a database kept by BENCH_KEEP: measure again only
        built = _built_before()
        figures.update(setup_s=0.0, cases=Case.objects.count(), urges=0, write_s=0.0)
    else:
        t0 = time.perf_counter()
        built = _build()
        figures["setup_s"] = time.perf_counter() - t0
        figures.update(_write_cases(built["sites"], CASES))
    t0 = time.perf_counter()
    figures["rollup_rows"] = rollup.rebuild()
    figures["rebuild_s"] = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures["cases_total"] = Case.objects.count()
    figures["communities"] = len(built["sites"])

    official = User.objects.get(pk=built["official_id"])
    scope = stats.bureau_scope(official)
    assert scope is not None
    first, last = stats.default_months()
    query = stats.FigureQuery(first=first, last=last)
    start, end = query.bounds()

    def direct():
        return stats.case_stats(scope.cases(), start=start, end=end)

    figures["baseline_ms"], direct_rows = _timed(direct, runs=3)
    client = Client()
    client.force_login(official)
    company_id = built["sites"][0]["company_id"]
    first24, _ = stats.default_months(count=MONTHS)
    figures["load_before"] = os.getloadavg()[0]
    pages = {
        # A plain console page of the same persona, for how loaded the machine is right now.
        "reference: 辖区小区 list": "/orgs/bureau/communities/",
        "dashboard (6 months)": "/oversight/dashboard/",
        "dashboard (24 months)": f"/oversight/dashboard/?month_from={first24:%Y-%m}",
        "dashboard (one company)": f"/oversight/dashboard/?company={company_id}",
        "dashboard (community page 50)": "/oversight/dashboard/?o=overdue&page=50",
        "drill-down: 超时 list": "/oversight/cases/?metric=overdue",
    }
    figures["pages"] = {}
    for name, url in pages.items():

        def get(url=url):
            response = client.get(url, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (url, response.status_code)
            return response

        ms, response = _timed(get)
        with CaptureQueriesContext(connection) as queries:
            get()
        figures["pages"][name] = {"ms": ms, "queries": len(queries), "bytes": len(response.content)}
        if name == "dashboard (6 months)":
            html = response.content.decode()
    figures["load_after"] = os.getloadavg()[0]
    total = stats.figure_totals(scope, query)
    shown = re.search(
        r'data-kpi="1">\s*<span class="ov-kpi-label">[^<]*</span><b>([0-9]+)</b>', html
    )
    # The page's figures equal the direct count, company by company.
    by_company: dict[int, list[int]] = {}
    for row in direct_rows:
        acc = by_company.setdefault(row.company_id, [0, 0, 0, 0])
        acc[0] += row.received
        acc[1] += row.overdue
        acc[2] += row.good
        acc[3] += row.urged
    page_rows = {
        r.company_id: [r.received, r.overdue, r.good, r.urged]
        for r in stats.figure_list(scope, query, by="company")
    }
    figures["consistent"] = (
        page_rows == by_company
        and shown is not None
        and int(shown[1]) == total.received == sum(v[0] for v in by_company.values())
    )
    figures["received_6m"] = total.received
    figures["rollup_table_rows"] = CaseMonthStat.objects.count()
    child.emit(figures)


# --- parent -----------------------------------------------------------------------------------


def _report(f: dict) -> bool:
    print(
        f"  setup {f['setup_s']:.1f} s (migrate {f['migrate_s']:.1f} s); {f['cases']:,} cases +"
        f" {f['urges']:,} urges written with COPY in {f['write_s']:.1f} s;"
        f" {f['communities']:,} communities"
    )
    print(
        f"  rollup.rebuild: {f['rebuild_s']:.1f} s → {f['rollup_rows']:,} monthly rows"
        f" ({f['cases_total'] / max(f['rollup_rows'], 1):.1f} cases per row)"
    )
    base = f["baseline_ms"]
    print(
        f"  baseline: the same six months counted from the case table: {base:8.1f} ms"
        f" ({f['received_6m']:,} cases)"
    )
    ref = f["pages"]["reference: 辖区小区 list"]["ms"]
    print(
        f"  machine load average (2 cores) {f['load_before']:.1f} before the pages,"
        f" {f['load_after']:.1f} after"
    )
    ok = True
    for name, p in f["pages"].items():
        line = (
            f"  {name:<30} {p['ms']:8.1f} ms  {p['queries']:3d} queries"
            f"  {p['ms'] / base:5.2f}× baseline  {p['ms'] / ref:5.1f}× plain page"
            f"  {p['bytes'] / 1024:6.0f} KB"
        )
        if name.startswith("dashboard"):
            met = p["ms"] < GOAL_MS
            ok = ok and met
            line += f"  goal < {GOAL_MS:.0f} ms: {'met' if met else 'NOT MET'}"
        print(line)
    print(f"  page figures = direct counts, company by company: {f['consistent']}")
    return ok and f["consistent"]


def main() -> int:
    print(
        f"bureau_dashboard: {CASES:,} cases, {COMMUNITIES:,} communities, {COMPANIES} companies,"
        f" {MONTHS} months; a city bureau's /oversight/dashboard/ on PostgreSQL"
    )
    reuse = os.environ.get("BENCH_REUSE", "")
    if not reuse and not os.environ.get("BENCH_KEEP"):
        return child.run_everywhere("bench.bureau_dashboard", _report, sqlite=False)
    # Iterating on the page: keep the database (BENCH_KEEP) or measure a kept one again.
    import psycopg

    name = reuse or f"wuyetong_bureaubench_{os.getpid()}"
    with psycopg.connect(child.PG_ADMIN_URL, autocommit=True) as admin:
        if not reuse:
            admin.execute(f'CREATE DATABASE "{name}"')
    print(f"  database {name} (kept)")
    url = child.PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with tempfile.TemporaryDirectory(prefix="wuyetong-bench-") as tmp:
        figures = child._child("bench.bureau_dashboard", Path(tmp), "postgresql", url, ())
    if isinstance(figures, dict):
        return 0 if _report(figures) else 1
    print(f"  FAILED: {figures}")
    return 1


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--child":
        run_child()
    else:
        sys.exit(main())
