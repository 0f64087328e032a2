"""Resource actions (C3): communities, buildings, units, houses, shops, parking, vehicles,
venues, ad spaces, residents and their occupancy of houses.

One function per action, keyword-only and atomic. The web views and the API call these;
bad input raises ApplicationError naming the field; every change writes an operation log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import parse_pk
from wuyetong.orgs.choices import ApprovalStatus, OpAction, OrgKind
from wuyetong.orgs.models import Community, District, OrgUnit
from wuyetong.orgs.services import oplog_record, snapshot

from ..choices import HouseState
from ..models import (
    Building,
    House,
    Unit,
)

# Every resource action is importable from here (`services.resources.<action>`).
from .resources_assets import (
    adspace_create,
    adspace_update,
    parking_lot_create,
    parking_lot_update,
    parking_space_create,
    parking_space_update,
    shop_create,
    shop_update,
    vehicle_create,
    vehicle_update,
    venue_create,
    venue_update,
)
from .resources_common import (
    BUILDING_FIELDS,
    COMMUNITY_FIELDS,
    HOUSE_FIELDS,
    UNIT_FIELDS,
    apply_data,
    create_logged,
    ensure_in_scope,
    ensure_unique,
    require_perm,
    save_logged,
)
from .resources_people import (
    occupancy_move_in,
    occupancy_move_out,
    occupancy_rebind,
    resident_create,
    resident_update,
)

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
    require_perm(actor, "estates.add")
    if access.company_id is None or project is None or project.company_id != access.company_id:
        raise ApplicationError(_("请选择本公司的项目"), field="project")
    if project.kind != OrgKind.PROJECT:
        raise ApplicationError(_("小区只能归属于项目"), field="project")
    if access.org_unit_ids is not None and project.pk not in access.org_unit_ids:
        raise ApplicationError(_("只能在自己负责的项目下新增小区"), field="project")
    community = Community(
        company_id=access.company_id,
        project=project,
        district=district,
        status=ApprovalStatus.PENDING,
    )
    apply_data(
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
    return create_logged(actor, community)


def _community_unique(c: Community) -> None:
    same = Community.objects.filter(company_id=c.company_id)
    ensure_unique(
        same.filter(code=c.code),
        c,
        "code",
        _("本公司已有编码为“%(code)s”的小区") % {"code": c.code},
    )
    ensure_unique(
        same.filter(name=c.name), c, "name", _("本公司已有名为“%(name)s”的小区") % {"name": c.name}
    )


@transaction.atomic
def community_update(*, actor, community: Community, **data) -> Community:
    ensure_in_scope(actor, community, "change", field="community", label=_("小区"))
    before = snapshot(community)
    apply_data(community, data, COMMUNITY_FIELDS)
    _community_unique(community)
    return save_logged(actor, community, before)


# ---------------------------------------------------------------- buildings and units


@transaction.atomic
def building_create(
    *, actor, community: Community, name: str, floors: int | None = None, sort: int = 0
) -> Building:
    ensure_in_scope(actor, community, "add", field="community", label=_("小区"))
    building = Building(community=community)
    apply_data(building, {"name": name, "floors": floors, "sort": sort}, BUILDING_FIELDS)
    ensure_unique(
        Building.objects.filter(community=community, name=building.name),
        building,
        "name",
        _("本小区已有楼栋“%(name)s”") % {"name": building.name},
    )
    return create_logged(actor, building)


@transaction.atomic
def building_update(*, actor, building: Building, **data) -> Building:
    ensure_in_scope(actor, building, "change", field="building", label=_("楼栋"))
    before = snapshot(building)
    apply_data(building, data, BUILDING_FIELDS)
    ensure_unique(
        Building.objects.filter(community_id=building.community_id, name=building.name),
        building,
        "name",
        _("本小区已有楼栋“%(name)s”") % {"name": building.name},
    )
    return save_logged(actor, building, before)


@transaction.atomic
def unit_create(*, actor, building: Building, name: str) -> Unit:
    ensure_in_scope(actor, building, "add", field="building", label=_("楼栋"))
    unit = Unit(community_id=building.community_id, building=building)
    apply_data(unit, {"name": name}, UNIT_FIELDS)
    ensure_unique(
        Unit.objects.filter(building=building, name=unit.name),
        unit,
        "name",
        _("该楼栋已有“%(name)s”") % {"name": unit.name},
    )
    return create_logged(actor, unit)


@transaction.atomic
def unit_update(*, actor, unit: Unit, **data) -> Unit:
    ensure_in_scope(actor, unit, "change", field="unit", label=_("单元"))
    before = snapshot(unit)
    apply_data(unit, data, UNIT_FIELDS)
    ensure_unique(
        Unit.objects.filter(building_id=unit.building_id, name=unit.name),
        unit,
        "name",
        _("该楼栋已有“%(name)s”") % {"name": unit.name},
    )
    return save_logged(actor, unit, before)


# ---------------------------------------------------------------- houses


def _house_rules(house: House) -> None:
    ensure_unique(
        House.objects.filter(unit_id=house.unit_id, room_no=house.room_no),
        house,
        "room_no",
        _("该单元已有房号“%(room_no)s”") % {"room_no": house.room_no},
    )
    if (
        house.inner_area is not None
        and house.building_area is not None
        and house.inner_area > house.building_area
    ):
        raise ApplicationError(_("套内面积不能大于建筑面积"), field="inner_area")


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
    ensure_in_scope(actor, unit, "add", field="unit", label=_("单元"))
    house = House(community_id=unit.community_id, building_id=unit.building_id, unit=unit)
    apply_data(
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
    return create_logged(actor, house)


@transaction.atomic
def house_update(*, actor, house: House, **data) -> House:
    ensure_in_scope(actor, house, "change", field="house", label=_("房屋"))
    before = snapshot(house)
    apply_data(house, data, HOUSE_FIELDS)
    _house_rules(house)
    return save_logged(actor, house, before)


@transaction.atomic
def houses_set_state(*, actor, house_ids: Iterable[int], state: str) -> int:
    """Batch change of house state (e.g. a block handed over). All or nothing: a house the
    actor may not change makes the whole batch fail. Returns the number changed."""
    if state not in HouseState.values:
        raise ApplicationError(_("请选择房屋状态"), field="state")
    parsed = [parse_pk(i) for i in house_ids]
    if None in parsed:
        raise ApplicationError(_("房屋ID无效"), field="houses")
    ids = set(parsed)
    if not ids:
        raise ApplicationError(_("请至少选择一套房屋"), field="houses")
    houses = list(
        House.objects.for_user(actor, "change")
        .filter(pk__in=ids)
        .select_related("community", "building", "unit")
    )
    if len(houses) != len(ids):
        raise ApplicationError(_("所选房屋不存在或无权操作"), field="houses", code="not_found")
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
            note=_("批量修改房屋状态"),
        )
    return len(changed)


__all__ = [
    "adspace_create",
    "adspace_update",
    "building_create",
    "building_update",
    "community_create",
    "community_update",
    "house_create",
    "house_update",
    "houses_set_state",
    "occupancy_move_in",
    "occupancy_move_out",
    "occupancy_rebind",
    "parking_lot_create",
    "parking_lot_update",
    "parking_space_create",
    "parking_space_update",
    "resident_create",
    "resident_update",
    "shop_create",
    "shop_update",
    "unit_create",
    "unit_update",
    "vehicle_create",
    "vehicle_update",
    "venue_create",
    "venue_update",
]
