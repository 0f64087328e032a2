"""Fee items, fee standards and their assignment to houses, spaces and vehicles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, PermissionDenied
from wuyetong.estates.choices import HouseState
from wuyetong.estates.models import House, ParkingSpace, Vehicle
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community, Company
from wuyetong.orgs.services import oplog_record

from ..calc import add_months, parse_tiers
from ..choices import ChargeMethod, ChargeTarget, FeeKind, PayTiming, Rounding
from ..models import FeeAssignment, FeeItem, FeeStandard
from .common import parse_decimal, parse_money, require_billing, require_date
from .rules_cache import rules_changed

DEFAULT_FEE_ITEMS: tuple[tuple[str, str], ...] = (
    ("物业费", FeeKind.PERIODIC),
    ("水费", FeeKind.METERED),
    ("电费", FeeKind.METERED),
    ("燃气费", FeeKind.METERED),
    ("公摊水电", FeeKind.METERED),
    ("车位管理费", FeeKind.PERIODIC),
    ("车位租金", FeeKind.PERIODIC),
    ("垃圾清运费", FeeKind.PERIODIC),
    ("装修押金", FeeKind.DEPOSIT),
)
# Which methods a fee item kind may use.
KIND_METHODS: dict[str, tuple[str, ...]] = {
    FeeKind.PERIODIC: (ChargeMethod.AREA_BUILDING, ChargeMethod.AREA_INNER, ChargeMethod.FIXED),
    FeeKind.METERED: (ChargeMethod.METERED,),
    FeeKind.ONE_OFF: (ChargeMethod.ONE_OFF, ChargeMethod.FIXED),
    FeeKind.DEPOSIT: (ChargeMethod.ONE_OFF,),
}


def _require_company(actor, company: Company, action: str) -> None:
    access = get_access(actor)
    if not access.is_platform and access.company_id != company.pk:
        raise PermissionDenied()
    if not access.can(f"billing.{action}"):
        raise PermissionDenied()


@transaction.atomic
def fee_item_create(*, actor, company: Company, name: str, kind: str, sort: int = 0) -> FeeItem:
    _require_company(actor, company, "change")
    name = (name or "").strip()
    if not name or len(name) > 30:
        raise ApplicationError("请填写收费项目名称(不超过30字)", field="name")
    if kind not in FeeKind.values:
        raise ApplicationError("收费项目类型不正确", field="kind")
    if FeeItem.objects.filter(company=company, name=name).exists():
        raise ApplicationError("已有同名收费项目", field="name", code="duplicate")
    try:
        with transaction.atomic():
            item = FeeItem.objects.create(company=company, name=name, kind=kind, sort=sort)
    except IntegrityError:
        raise ApplicationError("已有同名收费项目", field="name", code="duplicate") from None
    oplog_record(actor=actor, action=OpAction.CREATE, obj=item, company=company.pk)
    return item


@transaction.atomic
def fee_items_ensure_defaults(*, actor, company: Company) -> list[FeeItem]:
    """The usual fee items of a Chinese residential community, created once per company."""
    _require_company(actor, company, "change")
    existing = set(FeeItem.objects.filter(company=company).values_list("name", flat=True))
    FeeItem.objects.bulk_create(
        [
            FeeItem(company=company, name=name, kind=kind, sort=i)
            for i, (name, kind) in enumerate(DEFAULT_FEE_ITEMS, start=1)
            if name not in existing
        ]
    )
    return list(FeeItem.objects.filter(company=company))


def _clean_standard(data: dict[str, Any], fee_item: FeeItem) -> dict[str, Any]:
    method = data["method"]
    if method not in ChargeMethod.values:
        raise ApplicationError("计费方式不正确", field="method")
    if method not in KIND_METHODS[fee_item.kind]:
        raise ApplicationError(
            f"“{fee_item.get_kind_display()}”类收费项目不能用“{ChargeMethod(method).label}”",
            field="method",
        )
    target = data["target"]
    if target not in ChargeTarget.values:
        raise ApplicationError("收费对象不正确", field="target")
    if method in (ChargeMethod.AREA_BUILDING, ChargeMethod.AREA_INNER) and target != "house":
        raise ApplicationError("按面积计费的标准只能用于房屋", field="target")
    unit_price = parse_decimal(data["unit_price"], field="unit_price", label="单价", places=4)
    if unit_price >= Decimal("1e8"):
        raise ApplicationError("单价过大", field="unit_price")
    fixed = parse_money(
        data["fixed_amount"], field="fixed_amount", label="固定金额", positive=False
    )
    if method == ChargeMethod.FIXED and fixed <= 0:
        raise ApplicationError("固定金额标准必须填写金额", field="fixed_amount")
    if method in (ChargeMethod.AREA_BUILDING, ChargeMethod.AREA_INNER) and unit_price <= 0:
        raise ApplicationError("按面积计费必须填写单价", field="unit_price")
    tiers = parse_tiers(data["tiers"])
    if method == ChargeMethod.METERED and unit_price <= 0 and not tiers:
        raise ApplicationError("计量收费必须填写单价或阶梯价格", field="unit_price")
    if tiers and method != ChargeMethod.METERED:
        raise ApplicationError("只有计量收费可以设置阶梯价格", field="tiers")
    cycle = data["cycle_months"]
    if cycle not in (1, 3, 6, 12):
        raise ApplicationError("计费周期只能是1、3、6或12个月", field="cycle_months")
    if data["timing"] not in PayTiming.values:
        raise ApplicationError("收费时点不正确", field="timing")
    due_day = data["due_day"]
    if not isinstance(due_day, int) or isinstance(due_day, bool) or not 1 <= due_day <= 28:
        raise ApplicationError("缴费日必须是1到28之间的整数", field="due_day")
    if data["rounding"] not in Rounding.values:
        raise ApplicationError("舍入规则不正确", field="rounding")
    start = require_date(data["effective_from"], field="effective_from", label="生效日期")
    end = data["effective_to"]
    if end is not None:
        end = require_date(end, field="effective_to", label="失效日期")
        if end < start:
            raise ApplicationError("失效日期不能早于生效日期", field="effective_to")
    return {
        **data,
        "unit_price": unit_price,
        "fixed_amount": fixed,
        "tiers": [
            {"up_to": None if t.up_to is None else str(t.up_to), "price": str(t.price)}
            for t in tiers
        ],
        "effective_from": start,
        "effective_to": end,
    }


@transaction.atomic
def fee_standard_create(
    *,
    actor,
    community: Community,
    fee_item: FeeItem,
    name: str,
    method: str,
    effective_from: dt.date,
    target: str = ChargeTarget.HOUSE,
    unit_price: Decimal | str = Decimal("0"),
    fixed_amount: Decimal | str = Decimal("0"),
    tiers: list[dict[str, Any]] | None = None,
    tiers_yearly: bool = False,
    cycle_months: int = 1,
    timing: str = PayTiming.PREPAID,
    due_day: int = 15,
    rounding: str = Rounding.HALF_UP,
    effective_to: dt.date | None = None,
) -> FeeStandard:
    require_billing(actor, community, "change")
    if fee_item.company_id != community.company_id:
        raise ApplicationError("收费项目不存在", field="fee_item", code="not_found")
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ApplicationError("请填写标准名称(不超过50字)", field="name")
    clean = _clean_standard(
        {
            "method": method,
            "target": target,
            "unit_price": unit_price,
            "fixed_amount": fixed_amount,
            "tiers": tiers or [],
            "cycle_months": cycle_months,
            "timing": timing,
            "due_day": due_day,
            "rounding": rounding,
            "effective_from": effective_from,
            "effective_to": effective_to,
        },
        fee_item,
    )
    if FeeStandard.objects.filter(community=community, name=name).exists():
        raise ApplicationError("本小区已有同名收费标准", field="name", code="duplicate")
    try:
        with transaction.atomic():
            standard = FeeStandard.objects.create(
                community=community,
                fee_item=fee_item,
                name=name,
                tiers_yearly=tiers_yearly,
                created_by=actor,
                **clean,
            )
    except IntegrityError:
        raise ApplicationError("本小区已有同名收费标准", field="name", code="duplicate") from None
    oplog_record(actor=actor, action=OpAction.CREATE, obj=standard, company=community.company_id)
    return standard


STANDARD_FIELDS = (
    "unit_price",
    "fixed_amount",
    "tiers",
    "cycle_months",
    "timing",
    "due_day",
    "rounding",
    "effective_from",
    "effective_to",
)


@transaction.atomic
def fee_standard_update(*, actor, standard: FeeStandard, **changes: Any) -> FeeStandard:
    """Changes the prices or dates used by bills issued from now on. Issued bills keep the
    figures they were computed with."""
    standard = FeeStandard.objects.select_for_update().get(pk=standard.pk)
    require_billing(actor, standard.community, "change")
    unknown = sorted(set(changes) - set(STANDARD_FIELDS))
    if unknown:
        raise ApplicationError(f"不能修改字段：{', '.join(unknown)}", field=unknown[0])
    current = {
        "method": standard.method,
        "target": standard.target,
        **{f: getattr(standard, f) for f in STANDARD_FIELDS},
    }
    clean = _clean_standard({**current, **changes}, standard.fee_item)
    before = {f: str(getattr(standard, f)) for f in changes}
    for f in changes:
        setattr(standard, f, clean[f])
    standard.save()
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=standard,
        company=standard.community.company_id,
        changes={f: [before[f], str(clean[f])] for f in changes},
    )
    return standard


def default_billing_start(community: Community, handover: dt.date) -> dt.date:
    """计费起始 from 交房日期: the first of the next month by default; a community may set
    settings["billing_start"] = "handover_day" to bill from the handover day itself."""
    rule = (community.settings or {}).get("billing_start", "next_month")
    return handover if rule == "handover_day" else add_months(handover, 1)


@dataclass
class AssignResult:
    created: list[FeeAssignment] = field(default_factory=list)
    already: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (object, reason)


@transaction.atomic
def fee_assign(
    *,
    actor,
    standard: FeeStandard,
    houses: list[House] | None = None,
    building_ids: list[int] | None = None,
    house_uses: list[str] | None = None,
    spaces: list[ParkingSpace] | None = None,
    vehicles: list[Vehicle] | None = None,
    start_date: dt.date | None = None,
) -> AssignResult:
    """Attaches a standard in bulk: to chosen houses, to every house of some buildings or of
    some uses (住宅/商业/办公), or to spaces / vehicles (billed to their house). Houses never
    handed over (未售, no 交房日期) are skipped unless a start date is given. Objects already
    carrying the standard are left as they are, so the call is safe to repeat."""
    require_billing(actor, standard.community, "change")
    community = standard.community
    if start_date is not None:
        start_date = require_date(start_date, field="start_date", label="计费起始")
    result = AssignResult()
    rows: list[FeeAssignment] = []
    if standard.target == ChargeTarget.HOUSE:
        if spaces or vehicles:
            raise ApplicationError("该标准的收费对象是房屋", field="target")
        qs = House.objects.filter(community=community)
        if houses is not None:
            ids = {h.pk for h in houses}
            found = qs.filter(pk__in=ids)
            if found.count() != len(ids):
                raise ApplicationError("所选房屋不属于本小区", field="houses")
            qs = found
        if building_ids:
            qs = qs.filter(building_id__in=building_ids)
        if house_uses:
            qs = qs.filter(use__in=house_uses)
        if houses is None and not building_ids and not house_uses:
            raise ApplicationError("请选择房屋、楼栋或房屋类型", field="houses")
        for house in qs.order_by("pk"):
            if start_date is not None:
                begin = start_date
            elif house.handover_date is None or house.state == HouseState.UNSOLD:
                result.skipped.append((str(house), "未交房，未设置计费起始"))
                continue
            else:
                begin = default_billing_start(community, house.handover_date)
            rows.append(
                FeeAssignment(
                    community=community,
                    standard=standard,
                    house=house,
                    target_key=f"house:{house.pk}",
                    start_date=begin,
                    created_by=actor,
                )
            )
    else:
        objects: list[ParkingSpace] | list[Vehicle]
        if standard.target == ChargeTarget.SPACE:
            objects, key, label = spaces or [], "space", "车位"
        else:
            objects, key, label = vehicles or [], "vehicle", "车辆"
        if not objects:
            raise ApplicationError(f"请选择{label}", field=f"{key}s")
        model = ParkingSpace if key == "space" else Vehicle
        fresh = {o.pk: o for o in model.objects.filter(pk__in=[o.pk for o in objects])}
        for pk in sorted({o.pk for o in objects}):
            obj: Any = fresh.get(pk)
            if obj is None or obj.community_id != community.pk:
                raise ApplicationError(f"所选{label}不属于本小区", field=f"{key}s")
            if obj.house_id is None:
                result.skipped.append((str(obj), f"{label}未关联房屋，无人缴费"))
                continue
            rows.append(
                FeeAssignment(
                    community=community,
                    standard=standard,
                    house_id=obj.house_id,
                    parking_space=obj if key == "space" else None,
                    vehicle=obj if key == "vehicle" else None,
                    target_key=f"{key}:{obj.pk}",
                    start_date=start_date or standard.effective_from,
                    created_by=actor,
                )
            )
    taken = set(
        FeeAssignment.objects.filter(
            standard=standard, target_key__in=[r.target_key for r in rows]
        ).values_list("target_key", flat=True)
    )
    result.already = len(taken)
    try:
        with transaction.atomic():
            result.created = FeeAssignment.objects.bulk_create(
                [r for r in rows if r.target_key not in taken], batch_size=1000
            )
    except IntegrityError:
        raise ApplicationError(
            "保存冲突：这些对象刚被他人关联了该标准，请刷新后重试", field="houses", code="conflict"
        ) from None
    if result.created:
        oplog_record(
            actor=actor,
            action=OpAction.CREATE,
            obj=standard,
            company=community.company_id,
            note=f"关联收费标准 {len(result.created)} 个对象",
        )
    return result


@transaction.atomic
def fee_item_update(
    *, actor, item: FeeItem, name: str | None = None, sort: int | None = None, is_active=None
) -> FeeItem:
    """Renames, reorders or (de)activates a fee item. Its kind never changes: standards and
    bills already issued depend on it. Bills keep pointing at the item, so a new name shows
    on them too (the amounts and calculations stay as issued)."""
    item = FeeItem.objects.select_for_update().get(pk=item.pk)
    _require_company(actor, item.company, "change")
    before = {"name": item.name, "sort": item.sort, "is_active": item.is_active}
    if name is not None:
        name = name.strip()
        if not name or len(name) > 30:
            raise ApplicationError("请填写收费项目名称(不超过30字)", field="name")
        if (
            FeeItem.objects.filter(company_id=item.company_id, name=name)
            .exclude(pk=item.pk)
            .exists()
        ):
            raise ApplicationError("已有同名收费项目", field="name", code="duplicate")
        if name != item.name:
            # the owner's bills API keeps its answers under the rules token (owner_bills)
            for community_id in Community.objects.filter(company_id=item.company_id).values_list(
                "pk", flat=True
            ):
                rules_changed(community_id)
        item.name = name
    if sort is not None:
        if isinstance(sort, bool) or not isinstance(sort, int) or not 0 <= sort <= 32767:
            raise ApplicationError("排序必须是0到32767之间的整数", field="sort")
        item.sort = sort
    if is_active is not None:
        item.is_active = bool(is_active)
    item.save()
    changes = {k: [v, getattr(item, k)] for k, v in before.items() if getattr(item, k) != v}
    if changes:
        oplog_record(
            actor=actor, action=OpAction.UPDATE, obj=item, company=item.company_id, changes=changes
        )
    return item


@transaction.atomic
def fee_assignment_end(*, actor, assignment: FeeAssignment, end_date: dt.date) -> FeeAssignment:
    """Stops charging an object from a day on (moved out, space given back). Bills already
    issued stay; later runs bill up to `end_date` and then nothing."""
    row = (
        FeeAssignment.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=assignment.pk)
    )
    require_billing(actor, row.community, "change")
    end = require_date(end_date, field="end_date", label="计费截止")
    if end < row.start_date:
        raise ApplicationError("计费截止不能早于计费起始", field="end_date")
    before = row.end_date
    row.end_date = end
    row.save(update_fields=["end_date"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=row,
        company=row.community.company_id,
        changes={"end_date": [str(before) if before else None, str(end)]},
    )
    return row


BILLING_START_RULES = ("next_month", "handover_day")


@transaction.atomic
def billing_settings_update(
    *,
    actor,
    community: Community,
    billing_start: str,
    prepay_cap_months: int | None,
) -> Community:
    """A community's billing rules (kept in its settings): when billing starts after 交房
    (the month after, or the day itself) and the prepayment cap in months (none: no cap)."""
    row = Community.objects.select_for_update().get(pk=community.pk)
    require_billing(actor, row, "change")
    if billing_start not in BILLING_START_RULES:
        raise ApplicationError("计费起始规则不正确", field="billing_start")
    if prepay_cap_months is not None and (
        isinstance(prepay_cap_months, bool)
        or not isinstance(prepay_cap_months, int)
        or not 1 <= prepay_cap_months <= 120
    ):
        raise ApplicationError("预存上限必须是1到120个月", field="prepay_cap_months")
    current = dict(row.settings or {})
    before = {k: current.get(k) for k in ("billing_start", "prepay_cap_months")}
    current["billing_start"] = billing_start
    if prepay_cap_months is None:
        current.pop("prepay_cap_months", None)
    else:
        current["prepay_cap_months"] = prepay_cap_months
    row.settings = current
    row.save(update_fields=["settings", "updated_at"])
    after = {k: current.get(k) for k in before}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        oplog_record(
            actor=actor,
            action=OpAction.UPDATE,
            obj=row,
            company=row.company_id,
            changes=changes,
            note="收费设置",
        )
    return row
