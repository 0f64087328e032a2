"""Pure money arithmetic of billing: no database, no floats.

Amounts are computed as exact fractions and rounded once, to the fen, with the standard's
rounding rule. A periodic charge is first a monthly amount (rounded to the fen, the figure a
clerk quotes to an owner), then that monthly amount × the months billed, where a partial month
counts as days billed ÷ days in that calendar month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.money import CENT, to_money

HUNDRED = Fraction(100)


def round_fraction(value: Fraction, rounding: str = ROUND_HALF_UP) -> Decimal:
    """An exact rational rounded to the fen. Rounding is applied to the magnitude, so
    ROUND_HALF_UP rounds halves away from zero like Decimal does."""
    if rounding not in (ROUND_HALF_UP, ROUND_DOWN, ROUND_UP):
        raise ValueError(f"unsupported rounding {rounding}")
    sign = -1 if value < 0 else 1
    cents = abs(value) * HUNDRED
    whole = cents.numerator // cents.denominator
    rest = cents - whole
    if (rounding == ROUND_HALF_UP and rest >= Fraction(1, 2)) or (
        rounding == ROUND_UP and rest > 0
    ):
        whole += 1
    return to_money(Decimal(sign * whole) / 100)  # exact fen: no rounding happens here


def frac(value: Decimal | int) -> Fraction:
    if isinstance(value, float):
        raise TypeError("money must never be a float")
    return Fraction(value)


# ---------------------------------------------------------------- calendar


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(day, 1) - dt.timedelta(days=1)


def days_in_month(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def cycle_starts_at(period: dt.date, cycle_months: int) -> bool:
    """Cycles are aligned to the calendar year: quarters start in Jan/Apr/Jul/Oct, half
    years in Jan/Jul, years in January."""
    return (period.month - 1) % cycle_months == 0


@dataclass(frozen=True)
class BilledSpan:
    """The part of a cycle actually billed: first and last day, months as an exact fraction,
    and the per-month pieces for the calculation text."""

    start: dt.date
    end: dt.date
    months: Fraction
    pieces: tuple[tuple[dt.date, int, int], ...]  # (month, days billed, days in month)

    @property
    def is_whole(self) -> bool:
        return all(days == dim for _, days, dim in self.pieces)

    def describe(self) -> str:
        if self.is_whole:
            return f"{self.months}个月"
        parts = ["1" if days == dim else f"{days}/{dim}" for _, days, dim in self.pieces]
        return f"{' + '.join(parts)} 个月"


@lru_cache(maxsize=4096)  # a run asks the same few spans for thousands of houses
def billed_span(
    cycle_start: dt.date, cycle_months: int, active_from: dt.date, active_to: dt.date | None
) -> BilledSpan | None:
    """The days of the cycle within [active_from, active_to]; None when there are none."""
    cycle_end = add_months(cycle_start, cycle_months) - dt.timedelta(days=1)
    start = max(cycle_start, active_from)
    end = cycle_end if active_to is None else min(cycle_end, active_to)
    if start > end:
        return None
    months = Fraction(0)
    pieces = []
    month = month_start(start)
    while month <= end:
        first = max(month, start)
        last = min(month_end(month), end)
        days = (last - first).days + 1
        dim = days_in_month(month)
        months += Fraction(days, dim)
        pieces.append((month, days, dim))
        month = add_months(month, 1)
    return BilledSpan(start, end, months, tuple(pieces))


# ---------------------------------------------------------------- formulas


def monthly_area_amount(
    *,
    area: Decimal,
    unit_price: Decimal,
    coefficient: Decimal,
    fixed: Decimal,
    rounding: str = ROUND_HALF_UP,
) -> Decimal:
    """面积 × 单价(元/㎡·月) × 系数 + 固定附加, rounded to the fen."""
    return round_fraction(frac(area) * frac(unit_price) * frac(coefficient) + frac(fixed), rounding)


def prorated(monthly: Decimal, months: Fraction, rounding: str = ROUND_HALF_UP) -> Decimal:
    return round_fraction(frac(monthly) * months, rounding)


@dataclass(frozen=True)
class Tier:
    """A band of a tiered (阶梯) price: usage up to `up_to` (None: no upper bound)."""

    up_to: Decimal | None
    price: Decimal


def parse_tiers(raw: object, *, field: str = "tiers") -> list[Tier]:
    """Validates tiers given as [{"up_to": "180", "price": "0.538"}, …, {"up_to": null,
    "price": "0.838"}]: ascending bounds, the last one open, prices not negative."""
    if raw in (None, [], ()):
        return []
    if not isinstance(raw, list | tuple):
        raise ApplicationError("阶梯价格格式不正确", field=field)
    tiers: list[Tier] = []
    previous = Decimal(0)
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or "price" not in item:
            raise ApplicationError(f"第{index}档阶梯缺少单价", field=field)
        try:
            price = Decimal(str(item["price"]))
            up_raw = item.get("up_to")
            up_to = None if up_raw in (None, "") else Decimal(str(up_raw))
        except (ArithmeticError, ValueError):
            raise ApplicationError(f"第{index}档阶梯的数字不正确", field=field) from None
        if isinstance(item["price"], float) or isinstance(item.get("up_to"), float):
            raise ApplicationError(f"第{index}档阶梯请用文本数字，不要用浮点数", field=field)
        if not price.is_finite() or price < 0:
            raise ApplicationError(f"第{index}档阶梯单价不能为负", field=field)
        last = index == len(raw)
        if up_to is None and not last:
            raise ApplicationError("只有最后一档阶梯可以不设上限", field=field)
        if up_to is not None and (not up_to.is_finite() or up_to <= previous):
            raise ApplicationError(f"第{index}档阶梯上限必须大于上一档", field=field)
        if last and up_to is not None:
            raise ApplicationError("最后一档阶梯不能设上限", field=field)
        tiers.append(Tier(up_to, price))
        previous = up_to if up_to is not None else previous
    return tiers


def tiered_amount(
    usage: Decimal, tiers: list[Tier], *, prior_usage: Decimal = Decimal(0)
) -> tuple[Fraction, list[tuple[Decimal, Decimal]]]:
    """The exact charge for `usage` when `prior_usage` of the same tier period (a year for
    yearly cumulative tiers, 0 for monthly ones) was already charged. Returns the amount and
    the (quantity, price) pieces."""
    if usage < 0 or prior_usage < 0:
        raise ApplicationError("用量不能为负", field="quantity")
    total = Fraction(0)
    pieces: list[tuple[Decimal, Decimal]] = []
    lower = Decimal(0)
    start, stop = prior_usage, prior_usage + usage
    for tier in tiers:
        upper = tier.up_to
        band_from = max(start, lower)
        band_to = stop if upper is None else min(stop, upper)
        if band_to > band_from:
            qty = band_to - band_from
            total += frac(qty) * frac(tier.price)
            pieces.append((qty, tier.price))
        if upper is None:
            break
        lower = upper
    return total, pieces


def largest_remainder(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Splits `total` (to the fen) in proportion to `weights` so the parts add up exactly:
    every part gets the floor of its exact share in fen, and the fen left over go one each
    to the largest remainders (ties: earlier position first)."""
    if total != total.quantize(CENT) or total < 0:
        raise ApplicationError("分摊总额必须是不为负的金额(到分)", field="total")
    if not weights:
        raise ApplicationError("没有可分摊的房屋", field="houses")
    if any(w < 0 for w in weights):
        raise ApplicationError("分摊权重不能为负", field="weights")
    weight_sum = sum((frac(w) for w in weights), Fraction(0))
    if weight_sum == 0:
        raise ApplicationError("分摊权重合计为零", field="weights")
    cents = int(total * 100)
    shares = [Fraction(cents) * frac(w) / weight_sum for w in weights]
    floors = [s.numerator // s.denominator for s in shares]
    left = cents - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [to_money(Decimal(c) / 100) for c in floors]
