"""Meter readings from an .xlsx file, in the style of the estates import: upload → every bad
cell listed (row, column, reason; nothing written) or a preview → confirm, which checks the
kept rows again and writes them all in one transaction. The sheet reading, template and
error report are the estates import's own; the rules are those of meter_readings_save."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.models import House
from wuyetong.estates.services.import_cells import (
    RowReader,
    cell_text,
    house_key,
    house_label,
    parse_choice,
    same,
    with_previous,
)
from wuyetong.estates.services.import_sheets import (
    MAX_BYTES,
    Column,
    ImportKind,
    RowError,
    _cols,
    annotate_errors,
    build_template,
    read_sheet,
    read_upload,
    rows_dump,
    rows_load,
)
from wuyetong.estates.services.import_store import claim, keep, payload_of, read_kept
from wuyetong.orgs.models import Community

from ..choices import ReadingSource
from ..models import FeeItem
from .common import require_billing
from .readings import (
    ReadingInput,
    ReadingsInvalid,
    SaveResult,
    check_meter_type,
    check_month,
    meter_readings_save,
)

MAX_ROWS = 10_000
SAMPLE_ROWS = 10
YES_NO = {"是": True, "否": False}
READINGS = ImportKind(
    code="readings",
    label="抄表读数",
    sheet="抄表导入",
    columns=_cols(
        Column("building", "楼栋", True, ("楼号", "楼幢"), note="如 1幢", example="1幢", text=True),
        Column("unit", "单元", True, ("单元号",), note="如 1单元", example="1单元", text=True),
        Column(
            "room", "房号", True, ("房间号", "室号"), note="房屋须已存在", example="101", text=True
        ),
        Column(
            "previous",
            "上次读数",
            aliases=("上月读数", "起始读数"),
            note="首次抄表必填；已有上月读数时可不填（填写须与上月读数一致）",
            width=12,
        ),
        Column(
            "current",
            "本次读数",
            True,
            ("本月读数", "读数"),
            note="不小于上次读数，最多4位小数",
            example=1234.5,
            width=12,
        ),
        Column(
            "changed",
            "换表",
            aliases=("是否换表",),
            choices=("是", "否"),
            note="换了新表填“是”，本次读数为新表读数",
            width=8,
        ),
        Column(
            "old_final",
            "旧表止数",
            aliases=("旧表读数",),
            note="换表时旧表拆下时的读数，可不填",
            width=12,
        ),
    ),
    permissions=("billing.add",),
    sample_headers=["楼栋", "单元", "房号", "上次读数", "本次读数", "换表", "旧表止数"],
    notes=(
        "每行一户的一块表；表类型和抄表月份在上传页面选择。第 2 行是示例，原样保留时会自动跳过。",
        "房屋按 楼栋+单元+房号 匹配本小区已有房屋。",
        "本次读数小于上次读数时不能导入，除非注明换表。",
        "先预览：系统检查每一行并列出全部错误（行号、列名、原因）；没有错误时确认导入，一次性全部写入。",
        f"每个文件最多 {MAX_ROWS} 行。",
    ),
)
FIELD_COLUMN = {
    "current_reading": "current",
    "previous_reading": "previous",
    "old_meter_final": "old_final",
    "house": "room",
}


class ReadingImportInvalid(ApplicationError):
    """Every bad cell of the file; nothing was written. `report_token` fetches the file back
    with the bad cells marked."""

    def __init__(self, row_errors: list[RowError], report_token: str = ""):
        self.row_errors = sorted(row_errors, key=lambda e: (e.row, e.order))
        rows = len({e.row for e in self.row_errors})
        super().__init__(
            f"文件中有 {rows} 行、{len(self.row_errors)} 处错误，未导入任何读数，请修改后重新上传",
            code="import_invalid",
            errors={f"第{e.row}行/{e.column}": [e.message] for e in self.row_errors},
        )
        self.report_token = report_token


@dataclass
class ReadingImportPreview:
    community: Community
    fee_item: FeeItem
    period: dt.date
    filename: str
    rows: int
    created: int
    updated: int
    sample: list[list[str]]
    token: str


def reading_import_template() -> tuple[str, bytes]:
    return "抄表导入模板.xlsx", build_template(READINGS)


def _inputs(community: Community, rows) -> tuple[list[ReadingInput], list[RowError]]:
    errors: list[RowError] = []
    houses = {
        (same(b), same(u), same(room)): pk
        for b, u, room, pk in House.objects.filter(community=community).values_list(
            "building__name", "unit__name", "room_no", "pk"
        )
    }
    inputs: list[ReadingInput] = []
    for row_no, values, previous in with_previous(rows):
        r = RowReader(READINGS, row_no, values, errors, previous)
        key = house_key(r)
        changed = r.get("changed", parse_choice, YES_NO, False)
        if r.get("current") in (None, ""):
            continue  # RowReader named the missing cell
        house_id = houses.get(key) if key else None
        if key and house_id is None:
            r.error("room", f"房屋 {house_label(key)} 不存在")
        if house_id is None:
            continue
        inputs.append(
            ReadingInput(
                house_id=house_id,
                current=values.get("current"),
                previous=values.get("previous"),
                meter_changed=bool(changed),
                old_meter_final=values.get("old_final"),
                ref=row_no,
            )
        )
    return inputs, errors


def _as_row_errors(exc: ReadingsInvalid, raw: dict[int, dict]) -> list[RowError]:
    out = []
    for p in exc.problems:
        key = FIELD_COLUMN.get(p.field, "current")
        col = READINGS.column(key)
        row = int(p.ref)  # type: ignore[call-overload]  # import refs are row numbers
        typed = cell_text(raw.get(row, {}).get(key))[:24]
        out.append(RowError(row, col.header, p.message, col.order, typed, key))
    return out


def _validate(*, actor, community, fee_item, period, rows, dry_run: bool) -> SaveResult:
    inputs, errors = _inputs(community, rows)
    raw = dict(rows)
    try:
        if inputs:
            result = meter_readings_save(
                actor=actor,
                community=community,
                fee_item=fee_item,
                period=period,
                rows=inputs,
                source=ReadingSource.IMPORT,
                dry_run=dry_run or bool(errors),
            )
        else:
            result = SaveResult()
    except ReadingsInvalid as exc:
        errors += _as_row_errors(exc, raw)
    if errors:
        raise ReadingImportInvalid(errors)
    if not inputs:
        raise ApplicationError("文件中没有读数", field="file")
    return result


def reading_import_preview(
    *, actor, community: Community, fee_item: FeeItem, period: dt.date, upload
) -> ReadingImportPreview:
    require_billing(actor, community, "add")
    check_meter_type(community, fee_item)
    month = check_month(period)
    filename, data = read_upload(upload, max_bytes=MAX_BYTES)
    rows, _ = read_sheet(READINGS, data, max_rows=MAX_ROWS)
    if not rows:
        raise ApplicationError("文件中没有数据行", field="file")
    try:
        result = _validate(
            actor=actor,
            community=community,
            fee_item=fee_item,
            period=month,
            rows=rows,
            dry_run=True,
        )
    except ReadingImportInvalid as exc:
        exc.report_token = keep(
            data,
            actor=actor,
            community_id=community.pk,
            kind=_kind_key(fee_item, month),
            filename=filename,
            purpose="report",
        )
        raise
    token = keep(
        rows_dump(rows),
        actor=actor,
        community_id=community.pk,
        kind=_kind_key(fee_item, month),
        filename=filename,
        purpose="commit",
    )
    sample = [
        [
            cell_text(v.get(k))
            for k in ("building", "unit", "room", "previous", "current", "changed")
        ]
        for _, v in rows[:SAMPLE_ROWS]
    ]
    return ReadingImportPreview(
        community,
        fee_item,
        month,
        filename,
        len(rows),
        result.created,
        result.updated,
        sample,
        token,
    )


def _kind_key(fee_item: FeeItem, month: dt.date) -> str:
    return f"{READINGS.code}:{fee_item.pk}:{month.isoformat()}"


def _from_payload(actor, payload: dict) -> tuple[Community, FeeItem, dt.date]:
    """What a kept file was uploaded for, from its signed token."""
    try:
        code, item_id, month_text = str(payload.get("k", "")).split(":")
        month = dt.date.fromisoformat(month_text)
        community = Community.objects.filter(pk=int(payload.get("c") or 0)).first()
        fee_item = FeeItem.objects.filter(pk=int(item_id)).first()
    except (ValueError, TypeError):
        community = fee_item = None
    if code != READINGS.code or community is None or fee_item is None:
        raise ApplicationError("导入凭据无效，请重新上传文件", field="token")
    require_billing(actor, community, "add")
    return community, fee_item, month


def reading_import_commit(*, actor, token: str) -> tuple[ReadingImportPreview, SaveResult]:
    payload, data = claim(token, actor)
    community, fee_item, month = _from_payload(actor, payload)
    try:
        rows = rows_load(data)
    except (ValueError, TypeError, KeyError):
        raise ApplicationError("导入文件已损坏，请重新上传", field="token") from None
    result = _validate(
        actor=actor, community=community, fee_item=fee_item, period=month, rows=rows, dry_run=False
    )
    info = ReadingImportPreview(
        community,
        fee_item,
        month,
        payload.get("n", ""),
        len(rows),
        result.created,
        result.updated,
        [],
        "",
    )
    return info, result


def reading_import_error_report(*, actor, token: str) -> tuple[str, bytes]:
    """The rejected file back with every bad cell marked red and a 错误说明 column."""
    payload = payload_of(token, actor, "report")
    community, fee_item, month = _from_payload(actor, payload)
    data = read_kept(payload)
    rows, _ = read_sheet(READINGS, data, max_rows=MAX_ROWS)
    try:
        _validate(
            actor=actor,
            community=community,
            fee_item=fee_item,
            period=month,
            rows=rows,
            dry_run=True,
        )
        errors: list[RowError] = []
    except ReadingImportInvalid as exc:
        errors = exc.row_errors
    name = payload.get("n", "读数.xlsx")
    return f"错误报告-{name}", annotate_errors(READINGS, data, errors)
