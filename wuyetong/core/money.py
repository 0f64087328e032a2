"""Money is Decimal with two places, ROUND_HALF_UP unless a standard says otherwise."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

CENT = Decimal("0.01")


def to_money(value: Decimal | int | str, rounding: str = ROUND_HALF_UP) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money must never be a float")
    return Decimal(value).quantize(CENT, rounding=rounding)


class MoneyField(models.DecimalField):
    """DecimalField(max_digits=14, decimal_places=2) — the one way money is stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "wuyetong.core.money.MoneyField", args, kwargs
