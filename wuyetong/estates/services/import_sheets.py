"""The two import sheets of C3: their columns, reading a workbook into rows, and the blank
template a clerk downloads. The rules about what a row means live in `imports.py`."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import warnings
import zipfile
from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.choices import HouseState, HouseUse, Relation

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 30_000


def source_labels(choices) -> dict[str, str]:
    """{Chinese label: code}. Import files are a data format: headers, sheet names and choice
    cells are matched in the source language (Chinese) whatever language the console shows;
    only explanations (notes, messages) are translated."""
    with translation.override(None):
        return {str(label): code for code, label in choices}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    note: str | Promise = ""
    example: str | int | float | None = None
    width: int = 12
    max_length: int = 50
    order: int = 0
    text: bool = False  # keep as text in the template (leading zeros, long digit strings)
    when: str | Promise = ""  # required only sometimes: says when, for the notes sheet


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    order: int = 0
    value: str = ""  # what the clerk typed, shortened, to find the cell quickly
    key: str = ""


@dataclass(frozen=True)
class ImportKind:
    code: str
    label: str | Promise
    sheet: str
    columns: tuple[Column, ...]
    permissions: tuple[str, ...]
    sample_headers: list[str]
    notes: tuple[str | Promise, ...]

    def __post_init__(self):
        object.__setattr__(self, "_by_key", {c.key: c for c in self.columns})

    def column(self, key: str) -> Column:
        return self._by_key[key]  # type: ignore[attr-defined]


def _limits_text() -> str:
    return gettext("每个文件最多 %(rows)s 行、%(mb)s MB；数据更多时请按楼栋拆分为多个文件。") % {
        "rows": MAX_ROWS,
        "mb": MAX_BYTES // 1024 // 1024,
    }


_limits_note = lazy(_limits_text, str)


def _cols(*columns: Column) -> tuple[Column, ...]:
    return tuple(Column(**{**c.__dict__, "order": i}) for i, c in enumerate(columns))


HOUSE_COLUMNS = (
    Column(
        "building",
        "楼栋",
        True,
        ("楼号", "楼幢", "幢号", "楼栋名称"),
        note=_("如 1幢、A座；不存在的楼栋会自动新建"),
        example="1幢",
        text=True,
    ),
    Column(
        "unit",
        "单元",
        True,
        ("单元号", "单元名称"),
        note=_("如 1单元；不存在的单元会自动新建"),
        example="1单元",
        text=True,
    ),
    Column(
        "room",
        "房号",
        True,
        ("房间号", "室号", "房屋编号"),
        note=_("同一单元内不能重复；已存在的房屋不能再导入"),
        example="101",
        max_length=20,
        text=True,
    ),
)
STRUCTURE = ImportKind(
    code="structure",
    label=_("房屋"),
    sheet="房屋导入",
    columns=_cols(
        *HOUSE_COLUMNS,
        Column(
            "floor", "楼层", aliases=("所在楼层",), note=_("整数，地下层填负数"), example=1, width=8
        ),
        Column(
            "use",
            "用途",
            aliases=("房屋用途",),
            choices=tuple(source_labels(HouseUse.choices)),
            note=_("不填默认 住宅"),
            example="住宅",
            width=8,
        ),
        Column(
            "building_area",
            "建筑面积",
            True,
            ("建筑面积(㎡)", "面积"),
            note=_("平方米，≥0，最多 2 位小数"),
            example=89.5,
        ),
        Column(
            "inner_area",
            "套内面积",
            aliases=("套内面积(㎡)", "使用面积"),
            note=_("平方米，≥0，最多 2 位小数，不大于建筑面积"),
            example=70.12,
        ),
        Column(
            "fee_coefficient",
            "收费系数",
            aliases=("系数",),
            note=_("≥0，最多 3 位小数，不填默认 1"),
            example=1,
            width=10,
        ),
        Column(
            "state",
            "房屋状态",
            aliases=("状态",),
            choices=tuple(source_labels(HouseState.choices)),
            note=_("不填默认 未售"),
            example="入住",
            width=10,
        ),
        Column(
            "handover_date",
            "交房日期",
            aliases=("交付日期",),
            note=_("日期，如 2021-06-01；计费起始日以此为准"),
            example="2021-06-01",
            width=12,
            text=True,
        ),
        Column("notes", "备注", note=_("200 字以内"), width=20, max_length=200),
    ),
    permissions=("estates.add",),
    sample_headers=[
        "楼栋",
        "单元",
        "房号",
        "楼层",
        "用途",
        "建筑面积",
        "套内面积",
        "收费系数",
        "房屋状态",
        "交房日期",
    ],
    notes=(
        _(
            "每行一套房屋；第 1 行是表头，请勿修改列名。第 2 行是示例，原样保留时导入会自动跳过，也可直接删除或覆盖。"
        ),
        _("楼栋、单元按名称匹配本小区已有的楼栋单元，名称不存在时自动新建。"),
        _("已存在的房屋不会被修改：文件中只要有一行房屋已存在，整个文件都不会导入。"),
        _(
            "先预览：系统会检查每一行并列出全部错误（行号、列名、原因）；没有错误时确认导入，一次性全部写入。"
        ),
        _limits_note(),
    ),
)
OWNERS = ImportKind(
    code="owners",
    label=_("住户"),
    sheet="住户导入",
    columns=_cols(
        *HOUSE_COLUMNS[:2],
        Column(
            "room",
            "房号",
            True,
            ("房间号", "室号", "房屋编号"),
            note=_("房屋必须已存在（先导入房屋）"),
            example="101",
            max_length=20,
            text=True,
        ),
        Column(
            "name",
            "姓名",
            True,
            ("住户姓名", "业主姓名"),
            note=_("住户本人姓名"),
            example="王建国",
            width=10,
        ),
        Column(
            "relation",
            "身份",
            True,
            ("关系", "住户类型", "与房屋关系"),
            choices=tuple(source_labels(Relation.choices)),
            note=_("业主、家庭成员或租户"),
            example="业主",
            width=10,
        ),
        Column(
            "phone",
            "手机号",
            aliases=("手机", "手机号码", "联系电话", "电话"),
            note=_("11 位手机号。已登记为本公司住户的手机号沿用原档案，不重复建档"),
            example="13812345678",
            when=_("业主、租户必填"),
            width=14,
            max_length=11,
            text=True,
        ),
        Column(
            "id_card",
            "身份证号",
            aliases=("身份证", "证件号码", "身份证号码"),
            note=_("18 位，校验位须正确；请设为文本格式"),
            example="330106198001010013",
            width=20,
            max_length=18,
            text=True,
        ),
        Column("gender", "性别", choices=("男", "女"), example="男", width=6),
        Column(
            "start_date",
            "入住日期",
            aliases=("绑定日期", "开始日期"),
            note=_("不填按交房日期，无交房日期按导入当天"),
            example="2021-06-01",
            width=12,
            text=True,
        ),
        Column("notes", "备注", note=_("200 字以内"), width=20, max_length=200),
    ),
    permissions=("estates.add", "residents.add"),
    sample_headers=["楼栋", "单元", "房号", "姓名", "身份", "手机号", "身份证号", "入住日期"],
    notes=(
        _("每行是一位住户与一套房屋的绑定；同一人有多套房屋时写多行（手机号相同即同一人）。"),
        _("房屋按 楼栋+单元+房号 匹配本小区已有房屋，请先导入房屋。"),
        _("手机号已登记为本公司住户的，沿用原档案（不修改原姓名、证件），只新增绑定。"),
        _(
            "先预览：系统会检查每一行并列出全部错误（行号、列名、原因）；没有错误时确认导入，一次性全部写入。"
        ),
        _limits_note(),
    ),
)
KINDS = {STRUCTURE.code: STRUCTURE, OWNERS.code: OWNERS}

HEADER_SCAN_ROWS = 5
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_COLUMNS = 40


def read_upload(upload, *, max_bytes: int) -> tuple[str, bytes]:
    """(file name, bytes) of an uploaded .xlsx, or a clear message about why it is unusable."""
    if upload is None:
        raise ApplicationError(gettext("请选择要上传的 .xlsx 文件"), field="file")
    name = os.path.basename(getattr(upload, "name", "") or "upload.xlsx")[:120]
    if not name.lower().endswith(".xlsx"):
        hint = (
            gettext("（.xls 请先用 Excel 或 WPS 另存为 .xlsx）")
            if name.lower().endswith(".xls")
            else ""
        )
        raise ApplicationError(
            gettext("只支持 .xlsx 格式的 Excel 文件%(hint)s") % {"hint": hint}, field="file"
        )
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ApplicationError(
            gettext("文件过大，不能超过 %(mb)s MB，请拆分后上传")
            % {"mb": max_bytes // 1024 // 1024},
            field="file",
        )
    data = upload.read()
    if len(data) > max_bytes:
        raise ApplicationError(
            gettext("文件过大，不能超过 %(mb)s MB，请拆分后上传")
            % {"mb": max_bytes // 1024 // 1024},
            field="file",
        )
    if not data:
        raise ApplicationError(gettext("文件是空的"), field="file")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ApplicationError(
            gettext("文件不是有效的 .xlsx 文件，可能已损坏或只是改了扩展名"), field="file"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ApplicationError(
            gettext("文件不是有效的 .xlsx 文件，可能已损坏"), field="file"
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:  # a "zip bomb" would exhaust memory while parsing
        raise ApplicationError(gettext("文件内容过大，请拆分后上传"), field="file")
    return name, data


def normalize_header(value) -> str:
    text = "" if value is None else str(value)
    text = re.sub(r"[(（][^)）]*[)）]", "", text)  # drop units such as (㎡)
    return re.sub(r"[\s*＊:：]", "", text)


def _header_map(kind: ImportKind, cells) -> dict[int, str]:
    lookup = {}
    for col in kind.columns:
        for name in (col.header, *col.aliases):
            lookup[normalize_header(name)] = col.key
    mapping: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = lookup.get(normalize_header(cell))
        if key and key not in mapping.values():
            mapping[index] = key
    return mapping


def _example_values(kind: ImportKind) -> dict[str, str]:
    return {c.key: str(c.example) for c in kind.columns if c.example is not None}


def read_sheet(
    kind: ImportKind, data: bytes, *, max_rows: int
) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Rows of the data sheet as (Excel row number, {column key: raw value}); empty rows and
    an unchanged template example row are skipped. File-level problems raise ApplicationError."""
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any parser error means the file is not a workbook we can read
        raise ApplicationError(
            gettext(
                "文件无法读取：不是有效的 .xlsx 文件或已损坏，请用 Excel/WPS 另存为 .xlsx 后重试"
            ),
            field="file",
        ) from None
    try:
        if not workbook.sheetnames:
            raise ApplicationError(gettext("文件中没有工作表"), field="file")
        sheet = (
            workbook[kind.sheet] if kind.sheet in workbook.sheetnames else workbook.worksheets[0]
        )
        # The <dimension> a file declares may be wrong (some tools write "A1"): trusting it
        # would silently drop rows, so read every row that is actually there.
        sheet.reset_dimensions()
        return _read_rows(kind, sheet, max_rows)
    except ApplicationError:
        raise
    except Exception:
        raise ApplicationError(
            gettext("文件内容无法解析，可能已损坏，请用 Excel/WPS 另存为 .xlsx 后重试"),
            field="file",
        ) from None
    finally:
        workbook.close()


def _required(kind: ImportKind) -> set[str]:
    return {c.key for c in kind.columns if c.required}


def _read_rows(kind, sheet, max_rows):
    required = _required(kind)
    rows_iter = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    mapping: dict[int, str] = {}
    header_row = 0
    first_cells = None
    for row_no, cells in enumerate(rows_iter, start=1):
        if first_cells is None and any(c not in (None, "") for c in cells):
            first_cells = cells
        mapping = _header_map(kind, cells)
        if required <= set(mapping.values()):
            header_row = row_no
            break
        if row_no >= HEADER_SCAN_ROWS:
            break
    if not header_row:
        found = _header_map(kind, first_cells or ())
        missing = [c.header for c in kind.columns if c.required and c.key not in found.values()]
        other = next(
            (
                k
                for k in KINDS.values()
                if k is not kind
                and _required(k) - {"building", "unit", "room"}
                <= set(_header_map(k, first_cells or ()).values())
            ),
            None,
        )
        hint = (
            gettext("这像是「%(kind)s」导入文件，请在导入类型中选择「%(kind)s」。")
            % {"kind": other.label}
            if other
            else gettext("请下载模板，按模板的列名填写。")
        )
        raise ApplicationError(
            gettext("表头不正确，缺少必填列：%(columns)s。%(hint)s")
            % {"columns": "、".join(missing) or gettext("全部"), "hint": hint},
            field="file",
        )
    example = _example_values(kind)
    rows: list[tuple[int, dict]] = []
    for row_no, cells in enumerate(rows_iter, start=header_row + 1):
        values = {key: cells[i] for i, key in mapping.items() if i < len(cells)}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        if row_no == header_row + 1 and _is_example(values, example):
            continue
        rows.append((row_no, values))
        if len(rows) > max_rows:
            raise ApplicationError(
                gettext("数据行超过 %(n)s 行上限，请拆分为多个文件分别导入") % {"n": max_rows},
                field="file",
            )
    return rows, []


def _is_example(values: dict, example: dict[str, str]) -> bool:
    def text(v):
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return "" if v is None else str(v).strip()

    return all(text(values.get(k)) == v for k, v in example.items()) and all(
        text(v) == "" for k, v in values.items() if k not in example
    )


def build_template(kind: ImportKind) -> bytes:
    """A workbook with the data sheet (headers, example row, drop-down lists) and notes."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = kind.sheet
    required_fill = PatternFill("solid", fgColor="FDE2E1")
    header_fill = PatternFill("solid", fgColor="E8F1FC")
    last_row = 30001
    for index, col in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(
            row=1, column=index, value=f"{col.header}*" if col.required else col.header
        )
        cell.font = Font(bold=True, color="C5221F" if col.required else "1F2933")
        cell.fill = required_fill if col.required else header_fill
        cell.alignment = Alignment(horizontal="center")
        if col.note:
            cell.comment = Comment(str(col.note), gettext("物业通"))
        example = sheet.cell(row=2, column=index, value=col.example)
        example.font = Font(italic=True, color="8A94A0")
        sheet.column_dimensions[letter].width = col.width
        if col.text:
            for row in range(2, 1002):  # text format keeps 0101 and 18-digit ID numbers intact
                sheet.cell(row=row, column=index).number_format = "@"
        if col.choices:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(col.choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=gettext("输入有误"),
                error=gettext("只能选择：%(choices)s") % {"choices": "、".join(col.choices)},
            )
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(gettext("填写说明"))
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 8
    notes.column_dimensions["C"].width = 70
    notes.append([gettext("%(kind)s导入模板 · 填写说明") % {"kind": kind.label}])
    notes["A1"].font = Font(bold=True, size=13)
    for line in kind.notes:
        notes.append([str(line)])
    notes.append([])
    notes.append([gettext("列名"), gettext("必填"), gettext("说明")])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
    for col in kind.columns:
        choices = (
            gettext("可选值：%(choices)s") % {"choices": "、".join(col.choices)}
            if col.choices
            else ""
        )
        detail = "；".join(str(part) for part in (col.note, choices) if part)
        notes.append([col.header, gettext("是") if col.required else str(col.when), detail])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ERROR_FILL = "FFC7CE"
NOTE_HEADER = "错误说明"


def annotate_errors(kind: ImportKind, data: bytes, errors: list[RowError]) -> bytes:
    """The clerk's own workbook with bad cells filled red and a 错误说明 column, so they can fix
    it in place and upload it again (the extra column is ignored on import)."""
    from openpyxl import load_workbook
    from openpyxl.styles import Font, PatternFill

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[kind.sheet] if kind.sheet in workbook.sheetnames else workbook.worksheets[0]
    header_row, mapping = 1, {}
    for row_no in range(1, HEADER_SCAN_ROWS + 1):
        mapping = _header_map(kind, [c.value for c in sheet[row_no]])
        if _required(kind) <= set(mapping.values()):
            header_row = row_no
            break
    headers = [c.value for c in sheet[header_row]]
    note_col = headers.index(NOTE_HEADER) + 1 if NOTE_HEADER in headers else sheet.max_column + 1
    red = PatternFill("solid", fgColor=ERROR_FILL)
    # Clear the marks of an earlier report, leaving the clerk's own formatting alone.
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            if (
                cell.fill is not None
                and cell.fill.fgColor is not None
                and str(cell.fill.fgColor.rgb).endswith(ERROR_FILL)
            ):
                cell.fill = PatternFill()
        if len(row) >= note_col:
            row[note_col - 1].value = None
    head = sheet.cell(row=header_row, column=note_col, value=NOTE_HEADER)
    head.font = Font(bold=True, color="C5221F")
    sheet.column_dimensions[head.column_letter].width = 60
    columns = {key: index + 1 for index, key in mapping.items()}
    by_row: dict[int, list[RowError]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    for row_no, row_errors in by_row.items():
        text = "；".join(f"{e.column}：{e.message}" for e in row_errors)
        sheet.cell(row=row_no, column=note_col, value=text).font = Font(color="C5221F")
        for error in row_errors:
            if error.key in columns:
                sheet.cell(row=row_no, column=columns[error.key]).fill = red
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_dump(rows: list[tuple[int, dict]]) -> bytes:
    """Rows read from a sheet, as JSON: kept between preview and confirm so the confirm
    validates exactly what was previewed without decoding the workbook a second time."""

    def encode(value):
        if isinstance(value, dt.datetime):
            return {"dt": value.isoformat()}
        if isinstance(value, dt.date):
            return {"d": value.isoformat()}
        if isinstance(value, (dt.time, dt.timedelta)):
            return str(value)
        return value

    return json.dumps(
        [[n, {k: encode(v) for k, v in values.items()}] for n, values in rows]
    ).encode()


def rows_load(data: bytes) -> list[tuple[int, dict]]:
    def decode(value):
        if isinstance(value, dict):
            return (
                dt.datetime.fromisoformat(value["dt"])
                if "dt" in value
                else dt.date.fromisoformat(value["d"])
            )
        return value

    return [(n, {k: decode(v) for k, v in values.items()}) for n, values in json.loads(data)]
