"""Bill runs: preview, commit (idempotent), void; and single bills outside runs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.money import MoneySum
from wuyetong.estates.models import House, ParkingSpace, Vehicle
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import oplog_record

from ..calc import (
    add_months,
    billed_span,
    cycle_starts_at,
    monthly_area_amount,
    prorated,
)
from ..choices import BillRunState, BillState, ChargeMethod, LedgerKind, PayTiming
from ..models import Bill, BillRun, FeeAssignment, FeeItem, FeeStandard, LedgerEntry
from .bulk import AMOUNT, PLAN_FIELDS, PlannedBill, Progress, bills_insert
from .common import entry, parse_money, require_billing, require_date

RUN_METHODS = (ChargeMethod.AREA_BUILDING, ChargeMethod.AREA_INNER, ChargeMethod.FIXED)


def due_date_for(standard: FeeStandard, period: dt.date) -> dt.date:
    """Pre-paid: the due day of the cycle's first month; post-paid: of the month after."""
    month = (
        period
        if standard.timing == PayTiming.PREPAID
        else add_months(period, standard.cycle_months)
    )
    return month.replace(day=standard.due_day)


@dataclass(frozen=True)
class Charge:
    """What one object owes for one cycle, before it becomes a bill: the span billed, the
    figures and the calculation text (without the space / vehicle label)."""

    start: dt.date
    end: dt.date
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    text: str


def _monthly(
    standard: FeeStandard,
    *,
    coefficient: Decimal,
    inner_area: Decimal | None,
    building_area: Decimal | None,
) -> tuple[Decimal, Decimal, Decimal, str] | None:
    """One whole month of a periodic standard, rounded to the fen: (monthly amount,
    quantity, unit price, calculation text), or None when the area it needs is missing."""
    if standard.method == ChargeMethod.FIXED:
        return (
            standard.fixed_amount,
            Decimal(1),
            standard.fixed_amount,
            f"固定 {standard.fixed_amount}元/月",
        )
    inner = standard.method == ChargeMethod.AREA_INNER
    area = inner_area if inner else building_area
    if area is None:
        return None
    monthly = monthly_area_amount(
        area=area,
        unit_price=standard.unit_price,
        coefficient=coefficient,
        fixed=standard.fixed_amount,
        rounding=standard.rounding,
    )
    text = (
        f"{'套内' if inner else '建筑'}面积 {area}㎡ × 单价 {standard.unit_price.normalize():f}"
        f"元/㎡·月 × 系数 {coefficient}"
    )
    if standard.fixed_amount:
        text += f" + 附加 {standard.fixed_amount}元"
    text += f" = {monthly}元/月"
    return monthly, area, standard.unit_price, text


def _charge(
    *,
    standard: FeeStandard,
    period: dt.date,
    start_date: dt.date,
    end_date: dt.date | None,
    building_area: Decimal | None,
    inner_area: Decimal | None,
    coefficient: Decimal,
) -> Charge | None:
    """The one place a periodic charge is computed (ADR 0004: monthly amount to the fen,
    then × months billed, part months as days ÷ days in that month, exact fractions)."""
    ends = [d for d in (end_date, standard.effective_to) if d is not None]
    span = billed_span(
        period,
        standard.cycle_months,
        max(start_date, standard.effective_from),
        min(ends) if ends else None,
    )
    if span is None:
        return None
    monthly_part = _monthly(
        standard, coefficient=coefficient, inner_area=inner_area, building_area=building_area
    )
    if monthly_part is None:
        return None
    monthly, quantity, price, text = monthly_part
    amount = prorated(monthly, span.months, standard.rounding)
    if amount <= 0:
        return None
    text += f" × {span.describe()} = {amount}元"
    if not span.is_whole:
        text += f"（{span.start:%Y-%m-%d}至{span.end:%Y-%m-%d}，不足月按天数÷当月天数）"
    return Charge(span.start, span.end, quantity, price, amount, text)


def _label(text: str, *, space: object = None, vehicle: object = None) -> str:
    if space is not None:
        text = f"车位 {space}：{text}"
    elif vehicle is not None:
        text = f"车辆 {vehicle}：{text}"
    return text[:500]


def bill_compute(
    *, assignment: FeeAssignment, standard: FeeStandard, house: House, period: dt.date
) -> Bill | None:
    """The bill an assignment owes for the cycle starting at `period`, unsaved; None when
    nothing is due (not a cycle start, outside the dates, or a zero amount)."""
    if standard.method not in RUN_METHODS or not cycle_starts_at(period, standard.cycle_months):
        return None
    charge = _charge(
        standard=standard,
        period=period,
        start_date=assignment.start_date,
        end_date=assignment.end_date,
        building_area=house.building_area,
        inner_area=house.inner_area,
        coefficient=house.fee_coefficient,
    )
    if charge is None:
        return None
    return Bill(
        community_id=assignment.community_id,
        house_id=assignment.house_id,
        fee_item_id=standard.fee_item_id,
        standard=standard,
        assignment=assignment,
        period=period,
        period_start=charge.start,
        period_end=charge.end,
        due_date=due_date_for(standard, period),
        quantity=charge.quantity,
        unit_price=charge.unit_price,
        amount=charge.amount,
        calculation=_label(
            charge.text,
            space=assignment.parking_space if assignment.parking_space_id else None,
            vehicle=assignment.vehicle if assignment.vehicle_id else None,
        ),
    )


def house_monthly_charge(*, house: House, on: dt.date) -> Decimal:
    """What a house's periodic standards charge for one whole month on a given day (for the
    prepayment cap); metered and one-off charges are left out."""
    total = Decimal("0.00")
    assignments = (
        FeeAssignment.objects.filter(house=house, standard__method__in=RUN_METHODS)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .filter(Q(standard__effective_to__isnull=True) | Q(standard__effective_to__gte=on))
        .filter(standard__effective_from__lte=on)
        .select_related("standard")
    )
    for a in assignments:
        part = _monthly(
            a.standard,
            coefficient=house.fee_coefficient,
            inner_area=house.inner_area,
            building_area=house.building_area,
        )
        if part is not None:
            total += part[0]
    return total


def _check_period(period: object) -> dt.date:
    day = require_date(period, field="period", label="账期")
    if day.day != 1:
        raise ApplicationError("账期必须是某月1日", field="period")
    return day


def _plan(community: Community, period: dt.date) -> dict[int, list[PlannedBill]]:
    """Bills the period still lacks, grouped by fee item id: what a commit would create, as
    plain rows in bulk.PLAN_FIELDS order. Assignments are read as values, not model
    instances, and a charge is computed once per distinct (standard, dates, area,
    coefficient): the houses of a community share a few floor plans."""
    standards = {
        s.pk: s
        for s in FeeStandard.objects.filter(
            community=community,
            method__in=RUN_METHODS,
            effective_from__lte=add_months(period, 12),
        ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=period))
        if cycle_starts_at(period, s.cycle_months)
    }
    assignments = (
        FeeAssignment.objects.filter(
            standard_id__in=standards, start_date__lte=add_months(period, 12)
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period))
        .order_by("pk")
    )
    billed = set(
        Bill.objects.filter(community=community, period=period, assignment__isnull=False)
        .exclude(state__in=[BillState.VOIDED, BillState.REVERSED])
        .values_list("assignment_id", flat=True)
    )
    # spaces and vehicles are few: one query each for their labels, never one per row
    spaces = {
        p.pk: str(p)
        for p in ParkingSpace.objects.filter(
            pk__in=assignments.filter(parking_space__isnull=False).values("parking_space_id")
        ).select_related("lot")
    }
    vehicles = {
        v.pk: str(v)
        for v in Vehicle.objects.filter(
            pk__in=assignments.filter(vehicle__isnull=False).values("vehicle_id")
        )
    }
    dues = {pk: due_date_for(s, period) for pk, s in standards.items()}
    charges: dict[tuple, Charge | None] = {}
    plan: dict[int, list[PlannedBill]] = defaultdict(list)
    rows = assignments.values_list(
        "pk",
        "community_id",
        "standard_id",
        "house_id",
        "parking_space_id",
        "vehicle_id",
        "start_date",
        "end_date",
        "house__building_area",
        "house__inner_area",
        "house__fee_coefficient",
    )
    for pk, community_id, sid, house_id, space, vehicle, start, end, area, inner, coef in rows:
        if pk in billed:
            continue
        standard = standards[sid]
        if standard.method == ChargeMethod.FIXED:
            key: tuple = (sid, start, end)
        else:
            # str(): Decimal("89.5") == Decimal("89.50") but the text shows the digits stored
            key = (sid, start, end, str(area), str(inner), str(coef))
        try:
            charge = charges[key]
        except KeyError:
            charge = charges[key] = _charge(
                standard=standard,
                period=period,
                start_date=start,
                end_date=end,
                building_area=area,
                inner_area=inner,
                coefficient=coef,
            )
        if charge is None:
            continue
        plan[standard.fee_item_id].append(
            (
                community_id,
                house_id,
                standard.fee_item_id,
                sid,
                pk,
                period,
                charge.start,
                charge.end,
                dues[sid],
                charge.quantity,
                charge.unit_price,
                charge.amount,
                _label(
                    charge.text,
                    space=spaces.get(space) if space else None,
                    vehicle=vehicles.get(vehicle) if vehicle else None,
                ),
            )
        )
    return plan


@dataclass
class RunPreview:
    period: dt.date
    count: int = 0
    total: Decimal = Decimal("0.00")
    by_fee_item: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    samples: list[Bill] = field(default_factory=list)
    # already issued for the period (a re-run adds nothing to these)
    existing_count: int = 0
    existing_total: Decimal = Decimal("0.00")
    skipped: list[str] = field(default_factory=list)  # readings that make no bill, and why


def _full_plan(community: Community, period: dt.date):
    """Periodic bills still missing plus the bills of the month's unbilled meter readings."""
    from .run_metered import metered_plan  # run_metered builds on this module

    plan = _plan(community, period)
    metered = metered_plan(community, period)
    for item_id, rows in metered.rows.items():
        plan[item_id].extend(rows)
    return plan, metered


def period_issued(community: Community, period: dt.date) -> tuple[int, Decimal]:
    """Count and total of the live bills of runs of this community and month."""
    row = Bill.objects.filter(
        bill_run__community=community, bill_run__period=period, bill_run__state="committed"
    ).aggregate(n=Count("id"), total=MoneySum("amount"))
    return row["n"], row["total"]


def bill_run_preview(
    *, actor, community: Community, period: dt.date, samples: int = 5
) -> RunPreview:
    """What committing the period would add: count, total, per fee item, a few sample bills
    with their calculation, and what is already issued. Writes nothing."""
    from .run_metered import skipped_text

    require_billing(actor, community, "view")
    period = _check_period(period)
    plan, metered = _full_plan(community, period)
    names = dict(FeeItem.objects.filter(pk__in=plan.keys()).values_list("pk", "name"))
    preview = RunPreview(period=period)
    preview.existing_count, preview.existing_total = period_issued(community, period)
    preview.skipped = skipped_text(metered.skipped)
    for item_id, rows in plan.items():
        if not rows:
            continue
        subtotal = sum((row[AMOUNT] for row in rows), Decimal("0.00"))
        preview.by_fee_item[names[item_id]] = (len(rows), subtotal)
        preview.count += len(rows)
        preview.total += subtotal
        # a sample of each fee item, so a preview shows every kind of bill it would make
        preview.samples.extend(
            Bill(**dict(zip(PLAN_FIELDS, row, strict=True))) for row in rows[:samples]
        )
    return preview


@transaction.atomic
def bill_run_commit(
    *, actor, community: Community, period: dt.date, progress: Progress | None = None
) -> list[BillRun]:
    """Issues the period's bills: one per assignment whose cycle starts this month and one
    per unbilled meter reading of the month, with a ledger entry each. Running it again
    adds only bills still missing (new assignments, new readings), so a retry or a double
    click makes nothing twice. `progress(done, total)` hears how far the writing is.
    Returns the period's live runs."""
    from .run_metered import readings_link

    require_billing(actor, community, "add")
    period = _check_period(period)
    # One run at a time per community: the lock makes the "what is missing" check and the
    # insert one step. The partial unique keys on runs and bills back it up.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    plan, metered = _full_plan(community, period)
    plan = {k: v for k, v in plan.items() if v}
    live = {
        r.fee_item_id: r
        for r in BillRun.objects.filter(community=community, period=period).exclude(
            state=BillRunState.VOIDED
        )
    }
    now = timezone.now()
    work: list[tuple[int, list[PlannedBill]]] = []
    for item_id, rows in plan.items():
        run = live.get(item_id)
        if run is None:
            run = BillRun.objects.create(
                community=community,
                fee_item_id=item_id,
                period=period,
                state=BillRunState.COMMITTED,
                created_by=actor,
                committed_at=now,
            )
            live[item_id] = run
        work.append((run.pk, rows))
    bills_insert(work, actor=actor, progress=progress)
    readings_link(metered, period)
    touched = {run_id for run_id, _ in work}
    totals = {
        row["bill_run_id"]: row
        for row in Bill.objects.filter(bill_run_id__in=touched)
        .values("bill_run_id")
        .annotate(count=Count("id"), total=MoneySum("amount"))
        .order_by()
    }
    for run_id, rows in work:
        run = next(r for r in live.values() if r.pk == run_id)
        run.bill_count = totals[run_id]["count"]
        run.total_amount = totals[run_id]["total"]
        run.save(update_fields=["bill_count", "total_amount"])
        oplog_record(
            actor=actor,
            action=OpAction.CREATE,
            obj=run,
            company=community.company_id,
            note=f"生成账单 {len(rows)} 张",
        )
    return sorted(live.values(), key=lambda r: r.fee_item_id)


@transaction.atomic
def bill_run_void(*, actor, run: BillRun, reason: str) -> BillRun:
    """Voids a run whose bills have no payment, discount or late fee yet: the run and its
    bills are marked voided (kept, never deleted) and each bill is reversed in the ledger."""
    community_id = BillRun.objects.filter(pk=run.pk).values_list("community_id", flat=True).first()
    if community_id is None:
        raise NotFound()
    # Same lock order as a commit (community, then run, then bills): a re-run adding bills
    # to this run cannot slip in while it is being voided.
    Community.objects.select_for_update().filter(pk=community_id).first()
    run_row = BillRun.objects.select_for_update().get(pk=run.pk)
    require_billing(actor, run_row.community, "approve")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写作废原因", field="reason")
    if run_row.state == BillRunState.VOIDED:
        raise ApplicationError("该批次已作废", field="run")
    bills = list(Bill.objects.select_for_update().filter(bill_run=run_row).order_by("id"))
    touched = LedgerEntry.objects.filter(bill__bill_run=run_row).exclude(kind=LedgerKind.BILL)
    if any(b.state != BillState.UNPAID for b in bills) or touched.exists():
        raise ApplicationError("该批次已有账单收款或调整，不能作废", field="run", code="paid")
    now = timezone.now()
    Bill.objects.filter(pk__in=[b.pk for b in bills]).update(state=BillState.VOIDED, voided_at=now)
    LedgerEntry.objects.bulk_create(
        [
            entry(
                kind=LedgerKind.REVERSAL,
                amount=b.amount,
                house_id=b.house_id,
                community_id=b.community_id,
                actor=actor,
                bill=b,
                note=f"批次作废：{reason}",
            )
            for b in bills
        ]
    )
    run_row.state = BillRunState.VOIDED
    run_row.voided_by = actor
    run_row.voided_at = now
    run_row.void_reason = reason[:200]
    run_row.save(update_fields=["state", "voided_by", "voided_at", "void_reason"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=run_row,
        company=run_row.community.company_id,
        note=f"作废：{reason}"[:200],
    )
    return run_row


@transaction.atomic
def bill_create_one_off(
    *,
    actor,
    house: House,
    fee_item: FeeItem,
    amount: Decimal | str,
    description: str,
    due_date: dt.date,
    idempotency_key: str,
) -> Bill:
    """A one-off charge (a fine, a renovation fee, a paid repair) billed to a house. A
    repeated idempotency key returns the bill already written (a double click bills once)."""
    require_billing(actor, house.community, "add")
    return one_off_write(
        actor=actor,
        house=house,
        fee_item=fee_item,
        amount=amount,
        description=description,
        due_date=due_date,
        idempotency_key=idempotency_key,
    )


def one_off_write(
    *,
    actor,
    house: House,
    fee_item: FeeItem,
    amount: Decimal | str,
    description: str,
    due_date: dt.date,
    idempotency_key: str,
) -> Bill:
    """bill_create_one_off without the staff permission check, for charges the system bills
    on its own (a paid repair the owner accepted)."""
    community = house.community
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise ApplicationError("缺少或过长的请求编号(幂等键)", field="idempotency_key")
    if fee_item.company_id != community.company_id:
        raise ApplicationError("收费项目不存在", field="fee_item", code="not_found")
    money = parse_money(amount, field="amount", label="金额")
    due = require_date(due_date, field="due_date", label="应缴日期")
    description = (description or "").strip()
    if not description:
        raise ApplicationError("请填写收费说明", field="description")
    done = _one_off_replay(key, house)
    if done is not None:
        return done
    try:
        with transaction.atomic():
            bill = Bill.objects.create(
                community=community,
                house=house,
                fee_item=fee_item,
                period=due.replace(day=1),
                period_start=due,
                period_end=due,
                due_date=due,
                quantity=Decimal(1),
                unit_price=money,
                amount=money,
                calculation=f"{description}：{money}元"[:500],
                created_by=actor,
                idempotency_key=key,
            )
    except IntegrityError:
        # a concurrent submission with the same key committed first (the unique index
        # made this insert wait for it, so it is visible now)
        done = _one_off_replay(key, house)
        if done is None:
            raise
        return done
    entry(
        kind=LedgerKind.BILL,
        amount=-money,
        house_id=house.pk,
        community_id=community.pk,
        actor=actor,
        bill=bill,
    ).save()
    return bill


def _one_off_replay(key: str, house: House) -> Bill | None:
    done = Bill.objects.filter(idempotency_key=key).first()
    if done is not None and done.house_id != house.pk:
        raise ApplicationError("请求编号已被其他账单使用", field="idempotency_key")
    return done
