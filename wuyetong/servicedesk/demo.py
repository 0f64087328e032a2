"""Demo data for the service desk: a company's default types and SLA rules, duty cards, and
cases in every state with realistic, back-dated timelines — all made through the services,
so the demo shows what the product records. Called by the demo loader (outside this app)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from wuyetong.core.access import get_access
from wuyetong.estates.models import House
from wuyetong.orgs.models import Employee

from . import services
from .choices import CaseKind
from .models import Case, CaseType, CaseWorker

Step = tuple[str, Callable[[Case, datetime], Any]]


def populate(
    *, bundle, reporter, bureau_official=None, now: datetime | None = None
) -> dict[str, Case]:
    """Cases of `reporter` (an owner with a house of `bundle`'s company) in every state,
    handled by the bundle's customer-service, repair-worker and manager personas. Returns
    the case made for each state."""
    now = now or timezone.now()
    company = bundle.company
    services.case_type_defaults_create(company_id=company.pk)
    cs = bundle.staff["customer_service"]
    worker = bundle.staff["repair_worker"]
    worker_emp = Employee.objects.get(company=company, user=worker)
    card, _ = CaseWorker.objects.get_or_create(employee=worker_emp, defaults={"company": company})
    card.case_types.set(CaseType.objects.filter(company=company, kind=CaseKind.REPAIR))
    house_ids = get_access(reporter).house_ids
    house = House.objects.filter(pk__in=house_ids, community__company=company).first()
    if house is None:
        raise ValueError("the reporter needs a house of this company")
    types = {t.name: t for t in CaseType.objects.filter(company=company)}

    def submit(kind: str, type_name: str, text: str, at: datetime, **extra) -> Case:
        return services.case_submit(
            reporter=reporter,
            kind=kind,
            case_type_id=types[type_name].pk,
            description=text,
            house_id=house.pk,
            reason="夜间施工噪音" if kind == CaseKind.COMPLAINT else "",
            now=at,
            **extra,
        )

    def dispatch(c: Case, t: datetime):
        services.case_dispatch(actor=cs, case_id=c.pk, assignee_id=worker_emp.pk, now=t)

    def work(action: str, **kw) -> Callable[[Case, datetime], Any]:
        fn = getattr(services, f"case_{action}")
        return lambda c, t: fn(actor=worker, case_id=c.pk, now=t, **kw)

    happy: list[Step] = [
        ("dispatched", dispatch),
        ("accepted", work("accept")),
        ("on_site", work("arrive")),
        ("in_progress", work("start")),
        ("completed", work("complete", note="已更换损坏部件，试用正常")),
        (
            "rated",
            lambda c, t: services.case_rate(
                reporter=reporter, case_id=c.pk, rating="good", comment="师傅很专业", now=t
            ),
        ),
        ("closed", lambda c, t: services.case_close(actor=cs, case_id=c.pk, now=t)),
    ]

    def walk(case: Case, until: str, start: datetime, gap: timedelta) -> Case:
        t = start
        for state, step in happy:
            t += gap
            step(case, t)
            if state == until:
                break
        return case

    def hours(n: int) -> timedelta:
        return timedelta(hours=n)

    # Cases waiting for a rating, a visit or a close are recent, so the scheduler's
    # automatic return visit and close leave them in their state for about a day.
    made: dict[str, Case] = {}
    day = timedelta(days=1)
    made["submitted"] = submit(
        CaseKind.REPAIR, "电梯", "3号楼电梯按键失灵", now - timedelta(minutes=5)
    )
    made["cancelled"] = submit(CaseKind.REPAIR, "门锁", "入户门锁卡顿", now - 3 * day)
    services.case_cancel(
        reporter=reporter, case_id=made["cancelled"].pk, reason="已自行修好", now=now - 3 * day
    )
    gap = timedelta(minutes=20)
    for state, type_name, text, age in (
        ("dispatched", "路灯", "小区东门路灯不亮", timedelta(hours=2)),
        ("accepted", "给排水", "卫生间地漏返水", timedelta(hours=5)),
        ("on_site", "电路照明", "客厅插座没电", timedelta(hours=6)),
        ("in_progress", "窗户", "卧室窗户关不严", timedelta(hours=8)),
    ):
        made[state] = walk(
            submit(CaseKind.REPAIR, type_name, text, now - age), state, now - age, gap
        )
    paused = walk(
        submit(CaseKind.REPAIR, "渗漏", "阳台顶部渗水", now - 2 * day),
        "in_progress",
        now - 2 * day,
        gap,
    )
    services.case_pause(
        actor=worker, case_id=paused.pk, reason="等待防水材料到货", now=now - 2 * day + 3 * gap
    )
    made["paused"] = paused
    paid = walk(
        submit(CaseKind.REPAIR, "给排水", "厨房水龙头漏水", now - hours(20)),
        "in_progress",
        now - hours(20),
        gap,
    )
    services.case_quote(
        actor=worker,
        case_id=paid.pk,
        amount="85.00",
        note="更换水龙头阀芯",
        now=now - hours(20) + 5 * gap,
    )
    services.case_quote_accept(
        reporter=reporter, case_id=paid.pk, expected_amount="85.00", now=now - hours(20) + 6 * gap
    )
    made["completed"] = work("complete", note="已更换阀芯")(paid, now - hours(20) + 7 * gap)
    made["rated"] = walk(
        submit(CaseKind.REPAIR, "健身器材", "健身器材螺丝松动", now - hours(10)),
        "rated",
        now - hours(10),
        gap,
    )
    visited = walk(
        submit(CaseKind.REPAIR, "墙面开裂", "楼道墙面开裂", now - hours(22)),
        "completed",
        now - hours(22),
        gap,
    )
    services.case_return_visit(
        actor=cs, case_id=visited.pk, note="电话回访：业主表示已修复", now=now - hours(2)
    )
    made["return_visited"] = visited
    complaint = submit(CaseKind.COMPLAINT, "噪音扰民", "楼上装修夜间施工", now - 6 * day)
    walk(complaint, "in_progress", now - 6 * day, gap)
    services.case_complete(
        actor=worker,
        case_id=complaint.pk,
        reply="已约谈装修户，施工时间限定为工作日8:00-18:00",
        now=now - 6 * day + 5 * gap,
    )
    services.case_rate(reporter=reporter, case_id=complaint.pk, rating="fair", now=now - 5 * day)
    services.case_close(actor=cs, case_id=complaint.pk, now=now - 5 * day + gap)
    made["closed"] = complaint
    reopened = walk(
        submit(CaseKind.REPAIR, "门禁", "单元门禁刷卡无反应", now - 7 * day),
        "closed",
        now - 7 * day,
        gap,
    )
    services.case_reopen(
        actor=reporter, case_id=reopened.pk, reason="两天后又失灵了", now=now - 4 * day
    )
    made["reopened"] = reopened
    bad = walk(
        submit(CaseKind.REPAIR, "路灯", "地库照明灯闪烁", now - hours(9)),
        "completed",
        now - hours(9),
        gap,
    )
    services.case_rate(
        reporter=reporter,
        case_id=bad.pk,
        rating="bad",
        comment="修完第二天又闪",
        now=now - hours(3),
    )
    # Deadlines that passed while the demo's clock ran: warnings, breaches and escalations.
    services.sla_scan(now=now)
    if bureau_official is not None:
        services.bureau_urge(
            official=bureau_official,
            case_id=made["paused"].pk,
            note="该工单已超期，请尽快处理并书面答复",
            now=now - timedelta(hours=1),
        )
    for case in made.values():
        case.refresh_from_db()
    return made


def history(
    *,
    bundles: list[tuple[Any, float]],
    reporters: dict[int, Any],
    officials: dict[int, Any],
    months: int = 6,
    per_month: int = 24,
    now: datetime | None = None,
) -> int:
    """Months of past cases before the current one for every approved community of the
    given companies (company bundle, quality: above 1 is slower and less liked), so the
    bureau's and the companies' dashboards show trends and comparisons. `reporters` maps a
    community id to the owner who reports there, `officials` a district id to the bureau
    official who urges. Written in bulk; the monthly figures are then rebuilt."""
    from wuyetong.orgs.models import Bureau, Community

    from . import history as past
    from . import rollup
    from .stats import FigureQuery, default_months

    now = now or timezone.now()
    first, current = default_months(today=timezone.localdate(now), count=months + 1)
    month_list = FigureQuery(first=first, last=current).months()[:-1]  # the current one is live
    sites = []
    for bundle, quality in bundles:
        company = bundle.company
        services.case_type_defaults_create(company_id=company.pk)
        types = CaseType.objects.filter(company=company)
        worker = Employee.objects.get(company=company, user=bundle.staff["repair_worker"])
        for community in Community.objects.approved().filter(company=company, pk__in=reporters):
            bureau = Bureau.objects.filter(
                district_id=community.district_id, is_active=True
            ).first()
            official = officials.get(community.district_id)
            sites.append(
                past.Site(
                    community_id=community.pk,
                    company_id=company.pk,
                    repair_type_ids=tuple(t.pk for t in types if t.kind == CaseKind.REPAIR),
                    complaint_type_ids=tuple(t.pk for t in types if t.kind == CaseKind.COMPLAINT),
                    worker_id=worker.pk,
                    worker_user_id=worker.user_id,
                    desk_user_id=bundle.staff["customer_service"].pk,
                    reporter_id=reporters[community.pk].pk,
                    region_id=bundle.region.pk,
                    hq_id=bundle.hq.pk,
                    bureau_id=bureau.pk if bureau else None,
                    official_id=official.pk if official else None,
                    quality=quality,
                )
            )
    numbers = past.Numbers()
    written = past.write(
        past.past_cases(sites, month_list, per_month=per_month, now=now, numbers=numbers),
        numbers=numbers,
    )
    rollup.rebuild(community_ids=[s.community_id for s in sites])
    return written
