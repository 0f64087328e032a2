"""Reading the cells of an import row: text, numbers, dates and choices, each with the Chinese
reason shown to the clerk when a cell is wrong. A `RowReader` collects every bad cell of a row."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _

from wuyetong.estates.choices import HouseState, HouseUse, Relation

from .import_sheets import ImportKind, RowError


def _float_decimal(value: float) -> Decimal:
    # Excel keeps 15 significant digits; files written by programs may carry binary noise
    # (80.29000000000001), which must read as the 80.29 a clerk sees in the cell.
    return Decimal(format(value, ".15g"))


class CellError(Exception):
    pass


def cell_text(value) -> str:
    """A cell as trimmed text; full-width digits and letters (１幢, １３８…) become half-width,
    as clerks type both and they must match the same building or pass the same checks."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def phone_text(value) -> str:
    """A mobile number as typed, without the spaces and dashes clerks use to group digits."""
    return re.sub(r"[\s-]", "", cell_text(value))


def same(name: str) -> str:
    """The form a stored name is compared in (see cell_text)."""
    return unicodedata.normalize("NFKC", name).strip()


def parse_decimal(value, *, places: int, max_digits: int) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(_("必须是数字"))
    try:
        number = (
            _float_decimal(value)
            if isinstance(value, float)
            else Decimal(str(value).strip().replace(",", ""))
        )
    except InvalidOperation:
        raise CellError(_("必须是数字")) from None
    if not number.is_finite():
        raise CellError(_("必须是数字"))
    if number < 0:
        raise CellError(_("不能为负数"))
    exponent = number.normalize().as_tuple().exponent  # an int: the number is finite
    if isinstance(exponent, int) and exponent < -places:
        raise CellError(_("最多 %(n)s 位小数") % {"n": places})
    if number >= Decimal(10) ** (max_digits - places):
        raise CellError(_("数值过大"))
    return number.quantize(Decimal(1).scaleb(-places))


def parse_int(value, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = _float_decimal(value) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise CellError(_("必须是整数")) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(_("必须是整数"))
    if not low <= number <= high:
        raise CellError(_("应在 %(low)s 到 %(high)s 之间") % {"low": low, "high": high})
    return int(number)


# 2021-06-01, 2021/6/1, 2021.6.1, 2021年6月1日, 20210601 (a regex: strptime is slow per row)
DATE_RE = re.compile(r"^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))$")


def parse_date(value) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        parsed = value.date()
    elif isinstance(value, dt.date):
        parsed = value
    elif isinstance(value, (int, float)) and 20000 <= value <= 80000:
        parsed = (
            dt.datetime(1899, 12, 30) + dt.timedelta(days=int(value))
        ).date()  # Excel serial day
    else:
        match = DATE_RE.match(cell_text(value))
        try:
            if match is None:
                raise ValueError
            year, month, day = (
                match.group(1),
                match.group(2) or match.group(4),
                match.group(3) or match.group(5),
            )
            parsed = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise CellError(_("日期格式不正确，应为 2021-06-01")) from None
    if not 1950 <= parsed.year <= 2100:
        raise CellError(_("日期超出合理范围"))
    return parsed


def parse_choice(value, labels: dict[str, str], default: str | None) -> str | None:
    text = cell_text(value)
    if not text:
        return default
    if text in labels:
        return labels[text]
    if text in labels.values():
        return text
    raise CellError(_("只能是：%(choices)s") % {"choices": "、".join(labels)})


def source_labels(choices) -> dict[str, str]:
    """{Chinese label: code}. Import files are a data format: their cells are matched against
    the source (Chinese) labels whatever language the console is shown in."""
    with translation.override(None):
        return {str(label): code for code, label in choices}


HOUSE_STATES = source_labels(HouseState.choices)
HOUSE_USES = source_labels(HouseUse.choices)
RELATIONS = source_labels(Relation.choices)


class RowReader:
    """Collects cell errors of one row so every bad cell is reported, not just the first."""

    def __init__(
        self,
        kind: ImportKind,
        row: int,
        values: dict,
        errors: list[RowError],
        previous: dict | None = None,
    ):
        self.kind, self.row, self.values, self.errors = kind, row, values, errors
        self.previous = previous or {}
        self.ok = True

    def error(self, key: str, message: str) -> None:
        col = self.kind.column(key)
        typed = cell_text(self.values.get(key))
        typed = typed if len(typed) <= 24 else typed[:23] + "…"
        self.errors.append(RowError(self.row, col.header, message, col.order, typed, key))
        self.ok = False

    def get(self, key: str, parse=cell_text, *args, **kwargs):
        col = self.kind.column(key)
        raw = self.values.get(key)
        try:
            value = parse(raw, *args, **kwargs)
        except CellError as exc:
            self.error(key, str(exc))
            return None
        if col.required and value in (None, ""):
            merged = key in ("building", "unit") and cell_text(self.previous.get(key))
            # Clerks merge the 楼栋/单元 cells of a block of rooms; only the first row keeps the value.
            self.error(
                key,
                _("必填，不能为空（如是合并单元格，请取消合并并向下填充）")
                if merged
                else _("必填，不能为空"),
            )
            return None
        if isinstance(value, str) and len(value) > col.max_length:
            self.error(key, _("不能超过 %(n)s 个字") % {"n": col.max_length})
            return None
        return value


def with_previous(rows: list[tuple[int, dict]]):
    """(row number, values, the previous data row's values) for each row."""
    previous: dict | None = None
    for row_no, values in rows:
        yield row_no, values, previous
        previous = values


def house_key(r: RowReader) -> tuple[str, str, str] | None:
    building, unit, room = r.get("building"), r.get("unit"), r.get("room")
    if not (building and unit and room):
        return None
    return building, unit, room


def house_label(key: tuple[str, str, str]) -> str:
    return f"{key[0]}/{key[1]}/{key[2]}"
