from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import CommunityScopedQuerySet, ScopedQuerySet, TimeStampedModel
from wuyetong.core.validators import validate_mobile, validate_plate
from wuyetong.orgs.models import Community, Company

from .choices import BindingStatus, HouseState, HouseUse, Relation, ShopState, SpaceState

AREA: dict[str, Any] = {
    "max_digits": 10,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0"))],
}


class Building(TimeStampedModel):
    """A building (楼栋) of a community."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("小区")
    )
    name = models.CharField(_("楼栋名称"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("地上层数"), null=True, blank=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["community_id", "sort", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="building_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Unit(TimeStampedModel):
    """A unit (单元) of a building: a stairwell with its own entrance."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="units")
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("楼栋")
    )
    name = models.CharField(_("单元名称"), max_length=50)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["building_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["building", "name"], name="unit_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.building.name}{self.name}"


def house_label(community: str, building: str, unit: str, room_no: str) -> str:
    """A house as owners and staff read it (House.label; readers of bare columns too)."""
    return f"{community} {building}{unit}{room_no}"


class House(TimeStampedModel):
    """A house (房屋): the unit of billing and of owners' rights."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="houses", verbose_name=_("小区")
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="houses", verbose_name=_("楼栋")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="houses", verbose_name=_("单元")
    )
    room_no = models.CharField(_("房号"), max_length=20)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    use = models.CharField(
        _("用途"), max_length=12, choices=HouseUse.choices, default=HouseUse.RESIDENTIAL
    )
    building_area = models.DecimalField(_("建筑面积(㎡)"), **AREA)
    inner_area = models.DecimalField(_("套内面积(㎡)"), null=True, blank=True, **AREA)
    fee_coefficient = models.DecimalField(
        _("收费系数"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1.000"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    state = models.CharField(
        _("房屋状态"), max_length=12, choices=HouseState.choices, default=HouseState.UNSOLD
    )
    handover_date = models.DateField(_("交房日期"), null=True, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["community_id", "building_id", "unit_id", "room_no"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "room_no"], name="house_unique_room"),
            models.CheckConstraint(
                condition=Q(building_area__gte=0), name="house_area_non_negative"
            ),
        ]
        indexes = [models.Index(fields=["community", "state"], name="house_community_state_idx")]

    def __str__(self) -> str:
        return f"{self.building.name}-{self.unit.name}-{self.room_no}"

    @property
    def label(self) -> str:
        return house_label(self.community.name, self.building.name, self.unit.name, self.room_no)


class Shop(TimeStampedModel):
    """A shop (商铺) of a community, billed like a house."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="shops", verbose_name=_("小区")
    )
    code = models.CharField(_("商铺编号"), max_length=30)
    name = models.CharField(_("商铺名称"), max_length=100, blank=True)
    building_area = models.DecimalField(_("建筑面积(㎡)"), **AREA)
    state = models.CharField(
        _("状态"), max_length=10, choices=ShopState.choices, default=ShopState.VACANT
    )
    tenant_name = models.CharField(_("经营者"), max_length=100, blank=True)
    tenant_phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("商铺")
        verbose_name_plural = _("商铺")
        ordering = ["community_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="shop_unique_code")
        ]

    def __str__(self) -> str:
        return self.name or self.code


class ParkingLot(TimeStampedModel):
    """A parking lot (车场) of a community."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="parking_lots", verbose_name=_("小区")
    )
    name = models.CharField(_("车场名称"), max_length=50)
    underground = models.BooleanField(_("地下车场"), default=False)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("车场")
        verbose_name_plural = _("车场")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="parkinglot_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ParkingSpace(TimeStampedModel):
    """A parking space (车位): sold to or rented by a house, or free."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="parking_spaces"
    )
    lot = models.ForeignKey(
        ParkingLot, on_delete=models.PROTECT, related_name="spaces", verbose_name=_("车场")
    )
    code = models.CharField(_("车位编号"), max_length=30)
    area = models.DecimalField(_("面积(㎡)"), null=True, blank=True, **AREA)
    state = models.CharField(
        _("状态"), max_length=10, choices=SpaceState.choices, default=SpaceState.FREE
    )
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parking_spaces",
        verbose_name=_("关联房屋"),
    )
    rent_until = models.DateField(_("租期至"), null=True, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("车位")
        verbose_name_plural = _("车位")
        ordering = ["lot_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "code"], name="parkingspace_unique_code"),
            models.CheckConstraint(
                condition=Q(state="free") | Q(house__isnull=False),
                name="parkingspace_taken_has_house",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot.name}-{self.code}"


class ResidentQuerySet(ScopedQuerySet):
    """Residents of the caller's company. A project-scoped role sees the residents who live
    or lived in its communities, plus those not yet bound to any house (just registered)."""

    permission_module = "residents"

    def scope(self, access):
        if access.company_id is None:
            return self.none()
        qs = self.filter(company_id=access.company_id)
        if access.community_ids is not None:
            links = Occupancy.objects.filter(resident=OuterRef("pk"))
            qs = qs.filter(
                Exists(links.filter(house__community_id__in=access.community_ids)) | ~Exists(links)
            )
        return qs


class Resident(TimeStampedModel):
    """A person known to one company as owner, family member or tenant. A registered owner's
    record links to their user; one person may be a resident of several companies, each
    keeping its own record (tenant isolation)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="residents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident_records",
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=11, blank=True, validators=[validate_mobile])
    id_card = models.CharField(_("身份证号"), max_length=18, blank=True)
    gender = models.CharField(_("性别"), max_length=1, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "phone"],
                condition=~Q(phone=""),
                name="resident_unique_phone_per_company",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OccupancyQuerySet(CommunityScopedQuerySet):
    permission_module = "residents"
    community_field = "house__community"

    def active(self):
        return self.filter(end_date__isnull=True)


class Occupancy(TimeStampedModel):
    """A resident bound to a house from `start_date` until `end_date` (open while living
    there). Moving out closes the row; history is never deleted."""

    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("住户")
    )
    relation = models.CharField(_("身份"), max_length=10, choices=Relation.choices)
    start_date = models.DateField(_("入住日期"))
    end_date = models.DateField(_("迁出日期"), null=True, blank=True)
    end_reason = models.CharField(_("迁出原因"), max_length=100, blank=True)

    objects = OccupancyQuerySet.as_manager()

    class Meta:
        verbose_name = _("住户绑定")
        verbose_name_plural = _("住户绑定")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["house", "resident"],
                condition=Q(end_date__isnull=True),
                name="occupancy_one_active_per_house",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="occupancy_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["resident", "end_date"], name="occupancy_resident_idx")]

    def __str__(self) -> str:
        return f"{self.resident.name} · {self.house} · {self.get_relation_display()}"

    @property
    def is_active(self) -> bool:
        return self.end_date is None


class Vehicle(TimeStampedModel):
    """A vehicle registered in a community, optionally tied to a house and a space."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("小区")
    )
    plate = models.CharField(_("车牌号"), max_length=10, validators=[validate_plate])
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vehicles",
        verbose_name=_("房屋"),
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vehicles",
        verbose_name=_("车主"),
    )
    space = models.ForeignKey(
        ParkingSpace,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vehicles",
        verbose_name=_("车位"),
    )
    brand = models.CharField(_("品牌型号"), max_length=50, blank=True)
    color = models.CharField(_("颜色"), max_length=20, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        constraints = [
            models.UniqueConstraint(fields=["community", "plate"], name="vehicle_unique_plate")
        ]

    def __str__(self) -> str:
        return self.plate


class Venue(TimeStampedModel):
    """A venue (场地) that can be booked or rented: hall, court, square."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="venues", verbose_name=_("小区")
    )
    name = models.CharField(_("场地名称"), max_length=50)
    location = models.CharField(_("位置"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("容纳人数"), null=True, blank=True)
    area = models.DecimalField(_("面积(㎡)"), null=True, blank=True, **AREA)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("场地")
        verbose_name_plural = _("场地")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="venue_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class AdSpace(TimeStampedModel):
    """An advertising space (广告位): lift panels, gate boards; income is common income."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="ad_spaces", verbose_name=_("小区")
    )
    code = models.CharField(_("广告位编号"), max_length=30)
    location = models.CharField(_("位置"), max_length=100)
    size = models.CharField(_("尺寸"), max_length=30, blank=True)
    rented_to = models.CharField(_("租用方"), max_length=100, blank=True)
    rent_until = models.DateField(_("租期至"), null=True, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("广告位")
        verbose_name_plural = _("广告位")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="adspace_unique_code")
        ]

    def __str__(self) -> str:
        return self.code


class BindingRequestQuerySet(CommunityScopedQuerySet):
    permission_module = "bindings"
    community_field = "house__community"


class BindingRequest(TimeStampedModel):
    """An owner's request to be bound to a house (registration, add or rebind a house). The
    property company checks it, may correct the details, then approves or rejects it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="binding_requests"
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="binding_requests", verbose_name=_("房屋")
    )
    relation = models.CharField(
        _("身份"), max_length=10, choices=Relation.choices, default=Relation.OWNER
    )
    applicant_name = models.CharField(_("申请人姓名"), max_length=50)
    applicant_id_card = models.CharField(_("身份证号"), max_length=18, blank=True)
    replaces = models.ForeignKey(
        Occupancy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("改绑自"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=BindingStatus.choices, default=BindingStatus.PENDING
    )
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    occupancy = models.OneToOneField(
        Occupancy, on_delete=models.PROTECT, null=True, blank=True, related_name="binding_request"
    )

    objects = BindingRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("业主认证申请")
        verbose_name_plural = _("业主认证申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "house"],
                condition=Q(status="pending"),
                name="binding_one_pending_per_house",
            ),
        ]
