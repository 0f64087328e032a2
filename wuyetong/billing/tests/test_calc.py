"""The arithmetic of billing, to the fen, without the database."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuyetong.billing.calc import (
    billed_span,
    cycle_starts_at,
    largest_remainder,
    monthly_area_amount,
    parse_tiers,
    prorated,
    round_fraction,
    tiered_amount,
)
from wuyetong.core.exceptions import ApplicationError

D = Decimal


def test_half_fen_rounds_up_not_to_even():
    # 100.50㎡ × 0.25 = 25.125: banker's rounding would give 25.12
    assert monthly_area_amount(
        area=D("100.50"), unit_price=D("0.25"), coefficient=D("1"), fixed=D("0")
    ) == D("25.13")
    assert round_fraction(Fraction(-25125, 1000)) == D("-25.13")


def test_rounding_rules_of_a_standard():
    value = Fraction(194_9345, 10_000)  # 194.9345
    assert round_fraction(value, ROUND_HALF_UP) == D("194.93")
    assert round_fraction(value, ROUND_DOWN) == D("194.93")
    assert round_fraction(value, ROUND_UP) == D("194.94")
    assert round_fraction(Fraction(5), ROUND_UP) == D("5.00")


def test_area_times_price_times_coefficient_plus_fixed():
    # 89.50 × 2.80 × 1.200 = 300.72, + 10.00
    assert monthly_area_amount(
        area=D("89.50"), unit_price=D("2.80"), coefficient=D("1.200"), fixed=D("10.00")
    ) == D("310.72")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        monthly_area_amount(
            area=89.5,  # type: ignore[arg-type]
            unit_price=D("2.80"),
            coefficient=D("1"),
            fixed=D("0"),
        )


def test_partial_month_prorates_by_days_in_that_month():
    span = billed_span(dt.date(2024, 3, 1), 1, dt.date(2024, 3, 10), None)
    assert span is not None
    assert span.months == Fraction(22, 31)
    assert prorated(D("25.13"), span.months) == D("17.83")  # 25.13 × 22 / 31 = 17.834…
    leap = billed_span(dt.date(2024, 2, 1), 1, dt.date(2024, 2, 15), None)
    assert leap is not None and leap.months == Fraction(15, 29)
    assert prorated(D("250.60"), leap.months) == D("129.62")


def test_quarter_with_a_partial_first_month():
    span = billed_span(dt.date(2024, 4, 1), 3, dt.date(2024, 4, 16), None)
    assert span is not None
    assert span.months == Fraction(15, 30) + 2
    assert span.describe() == "15/30 + 1 + 1 个月"
    assert billed_span(dt.date(2024, 4, 1), 3, dt.date(2024, 7, 1), None) is None
    ended = billed_span(dt.date(2024, 4, 1), 3, dt.date(2024, 1, 1), dt.date(2024, 5, 31))
    assert ended is not None and ended.months == 2


def test_cycles_align_to_the_calendar_year():
    assert [m for m in range(1, 13) if cycle_starts_at(dt.date(2024, m, 1), 3)] == [1, 4, 7, 10]
    assert [m for m in range(1, 13) if cycle_starts_at(dt.date(2024, m, 1), 12)] == [1]


def test_tiers_charge_each_band_at_its_price():
    tiers = parse_tiers(
        [{"up_to": "180", "price": "0.538"}, {"up_to": "280", "price": "0.588"}, {"price": "0.838"}]
    )
    amount, pieces = tiered_amount(D("300"), tiers)
    # 180 × 0.538 + 100 × 0.588 + 20 × 0.838 = 96.84 + 58.80 + 16.76
    assert round_fraction(amount) == D("172.40")
    assert pieces == [(D("180"), D("0.538")), (D("100"), D("0.588")), (D("20"), D("0.838"))]
    # yearly cumulative: 170 already used this year, 20 more cross into the second band
    amount, _ = tiered_amount(D("20"), tiers, prior_usage=D("170"))
    assert round_fraction(amount) == D("11.26")  # 10 × 0.538 + 10 × 0.588


@pytest.mark.parametrize(
    "raw",
    [
        [{"up_to": "100", "price": "1"}],  # last band must be open
        [{"up_to": None, "price": "1"}, {"up_to": None, "price": "2"}],
        [{"up_to": "100", "price": "1"}, {"up_to": "50", "price": "2"}, {"price": "3"}],
        [{"up_to": "100", "price": "-1"}, {"price": "2"}],
        [{"up_to": "abc", "price": "1"}, {"price": "2"}],
        [{"up_to": 100.5, "price": "1"}, {"price": "2"}],
        "0.5",
    ],
)
def test_bad_tiers_are_refused_naming_the_field(raw):
    with pytest.raises(ApplicationError) as exc:
        parse_tiers(raw)
    assert exc.value.field == "tiers"


def test_largest_remainder_gives_leftover_fen_to_largest_remainders():
    assert largest_remainder(D("100.00"), [D("1"), D("1"), D("1")]) == [
        D("33.34"),
        D("33.33"),
        D("33.33"),
    ]
    assert largest_remainder(D("10.00"), [D("89.5"), D("120.25"), D("0")]) == [
        D("4.27"),
        D("5.73"),
        D("0.00"),
    ]


@given(
    total=st.decimals(min_value=0, max_value=D("9999999.99"), places=2),
    areas=st.lists(
        st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2), min_size=1, max_size=60
    ),
)
def test_shared_parts_always_sum_exactly_to_the_total(total, areas):
    parts = largest_remainder(total, areas)
    assert sum(parts) == total
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in parts)
    exact = [Fraction(total) * Fraction(a) / Fraction(sum(areas)) for a in areas]
    # every part is within one fen of its exact share
    assert all(abs(Fraction(p) - e) < Fraction(1, 100) for p, e in zip(parts, exact, strict=True))


@given(
    total=st.decimals(min_value=0, max_value=D("99999.99"), places=2),
    households=st.integers(min_value=1, max_value=500),
)
def test_per_household_parts_differ_by_at_most_one_fen(total, households):
    parts = largest_remainder(total, [D(1)] * households)
    assert sum(parts) == total
    assert max(parts) - min(parts) <= D("0.01")
