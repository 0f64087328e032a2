"""Resource actions (C3): communities, buildings, units, houses, shops, parking, vehicles,
venues, ad spaces, residents and their occupancy of houses.

One function per action, keyword-only and atomic. The web views and the API call these;
bad input raises ApplicationError naming the field; every change writes an operation log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, PermissionDenied
from wuyetong.core.validators import is_id_card, is_mobile, normalize_plate, validate_plate
from wuyetong.orgs.choices import ApprovalStatus, OpAction, OrgKind
from wuyetong.orgs.models import Community, District, OrgUnit
from wuyetong.orgs.services import diff, oplog_record, snapshot

from ..choices import HouseState, Relation, ShopState, SpaceState
from ..models import (
    AdSpace,
    Building,
    House,
    Occupancy,
    ParkingLot,
    ParkingSpace,
    Resident,
    Shop,
    Unit,
    Vehicle,
    Venue,
)

# Fields a staff member may change through `<entity>_update`; anything else is refused.
COMMUNITY_FIELDS = (
    "name",
    "code",
    "district",
    "address",
    "total_area",
    "introduction",
    "service_phone",
)
BUILDING_FIELDS = ("name", "floors", "sort")
UNIT_FIELDS = ("name",)
HOUSE_FIELDS = (
    "room_no",
    "floor",
    "use",
    "building_area",
    "inner_area",
    "fee_coefficient",
    "state",
    "handover_date",
    "notes",
)
SHOP_FIELDS = ("code", "name", "building_area", "state", "tenant_name", "tenant_phone")
LOT_FIELDS = ("name", "underground")
SPACE_FIELDS = ("code", "area", "state", "house", "rent_until")
VEHICLE_FIELDS = ("plate", "house", "resident", "space", "brand", "color")
VENUE_FIELDS = ("name", "location", "capacity", "area")
ADSPACE_FIELDS = ("code", "location", "size", "rented_to", "rent_until")
RESIDENT_FIELDS = ("name", "phone", "id_card", "gender", "notes")


# ---------------------------------------------------------------- helpers


def _error_from(exc: ValidationError) -> ApplicationError:
    errors = (
        {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        if hasattr(exc, "error_dict")
        else {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}
    )
    field, messages = next(iter(errors.items()))
    return ApplicationError(
        messages[0], field=None if field == NON_FIELD_ERRORS else field, errors=errors
    )


def _validate(obj: models.Model) -> None:
    """Field validation (types, lengths, choices, validators). Uniqueness is checked by the
    callers with messages that name the field a clerk has to change."""
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise _error_from(exc) from None


def _taken(qs: models.QuerySet, obj: models.Model, field: str, message: str) -> None:
    if qs.exclude(pk=obj.pk).exists():
        raise ApplicationError(message, field=field, code="duplicate")


def _in_scope(actor, obj: models.Model | None, action: str, *, field: str, label: str) -> None:
    """The related object must be one the actor may `action`; others look absent."""
    if obj is None:
        return
    if not type(obj).objects.for_user(actor, action).filter(pk=obj.pk).exists():
        raise ApplicationError(f"{label}不存在或无权操作", field=field, code="not_found")


def _require(actor, perm: str) -> None:
    if not get_access(actor).can(perm):
        raise PermissionDenied()


def _apply(obj: models.Model, data: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApplicationError(f"不能修改字段：{', '.join(unknown)}", field=unknown[0])
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(obj, name, value)


def _create(actor, obj: models.Model, *, company=None) -> models.Model:
    _validate(obj)
    obj.save()
    oplog_record(
        actor=actor,
        action=OpAction.CREATE,
        obj=obj,
        changes=snapshot(obj),
        company=company if company is not None else _company_id(obj),
    )
    return obj


def _save_changes(actor, obj: models.Model, before: dict, *, note: str = "") -> models.Model:
    _validate(obj)
    obj.save()
    changes = diff(before, snapshot(obj))
    if changes:
        oplog_record(
            actor=actor,
            action=OpAction.UPDATE,
            obj=obj,
            changes=changes,
            company=_company_id(obj),
            note=note,
        )
    return obj


def _company_id(obj) -> int | None:
    if isinstance(obj, Community):
        return obj.company_id
    if isinstance(obj, Resident):
        return obj.company_id
    if isinstance(obj, Occupancy):
        return obj.resident.company_id
    community = getattr(obj, "community", None)
    return community.company_id if community is not None else None


def _same_community(obj, community_id: int, *, field: str, label: str) -> None:
    if obj is not None and obj.community_id != community_id:
        raise ApplicationError(f"{label}不属于本小区", field=field)


# ---------------------------------------------------------------- communities


@transaction.atomic
def community_create(
    *,
    actor,
    project: OrgUnit,
    district: District,
    name: str,
    code: str,
    address: str = "",
    total_area: Decimal = Decimal("0"),
    introduction: str = "",
    service_phone: str = "",
) -> Community:
    """A company adds a community; it waits for the platform's approval (status pending)."""
    access = get_access(actor)
    _require(actor, "estates.add")
    if access.company_id is None or project is None or project.company_id != access.company_id:
        raise ApplicationError("请选择本公司的项目", field="project")
    if project.kind != OrgKind.PROJECT:
        raise ApplicationError("小区只能归属于项目", field="project")
    if access.org_unit_ids is not None and project.pk not in access.org_unit_ids:
        raise ApplicationError("只能在自己负责的项目下新增小区", field="project")
    community = Community(
        company_id=access.company_id,
        project=project,
        district=district,
        status=ApprovalStatus.PENDING,
    )
    _apply(
        community,
        {
            "name": name,
            "code": code,
            "address": address,
            "total_area": total_area,
            "introduction": introduction,
            "service_phone": service_phone,
        },
        COMMUNITY_FIELDS,
    )
    _community_unique(community)
    return _create(actor, community)


def _community_unique(c: Community) -> None:
    same = Community.objects.filter(company_id=c.company_id)
    _taken(same.filter(code=c.code), c, "code", f"本公司已有编码为“{c.code}”的小区")
    _taken(same.filter(name=c.name), c, "name", f"本公司已有名为“{c.name}”的小区")


@transaction.atomic
def community_update(*, actor, community: Community, **data) -> Community:
    _in_scope(actor, community, "change", field="community", label="小区")
    before = snapshot(community)
    _apply(community, data, COMMUNITY_FIELDS)
    _community_unique(community)
    return _save_changes(actor, community, before)


# ---------------------------------------------------------------- buildings and units


@transaction.atomic
def building_create(
    *, actor, community: Community, name: str, floors: int | None = None, sort: int = 0
) -> Building:
    _in_scope(actor, community, "add", field="community", label="小区")
    building = Building(community=community)
    _apply(building, {"name": name, "floors": floors, "sort": sort}, BUILDING_FIELDS)
    _taken(
        Building.objects.filter(community=community, name=building.name),
        building,
        "name",
        f"本小区已有楼栋“{building.name}”",
    )
    return _create(actor, building)


@transaction.atomic
def building_update(*, actor, building: Building, **data) -> Building:
    _in_scope(actor, building, "change", field="building", label="楼栋")
    before = snapshot(building)
    _apply(building, data, BUILDING_FIELDS)
    _taken(
        Building.objects.filter(community_id=building.community_id, name=building.name),
        building,
        "name",
        f"本小区已有楼栋“{building.name}”",
    )
    return _save_changes(actor, building, before)


@transaction.atomic
def unit_create(*, actor, building: Building, name: str) -> Unit:
    _in_scope(actor, building, "add", field="building", label="楼栋")
    unit = Unit(community_id=building.community_id, building=building)
    _apply(unit, {"name": name}, UNIT_FIELDS)
    _taken(
        Unit.objects.filter(building=building, name=unit.name),
        unit,
        "name",
        f"该楼栋已有“{unit.name}”",
    )
    return _create(actor, unit)


@transaction.atomic
def unit_update(*, actor, unit: Unit, **data) -> Unit:
    _in_scope(actor, unit, "change", field="unit", label="单元")
    before = snapshot(unit)
    _apply(unit, data, UNIT_FIELDS)
    _taken(
        Unit.objects.filter(building_id=unit.building_id, name=unit.name),
        unit,
        "name",
        f"该楼栋已有“{unit.name}”",
    )
    return _save_changes(actor, unit, before)


# ---------------------------------------------------------------- houses


def _house_rules(house: House) -> None:
    _taken(
        House.objects.filter(unit_id=house.unit_id, room_no=house.room_no),
        house,
        "room_no",
        f"该单元已有房号“{house.room_no}”",
    )
    if (
        house.inner_area is not None
        and house.building_area is not None
        and house.inner_area > house.building_area
    ):
        raise ApplicationError("套内面积不能大于建筑面积", field="inner_area")


@transaction.atomic
def house_create(
    *,
    actor,
    unit: Unit,
    room_no: str,
    building_area: Decimal,
    floor: int | None = None,
    use: str = "residential",
    inner_area: Decimal | None = None,
    fee_coefficient: Decimal = Decimal("1.000"),
    state: str = HouseState.UNSOLD,
    handover_date: dt.date | None = None,
    notes: str = "",
) -> House:
    _in_scope(actor, unit, "add", field="unit", label="单元")
    house = House(community_id=unit.community_id, building_id=unit.building_id, unit=unit)
    _apply(
        house,
        {
            "room_no": room_no,
            "floor": floor,
            "use": use,
            "building_area": building_area,
            "inner_area": inner_area,
            "fee_coefficient": fee_coefficient,
            "state": state,
            "handover_date": handover_date,
            "notes": notes,
        },
        HOUSE_FIELDS,
    )
    _house_rules(house)
    return _create(actor, house)


@transaction.atomic
def house_update(*, actor, house: House, **data) -> House:
    _in_scope(actor, house, "change", field="house", label="房屋")
    before = snapshot(house)
    _apply(house, data, HOUSE_FIELDS)
    _house_rules(house)
    return _save_changes(actor, house, before)


@transaction.atomic
def houses_set_state(*, actor, house_ids: Iterable[int], state: str) -> int:
    """Batch change of house state (e.g. a block handed over). All or nothing: a house the
    actor may not change makes the whole batch fail. Returns the number changed."""
    if state not in HouseState.values:
        raise ApplicationError("请选择房屋状态", field="state")
    ids = {int(i) for i in house_ids}
    if not ids:
        raise ApplicationError("请至少选择一套房屋", field="houses")
    houses = list(
        House.objects.for_user(actor, "change")
        .filter(pk__in=ids)
        .select_related("community", "building", "unit")
    )
    if len(houses) != len(ids):
        raise ApplicationError("所选房屋不存在或无权操作", field="houses", code="not_found")
    changed = [h for h in houses if h.state != state]
    House.objects.filter(pk__in=[h.pk for h in changed]).update(
        state=state, updated_at=timezone.now()
    )
    for house in changed:
        oplog_record(
            actor=actor,
            action=OpAction.UPDATE,
            obj=house,
            company=house.community.company_id,
            changes={"state": [house.state, state]},
            note="批量修改房屋状态",
        )
    return len(changed)


# ---------------------------------------------------------------- shops, venues, ad spaces


def _shop_rules(shop: Shop) -> None:
    _taken(
        Shop.objects.filter(community_id=shop.community_id, code=shop.code),
        shop,
        "code",
        f"本小区已有商铺编号“{shop.code}”",
    )
    if (
        shop.tenant_phone
        and not is_mobile(shop.tenant_phone)
        and not shop.tenant_phone.replace("-", "").isdigit()
    ):
        raise ApplicationError("联系电话格式不正确", field="tenant_phone")
    if shop.state == ShopState.VACANT and shop.tenant_name:
        raise ApplicationError("空置商铺不应填写经营者", field="tenant_name")


@transaction.atomic
def shop_create(
    *,
    actor,
    community: Community,
    code: str,
    building_area: Decimal,
    name: str = "",
    state: str = ShopState.VACANT,
    tenant_name: str = "",
    tenant_phone: str = "",
) -> Shop:
    _in_scope(actor, community, "add", field="community", label="小区")
    shop = Shop(community=community)
    _apply(
        shop,
        {
            "code": code,
            "name": name,
            "building_area": building_area,
            "state": state,
            "tenant_name": tenant_name,
            "tenant_phone": tenant_phone,
        },
        SHOP_FIELDS,
    )
    _shop_rules(shop)
    return _create(actor, shop)


@transaction.atomic
def shop_update(*, actor, shop: Shop, **data) -> Shop:
    _in_scope(actor, shop, "change", field="shop", label="商铺")
    before = snapshot(shop)
    _apply(shop, data, SHOP_FIELDS)
    _shop_rules(shop)
    return _save_changes(actor, shop, before)


@transaction.atomic
def venue_create(
    *,
    actor,
    community: Community,
    name: str,
    location: str = "",
    capacity: int | None = None,
    area: Decimal | None = None,
) -> Venue:
    _in_scope(actor, community, "add", field="community", label="小区")
    venue = Venue(community=community)
    _apply(
        venue,
        {"name": name, "location": location, "capacity": capacity, "area": area},
        VENUE_FIELDS,
    )
    _taken(
        Venue.objects.filter(community=community, name=venue.name),
        venue,
        "name",
        f"本小区已有场地“{venue.name}”",
    )
    return _create(actor, venue)


@transaction.atomic
def venue_update(*, actor, venue: Venue, **data) -> Venue:
    _in_scope(actor, venue, "change", field="venue", label="场地")
    before = snapshot(venue)
    _apply(venue, data, VENUE_FIELDS)
    _taken(
        Venue.objects.filter(community_id=venue.community_id, name=venue.name),
        venue,
        "name",
        f"本小区已有场地“{venue.name}”",
    )
    return _save_changes(actor, venue, before)


@transaction.atomic
def adspace_create(
    *,
    actor,
    community: Community,
    code: str,
    location: str,
    size: str = "",
    rented_to: str = "",
    rent_until: dt.date | None = None,
) -> AdSpace:
    _in_scope(actor, community, "add", field="community", label="小区")
    ad = AdSpace(community=community)
    _apply(
        ad,
        {
            "code": code,
            "location": location,
            "size": size,
            "rented_to": rented_to,
            "rent_until": rent_until,
        },
        ADSPACE_FIELDS,
    )
    _adspace_rules(ad)
    return _create(actor, ad)


def _adspace_rules(ad: AdSpace) -> None:
    _taken(
        AdSpace.objects.filter(community_id=ad.community_id, code=ad.code),
        ad,
        "code",
        f"本小区已有广告位编号“{ad.code}”",
    )
    if ad.rent_until and not ad.rented_to:
        raise ApplicationError("填写租期时请同时填写租用方", field="rented_to")


@transaction.atomic
def adspace_update(*, actor, adspace: AdSpace, **data) -> AdSpace:
    _in_scope(actor, adspace, "change", field="adspace", label="广告位")
    before = snapshot(adspace)
    _apply(adspace, data, ADSPACE_FIELDS)
    _adspace_rules(adspace)
    return _save_changes(actor, adspace, before)


# ---------------------------------------------------------------- parking


@transaction.atomic
def parking_lot_create(
    *, actor, community: Community, name: str, underground: bool = False
) -> ParkingLot:
    _in_scope(actor, community, "add", field="community", label="小区")
    lot = ParkingLot(community=community)
    _apply(lot, {"name": name, "underground": underground}, LOT_FIELDS)
    _taken(
        ParkingLot.objects.filter(community=community, name=lot.name),
        lot,
        "name",
        f"本小区已有车场“{lot.name}”",
    )
    return _create(actor, lot)


@transaction.atomic
def parking_lot_update(*, actor, lot: ParkingLot, **data) -> ParkingLot:
    _in_scope(actor, lot, "change", field="lot", label="车场")
    before = snapshot(lot)
    _apply(lot, data, LOT_FIELDS)
    _taken(
        ParkingLot.objects.filter(community_id=lot.community_id, name=lot.name),
        lot,
        "name",
        f"本小区已有车场“{lot.name}”",
    )
    return _save_changes(actor, lot, before)


def _space_rules(actor, space: ParkingSpace) -> None:
    _taken(
        ParkingSpace.objects.filter(lot_id=space.lot_id, code=space.code),
        space,
        "code",
        f"该车场已有车位编号“{space.code}”",
    )
    if space.state == SpaceState.FREE:
        if space.house_id:
            raise ApplicationError("空闲车位不能关联房屋，请先改为已售或已租", field="house")
        space.rent_until = None
    else:
        if space.house_id is None:
            raise ApplicationError("已售或已租的车位必须关联房屋", field="house")
        _in_scope(actor, space.house, "view", field="house", label="房屋")
        _same_community(space.house, space.community_id, field="house", label="房屋")
        if space.state == SpaceState.SOLD:
            space.rent_until = None


@transaction.atomic
def parking_space_create(
    *,
    actor,
    lot: ParkingLot,
    code: str,
    area: Decimal | None = None,
    state: str = SpaceState.FREE,
    house: House | None = None,
    rent_until: dt.date | None = None,
) -> ParkingSpace:
    _in_scope(actor, lot, "add", field="lot", label="车场")
    space = ParkingSpace(community_id=lot.community_id, lot=lot)
    _apply(
        space,
        {"code": code, "area": area, "state": state, "house": house, "rent_until": rent_until},
        SPACE_FIELDS,
    )
    _space_rules(actor, space)
    return _create(actor, space)


@transaction.atomic
def parking_space_update(*, actor, space: ParkingSpace, **data) -> ParkingSpace:
    _in_scope(actor, space, "change", field="space", label="车位")
    before = snapshot(space)
    _apply(space, data, SPACE_FIELDS)
    _space_rules(actor, space)
    return _save_changes(actor, space, before)


# ---------------------------------------------------------------- vehicles


def _vehicle_rules(actor, v: Vehicle) -> None:
    v.plate = normalize_plate(v.plate)
    try:
        validate_plate(v.plate)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="plate") from None
    _taken(
        Vehicle.objects.filter(community_id=v.community_id, plate=v.plate),
        v,
        "plate",
        f"本小区已登记车牌“{v.plate}”",
    )
    for name, label in (("house", "房屋"), ("space", "车位")):
        related = getattr(v, name)
        _in_scope(actor, related, "view", field=name, label=label)
        _same_community(related, v.community_id, field=name, label=label)
    if v.resident_id is not None:
        _in_scope(actor, v.resident, "view", field="resident", label="车主")
    if v.space is not None and v.space.house_id and v.house_id and v.space.house_id != v.house_id:
        raise ApplicationError("该车位属于其他房屋", field="space")


@transaction.atomic
def vehicle_create(
    *,
    actor,
    community: Community,
    plate: str,
    house: House | None = None,
    resident: Resident | None = None,
    space: ParkingSpace | None = None,
    brand: str = "",
    color: str = "",
) -> Vehicle:
    _in_scope(actor, community, "add", field="community", label="小区")
    vehicle = Vehicle(community=community)
    _apply(
        vehicle,
        {
            "plate": plate or "",
            "house": house,
            "resident": resident,
            "space": space,
            "brand": brand,
            "color": color,
        },
        VEHICLE_FIELDS,
    )
    _vehicle_rules(actor, vehicle)
    return _create(actor, vehicle)


@transaction.atomic
def vehicle_update(*, actor, vehicle: Vehicle, **data) -> Vehicle:
    _in_scope(actor, vehicle, "change", field="vehicle", label="车辆")
    before = snapshot(vehicle)
    _apply(vehicle, data, VEHICLE_FIELDS)
    _vehicle_rules(actor, vehicle)
    return _save_changes(actor, vehicle, before)


# ---------------------------------------------------------------- residents and occupancy


def _resident_rules(r: Resident) -> None:
    r.id_card = (r.id_card or "").upper()
    if not r.name:
        raise ApplicationError("请填写姓名", field="name")
    if r.phone and not is_mobile(r.phone):
        raise ApplicationError("请输入正确的11位手机号码", field="phone")
    if r.id_card and not is_id_card(r.id_card):
        raise ApplicationError("身份证号码格式或校验位不正确", field="id_card")
    if r.gender not in ("", "M", "F"):
        raise ApplicationError("性别不正确", field="gender")
    if r.phone:
        _taken(
            Resident.objects.filter(company_id=r.company_id, phone=r.phone),
            r,
            "phone",
            "本公司已有使用该手机号的住户，请直接选择该住户",
        )


@transaction.atomic
def resident_create(
    *, actor, name: str, phone: str = "", id_card: str = "", gender: str = "", notes: str = ""
) -> Resident:
    _require(actor, "residents.add")
    access = get_access(actor)
    if access.company_id is None:
        raise PermissionDenied()
    resident = Resident(company_id=access.company_id)
    _apply(
        resident,
        {"name": name, "phone": phone, "id_card": id_card, "gender": gender, "notes": notes},
        RESIDENT_FIELDS,
    )
    _resident_rules(resident)
    return _create(actor, resident)


@transaction.atomic
def resident_update(*, actor, resident: Resident, **data) -> Resident:
    _in_scope(actor, resident, "change", field="resident", label="住户")
    before = snapshot(resident)
    _apply(resident, data, RESIDENT_FIELDS)
    _resident_rules(resident)
    return _save_changes(actor, resident, before)


def _occupancy_house(actor, house: House | None, field: str = "house") -> House:
    if house is None:
        raise ApplicationError("请选择房屋", field=field)
    if not House.objects.for_user(actor, "view").filter(pk=house.pk).exists():
        raise ApplicationError("房屋不存在或无权操作", field=field, code="not_found")
    return house


def _check_can_start(
    house: House, resident: Resident, relation: str, start_date, *, field="resident"
) -> None:
    if relation not in Relation.values:
        raise ApplicationError("请选择身份（业主/家庭成员/租户）", field="relation")
    if start_date is None:
        raise ApplicationError("请填写入住日期", field="start_date")
    if start_date > timezone.localdate() + dt.timedelta(days=366):
        raise ApplicationError("入住日期不能晚于一年以后", field="start_date")
    if house.state == HouseState.UNSOLD and relation in (Relation.OWNER, Relation.TENANT):
        raise ApplicationError("未售房屋不能登记业主或租户，请先修改房屋状态", field="relation")
    if Occupancy.objects.filter(house=house, resident=resident, end_date__isnull=True).exists():
        raise ApplicationError(f"{resident.name}已在该房屋入住", field=field, code="duplicate")


@transaction.atomic
def occupancy_move_in(
    *,
    actor,
    house: House,
    relation: str,
    start_date: dt.date,
    resident: Resident | None = None,
    name: str = "",
    phone: str = "",
    id_card: str = "",
    gender: str = "",
    notes: str = "",
) -> Occupancy:
    """Bind a resident to a house from `start_date`. Give an existing `resident`, or the
    person's details: a resident of this company with the same phone is reused, otherwise a
    new resident record is made."""
    _require(actor, "residents.add")
    house = _occupancy_house(actor, house)
    company_id = house.community.company_id
    if resident is None:
        phone = (phone or "").strip()
        existing = (
            Resident.objects.filter(company_id=company_id, phone=phone).first() if phone else None
        )
        if existing is not None:
            resident = existing
        else:
            if not (name or "").strip():
                raise ApplicationError("请填写住户姓名", field="name")
            resident = resident_create(
                actor=actor, name=name, phone=phone, id_card=id_card, gender=gender, notes=notes
            )
    elif resident.company_id != company_id:
        raise ApplicationError("住户不存在或无权操作", field="resident", code="not_found")
    else:
        _in_scope(actor, resident, "view", field="resident", label="住户")
    _check_can_start(house, resident, relation, start_date)
    occupancy = Occupancy.objects.create(
        house=house, resident=resident, relation=relation, start_date=start_date
    )
    oplog_record(
        actor=actor,
        action=OpAction.CREATE,
        obj=occupancy,
        company=company_id,
        changes=snapshot(occupancy),
        note=f"{resident.name} 入住 {house.label}",
    )
    return occupancy


def _close(actor, occupancy: Occupancy, end_date, reason: str) -> Occupancy:
    occupancy = (
        Occupancy.objects.select_for_update()
        .select_related("resident", "house__community")
        .get(pk=occupancy.pk)
    )
    if occupancy.end_date is not None:
        raise ApplicationError("该住户已迁出，不能重复操作", code="already_ended")
    if end_date is None:
        raise ApplicationError("请填写迁出日期", field="end_date")
    if end_date < occupancy.start_date:
        raise ApplicationError(
            f"迁出日期不能早于入住日期（{occupancy.start_date:%Y-%m-%d}）", field="end_date"
        )
    if end_date > timezone.localdate() + dt.timedelta(days=366):
        raise ApplicationError("迁出日期不能晚于一年以后", field="end_date")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写迁出原因", field="end_reason")
    before = snapshot(occupancy)
    occupancy.end_date, occupancy.end_reason = end_date, reason[:100]
    occupancy.save(update_fields=["end_date", "end_reason", "updated_at"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=occupancy,
        company=occupancy.resident.company_id,
        changes=diff(before, snapshot(occupancy)),
        note=f"{occupancy.resident.name} 迁出 {occupancy.house.label}",
    )
    return occupancy


def _occupancy_in_scope(actor, occupancy: Occupancy) -> None:
    if not Occupancy.objects.for_user(actor, "change").filter(pk=occupancy.pk).exists():
        raise ApplicationError("住户绑定不存在或无权操作", code="not_found")


@transaction.atomic
def occupancy_move_out(
    *, actor, occupancy: Occupancy, end_date: dt.date, end_reason: str
) -> Occupancy:
    """Close a binding; the row stays as history."""
    _occupancy_in_scope(actor, occupancy)
    return _close(actor, occupancy, end_date, end_reason)


@transaction.atomic
def occupancy_rebind(
    *,
    actor,
    occupancy: Occupancy,
    house: House,
    date: dt.date,
    relation: str | None = None,
    reason: str = "",
) -> Occupancy:
    """业主地址重新绑定: the binding to the old house ends on `date` and a new one to `house`
    starts that day, with the same identity unless another is given. Returns the new one."""
    _occupancy_in_scope(actor, occupancy)
    house = _occupancy_house(actor, house)
    if house.pk == occupancy.house_id:
        raise ApplicationError("请选择另一套房屋", field="house")
    old = Occupancy.objects.select_related("resident", "house__community").get(pk=occupancy.pk)
    if house.community.company_id != old.resident.company_id:
        raise ApplicationError("房屋不存在或无权操作", field="house", code="not_found")
    if date is None:
        raise ApplicationError("请填写改绑日期", field="date")
    relation = relation or old.relation
    _check_can_start(house, old.resident, relation, date, field="house")
    note = (reason or "").strip() or "业主地址重新绑定"
    _close(actor, old, date, f"改绑至 {house.label}：{note}"[:100])
    new = Occupancy.objects.create(
        house=house, resident=old.resident, relation=relation, start_date=date
    )
    oplog_record(
        actor=actor,
        action=OpAction.CREATE,
        obj=new,
        company=old.resident.company_id,
        changes=snapshot(new),
        note=f"{old.resident.name} 由 {old.house.label} 改绑至 {house.label}",
    )
    return new
