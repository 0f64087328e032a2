"""core.money used by billing: one helper for every money aggregate, exact to the fen on every
database (the test needs real money rows, so it lives with billing)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wuyetong.core.money import MoneySum, money_total


def test_money_total_is_exact_and_skips_none():
    assert money_total([Decimal("0.10")] * 3 + [None]) == Decimal("0.30")
    assert money_total([]) == Decimal("0.00")
    with pytest.raises(TypeError):
        money_total([0.1])  # type: ignore[list-item]


@pytest.mark.django_db
def test_money_sum_re_adds_to_the_fen_where_a_float_sum_would_not(world):
    """-1.11 as a sum of bills: SQLite adds NUMERIC columns as doubles."""
    import datetime as dt

    from wuyetong.billing.models import LedgerEntry
    from wuyetong.billing.services import fee_items_ensure_defaults

    item = fee_items_ensure_defaults(actor=world.staff("hq_admin"), company=world.company_a)[0]
    house = world.houses_a1[0]
    amounts = [
        Decimal("-0.37"),
        Decimal("-0.37"),
        Decimal("-0.37"),
        Decimal("0.10"),
        Decimal("-0.10"),
    ]
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                community=world.community_a1,
                house=house,
                account="receivable",
                kind="bill" if a < 0 else "payment",
                amount=a,
                fee_item=item,
            )
            for a in amounts
        ]
    )
    qs = LedgerEntry.objects.filter(house=house)
    total = qs.aggregate(t=MoneySum("amount"))["t"]
    assert total == Decimal("-1.11") and str(total) == "-1.11"
    grouped = dict(qs.values_list("kind").annotate(t=MoneySum("amount")).values_list("kind", "t"))
    assert grouped == {"bill": Decimal("-1.21"), "payment": Decimal("0.10")}
    assert LedgerEntry.objects.none().aggregate(t=MoneySum("amount"))["t"] == Decimal("0.00")
    assert qs.filter(created_at__lt=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).aggregate(
        t=MoneySum("amount")
    )["t"] == Decimal("0.00")
