"""Excel (.xlsx) export: rows in, a download out. Every list page's 导出 uses this.

Kept generic on purpose: callers pass plain headers and rows (str, numbers, Decimal, dates);
no model or domain knowledge lives here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EEF2F6")
# Characters a spreadsheet would treat as the start of a formula (CSV/Excel injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BAD_TITLE_CHARS = set("[]:*?/\\")


def _cell_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (int, float, Decimal, dt.date, dt.datetime)):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            # Excel has no time zones: show local time as the user sees it on screen.
            from django.utils import timezone

            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    text = str(value)
    if text.startswith(_FORMULA_START) and not _looks_numeric(text):
        text = "'" + text
    return text


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a bold header row, then `rows` (streamed)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] | None = None


def _write_sheet(wb: Workbook, sheet: Sheet) -> None:
    title = "".join("_" if ch in _BAD_TITLE_CHARS else ch for ch in sheet.title)[:31].strip("'")
    ws = wb.create_sheet(title=title or "Sheet1")
    widths = sheet.widths
    for i, header in enumerate(sheet.headers, start=1):
        width = (
            widths[i - 1]
            if widths and i <= len(widths)
            else max(10, min(40, len(str(header)) * 2 + 4))
        )
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    header_cells = []
    for header in sheet.headers:
        cell = WriteOnlyCell(ws, value=str(header))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        header_cells.append(cell)
    ws.append(header_cells)
    for row in sheet.rows:
        ws.append([_cell_value(v) for v in row])


def workbook_sheets_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx file with the sheets in order (write-only, so large exports stay small)."""
    wb = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(wb, sheet)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def workbook_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    sheet_title: str = "Sheet1",
    widths: Sequence[int] | None = None,
) -> bytes:
    """An .xlsx file with one sheet: a bold header row, then `rows` (streamed, so large
    exports stay within memory)."""
    return workbook_sheets_bytes([Sheet(sheet_title, headers, rows, widths)])


def xlsx_response(
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    sheet_title: str | None = None,
    widths: Sequence[int] | None = None,
) -> HttpResponse:
    """A download response; `filename` may be Chinese (".xlsx" is added when missing)."""
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    return xlsx_sheets_response(
        filename, [Sheet(sheet_title or filename[:-5], headers, rows, widths)]
    )


def xlsx_sheets_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    """A download of several sheets (e.g. a summary and the raw rows)."""
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    response = HttpResponse(workbook_sheets_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
