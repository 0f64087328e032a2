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
