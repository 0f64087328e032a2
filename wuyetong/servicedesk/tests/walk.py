"""A seeded random walk of cases through the services, for tests that compare figures with
direct counts: two companies, submissions over about three months, actions mostly allowed
in the case's state and sometimes not (refused, changing nothing), SLA scans and urges."""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta

from django.utils import timezone

from wuyetong.core.exceptions import ApplicationError
from wuyetong.servicedesk import services
from wuyetong.servicedesk.models import Case, CaseType

NEXT = {
    "submitted": ["dispatch", "dispatch", "grab", "grab", "cancel", "urge"],
    "reopened": ["dispatch", "grab"],
    "dispatched": ["accept", "accept", "accept", "return"],
    "accepted": ["arrive", "arrive", "arrive", "return"],
    "on_site": ["start"],
    "in_progress": ["complete", "urge"],
    "completed": ["rate", "rate", "rate", "visit", "reopen"],
    "rated": ["close", "reopen", "visit"],
    "return_visited": ["close", "rate"],
    "closed": ["reopen", "urge"],
}


def random_walk(desk, seed: int, steps: int) -> None:
    """Cases of two companies pushed through random actions (many refused) on a clock that
    runs forward over about three months."""
    rng = random.Random(seed)
    world = desk.world
    services.case_type_defaults_create(company_id=world.company_b.pk)
    b_type = CaseType.objects.filter(company=world.company_b, kind="repair").first()
    b_noise = CaseType.objects.filter(company=world.company_b, kind="complaint").first()
    b_cs = world.staff("customer_service", "b")
    clock = timezone.now() - timedelta(days=100)
    cases: list[Case] = []

    def submit():
        if rng.random() < 0.25:
            kind = "complaint" if rng.random() < 0.5 else "repair"
            case = services.case_submit(
                reporter=world.other_owner,
                kind=kind,
                case_type_id=(b_noise if kind == "complaint" else b_type).pk,
                description="楼道灯不亮",
                house_id=world.other_owner_house.pk,
                reason="x" if kind == "complaint" else "",
                now=clock,
            )
        else:
            kind = "complaint" if rng.random() < 0.3 else "repair"
            case = desk.submit(kind=kind, now=clock)
        cases.append(case)

    def on(case: Case) -> dict:
        company_a = case.company_id == world.company_a.pk
        cs = desk.cs if company_a else b_cs
        reporter = world.owner if company_a else world.other_owner
        worker = desk.worker if company_a else world.staff("repair_worker", "b")
        emp = desk.emp(worker).pk
        return {
            "dispatch": lambda: services.case_dispatch(
                actor=cs, case_id=case.pk, assignee_id=emp, now=clock
            ),
            "grab": lambda: services.case_grab(actor=worker, case_id=case.pk, now=clock),
            "accept": lambda: services.case_accept(actor=worker, case_id=case.pk, now=clock),
            "arrive": lambda: services.case_arrive(actor=worker, case_id=case.pk, now=clock),
            "start": lambda: services.case_start(actor=worker, case_id=case.pk, now=clock),
            "return": lambda: services.case_return_to_pool(
                actor=worker, case_id=case.pk, reason="不是我的片区", now=clock
            ),
            "complete": lambda: services.case_complete(
                actor=worker, case_id=case.pk, reply="已处理并书面答复", now=clock
            ),
            "rate": lambda: services.case_rate(
                reporter=reporter,
                case_id=case.pk,
                rating=rng.choice(["good", "good", "fair", "bad"]),
                comment="还是有问题",
                now=clock,
            ),
            "reopen": lambda: services.case_reopen(
                actor=reporter, case_id=case.pk, reason="又坏了", now=clock
            ),
            "cancel": lambda: services.case_cancel(reporter=reporter, case_id=case.pk, now=clock),
            "visit": lambda: services.case_return_visit(
                actor=cs, case_id=case.pk, note="电话回访", now=clock
            ),
            "close": lambda: services.case_close(actor=cs, case_id=case.pk, now=clock),
            "urge": lambda: services.bureau_urge(
                official=world.bureau_official, case_id=case.pk, note="请尽快处理", now=clock
            ),
        }

    for _step in range(steps):
        clock += timedelta(minutes=rng.randint(5, 900))
        roll = rng.random()
        if roll < 0.12 or not cases:
            submit()
        elif roll < 0.16:
            services.sla_scan(now=clock)
        else:
            case = rng.choice(cases)
            case.refresh_from_db(fields=["state"])
            # Mostly what the state allows, sometimes anything (refused, changes nothing).
            menu = NEXT.get(case.state, ["urge"]) if rng.random() < 0.85 else list(on(case))
            action = rng.choice(menu)
            # Refused in this state (or not this bureau's case): nothing changes.
            with contextlib.suppress(ApplicationError):
                on(case)[action]()
    # Whatever the dice did, one case rated 好 and one 差 on the same clock.
    for rating in ("good", "bad"):
        case = desk.submit(now=clock)
        for action in ("grab", "arrive", "start", "complete"):
            on(case)[action]()
        services.case_rate(
            reporter=world.owner, case_id=case.pk, rating=rating, comment="评价", now=clock
        )
