"""API serializers for estates resources: they parse and render only; the services in
services/resources.py hold the rules. Related ids are looked up within the caller's scope,
so another company's id reads as "does not exist"."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from wuyetong.core.access import get_access
from wuyetong.core.ids import PK_MAX
from wuyetong.core.masking import mask_id_card, mask_phone
from wuyetong.orgs.models import Community, District, OrgUnit

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


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id resolved through `Model.objects.for_user(request.user, action)`."""

    def __init__(self, model=None, action: str = "view", **kwargs):
        self.model, self.scope_action = model, action
        if not kwargs.get("read_only"):
            kwargs["queryset"] = model.objects.none()
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return self.model.objects.for_user(user, self.scope_action)


def _scoped(model, action: str = "view", **kwargs):
    return ScopedPrimaryKeyRelatedField(model=model, action=action, **kwargs)


class _NoModelValidators(serializers.ModelSerializer):
    # Uniqueness and cross-field rules are the service's; keep DRF from guessing them.

    def get_validators(self):
        return []


# ---------------------------------------------------------------- structure


class CompanyProjectField(serializers.PrimaryKeyRelatedField):
    """Projects of the caller's own company only."""

    def get_queryset(self):
        request = self.context.get("request")
        access = get_access(getattr(request, "user", None))
        return OrgUnit.objects.filter(company_id=access.company_id)


class CommunitySerializer(_NoModelValidators):
    project = CompanyProjectField(queryset=OrgUnit.objects.none())
    district = serializers.PrimaryKeyRelatedField(queryset=District.objects.all())
    project_name = serializers.CharField(source="project.name", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Community
        fields = [
            "id",
            "name",
            "code",
            "project",
            "project_name",
            "district",
            "district_name",
            "address",
            "total_area",
            "service_phone",
            "introduction",
            "status",
            "status_display",
            "reject_reason",
        ]
        read_only_fields = ["status", "reject_reason"]


class BuildingSerializer(_NoModelValidators):
    community = _scoped(Community, "add")
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Building
        fields = ["id", "community", "community_name", "name", "floors", "sort"]


class UnitSerializer(_NoModelValidators):
    building = _scoped(Building, "add")
    community: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    building_name = serializers.CharField(source="building.name", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "community", "building", "building_name", "name"]


class HouseSerializer(_NoModelValidators):
    unit = _scoped(Unit, "add")
    community: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    building: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    label: Any = serializers.CharField(read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = House
        fields = [
            "id",
            "community",
            "building",
            "unit",
            "label",
            "room_no",
            "floor",
            "use",
            "building_area",
            "inner_area",
            "fee_coefficient",
            "state",
            "state_display",
            "handover_date",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (
            self.instance is not None
            and not isinstance(self.instance, (list, tuple))
            and hasattr(self.instance, "pk")
        ):
            self.fields["unit"].read_only = True


def _house_state_doc() -> str:
    # Built once at import, in the source language: no translation is active yet (and the
    # schema is generated without a request language).
    with translation.override(None):
        return "房屋状态：" + "，".join(f"{v}={label}" for v, label in HouseState.choices)


@extend_schema_field({"type": "string", "description": _house_state_doc()})
class _BatchStateField(serializers.ChoiceField):
    # Documented as a plain string: the HouseState enum is already the House component's,
    # and a second component using it makes the schema's enum names collide.
    pass


class HouseStateBatchSerializer(serializers.Serializer):
    houses = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=PK_MAX),
        allow_empty=False,
        max_length=1000,
    )
    state = _BatchStateField(choices=HouseState.choices)


class HouseStateBatchResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField()


# ---------------------------------------------------------------- other resources


def _inline_enum(choices_class):
    """A choice field documented inline: "state" means different things on houses, shops
    and parking spaces, and one shared component name would collide in the schema."""

    @extend_schema_field(
        {
            "type": "string",
            "enum": list(choices_class.values),
            "description": "，".join(f"{v}={label}" for v, label in choices_class.choices),
        }
    )
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField(choices=choices_class.choices, required=False)


class ShopSerializer(_NoModelValidators):
    community = _scoped(Community, "add")
    state = _inline_enum(ShopState)

    class Meta:
        model = Shop
        fields = [
            "id",
            "community",
            "code",
            "name",
            "building_area",
            "state",
            "tenant_name",
            "tenant_phone",
        ]


class ParkingLotSerializer(_NoModelValidators):
    community = _scoped(Community, "add")

    class Meta:
        model = ParkingLot
        fields = ["id", "community", "name", "underground"]


class ParkingSpaceSerializer(_NoModelValidators):
    lot = _scoped(ParkingLot, "add")
    community: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    house = _scoped(House, "view", required=False, allow_null=True)
    house_label = serializers.SerializerMethodField()
    state = _inline_enum(SpaceState)

    class Meta:
        model = ParkingSpace
        fields = [
            "id",
            "community",
            "lot",
            "code",
            "area",
            "state",
            "house",
            "house_label",
            "rent_until",
        ]

    def get_house_label(self, obj) -> str:
        return str(obj.house) if obj.house_id else ""


class VehicleSerializer(_NoModelValidators):
    community = _scoped(Community, "add")
    house = _scoped(House, "view", required=False, allow_null=True)
    resident = _scoped(Resident, "view", required=False, allow_null=True)
    space = _scoped(ParkingSpace, "view", required=False, allow_null=True)

    class Meta:
        model = Vehicle
        fields = ["id", "community", "plate", "house", "resident", "space", "brand", "color"]
        extra_kwargs: dict[str, Any] = {"plate": {"validators": []}}


class VenueSerializer(_NoModelValidators):
    community = _scoped(Community, "add")

    class Meta:
        model = Venue
        fields = ["id", "community", "name", "location", "capacity", "area"]


class AdSpaceSerializer(_NoModelValidators):
    community = _scoped(Community, "add")

    class Meta:
        model = AdSpace
        fields = ["id", "community", "code", "location", "size", "rented_to", "rent_until"]


# ---------------------------------------------------------------- people


def _sees_sensitive(context) -> bool:
    request = context.get("request")
    return get_access(getattr(request, "user", None)).can("residents.view_sensitive")


class ResidentSerializer(_NoModelValidators):
    """Phone and ID number are masked unless the caller may see them (SPEC §4)."""

    registered = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = ["id", "name", "phone", "id_card", "gender", "notes", "registered"]
        extra_kwargs: dict[str, Any] = {"phone": {"validators": []}}

    def get_registered(self, obj) -> bool:
        return obj.user_id is not None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not _sees_sensitive(self.context):
            data["phone"] = mask_phone(data.get("phone"))
            data["id_card"] = mask_id_card(data.get("id_card"))
        return data


class OccupancySerializer(serializers.ModelSerializer):
    resident = ResidentSerializer(read_only=True)
    house_label = serializers.CharField(source="house.label", read_only=True)
    relation_display = serializers.CharField(source="get_relation_display", read_only=True)

    class Meta:
        model = Occupancy
        fields = [
            "id",
            "house",
            "house_label",
            "resident",
            "relation",
            "relation_display",
            "start_date",
            "end_date",
            "end_reason",
        ]
        read_only_fields = fields


class MoveInSerializer(serializers.Serializer):
    """Give `resident` (an existing one) or the person's `name` (+ phone, id_card)."""

    house = _scoped(House, "view")
    relation = serializers.ChoiceField(choices=Relation.choices)
    start_date = serializers.DateField()
    resident = _scoped(Resident, "view", required=False, allow_null=True)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=11, required=False, allow_blank=True)
    id_card = serializers.CharField(max_length=18, required=False, allow_blank=True)
    gender = serializers.ChoiceField(
        choices=[("", ""), ("M", _("男")), ("F", _("女"))], required=False
    )
    house_state = _BatchStateField(
        choices=HouseState.choices,
        required=False,
        allow_blank=True,
        help_text=_("同时把房屋状态改为（需要 estates.change）；不填则不变"),
    )


class MoveOutSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    end_reason = serializers.CharField(max_length=100)
    house_state = _BatchStateField(
        choices=HouseState.choices,
        required=False,
        allow_blank=True,
        help_text=_("同时把房屋状态改为（需要 estates.change）；不填则不变"),
    )


class RebindSerializer(serializers.Serializer):
    house = _scoped(House, "view")
    date = serializers.DateField()
    relation = serializers.ChoiceField(choices=Relation.choices, required=False, allow_null=True)
    reason = serializers.CharField(max_length=60, required=False, allow_blank=True)
