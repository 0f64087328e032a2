"""Metered bills (水费, 电费, 燃气费): the reading difference × price, optionally tiered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.db import IntegrityError, transaction
from django.db.models import Sum

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.money import to_money

from ..calc import month_end, parse_tiers, round_fraction, tiered_amount
from ..choices import BillState, ChargeMethod, LedgerKind
from ..models import Bill, FeeAssignment, FeeStandard
from .common import entry, parse_decimal, require_billing, require_date
from .runs import due_date_for


def out_of_order(later: dt.date) -> ApplicationError:
    # the later month's tier was worked out without this month's usage
    return ApplicationError(
        f"本年已按年度阶梯出账至 {later:%Y年%m月}，不能补录更早的月份；"
        "请先作废之后月份的账单，再按月份顺序录入",
        field="period",
        code="out_of_order",
    )


def metered_charge(
    standard: FeeStandard,
    *,
    previous: Decimal,
    current: Decimal,
    usage: Decimal,
    meter_changed: bool,
    prior_usage: Decimal = Decimal(0),
    old_meter_final: Decimal | None = None,
) -> tuple[Decimal, str]:
    """The one place a metered charge is computed: usage × price, or by tiers (阶梯) where
    `prior_usage` is what the yearly tier period already used. Returns the amount rounded
    to the fen with the standard's rule, and the calculation text an owner reads."""
    tiers = parse_tiers(standard.tiers)
    if tiers:
        exact, pieces = tiered_amount(usage, tiers, prior_usage=prior_usage)
        detail = " + ".join(f"{q.normalize():f}×{p.normalize():f}" for q, p in pieces) or "0"
        if prior_usage:
            detail += f"（本年此前已用 {prior_usage.normalize():f}）"
    else:
        exact = Fraction(usage) * Fraction(standard.unit_price)
        detail = f"{usage.normalize():f}×{standard.unit_price.normalize():f}"
    amount = to_money(round_fraction(exact, standard.rounding))
    if meter_changed and old_meter_final is not None:
        reading = (
            f"读数 {previous.normalize():f} → 旧表止数 {old_meter_final.normalize():f}（换表）"
            f"，新表 0 → {current.normalize():f}"
        )
    else:
        reading = f"读数 {previous.normalize():f} → {current.normalize():f}" + (
            "（换表）" if meter_changed else ""
        )
    return amount, f"{reading}，用量 {usage.normalize():f}；{detail} = {amount}元"[:500]


@transaction.atomic
def bill_metered_create(
    *,
    actor,
    assignment: FeeAssignment,
    period: dt.date,
    previous_reading: Decimal | str,
    current_reading: Decimal | str,
    meter_changed: bool = False,
) -> Bill:
    """A metered bill for one month. Usage is current − previous; a lower current reading is
    refused unless the meter was changed (then the current reading is the usage on the new
    meter). Yearly cumulative tiers count the usage already billed this calendar year, so
    their months are entered in order: a month earlier than one already billed is refused. One
    bill per assignment and month: entering the month again is refused."""
    # The assignment row is locked for the whole transaction: two entries for the same meter
    # run one after the other, so the yearly usage summed below includes the other's bill.
    row = (
        FeeAssignment.objects.select_for_update(of=("self",))
        .select_related("standard", "community")
        .filter(pk=assignment.pk)
        .first()
    )
    if row is None:
        raise NotFound()
    require_billing(actor, row.community, "add")
    standard = row.standard
    if standard.method != ChargeMethod.METERED:
        raise ApplicationError("该收费标准不是计量收费", field="assignment")
    month = require_date(period, field="period", label="账期")
    if month.day != 1:
        raise ApplicationError("账期必须是某月1日", field="period")
    previous = parse_decimal(previous_reading, field="previous_reading", label="上次读数", places=4)
    current = parse_decimal(current_reading, field="current_reading", label="本次读数", places=4)
    if current < previous and not meter_changed:
        raise ApplicationError("本次读数小于上次读数；如已换表请注明", field="current_reading")
    usage = current if meter_changed else current - previous
    live = Bill.objects.filter(assignment=row).exclude(
        state__in=[BillState.VOIDED, BillState.REVERSED]
    )
    if live.filter(period=month).exists():
        raise ApplicationError("该月已出账", field="period", code="duplicate")
    prior = Decimal(0)
    if standard.tiers_yearly and standard.tiers:
        later = (
            live.filter(period__gt=month, period__year=month.year)
            .order_by("-period")
            .values_list("period", flat=True)
            .first()
        )
        if later is not None:
            raise out_of_order(later)
        used = live.filter(period__gte=month.replace(month=1), period__lt=month).aggregate(
            q=Sum("quantity")
        )["q"]
        prior = Decimal(used or 0).quantize(Decimal("0.0001"))
    amount, text = metered_charge(
        standard,
        previous=previous,
        current=current,
        usage=usage,
        meter_changed=meter_changed,
        prior_usage=prior,
    )
    if amount <= 0:
        raise ApplicationError("本月用量为零，无需出账", field="current_reading")
    try:
        with transaction.atomic():
            bill = Bill.objects.create(
                community_id=row.community_id,
                house_id=row.house_id,
                fee_item_id=standard.fee_item_id,
                standard=standard,
                assignment=row,
                period=month,
                period_start=month,
                period_end=month_end(month),
                due_date=due_date_for(standard, month),
                quantity=usage,
                unit_price=standard.unit_price,
                amount=amount,
                calculation=text,
                created_by=actor,
            )
    except IntegrityError:
        raise ApplicationError("该月已出账", field="period", code="duplicate") from None
    entry(
        kind=LedgerKind.BILL,
        amount=-bill.amount,
        house_id=bill.house_id,
        community_id=bill.community_id,
        actor=actor,
        bill=bill,
    ).save()
    return bill
