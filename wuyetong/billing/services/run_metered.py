"""The metered part of a bill run: the month's meter readings (抄表) not yet billed become
bills of the house's metered standard for that meter, in the same run, written by the same
bulk path as periodic bills. Readings that cannot be billed are reported, not dropped
silently: no metered standard attached, usage zero, or a yearly tier already billed later."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from wuyetong.orgs.models import Community

from ..calc import month_end
from ..choices import BillState, ChargeMethod
from ..models import Bill, FeeAssignment, FeeItem, FeeStandard, MeterReading
from .bulk import PlannedBill
from .metered import metered_charge
from .runs import due_date_for

LIVE_EXCLUDED = (BillState.VOIDED, BillState.REVERSED)
QTY = Decimal("0.0001")


@dataclass
class MeteredPlan:
    """Bills the month's readings would make, by fee item id, the reading each one settles
    (by assignment id), and why the other readings make none."""

    rows: dict[int, list[PlannedBill]] = field(default_factory=lambda: defaultdict(list))
    reading_of_assignment: dict[int, int] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)  # (fee item name, reason) -> count


def unbilled_readings(community: Community, period: dt.date):
    """The month's readings without a live bill (never billed, or their bill was voided)."""
    return MeterReading.objects.filter(community=community, period=period).filter(
        Q(bill__isnull=True) | Q(bill__state__in=LIVE_EXCLUDED)
    )


def metered_plan(community: Community, period: dt.date) -> MeteredPlan:
    plan = MeteredPlan()
    readings = list(
        unbilled_readings(community, period).values_list(
            "pk",
            "house_id",
            "fee_item_id",
            "previous_reading",
            "current_reading",
            "usage",
            "meter_changed",
            "old_meter_final",
        )
    )
    if not readings:
        return plan
    names = dict(FeeItem.objects.filter(pk__in={r[2] for r in readings}).values_list("pk", "name"))
    last_day = month_end(period)
    # the metered assignment of each (house, meter type) covering the month
    assignment_of: dict[tuple[int, int], tuple[int, int]] = {}
    for pk, house_id, item_id, sid in (
        FeeAssignment.objects.filter(
            community=community,
            standard__method=ChargeMethod.METERED,
            standard__fee_item_id__in=names,
            house_id__in={r[1] for r in readings},
            start_date__lte=last_day,
            standard__effective_from__lte=last_day,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period))
        .filter(Q(standard__effective_to__isnull=True) | Q(standard__effective_to__gte=period))
        .order_by("start_date", "pk")
        .values_list("pk", "house_id", "standard__fee_item_id", "standard_id")
    ):
        assignment_of[(house_id, item_id)] = (pk, sid)  # the latest start wins
    standards = {
        s.pk: s for s in FeeStandard.objects.filter(pk__in={v[1] for v in assignment_of.values()})
    }
    used = {v[0] for v in assignment_of.values()}
    live = Bill.objects.filter(assignment_id__in=used).exclude(state__in=LIVE_EXCLUDED)
    billed = set(live.filter(period=period).values_list("assignment_id", flat=True))
    yearly = [a for a, s in assignment_of.values() if standards[s].tiers_yearly]
    later = set(
        live.filter(assignment_id__in=yearly, period__gt=period, period__year=period.year)
        .values_list("assignment_id", flat=True)
        .distinct()
    )
    prior = {
        a: Decimal(q or 0).quantize(QTY)
        for a, q in live.filter(
            assignment_id__in=yearly, period__year=period.year, period__lt=period
        )
        .values("assignment_id")
        .annotate(q=Sum("quantity"))
        .values_list("assignment_id", "q")
        .order_by()
    }
    for pk, house_id, item_id, previous, current, usage, changed, old_final in readings:
        name = names[item_id]
        found = assignment_of.get((house_id, item_id))
        if found is None:
            plan.skipped[(name, "未关联计量收费标准")] += 1
            continue
        assignment_id, sid = found
        if assignment_id in billed:
            plan.skipped[(name, "本月已单独出账")] += 1
            continue
        if assignment_id in later:
            plan.skipped[(name, "年度阶梯已出账至更晚月份")] += 1
            continue
        standard = standards[sid]
        amount, text = metered_charge(
            standard,
            previous=previous,
            current=current,
            usage=usage,
            meter_changed=changed,
            prior_usage=prior.get(assignment_id, Decimal(0)),
            old_meter_final=old_final,
        )
        if amount <= 0:
            plan.skipped[(name, "用量为零")] += 1
            continue
        plan.rows[item_id].append(
            (
                community.pk,
                house_id,
                item_id,
                sid,
                assignment_id,
                period,
                period,
                last_day,
                due_date_for(standard, period),
                usage,
                standard.unit_price,
                amount,
                text,
            )
        )
        plan.reading_of_assignment[assignment_id] = pk
    return plan


def readings_link(plan: MeteredPlan, period: dt.date) -> int:
    """Points each billed reading at its new bill (after the bills were written)."""
    if not plan.reading_of_assignment:
        return 0
    bill_of = dict(
        Bill.objects.filter(assignment_id__in=plan.reading_of_assignment, period=period)
        .exclude(state__in=LIVE_EXCLUDED)
        .values_list("assignment_id", "pk")
    )
    readings = [
        MeterReading(pk=reading_id, bill_id=bill_of[assignment_id])
        for assignment_id, reading_id in plan.reading_of_assignment.items()
        if assignment_id in bill_of
    ]
    MeterReading.objects.bulk_update(readings, ["bill"], batch_size=1000)
    return len(readings)


def skipped_text(skipped: Counter) -> list[str]:
    return [f"{name}：{n} 条读数{reason}，未出账" for (name, reason), n in sorted(skipped.items())]
