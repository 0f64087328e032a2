"""core/excel.py: the .xlsx download every list uses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

from openpyxl import load_workbook

from wuyetong.core.excel import xlsx_response


def _rows(response):
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def test_headers_rows_and_types_survive():
    response = xlsx_response(
        "房屋列表",
        ["房号", "面积", "交房日期", "已注册", "空"],
        [["101", Decimal("89.50"), dt.date(2020, 1, 2), True, None]],
    )
    assert response["Content-Disposition"].endswith(quote("房屋列表.xlsx"))
    header, row = _rows(response)
    assert header == ("房号", "面积", "交房日期", "已注册", "空")
    assert row[0] == "101" and float(row[1]) == 89.5 and row[2].date() == dt.date(2020, 1, 2)
    assert row[3] == "是" and row[4] is None


def test_text_that_looks_like_a_formula_is_not_a_formula():
    rows = _rows(xlsx_response("x", ["a", "b"], [['=HYPERLINK("http://evil")', "-12.5"]]))
    assert rows[1][0].startswith("'=") and rows[1][1] == "-12.5"


def test_sheet_title_with_forbidden_characters_is_cleaned():
    wb = load_workbook(BytesIO(xlsx_response("a/b:c*?[d]", ["h"], []).content))
    assert wb.active.title == "a_b_c___d_"
