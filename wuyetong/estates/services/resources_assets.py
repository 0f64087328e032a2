"""Resource actions for shops, venues, ad spaces, parking lots and spaces, vehicles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.validators import is_mobile, normalize_plate, validate_plate
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import snapshot

from ..choices import ShopState, SpaceState
from ..models import (
    AdSpace,
    House,
    ParkingLot,
    ParkingSpace,
    Resident,
    Shop,
    Vehicle,
    Venue,
)
from .resources_common import (
    ADSPACE_FIELDS,
    LOT_FIELDS,
    SHOP_FIELDS,
    SPACE_FIELDS,
    VEHICLE_FIELDS,
    VENUE_FIELDS,
    apply_data,
    create_logged,
    ensure_in_scope,
    ensure_same_community,
    ensure_unique,
    save_logged,
)

# ---------------------------------------------------------------- shops, venues, ad spaces


def _shop_rules(shop: Shop) -> None:
    ensure_unique(
        Shop.objects.filter(community_id=shop.community_id, code=shop.code),
        shop,
        "code",
        _("本小区已有商铺编号“%(code)s”") % {"code": shop.code},
    )
    if (
        shop.tenant_phone
        and not is_mobile(shop.tenant_phone)
        and not shop.tenant_phone.replace("-", "").isdigit()
    ):
        raise ApplicationError(_("联系电话格式不正确"), field="tenant_phone")
    if shop.state == ShopState.VACANT and shop.tenant_name:
        raise ApplicationError(_("空置商铺不应填写经营者"), field="tenant_name")


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
    ensure_in_scope(actor, community, "add", field="community", label=_("小区"))
    shop = Shop(community=community)
    apply_data(
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
    return create_logged(actor, shop)


@transaction.atomic
def shop_update(*, actor, shop: Shop, **data) -> Shop:
    ensure_in_scope(actor, shop, "change", field="shop", label=_("商铺"))
    before = snapshot(shop)
    apply_data(shop, data, SHOP_FIELDS)
    _shop_rules(shop)
    return save_logged(actor, shop, before)


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
    ensure_in_scope(actor, community, "add", field="community", label=_("小区"))
    venue = Venue(community=community)
    apply_data(
        venue,
        {"name": name, "location": location, "capacity": capacity, "area": area},
        VENUE_FIELDS,
    )
    ensure_unique(
        Venue.objects.filter(community=community, name=venue.name),
        venue,
        "name",
        _("本小区已有场地“%(name)s”") % {"name": venue.name},
    )
    return create_logged(actor, venue)


@transaction.atomic
def venue_update(*, actor, venue: Venue, **data) -> Venue:
    ensure_in_scope(actor, venue, "change", field="venue", label=_("场地"))
    before = snapshot(venue)
    apply_data(venue, data, VENUE_FIELDS)
    ensure_unique(
        Venue.objects.filter(community_id=venue.community_id, name=venue.name),
        venue,
        "name",
        _("本小区已有场地“%(name)s”") % {"name": venue.name},
    )
    return save_logged(actor, venue, before)


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
    ensure_in_scope(actor, community, "add", field="community", label=_("小区"))
    ad = AdSpace(community=community)
    apply_data(
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
    return create_logged(actor, ad)


def _adspace_rules(ad: AdSpace) -> None:
    ensure_unique(
        AdSpace.objects.filter(community_id=ad.community_id, code=ad.code),
        ad,
        "code",
        _("本小区已有广告位编号“%(code)s”") % {"code": ad.code},
    )
    if ad.rent_until and not ad.rented_to:
        raise ApplicationError(_("填写租期时请同时填写租用方"), field="rented_to")


@transaction.atomic
def adspace_update(*, actor, adspace: AdSpace, **data) -> AdSpace:
    ensure_in_scope(actor, adspace, "change", field="adspace", label=_("广告位"))
    before = snapshot(adspace)
    apply_data(adspace, data, ADSPACE_FIELDS)
    _adspace_rules(adspace)
    return save_logged(actor, adspace, before)


# ---------------------------------------------------------------- parking


@transaction.atomic
def parking_lot_create(
    *, actor, community: Community, name: str, underground: bool = False
) -> ParkingLot:
    ensure_in_scope(actor, community, "add", field="community", label=_("小区"))
    lot = ParkingLot(community=community)
    apply_data(lot, {"name": name, "underground": underground}, LOT_FIELDS)
    ensure_unique(
        ParkingLot.objects.filter(community=community, name=lot.name),
        lot,
        "name",
        _("本小区已有车场“%(name)s”") % {"name": lot.name},
    )
    return create_logged(actor, lot)


@transaction.atomic
def parking_lot_update(*, actor, lot: ParkingLot, **data) -> ParkingLot:
    ensure_in_scope(actor, lot, "change", field="lot", label=_("车场"))
    before = snapshot(lot)
    apply_data(lot, data, LOT_FIELDS)
    ensure_unique(
        ParkingLot.objects.filter(community_id=lot.community_id, name=lot.name),
        lot,
        "name",
        _("本小区已有车场“%(name)s”") % {"name": lot.name},
    )
    return save_logged(actor, lot, before)


def _space_rules(actor, space: ParkingSpace) -> None:
    ensure_unique(
        ParkingSpace.objects.filter(lot_id=space.lot_id, code=space.code),
        space,
        "code",
        _("该车场已有车位编号“%(code)s”") % {"code": space.code},
    )
    if space.state == SpaceState.FREE:
        if space.house_id:
            raise ApplicationError(_("空闲车位不能关联房屋，请先改为已售或已租"), field="house")
        space.rent_until = None
    else:
        if space.house_id is None:
            raise ApplicationError(_("已售或已租的车位必须关联房屋"), field="house")
        ensure_in_scope(actor, space.house, "view", field="house", label=_("房屋"))
        ensure_same_community(space.house, space.community_id, field="house", label=_("房屋"))
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
    ensure_in_scope(actor, lot, "add", field="lot", label=_("车场"))
    space = ParkingSpace(community_id=lot.community_id, lot=lot)
    apply_data(
        space,
        {"code": code, "area": area, "state": state, "house": house, "rent_until": rent_until},
        SPACE_FIELDS,
    )
    _space_rules(actor, space)
    return create_logged(actor, space)


@transaction.atomic
def parking_space_update(*, actor, space: ParkingSpace, **data) -> ParkingSpace:
    ensure_in_scope(actor, space, "change", field="space", label=_("车位"))
    before = snapshot(space)
    apply_data(space, data, SPACE_FIELDS)
    _space_rules(actor, space)
    return save_logged(actor, space, before)


# ---------------------------------------------------------------- vehicles


def _vehicle_rules(actor, v: Vehicle) -> None:
    v.plate = normalize_plate(v.plate)
    try:
        validate_plate(v.plate)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="plate") from None
    ensure_unique(
        Vehicle.objects.filter(community_id=v.community_id, plate=v.plate),
        v,
        "plate",
        _("本小区已登记车牌“%(plate)s”") % {"plate": v.plate},
    )
    for name, label in (("house", _("房屋")), ("space", _("车位"))):
        related = getattr(v, name)
        ensure_in_scope(actor, related, "view", field=name, label=label)
        ensure_same_community(related, v.community_id, field=name, label=label)
    if v.resident_id is not None:
        ensure_in_scope(actor, v.resident, "view", field="resident", label=_("车主"))
    if v.space is not None and v.space.house_id and v.house_id and v.space.house_id != v.house_id:
        raise ApplicationError(_("该车位属于其他房屋"), field="space")


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
    ensure_in_scope(actor, community, "add", field="community", label=_("小区"))
    vehicle = Vehicle(community=community)
    apply_data(
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
    return create_logged(actor, vehicle)


@transaction.atomic
def vehicle_update(*, actor, vehicle: Vehicle, **data) -> Vehicle:
    ensure_in_scope(actor, vehicle, "change", field="vehicle", label=_("车辆"))
    before = snapshot(vehicle)
    apply_data(vehicle, data, VEHICLE_FIELDS)
    _vehicle_rules(actor, vehicle)
    return save_logged(actor, vehicle, before)
