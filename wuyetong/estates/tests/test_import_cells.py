"""Reading import cells: what a clerk sees in a cell is what is stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuyetong.estates.services.import_cells import (
    CellError,
    cell_text,
    parse_date,
    parse_decimal,
    parse_int,
    phone_text,
)

AREAS = st.decimals(
    min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False
)


@given(AREAS)
def test_an_area_reads_the_same_from_a_number_cell_and_a_text_cell(area):
    assert parse_decimal(float(area), places=2, max_digits=10) == area
    assert parse_decimal(str(area), places=2, max_digits=10) == area


@given(st.decimals(min_value=0, max_value=999, places=3, allow_nan=False, allow_infinity=False))
def test_three_places_are_refused_where_two_are_allowed_unless_the_last_is_zero(value):
    if value == value.quantize(Decimal("0.01")):
        assert parse_decimal(str(value), places=2, max_digits=10) == value
    else:
        with pytest.raises(CellError, match="最多 2 位小数"):
            parse_decimal(str(value), places=2, max_digits=10)


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", "1e400", True, "-0.01", "１２x"])
def test_bad_numbers(bad):
    with pytest.raises(CellError):
        parse_decimal(bad, places=2, max_digits=10)


def test_binary_noise_from_programs_is_read_as_excel_shows_it():
    assert parse_decimal(80 + 0.29, places=2, max_digits=10) == Decimal("80.29")
    assert parse_decimal("1,234.50", places=2, max_digits=10) == Decimal("1234.50")
    assert parse_int(3.0, -9, 300) == 3
    with pytest.raises(CellError, match="整数"):
        parse_int(3.5, -9, 300)


@pytest.mark.parametrize(
    "value",
    [
        "2021-06-01",
        "2021/6/1",
        "2021.6.1",
        "2021年6月1日",
        "20210601",
        20210601,
        44348,
        dt.datetime(2021, 6, 1, 0, 0),
    ],
)
def test_dates_clerks_type(value):
    assert parse_date(value) == dt.date(2021, 6, 1)


@pytest.mark.parametrize(
    "bad", ["2021-13-01", "2021-02-30", "昨天", "1900-01-01", "6/1/2021", "2021-06-01 08:00"]
)
def test_bad_dates(bad):
    with pytest.raises(CellError):
        parse_date(bad)


def test_phone_numbers_lose_grouping_spaces_and_dashes():
    assert phone_text("138-1111 0005") == "13811110005"
    assert phone_text(13811110005) == "13811110005"


def test_cell_text_normalises_full_width_and_numbers():
    assert cell_text("  １幢 ") == "1幢"
    assert cell_text(101.0) == "101"
    assert cell_text(None) == ""
