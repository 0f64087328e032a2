"""Money is Decimal with two places, ROUND_HALF_UP unless a standard says otherwise."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str, rounding: str = ROUND_HALF_UP) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money must never be a float")
    return Decimal(value).quantize(CENT, rounding=rounding)


def money_total(values: Iterable[Decimal | int | None]) -> Decimal:
    """The exact sum of money values in Python (None counts as nothing), to the fen."""
    total = ZERO
    for v in values:
        if isinstance(v, float):
            raise TypeError("money must never be a float")
        if v is not None:
            total += Decimal(v)
    return to_money(total)


class MoneyField(models.DecimalField):
    """DecimalField(max_digits=14, decimal_places=2) — the one way money is stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "wuyetong.core.money.MoneyField", args, kwargs


def _to_fen(value, expression, connection) -> Decimal:
    # SQLite sums NUMERIC columns as doubles (-1.11000000000001): back to the fen. Exact for
    # any realistic total (< 10¹³ fen). No rows sum to 0.00, not None.
    return ZERO if value is None else to_money(value)


class MoneySum(models.Sum):
    """Sum of a money column as exact Decimal fen on every database, 0.00 for no rows. Every
    report and total uses this instead of Sum, so the figures re-add to the fen."""

    # a query known to match nothing (.none()) sums to 0.00
    empty_result_set_value = ZERO  # type: ignore[assignment]

    def __init__(self, expression, **extra):
        extra.setdefault("output_field", MoneyField())
        super().__init__(expression, **extra)

    def get_db_converters(self, connection):
        return [*super().get_db_converters(connection), _to_fen]


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_GROUPS = ["", "万", "亿", "万亿"]


def amount_in_words(value: Decimal) -> str:
    """人民币大写 for a receipt, e.g. 1234.50 → 壹仟贰佰叁拾肆元伍角整."""
    amount = to_money(value)
    if amount < 0:
        return "负" + amount_in_words(-amount)
    fen_total = int(amount * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    words = ""
    if yuan:
        groups = []
        n = yuan
        while n:
            groups.append(n % 10000)
            n //= 10000
        parts: list[str] = []
        zero_pending = False
        for gi in range(len(groups) - 1, -1, -1):
            g = groups[gi]
            if g == 0:
                zero_pending = bool(parts)
                continue
            text = ""
            digits = [g // 1000, g // 100 % 10, g // 10 % 10, g % 10]
            started = False
            for pos, d in enumerate(digits):
                if d == 0:
                    if started or parts:
                        zero_pending = True
                    continue
                if zero_pending and (started or parts):
                    text += "零"
                zero_pending = False
                text += _DIGITS[d] + _UNITS[3 - pos]
                started = True
            parts.append(text + _GROUPS[gi])
        words = "".join(parts) + "元"
    if jiao:
        words += ("零" if yuan and not words.endswith("元") else "") + _DIGITS[jiao] + "角"
    elif yuan and fen:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    if not fen:
        words += "整"
    return words if words != "整" else "零元整"
