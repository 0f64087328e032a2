"""Meter reading (抄表): a month's readings of one meter type for many houses at once (the web
grid, the staff phone page, the API, an Excel import), validated together and written
together — all of them or none. The previous reading is the last one entered for that
meter; a lower reading is refused unless the meter was changed. Bills come from the month's
bill run (services.run_metered)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.models import House
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import oplog_record

from ..choices import BillState, FeeKind, ReadingSource
from ..models import FeeItem, MeterReading
from .common import require_billing, require_date

PLACES = Decimal("0.0001")
MAX_READING = Decimal("1e9")


@dataclass
class ReadingInput:
    """One house's reading as typed. `ref` is what an error names: the house id (grid, API)
    or the Excel row number (import)."""

    house_id: int
    current: object
    previous: object = None
    meter_changed: bool = False
    old_meter_final: object = None
    ref: object = None


@dataclass(frozen=True)
class ReadingProblem:
    ref: object
    field: str  # current_reading, previous_reading, old_meter_final, house
    message: str


class ReadingsInvalid(ApplicationError):
    """Some readings are wrong; `problems` lists every one. Nothing was saved."""

    def __init__(self, problems: list[ReadingProblem]):
        self.problems = problems
        errors: dict[str, list[str]] = {}
        for p in problems:
            errors.setdefault(f"{p.ref}.{p.field}", []).append(p.message)
        super().__init__(
            f"有 {len(problems)} 处读数有误，未保存任何读数，请改正后重新提交",
            code="readings_invalid",
            errors=errors,
        )


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    readings: list[MeterReading] = field(default_factory=list)


def parse_reading(value: object) -> Decimal | None:
    """A meter reading typed by a person: up to 4 decimals, not negative. None when empty;
    ValueError with the reason otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("必须是数字")
    if isinstance(value, float):
        value = format(value, ".15g")  # Excel's own precision, not binary noise
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError("必须是数字") from None
    if not number.is_finite():
        raise ValueError("必须是数字")
    if number < 0:
        raise ValueError("不能为负数")
    if number != number.quantize(PLACES):
        raise ValueError("最多4位小数")
    if number >= MAX_READING:
        raise ValueError("数值过大")
    return number.quantize(PLACES)


def metered_items(community: Community):
    """The meter types of a community's company: its active metered fee items."""
    return FeeItem.objects.filter(
        company_id=community.company_id, kind=FeeKind.METERED, is_active=True
    ).order_by("sort", "pk")


def check_meter_type(community: Community, fee_item: FeeItem) -> None:
    if fee_item.company_id != community.company_id or fee_item.kind != FeeKind.METERED:
        raise ApplicationError("表类型不正确(须为本公司的计量收费项目)", field="fee_item")


def check_month(period: object) -> dt.date:
    month = require_date(period, field="period", label="抄表月份")
    if month.day != 1:
        raise ApplicationError("抄表月份必须是某月1日", field="period")
    if month > timezone.localdate():
        raise ApplicationError("不能录入未来月份的读数", field="period")
    return month


def last_readings(
    house_ids: Sequence[int], fee_item: FeeItem, before: dt.date
) -> dict[int, tuple[dt.date, Decimal]]:
    """Each house's latest reading of the meter type before a month: (month, reading)."""
    last: dict[int, tuple[dt.date, Decimal]] = {}
    for house_id, period, reading in (
        MeterReading.objects.filter(house_id__in=house_ids, fee_item=fee_item, period__lt=before)
        .order_by("house_id", "period")
        .values_list("house_id", "period", "current_reading")
    ):
        last[house_id] = (period, reading)  # ascending: the latest stays
    return last


def _check(
    row: ReadingInput, last: tuple[dt.date, Decimal] | None, problems: list[ReadingProblem]
) -> tuple[Decimal, Decimal, Decimal | None, Decimal] | None:
    """(previous, current, old meter final, usage) of a valid row, else None with the
    reasons added to `problems`."""
    bad = len(problems)

    def err(name: str, message: str) -> None:
        problems.append(ReadingProblem(row.ref, name, message))

    def read(name: str, raw: object, label: str) -> Decimal | None:
        try:
            return parse_reading(raw)
        except ValueError as exc:
            err(name, f"{label}{exc}")
            return None

    current = read("current_reading", row.current, "本次读数")
    typed_previous = read("previous_reading", row.previous, "上次读数")
    old_final = read("old_meter_final", row.old_meter_final, "旧表止数")
    if current is None and len(problems) == bad:
        err("current_reading", "请填写本次读数")
    if last is not None:
        previous: Decimal | None = last[1]
        if typed_previous is not None and typed_previous != last[1]:
            err(
                "previous_reading",
                f"上次读数应为 {last[1].normalize():f}（{last[0]:%Y年%m月}抄表），不能另填",
            )
    else:
        previous = typed_previous
        if previous is None and not any(p.field == "previous_reading" for p in problems[bad:]):
            err("previous_reading", "首次抄表请填写上次读数(起始读数)")
    if old_final is not None and not row.meter_changed:
        err("old_meter_final", "只有换表时才填写旧表止数")
    if len(problems) > bad or current is None or previous is None:
        return None
    if row.meter_changed:
        if old_final is not None and old_final < previous:
            err("old_meter_final", f"旧表止数不能小于上次读数 {previous.normalize():f}")
            return None
        usage = current + (old_final - previous if old_final is not None else Decimal(0))
    else:
        if current < previous:
            err(
                "current_reading",
                f"本次读数 {current.normalize():f} 小于上次读数 {previous.normalize():f}；"
                "如已换表请勾选“换表”",
            )
            return None
        usage = current - previous
    return previous, current, old_final, usage


@transaction.atomic
def meter_readings_save(
    *,
    actor,
    community: Community,
    fee_item: FeeItem,
    period: dt.date,
    rows: Sequence[ReadingInput],
    read_on: dt.date | None = None,
    source: str = ReadingSource.GRID,
    dry_run: bool = False,
) -> SaveResult:
    """Saves the month's readings of one meter type: new ones are added, unbilled ones
    changed; every row is checked first, and one bad row saves nothing (ReadingsInvalid
    lists them all). A reading already billed cannot change: void its bill run first.
    `dry_run` checks everything and writes nothing."""
    require_billing(actor, community, "add")
    check_meter_type(community, fee_item)
    month = check_month(period)
    day = require_date(read_on or timezone.localdate(), field="read_on", label="抄表日期")
    if source not in ReadingSource.values:
        raise ApplicationError("录入方式不正确", field="source")
    if not rows:
        raise ApplicationError("没有要保存的读数", field="rows")
    problems: list[ReadingProblem] = []
    ids = [r.house_id for r in rows]
    for r in rows:
        if r.ref is None:
            r.ref = r.house_id
    houses = set(House.objects.filter(community=community, pk__in=ids).values_list("pk", flat=True))
    seen: set[int] = set()
    for r in rows:
        if r.house_id not in houses:
            problems.append(ReadingProblem(r.ref, "house", "房屋不属于本小区"))
        elif r.house_id in seen:
            problems.append(ReadingProblem(r.ref, "house", "同一房屋录入了两次"))
        seen.add(r.house_id)
    last = last_readings(ids, fee_item, month)
    later = dict(
        MeterReading.objects.filter(house_id__in=ids, fee_item=fee_item, period__gt=month)
        .order_by("house_id", "period")
        .values_list("house_id", "period")
    )
    existing = {
        m.house_id: m
        for m in MeterReading.objects.select_for_update(of=("self",))
        .filter(house_id__in=ids, fee_item=fee_item, period=month)
        .select_related("bill")
    }
    values: list[tuple[ReadingInput, tuple]] = []
    for r in rows:
        if r.house_id not in houses:
            continue
        if r.house_id in later:
            problems.append(
                ReadingProblem(
                    r.ref,
                    "current_reading",
                    f"已有 {later[r.house_id]:%Y年%m月} 的读数，不能再录入更早的月份",
                )
            )
            continue
        done = existing.get(r.house_id)
        if (
            done is not None
            and done.bill is not None
            and done.bill.state
            not in (
                BillState.VOIDED,
                BillState.REVERSED,
            )
        ):
            problems.append(
                ReadingProblem(
                    r.ref, "current_reading", "该月读数已出账，不能修改（请先作废账单批次）"
                )
            )
            continue
        checked = _check(r, last.get(r.house_id), problems)
        if checked is not None:
            values.append((r, checked))
    if problems:
        raise ReadingsInvalid(problems)
    result = SaveResult()
    if dry_run:  # an import's preview: everything checked, nothing written
        result.created = sum(1 for r, _v in values if r.house_id not in existing)
        result.updated = len(values) - result.created
        return result
    new: list[MeterReading] = []
    changed: list[MeterReading] = []
    for r, (previous, current, old_final, usage) in values:
        fields = {
            "previous_reading": previous,
            "current_reading": current,
            "meter_changed": bool(r.meter_changed),
            "old_meter_final": old_final,
            "usage": usage,
        }
        done = existing.get(r.house_id)
        if done is None:
            new.append(
                MeterReading(
                    community=community,
                    house_id=r.house_id,
                    fee_item=fee_item,
                    period=month,
                    read_on=day,
                    source=source,
                    entered_by=actor,
                    **fields,
                )
            )
        elif all(getattr(done, k) == v for k, v in fields.items()):
            result.unchanged += 1
            result.readings.append(done)
        else:
            for k, v in fields.items():
                setattr(done, k, v)
            done.read_on, done.source, done.entered_by = day, source, actor
            done.updated_at = timezone.now()  # bulk_update does not touch auto_now
            changed.append(done)
    try:
        with transaction.atomic():
            result.readings += MeterReading.objects.bulk_create(new, batch_size=1000)
    except IntegrityError:
        raise ApplicationError(
            "保存冲突：有读数刚被他人录入，请刷新后重试", field="rows", code="conflict"
        ) from None
    MeterReading.objects.bulk_update(
        changed,
        [
            "previous_reading",
            "current_reading",
            "meter_changed",
            "old_meter_final",
            "usage",
            "read_on",
            "source",
            "entered_by",
            "updated_at",
        ],
        batch_size=1000,
    )
    result.readings += changed
    result.created, result.updated = len(new), len(changed)
    if new or changed:
        oplog_record(
            actor=actor,
            action=OpAction.CREATE if new else OpAction.UPDATE,
            obj=community,
            company=community.company_id,
            note=f"抄表 {fee_item.name} {month:%Y-%m}：新增 {len(new)} 条，修改 {len(changed)} 条",
        )
    return result
