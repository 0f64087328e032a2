"""Shared meters (公摊表) and their monthly reading: usage × price is the month's total,
split over the houses the meter serves by `shared_allocate` (建筑面积 or per household,
unsold houses left out, largest remainder to the fen). A preview shows the split first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db import IntegrityError, transaction

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.choices import HouseState
from wuyetong.estates.models import Building, House
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import oplog_record

from ..calc import add_months, largest_remainder, month_end, round_fraction
from ..choices import FeeKind, SharedBasis
from ..models import FeeItem, SharedMeter, SharedMeterReading
from .common import parse_decimal, require_billing, require_date
from .readings import check_month, parse_reading
from .shared import shared_allocate


def _clean(
    community: Community,
    *,
    fee_item: FeeItem,
    name: str,
    basis: str,
    unit_price: object,
    building_ids: list[int],
) -> dict:
    if fee_item.company_id != community.company_id or fee_item.kind not in (
        FeeKind.METERED,
        FeeKind.PERIODIC,
    ):
        raise ApplicationError("收费项目不正确", field="fee_item")
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ApplicationError("请填写公摊表名称(不超过50字)", field="name")
    if basis not in SharedBasis.values:
        raise ApplicationError("分摊方式不正确", field="basis")
    price = parse_decimal(unit_price, field="unit_price", label="单价", places=4)
    if price <= 0 or price >= Decimal("1e8"):
        raise ApplicationError("单价必须大于零", field="unit_price")
    ids = set(building_ids or [])
    if ids and Building.objects.filter(community=community, pk__in=ids).count() != len(ids):
        raise ApplicationError("所选楼栋不属于本小区", field="buildings")
    return {"fee_item": fee_item, "name": name, "basis": basis, "unit_price": price, "ids": ids}


@transaction.atomic
def shared_meter_create(
    *,
    actor,
    community: Community,
    fee_item: FeeItem,
    name: str,
    basis: str,
    unit_price: object,
    building_ids: list[int] | None = None,
) -> SharedMeter:
    require_billing(actor, community, "change")
    clean = _clean(
        community,
        fee_item=fee_item,
        name=name,
        basis=basis,
        unit_price=unit_price,
        building_ids=building_ids or [],
    )
    ids = clean.pop("ids")
    if SharedMeter.objects.filter(community=community, name=clean["name"]).exists():
        raise ApplicationError("本小区已有同名公摊表", field="name", code="duplicate")
    try:
        with transaction.atomic():
            meter = SharedMeter.objects.create(community=community, created_by=actor, **clean)
    except IntegrityError:
        raise ApplicationError("本小区已有同名公摊表", field="name", code="duplicate") from None
    meter.buildings.set(ids)
    oplog_record(actor=actor, action=OpAction.CREATE, obj=meter, company=community.company_id)
    return meter


@transaction.atomic
def shared_meter_update(
    *,
    actor,
    meter: SharedMeter,
    fee_item: FeeItem,
    name: str,
    basis: str,
    unit_price: object,
    building_ids: list[int] | None = None,
    is_active: bool = True,
) -> SharedMeter:
    """Changes apply to readings entered from now on; past allocations keep their figures."""
    meter = (
        SharedMeter.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=meter.pk)
    )
    require_billing(actor, meter.community, "change")
    clean = _clean(
        meter.community,
        fee_item=fee_item,
        name=name,
        basis=basis,
        unit_price=unit_price,
        building_ids=building_ids or [],
    )
    ids = clean.pop("ids")
    if (
        SharedMeter.objects.filter(community_id=meter.community_id, name=clean["name"])
        .exclude(pk=meter.pk)
        .exists()
    ):
        raise ApplicationError("本小区已有同名公摊表", field="name", code="duplicate")
    if clean["name"] != meter.name and meter.readings.exists():
        raise ApplicationError("已有分摊记录的公摊表不能改名", field="name")
    for k, v in clean.items():
        setattr(meter, k, v)
    meter.is_active = bool(is_active)
    meter.save()
    meter.buildings.set(ids)
    oplog_record(actor=actor, action=OpAction.UPDATE, obj=meter, company=meter.community.company_id)
    return meter


def meter_houses(meter: SharedMeter):
    """The houses a shared meter's bill is split over: of its buildings (all, when none is
    chosen), unsold ones left out."""
    qs = House.objects.filter(community_id=meter.community_id).exclude(state=HouseState.UNSOLD)
    ids = list(meter.buildings.values_list("pk", flat=True))
    if ids:
        qs = qs.filter(building_id__in=ids)
    return qs.select_related("building", "unit").order_by("pk")


@dataclass
class SharedPreview:
    meter: SharedMeter
    period: dt.date
    previous: Decimal
    current: Decimal
    usage: Decimal
    total: Decimal
    houses: int
    weight_total: Decimal
    sample: list[tuple[House, Decimal, Decimal]] = field(default_factory=list)  # house, w, part
    due_date: dt.date = dt.date.min


def _last(meter: SharedMeter, month: dt.date) -> SharedMeterReading | None:
    return meter.readings.filter(period__lt=month).order_by("-period").first()


def shared_meter_preview(
    *,
    actor,
    meter: SharedMeter,
    period: dt.date,
    current_reading: object,
    previous_reading: object = None,
    due_date: dt.date | None = None,
    samples: int = 8,
) -> SharedPreview:
    """The month's total and each house's share, computed exactly as the allocation will
    be. Writes nothing."""
    require_billing(actor, meter.community, "view")
    month = check_month(period)
    if meter.readings.filter(period=month).exists():
        raise ApplicationError("该公摊表本月已抄表分摊", field="period", code="duplicate")
    if meter.readings.filter(period__gt=month).exists():
        raise ApplicationError("已有更晚月份的读数，不能录入更早的月份", field="period")
    try:
        current = parse_reading(current_reading)
        typed_previous = parse_reading(previous_reading)
    except ValueError as exc:
        raise ApplicationError(f"读数{exc}", field="current_reading") from None
    if current is None:
        raise ApplicationError("请填写本次读数", field="current_reading")
    last = _last(meter, month)
    if last is not None:
        previous = last.current_reading
        if typed_previous is not None and typed_previous != previous:
            raise ApplicationError(
                f"上次读数应为 {previous.normalize():f}，不能另填", field="previous_reading"
            )
    elif typed_previous is None:
        raise ApplicationError("首次抄表请填写上次读数(起始读数)", field="previous_reading")
    else:
        previous = typed_previous
    if current < previous:
        raise ApplicationError(
            f"本次读数小于上次读数 {previous.normalize():f}", field="current_reading"
        )
    usage = current - previous
    total = round_fraction(Fraction(usage) * Fraction(meter.unit_price))
    if total <= 0:
        raise ApplicationError("本月用量为零，无需分摊", field="current_reading")
    houses = list(meter_houses(meter))
    if not houses:
        raise ApplicationError("没有可分摊的房屋(未售房屋不参与分摊)", field="meter")
    by_area = meter.basis == SharedBasis.AREA
    weights = [h.building_area if by_area else Decimal(1) for h in houses]
    weight_total = sum(weights, Decimal(0))
    if weight_total <= 0:
        raise ApplicationError("参与分摊的房屋建筑面积合计为零", field="meter")
    parts = largest_remainder(total, weights)
    due = due_date or add_months(month, 1).replace(day=15)
    due = require_date(due, field="due_date", label="应缴日期")
    preview = SharedPreview(
        meter, month, previous, current, usage, total, len(houses), weight_total, due_date=due
    )
    preview.sample = list(zip(houses, weights, parts, strict=True))[:samples]
    return preview


@transaction.atomic
def shared_meter_read(
    *,
    actor,
    meter: SharedMeter,
    period: dt.date,
    current_reading: object,
    previous_reading: object = None,
    due_date: dt.date | None = None,
) -> SharedMeterReading:
    """Records the month's reading of a shared meter and splits its total over the houses
    (one bill each, with its share and how it was computed). Once per meter and month."""
    meter = (
        SharedMeter.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=meter.pk)
    )
    require_billing(actor, meter.community, "add")
    if not meter.is_active:
        raise ApplicationError("该公摊表已停用", field="meter")
    preview = shared_meter_preview(
        actor=actor,
        meter=meter,
        period=period,
        current_reading=current_reading,
        previous_reading=previous_reading,
        due_date=due_date,
    )
    allocation = shared_allocate(
        actor=actor,
        community=meter.community,
        fee_item=meter.fee_item,
        meter=meter.name,
        period_start=preview.period,
        period_end=month_end(preview.period),
        basis=meter.basis,
        total_amount=preview.total,
        due_date=preview.due_date,
        usage=preview.usage,
        houses=list(meter_houses(meter)),
    )
    return SharedMeterReading.objects.create(
        meter=meter,
        community=meter.community,
        period=preview.period,
        previous_reading=preview.previous,
        current_reading=preview.current,
        usage=preview.usage,
        unit_price=meter.unit_price,
        amount=preview.total,
        allocation=allocation,
        entered_by=actor,
    )
