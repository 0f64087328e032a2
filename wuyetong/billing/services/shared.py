"""公摊: a shared meter's charge split over the houses it serves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.choices import HouseState
from wuyetong.estates.models import House
from wuyetong.orgs.models import Community

from ..calc import largest_remainder
from ..choices import SharedBasis
from ..models import Bill, FeeItem, SharedAllocation
from .bulk import bills_with_entries
from .common import parse_decimal, parse_money, require_billing, require_date


@transaction.atomic
def shared_allocate(
    *,
    actor,
    community: Community,
    fee_item: FeeItem,
    meter: str,
    period_start: dt.date,
    period_end: dt.date,
    basis: str,
    total_amount: Decimal | str,
    due_date: dt.date,
    usage: Decimal | str | None = None,
    houses: list[House] | None = None,
) -> SharedAllocation:
    """Splits `total_amount` over the community's houses (or the given ones) by 建筑面积 or
    per household, leaving out unsold houses. Parts are whole fen and add up exactly to the
    total (largest remainder). One allocation per meter and period; each house gets a bill
    whose calculation shows its share."""
    require_billing(actor, community, "add")
    if fee_item.company_id != community.company_id:
        raise ApplicationError("收费项目不存在", field="fee_item", code="not_found")
    meter = (meter or "").strip()
    if not meter or len(meter) > 50:
        raise ApplicationError("请填写公摊表名称(不超过50字)", field="meter")
    start = require_date(period_start, field="period_start", label="开始日期")
    end = require_date(period_end, field="period_end", label="结束日期")
    if end < start:
        raise ApplicationError("结束日期不能早于开始日期", field="period_end")
    due = require_date(due_date, field="due_date", label="应缴日期")
    if basis not in SharedBasis.values:
        raise ApplicationError("分摊方式不正确", field="basis")
    total = parse_money(total_amount, field="total_amount", label="分摊总额")
    used = None if usage is None else parse_decimal(usage, field="usage", label="用量", places=4)
    qs = House.objects.filter(community=community).exclude(state=HouseState.UNSOLD)
    if houses is not None:
        ids = {h.pk for h in houses}
        if House.objects.filter(pk__in=ids, community=community).count() != len(ids):
            raise ApplicationError("所选房屋不属于本小区", field="houses")
        qs = qs.filter(pk__in=ids)
    targets = list(qs.order_by("pk"))
    if not targets:
        raise ApplicationError("没有可分摊的房屋(未售房屋不参与分摊)", field="houses")
    by_area = basis == SharedBasis.AREA
    weights = [h.building_area if by_area else Decimal(1) for h in targets]
    weight_total = sum(weights, Decimal(0))
    if weight_total <= 0:
        raise ApplicationError("参与分摊的房屋建筑面积合计为零", field="houses")
    parts = largest_remainder(total, weights)
    if SharedAllocation.objects.filter(
        community=community, fee_item=fee_item, meter=meter, period_start=start
    ).exists():
        raise ApplicationError("该公摊表本期已分摊", field="meter", code="duplicate")
    try:
        with transaction.atomic():
            allocation = SharedAllocation.objects.create(
                community=community,
                fee_item=fee_item,
                meter=meter,
                period_start=start,
                period_end=end,
                basis=basis,
                usage=used,
                total_amount=total,
                weight_total=weight_total,
                created_by=actor,
            )
    except IntegrityError:
        raise ApplicationError("该公摊表本期已分摊", field="meter", code="duplicate") from None
    unit = "㎡" if by_area else "户"
    head = f"{meter} 公摊总额 {total}元" + (f"(用量 {used})" if used is not None else "")
    bills = [
        Bill(
            community=community,
            house=house,
            fee_item=fee_item,
            shared_allocation=allocation,
            period=start.replace(day=1),
            period_start=start,
            period_end=end,
            due_date=due,
            quantity=weight,
            unit_price=Decimal(0),
            amount=part,
            calculation=(
                f"{head} × 本户 {weight}{unit} ÷ 合计 {weight_total}{unit} = {part}元"
                "（按最大余数法取整到分，各户合计等于总额）"
            )[:500],
            created_by=actor,
        )
        for house, weight, part in zip(targets, weights, parts, strict=True)
        if part > 0
    ]
    bills_with_entries(bills, actor=actor)
    return allocation
