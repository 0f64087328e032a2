"""Synthetic past cases, for the demo and the benchmark: months of history per community
whose times, deadlines, breaches, escalations, urges and ratings follow the service desk's
default rules (`services.config.DEFAULT_SLA`), so the dashboards have a realistic record to
show. This module only makes rows; the caller writes them (the demo with bulk_create and a
timeline per case, the benchmark with COPY) and then rebuilds the monthly figures with
`rollup.rebuild`, the documented bulk path — live cases always go through the services."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from .choices import CaseKind, CaseState, EscalationLevel, EventKind, Rating, Urgency
from .services.config import DEFAULT_SLA
from .stats import month_bounds

S = CaseState


@dataclass(frozen=True)
class Site:
    """One community's cast: who reports, handles, escalates and oversees its cases.
    `quality` above 1 makes a company slower and its owners less happy."""

    community_id: int
    company_id: int
    repair_type_ids: tuple[int, ...]
    complaint_type_ids: tuple[int, ...]
    worker_id: int  # Employee
    worker_user_id: int
    desk_user_id: int
    reporter_id: int
    region_id: int | None = None
    hq_id: int | None = None
    bureau_id: int | None = None
    official_id: int | None = None
    quality: float = 1.0


@dataclass
class PastCase:
    fields: dict[str, Any]
    # (at, kind, action, from_state, to_state, actor user id, note)
    events: list[tuple] = field(default_factory=list)
    # (urged_at, note, official user id, answered_at or None, answer, answering user id)
    urge: tuple | None = None


REPAIR_TEXTS = ["卫生间漏水", "楼道灯不亮", "单元门禁失灵", "电梯异响", "窗户关不严", "墙面渗水"]
COMPLAINT_TEXTS = ["夜间装修噪音", "垃圾清运不及时", "保安态度差", "车辆乱停", "收费不透明"]


class Numbers:
    """Case numbers as the service makes them: prefix + day + per company-and-day sequence."""

    def __init__(self):
        self.last: dict[tuple[int, date], int] = {}

    def take(self, company_id: int, day: date, kind: str) -> str:
        key = (company_id, day)
        self.last[key] = self.last.get(key, 0) + 1
        prefix = "BX" if kind == CaseKind.REPAIR else "TS"
        return f"{prefix}{day:%Y%m%d}{self.last[key]:04d}"


def past_cases(
    sites: list[Site],
    months: list[date],
    *,
    per_month: int,
    now: datetime,
    seed: int = 0,
    events: bool = True,
    numbers: Numbers | None = None,
) -> Iterator[PastCase]:
    """About `per_month` cases per site and month (±40 %), submitted before `now`."""
    numbers = numbers if numbers is not None else Numbers()
    tz_now = now
    for site in sites:
        rng = random.Random(f"{seed}-{site.community_id}")
        for month in months:
            start, end = month_bounds(month, month)
            end = min(end, tz_now - timedelta(hours=2))
            if end <= start:
                continue
            span = (end - start).total_seconds()
            count = max(0, round(per_month * rng.uniform(0.6, 1.4)))
            for at in sorted(start + timedelta(seconds=rng.random() * span) for _ in range(count)):
                yield _one(site, at, rng, tz_now, numbers, events)


def _one(
    site: Site, at: datetime, rng: random.Random, now: datetime, numbers: Numbers, events: bool
) -> PastCase:
    q = site.quality
    kind = CaseKind.COMPLAINT if rng.random() < 0.2 else CaseKind.REPAIR
    urgency = Urgency.URGENT if rng.random() < 0.1 else Urgency.NORMAL
    response_limit, resolution_limit, _warn = DEFAULT_SLA[(kind, urgency)]
    types = site.complaint_type_ids if kind == CaseKind.COMPLAINT else site.repair_type_ids
    texts = COMPLAINT_TEXTS if kind == CaseKind.COMPLAINT else REPAIR_TEXTS
    description = rng.choice(texts)
    f: dict[str, Any] = {
        "company_id": site.company_id,
        "community_id": site.community_id,
        "kind": kind,
        "number": numbers.take(site.company_id, _local_day(at), kind),
        "case_type_id": rng.choice(types),
        "house_id": None,
        "place": "公共区域",
        "reporter_id": site.reporter_id,
        "urgency": urgency,
        "scope": "public",
        "description": description,
        "reason": description if kind == CaseKind.COMPLAINT else "",
        "submitted_at": at,
        "state_changed_at": at,
        "response_due_at": at + timedelta(minutes=response_limit),
        "resolution_due_at": at + timedelta(minutes=resolution_limit),
        "escalation_level": EscalationLevel.PROJECT,
        "rating": "",
    }
    ev: list[tuple] = [(at, EventKind.TRANSITION, "submit", "", S.SUBMITTED, site.reporter_id, "")]
    state: str = S.SUBMITTED
    if rng.random() < 0.02:
        cancel = at + timedelta(minutes=rng.randint(2, 20))
        f.update(state=S.CANCELLED, state_changed_at=cancel, closed_at=cancel)
        ev.append(
            (cancel, EventKind.TRANSITION, "cancel", state, S.CANCELLED, site.reporter_id, "")
        )
        return PastCase(f, ev if events else [])
    # Response: minutes from report to acceptance; a slow company answers later.
    response = timedelta(minutes=max(2.0, rng.lognormvariate(3.0, 0.7) * q))
    accepted = at + response
    breaches: list[tuple[datetime, str]] = []
    if response > timedelta(minutes=response_limit):
        f["response_breached_at"] = f["response_due_at"] + timedelta(minutes=1)
        breaches.append((f["response_breached_at"], "response"))
    dispatched = at + min(response / 2, timedelta(minutes=10))
    f.update(
        state=S.ACCEPTED,
        assignee_id=site.worker_id,
        dispatched_at=dispatched,
        accepted_at=accepted,
        state_changed_at=accepted,
    )
    ev += [
        (
            dispatched,
            EventKind.TRANSITION,
            "dispatch",
            S.SUBMITTED,
            S.DISPATCHED,
            site.desk_user_id,
            "",
        ),
        (
            accepted,
            EventKind.TRANSITION,
            "accept",
            S.DISPATCHED,
            S.ACCEPTED,
            site.worker_user_id,
            "",
        ),
    ]
    state = S.ACCEPTED
    hours = rng.lognormvariate(1.6 if kind == CaseKind.REPAIR else 3.0, 0.8) * q
    completed = accepted + timedelta(hours=max(0.3, hours))
    arrived = accepted + min(timedelta(minutes=rng.randint(10, 60)), (completed - accepted) / 3)
    f.update(arrived_at=arrived)
    ev += [
        (arrived, EventKind.TRANSITION, "arrive", S.ACCEPTED, S.ON_SITE, site.worker_user_id, ""),
        (arrived, EventKind.TRANSITION, "start", S.ON_SITE, S.IN_PROGRESS, site.worker_user_id, ""),
    ]
    state = S.IN_PROGRESS
    if completed > f["resolution_due_at"]:
        breach_at = f["resolution_due_at"] + timedelta(minutes=1)
        if breach_at < now:
            f["resolution_breached_at"] = breach_at
            breaches.append((breach_at, "resolution"))
    finished = completed < now - timedelta(hours=1) and rng.random() > 0.01
    if finished:
        reply = "已处理并书面答复业主" if kind == CaseKind.COMPLAINT else ""
        f.update(state=S.COMPLETED, completed_at=completed, state_changed_at=completed, reply=reply)
        ev.append(
            (
                completed,
                EventKind.TRANSITION,
                "complete",
                state,
                S.COMPLETED,
                site.worker_user_id,
                "",
            )
        )
        state = S.COMPLETED
    else:
        f.update(state=S.IN_PROGRESS, state_changed_at=arrived)
    for breach_at, which in sorted(breaches):
        note = "超过响应期限" if which == "response" else "超过解决期限"
        ev.append((breach_at, EventKind.BREACH, f"{which}_breach", "", "", None, note))
        _escalate(f, ev, site, breach_at, "超时", to_bureau=kind == CaseKind.COMPLAINT)
    if state == S.COMPLETED:
        state = _rate_and_close(f, ev, site, rng, completed, now, q, state)
    if f.get("bureau_queued_at") and site.official_id and rng.random() < 0.4:
        urged = f["bureau_queued_at"] + timedelta(hours=rng.randint(2, 30))
        if urged < now:
            answered = urged + timedelta(hours=rng.randint(1, 8))
            answer = "已安排专人跟进，当日处理完毕" if answered < now else ""
            f_urge = (
                urged,
                "请尽快处理并书面答复",
                site.official_id,
                answered if answer else None,
                answer,
                site.desk_user_id,
            )
            ev.append((urged, EventKind.URGE, "urge", "", "", site.official_id, f_urge[1]))
            if answer:
                ev.append(
                    (
                        answered,
                        EventKind.URGE_ANSWER,
                        "urge_answer",
                        "",
                        "",
                        site.desk_user_id,
                        answer,
                    )
                )
            return PastCase(f, sorted(ev, key=lambda e: e[0]) if events else [], f_urge)
    return PastCase(f, sorted(ev, key=lambda e: e[0]) if events else [])


def _rate_and_close(
    f: dict,
    ev: list,
    site: Site,
    rng: random.Random,
    completed: datetime,
    now: datetime,
    q: float,
    state: str,
) -> str:
    if rng.random() < 0.7:
        rated = completed + timedelta(hours=rng.randint(1, 48))
        if rated >= now:
            return state
        roll = rng.random() * q
        rating = Rating.GOOD if roll < 0.8 else Rating.FAIR if roll < 0.93 else Rating.BAD
        comment = {"good": "师傅很专业", "fair": "还行", "bad": "拖了很久才修好"}[rating]
        f.update(
            rating=rating,
            rating_comment=comment,
            rated_at=rated,
            state=S.RATED,
            state_changed_at=rated,
        )
        ev.append((rated, EventKind.TRANSITION, "rate", state, S.RATED, site.reporter_id, comment))
        state = S.RATED
        if rating == Rating.BAD:
            _escalate(f, ev, site, rated, "差评", to_bureau=True)
            visit = rated + timedelta(hours=rng.randint(2, 24))
            if visit >= now:
                return state
            state, last = _visit(
                f, ev, visit, state, site.desk_user_id, "电话回访，已向业主致歉并返修"
            )
        else:
            last = rated
    else:
        visit = completed + timedelta(days=3)
        if visit >= now:
            return state
        state, last = _visit(f, ev, visit, state, None, "业主3天未评价，系统自动回访")
    closed = last + timedelta(days=1)
    if closed < now:
        f.update(state=S.CLOSED, closed_at=closed, state_changed_at=closed)
        ev.append((closed, EventKind.TRANSITION, "close", state, S.CLOSED, None, "系统自动关闭"))
        return S.CLOSED
    f["state_changed_at"] = last
    return state


def _visit(f: dict, ev: list, at: datetime, state: str, actor, note: str) -> tuple[str, datetime]:
    """A return visit (回访) by the desk, or by the system when the owner never rated."""
    f.update(return_visit_note=note, state=S.RETURN_VISITED)
    ev.append((at, EventKind.TRANSITION, "return_visit", state, S.RETURN_VISITED, actor, note))
    return S.RETURN_VISITED, at


def _escalate(f: dict, ev: list, site: Site, at: datetime, reason: str, *, to_bureau: bool) -> None:
    """One level up (region, then HQ) and, when the rule says so, into the bureau's queue."""
    level = f["escalation_level"]
    if level < EscalationLevel.HQ and (site.region_id or site.hq_id):
        level = (
            EscalationLevel.REGION
            if level == EscalationLevel.PROJECT and site.region_id
            else EscalationLevel.HQ
        )
        f.update(
            escalation_level=level,
            escalated_to_id=site.region_id if level == EscalationLevel.REGION else site.hq_id,
            escalated_at=at,
        )
    note = reason
    if to_bureau and site.bureau_id and not f.get("bureau_queued_at"):
        f.update(bureau_id=site.bureau_id, bureau_queued_at=at)
        note += "，已报房管部门"
    ev.append((at, EventKind.ESCALATION, "escalate", "", "", None, note))


def _local_day(at: datetime) -> date:
    return timezone.localtime(at).date()


def write(
    cases: Iterator[PastCase] | list[PastCase], *, numbers: Numbers, batch_size: int = 2000
) -> int:
    """Write past cases with their timelines and urges through the ORM (bulk_create), and
    the number counters of their days (`numbers`, the one `past_cases` used) so a later case
    never reuses a number. The caller rebuilds the monthly figures. Returns the count."""
    from .models import Case, CaseEvent, CaseNumberSequence, CaseUrge

    written = 0
    chunk: list[PastCase] = []

    def flush() -> int:
        made = Case.objects.bulk_create([Case(**pc.fields) for pc in chunk])
        events, urges = [], []
        for case, pc in zip(made, chunk, strict=True):
            events += [
                CaseEvent(
                    case=case,
                    at=at,
                    kind=kind,
                    action=action,
                    from_state=from_state,
                    to_state=to_state,
                    actor_id=actor,
                    note=note,
                )
                for at, kind, action, from_state, to_state, actor, note in pc.events
            ]
            if pc.urge:
                urged_at, note, official, answered_at, answer, answerer = pc.urge
                urges.append(
                    CaseUrge(
                        case=case,
                        bureau_id=case.bureau_id or 0,  # only queued cases are urged
                        urged_by_id=official,
                        note=note,
                        urged_at=urged_at,
                        answer=answer,
                        answered_by_id=answerer if answered_at else None,
                        answered_at=answered_at,
                    )
                )
        CaseEvent.objects.bulk_create(events, batch_size=batch_size)
        CaseUrge.objects.bulk_create(urges, batch_size=batch_size)
        return len(made)

    for pc in cases:
        chunk.append(pc)
        if len(chunk) >= batch_size:
            written += flush()
            chunk = []
    if chunk:
        written += flush()
    CaseNumberSequence.objects.bulk_create(
        [CaseNumberSequence(company_id=c, day=d, last=n) for (c, d), n in numbers.last.items()],
        ignore_conflicts=True,
    )
    return written
