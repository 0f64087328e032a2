"""What a house pays for the bills it chose: each bill's outstanding amount, its late fee
(滞纳金), its discount, and the bills of months paid ahead. One computation serves the cashier
desk, the owner's app and the payment itself, so the figure shown is the figure charged.

Reads only; the settle service (services/desk.py) writes what a quote says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Q

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.money import to_money
from wuyetong.estates.models import House

from ..calc import add_months, frac, round_fraction
from ..choices import BillState, DiscountKind, ReliefState
from ..locks import OPEN_STATES
from ..models import (
    Bill,
    DiscountRule,
    FeeAssignment,
    LateFeeRule,
    LateFeeWaiver,
    VacancyRelief,
)
from .rules_cache import CommunityRules, community_rules
from .runs import RUN_METHODS, bill_compute

ZERO = Decimal("0.00")
DEFAULT_AHEAD_CAP = 12


@dataclass
class LateFee:
    amount: Decimal
    days: int
    text: str


@dataclass
class QuoteLine:
    """One bill as it will be paid: `bill` is unsaved for a month paid ahead."""

    bill: Bill
    outstanding: Decimal
    late_fee: LateFee | None = None
    discount: Decimal = ZERO
    discount_note: str = ""
    advance: bool = False

    @property
    def late_fee_amount(self) -> Decimal:
        return self.late_fee.amount if self.late_fee else ZERO

    @property
    def pay(self) -> Decimal:
        return self.outstanding - self.discount + self.late_fee_amount

    def as_dict(self) -> dict:
        b = self.bill
        return {
            "bill_id": b.pk,
            "fee_item": b.fee_item.name,
            "period_start": b.period_start.isoformat(),
            "period_end": b.period_end.isoformat(),
            "due_date": b.due_date.isoformat(),
            "calculation": b.calculation,
            "outstanding": str(self.outstanding),
            "late_fee": str(self.late_fee_amount),
            "late_fee_text": self.late_fee.text if self.late_fee else "",
            "discount": str(self.discount),
            "discount_note": self.discount_note,
            "advance": self.advance,
            "pay": str(self.pay),
        }


@dataclass
class Quote:
    house: House
    on: dt.date
    months_ahead: int
    lines: list[QuoteLine] = field(default_factory=list)
    rule: DiscountRule | None = None
    # the caller passed every open bill of the house: no other arrears can exist
    all_open: bool = False

    @property
    def outstanding(self) -> Decimal:
        return sum((x.outstanding for x in self.lines), ZERO)

    @property
    def late_fees(self) -> Decimal:
        return sum((x.late_fee_amount for x in self.lines), ZERO)

    @property
    def discounts(self) -> Decimal:
        return sum((x.discount for x in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((x.pay for x in self.lines), ZERO)

    def as_dict(self) -> dict:
        return {
            "house_id": self.house.pk,
            "on": self.on.isoformat(),
            "months_ahead": self.months_ahead,
            "outstanding": str(self.outstanding),
            "late_fees": str(self.late_fees),
            "discounts": str(self.discounts),
            "total": str(self.total),
            "discount_rule": self.rule.name if self.rule else "",
            "lines": [x.as_dict() for x in self.lines],
        }


# ---------------------------------------------------------------- late fees


def late_fee_rule(community_id: int, *, house: House | None = None) -> LateFeeRule | None:
    """The community's rule in force: from the cached community rules when the house is
    given (rules_cache), else one query."""
    if house is not None:
        rule = community_rules(house).late_fee
    else:
        rule = LateFeeRule.objects.filter(community_id=community_id).first()
    return rule if _in_force(rule) else None


def late_fee_rules(community_ids) -> dict[int, LateFeeRule]:
    """The rules in force of many communities, by community id (one query)."""
    return {
        r.community_id: r
        for r in LateFeeRule.objects.filter(community_id__in=list(community_ids))
        if _in_force(r)
    }


def _in_force(rule: LateFeeRule | None) -> bool:
    return rule is not None and rule.enabled and rule.daily_rate > 0


def late_fee_for(
    *, principal: Decimal, due: dt.date, on: dt.date, rule: LateFeeRule | None
) -> LateFee | None:
    """Daily rate × overdue amount × days past the grace period, rounded half up to the fen
    once, capped at cap_percent of the overdue amount."""
    if rule is None or principal <= 0:
        return None
    days = (on - due).days - rule.grace_days
    if days <= 0:
        return None
    # Exact in Decimal: 2 + 6 decimal places and an integer fit the 28-digit context for
    # any amount below 10¹⁸, so the only rounding is the final one, half up, to the fen.
    exact = principal * rule.daily_rate * days
    capped = False
    if rule.cap_percent is not None:
        cap = principal * rule.cap_percent / 100
        if exact > cap:
            exact, capped = cap, True
    amount = to_money(exact)
    if amount <= 0:
        return None
    text = (
        f"滞纳金：欠费 {principal}元 × 日费率 {rule.rate_percent}% × {days}天"
        f"（应缴日 {due:%Y-%m-%d}，宽限 {rule.grace_days} 天）= {amount}元"
    )
    if capped:
        text += f"（已达上限 {(rule.cap_percent or 0):f}%）"
    return LateFee(amount=amount, days=days, text=text[:500])


def _waived_ids(bills: list[Bill]) -> set[int]:
    """Bills whose late fee was waived; from select_related("late_fee_waiver") when the
    caller selected it along, else one query."""
    if all("late_fee_waiver" in b._state.fields_cache for b in bills):
        return {b.pk for b in bills if b._state.fields_cache["late_fee_waiver"] is not None}
    ids = [b.pk for b in bills]
    return set(LateFeeWaiver.objects.filter(bill_id__in=ids).values_list("bill_id", flat=True))


# ---------------------------------------------------------------- months ahead


def ahead_cap(house: House) -> int:
    """Prepayment months allowed by the community (settings["prepay_cap_months"])."""
    months = (house.community.settings or {}).get("prepay_cap_months")
    try:
        return int(months) if months else DEFAULT_AHEAD_CAP
    except (TypeError, ValueError):
        return DEFAULT_AHEAD_CAP


def advance_bills(*, house: House, months: int, on: dt.date) -> list[Bill]:
    """Unsaved bills of the house's periodic standards for the `months` months after the
    last month already billed (never before the current month); a later bill run finds
    them and adds nothing for those months."""
    if months <= 0:
        return []
    cap = ahead_cap(house)
    if months > cap:
        raise ApplicationError(f"预缴不能超过 {cap} 个月(本小区规定)", field="months_ahead")
    this_month = on.replace(day=1)
    assignments = (
        FeeAssignment.objects.filter(house=house, standard__method__in=RUN_METHODS)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=this_month))
        .select_related("standard__fee_item", "parking_space", "vehicle")
        .order_by("pk")
    )
    last: dict[int, dt.date] = {}
    for assignment_id, period in (
        Bill.objects.filter(house=house, assignment__isnull=False)
        .exclude(state__in=[BillState.VOIDED, BillState.REVERSED])
        .values_list("assignment_id", "period")
    ):
        if assignment_id not in last or period > last[assignment_id]:
            last[assignment_id] = period
    bills = []
    for assignment in assignments:
        standard = assignment.standard
        latest = last.get(assignment.pk)
        first = this_month if latest is None else max(this_month, add_months(latest, 1))
        if latest is not None and standard.cycle_months > 1:
            first = max(this_month, add_months(latest, standard.cycle_months))
        for i in range(months):
            period = add_months(first, i)
            bill = bill_compute(
                assignment=assignment, standard=standard, house=house, period=period
            )
            if bill is not None:
                bill.fee_item = standard.fee_item
                bills.append(bill)
    return bills


# ---------------------------------------------------------------- discounts


def _months_of(bill: Bill) -> int:
    return bill.standard.cycle_months if bill.standard_id and bill.standard else 1


def _rule_discounts(rule: DiscountRule, lines: list[QuoteLine], months_ahead: int) -> list:
    """(line, discount) pairs one rule would give."""
    matching = [
        x
        for x in lines
        if x.outstanding - x.discount > 0
        and (rule.fee_item_id is None or x.bill.fee_item_id == rule.fee_item_id)
    ]
    if rule.kind in (DiscountKind.PREPAY_PERCENT, DiscountKind.PREPAY_FREE):
        if months_ahead < max(rule.min_months, 1):
            return []
        matching = [x for x in matching if x.advance]
    elif months_ahead < rule.min_months:
        return []
    out: list[tuple[QuoteLine, Decimal]] = []
    if rule.kind == DiscountKind.PREPAY_PERCENT:
        for x in matching:
            d = round_fraction(frac(x.outstanding - x.discount) * frac(rule.percent) / 100)
            if d > 0:
                out.append((x, d))
    elif rule.kind == DiscountKind.PREPAY_FREE:
        # the last M months of each fee item paid ahead are free
        by_item: dict[int, list[QuoteLine]] = {}
        for x in matching:
            by_item.setdefault(x.bill.fee_item_id, []).append(x)
        for group in by_item.values():
            months_left = Fraction(rule.free_months)
            for x in sorted(group, key=lambda y: y.bill.period, reverse=True):
                if months_left <= 0:
                    break
                months = Fraction(_months_of(x.bill))
                share = min(Fraction(1), months_left / months)
                d = round_fraction(frac(x.outstanding - x.discount) * share)
                months_left -= months
                if d > 0:
                    out.append((x, d))
    else:  # fixed reduction, spread over the matching lines in order
        left: Decimal = rule.amount
        for x in matching:
            if left <= 0:
                break
            d = min(left, x.outstanding - x.discount)
            out.append((x, d))
            left -= d
    return out


def _has_other_arrears(house: House, chosen: set[int], on: dt.date) -> bool:
    return (
        Bill.objects.filter(house=house, state__in=OPEN_STATES, due_date__lt=on)
        .exclude(pk__in=chosen)
        .exists()
    )


def _apply_discounts(quote: Quote, cached: CommunityRules) -> None:
    """Approved vacancy relief first (per bill), then the one discount rule that gives the
    most (rules do not stack)."""
    house, lines = quote.house, quote.lines
    reliefs = (
        list(VacancyRelief.objects.filter(house=house, state=ReliefState.APPROVED).order_by("pk"))
        if house.pk in cached.relief_houses
        else []
    )
    for x in lines:
        b = x.bill
        if b.paid_amount or b.discount_amount or b.late_fee_of_id:
            continue
        for r in reliefs:
            if r.fee_item_id == b.fee_item_id and r.start <= b.period <= r.end:
                x.discount = round_fraction(frac(x.outstanding) * frac(r.percent) / 100)
                x.discount_note = f"空置优惠 {r.percent.normalize():f}%"
                break
    on = quote.on
    rules = [
        r
        for r in cached.discounts
        if r.valid_from <= on and (r.valid_to is None or r.valid_to >= on)
    ]
    chosen = {x.bill.pk for x in lines if x.bill.pk}
    best: tuple[Decimal, DiscountRule | None, list] = (ZERO, None, [])
    arrears: bool | None = None
    for rule in rules:
        pairs = _rule_discounts(rule, lines, quote.months_ahead)
        total = sum((d for _, d in pairs), ZERO)
        if total <= best[0]:
            continue
        if rule.require_no_arrears:
            if arrears is None:
                arrears = False if quote.all_open else _has_other_arrears(house, chosen, quote.on)
            if arrears:
                continue
        best = (total, rule, pairs)
    _total, best_rule, pairs = best
    for x, d in pairs:
        x.discount += d
        x.discount_note = (f"{x.discount_note}；" if x.discount_note else "") + (
            best_rule.name if best_rule else ""
        )
    quote.rule = best_rule


# ---------------------------------------------------------------- the quote


def quote_build(
    *, house: House, bills: list[Bill], months_ahead: int = 0, on: dt.date, all_open: bool = False
) -> Quote:
    """The quote for paying `bills` (open bills of the house, usually locked by the caller)
    and `months_ahead` months in advance, as of day `on`."""
    if isinstance(months_ahead, bool) or not isinstance(months_ahead, int) or months_ahead < 0:
        raise ApplicationError("预缴月数必须是不小于0的整数", field="months_ahead")
    quote = Quote(house=house, on=on, months_ahead=months_ahead, all_open=all_open)
    cached = community_rules(house)  # once: each call reads the rules' token
    rule = cached.late_fee if _in_force(cached.late_fee) else None
    waived = _waived_ids(bills) if rule and bills else set()
    for b in sorted(bills, key=lambda b: (b.period_start, b.pk)):
        if b.house_id != house.pk or b.state not in OPEN_STATES:
            raise ApplicationError("所选账单已缴清、已作废或不属于该房屋", field="bills")
        fee = None
        if b.late_fee_of_id is None and b.pk not in waived:
            fee = late_fee_for(principal=b.outstanding, due=b.due_date, on=on, rule=rule)
        quote.lines.append(QuoteLine(bill=b, outstanding=b.outstanding, late_fee=fee))
    for b in advance_bills(house=house, months=months_ahead, on=on):
        quote.lines.append(QuoteLine(bill=b, outstanding=b.amount, advance=True))
    _apply_discounts(quote, cached)
    return quote
