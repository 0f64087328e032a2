"""FilterSets shared by the console lists and the API lists (same parameters in both).

Choice lists (communities, buildings, lots) are scoped to the request's user, so a filter
can neither reveal nor select another company's rows.
"""

from __future__ import annotations

import django_filters as df
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from wuyetong.core.access import get_access
from wuyetong.core.filters import IdFilter
from wuyetong.orgs.choices import ApprovalStatus
from wuyetong.orgs.models import Community

from .choices import HouseState, HouseUse, Relation, ShopState, SpaceState
from .models import (
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


def _user(request):
    return getattr(request, "user", None)


def _communities(request):
    return Community.objects.for_user(_user(request), "view").order_by("code")


def _buildings(request):
    qs = Building.objects.for_user(_user(request), "view").select_related("community")
    community = getattr(request, "GET", {}).get("community") if request is not None else None
    if community and str(community).isdigit():
        qs = qs.filter(community_id=community)
    return qs.order_by("community__code", "sort", "name")


def _lots(request):
    qs = ParkingLot.objects.for_user(_user(request), "view").select_related("community")
    community = getattr(request, "GET", {}).get("community") if request is not None else None
    if community and str(community).isdigit():
        qs = qs.filter(community_id=community)
    return qs.order_by("community__code", "name")


@extend_schema_field(OpenApiTypes.INT)
class CommunityIdFilter(df.ModelChoiceFilter):
    """A community chosen by id, documented as an integer in the API schema."""


class BuildingChoiceFilter(df.ModelChoiceFilter):
    """Buildings labelled with their community when the list spans several."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", _buildings)
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        field = super().field
        field.label_from_instance = lambda b: f"{b.community.name} {b.name}"
        return field


class SearchFilterSet(df.FilterSet):
    """`q` searches the fields listed in `search_fields` (contains, any of them)."""

    search_fields: tuple[str, ...] = ()
    q = df.CharFilter(label=_("搜索"), method="search")

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value or not self.search_fields:
            return queryset
        cond = Q()
        for field in self.search_fields:
            cond |= Q(**{f"{field}__icontains": value})
        return queryset.filter(cond)


class CommunityScopedFilterSet(SearchFilterSet):
    community = df.ModelChoiceFilter(
        label=_("小区"), queryset=_communities, empty_label=_("全部小区")
    )


class CommunityFilter(SearchFilterSet):
    search_fields = ("name", "code", "address")
    status = df.ChoiceFilter(
        label=_("审核状态"), choices=ApprovalStatus.choices, empty_label=_("全部状态")
    )

    class Meta:
        model = Community
        fields = ["status", "q"]


class BuildingFilter(CommunityScopedFilterSet):
    search_fields = ("name",)

    class Meta:
        model = Building
        fields = ["community", "q"]


class UnitFilter(CommunityScopedFilterSet):
    search_fields = ("name",)
    building = BuildingChoiceFilter(label=_("楼栋"), empty_label=_("全部楼栋"))

    class Meta:
        model = Unit
        fields = ["community", "building", "q"]


class HouseFilter(CommunityScopedFilterSet):
    search_fields = ("room_no", "notes")
    building = BuildingChoiceFilter(label=_("楼栋"), empty_label=_("全部楼栋"))
    state = df.ChoiceFilter(
        label=_("房屋状态"), choices=HouseState.choices, empty_label=_("全部状态")
    )
    use = df.ChoiceFilter(label=_("用途"), choices=HouseUse.choices, empty_label=_("全部用途"))
    floor = df.NumberFilter(label=_("楼层"))
    # Set by links (a unit's "房屋数"); hidden in the console toolbar.
    unit = IdFilter(label=_("单元ID"), field_name="unit_id", widget=forms.HiddenInput)
    owner = df.CharFilter(label=_("业主"), method="filter_owner")

    class Meta:
        model = House
        fields = ["community", "building", "unit", "state", "use", "floor", "owner", "q"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # Searching by owner would reveal who lives where to roles that may not see people.
        if not get_access(_user(request)).can("residents.view"):
            self.filters.pop("owner", None)

    def filter_owner(self, queryset, name, value):
        """Houses with a current resident whose name or phone contains `value`."""
        value = (value or "").strip()
        if not value:
            return queryset
        match = Occupancy.objects.filter(house=OuterRef("pk"), end_date__isnull=True).filter(
            Q(resident__name__icontains=value) | Q(resident__phone__icontains=value)
        )
        return queryset.filter(Exists(match))


class ShopFilter(CommunityScopedFilterSet):
    search_fields = ("code", "name", "tenant_name")
    state = df.ChoiceFilter(label=_("状态"), choices=ShopState.choices, empty_label=_("全部状态"))

    class Meta:
        model = Shop
        fields = ["community", "state", "q"]


class ParkingLotFilter(CommunityScopedFilterSet):
    search_fields = ("name",)

    class Meta:
        model = ParkingLot
        fields = ["community", "q"]


class ParkingSpaceFilter(CommunityScopedFilterSet):
    search_fields = ("code",)
    lot = df.ModelChoiceFilter(label=_("车场"), queryset=_lots, empty_label=_("全部车场"))
    state = df.ChoiceFilter(label=_("状态"), choices=SpaceState.choices, empty_label=_("全部状态"))
    house = IdFilter(label=_("房屋ID"), field_name="house_id", widget=forms.HiddenInput)

    class Meta:
        model = ParkingSpace
        fields = ["community", "lot", "state", "house", "q"]


class VehicleFilter(CommunityScopedFilterSet):
    search_fields = ("plate", "brand", "resident__name")
    house = IdFilter(label=_("房屋ID"), field_name="house_id", widget=forms.HiddenInput)

    class Meta:
        model = Vehicle
        fields = ["community", "house", "q"]


class VenueFilter(CommunityScopedFilterSet):
    search_fields = ("name", "location")

    class Meta:
        model = Venue
        fields = ["community", "q"]


class AdSpaceFilter(CommunityScopedFilterSet):
    search_fields = ("code", "location", "rented_to")
    rented = df.BooleanFilter(label=_("已出租"), method="filter_rented")

    class Meta:
        model = AdSpace
        fields = ["community", "rented", "q"]

    def filter_rented(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(rented_to="") if value else queryset.filter(rented_to="")


class ResidentFilter(SearchFilterSet):
    search_fields = ("name", "phone")
    community = CommunityIdFilter(
        label=_("小区"), queryset=_communities, empty_label=_("全部小区"), method="filter_community"
    )
    relation = df.ChoiceFilter(
        label=_("身份"),
        choices=Relation.choices,
        empty_label=_("全部身份"),
        method="filter_relation",
    )
    living = df.ChoiceFilter(
        label=_("居住状态"),
        choices=[("yes", _("在住")), ("no", _("已迁出/未入住"))],
        empty_label=_("全部"),
        method="filter_living",
    )

    class Meta:
        model = Resident
        fields = ["community", "relation", "living", "q"]

    def _current(self):
        return Occupancy.objects.filter(resident=OuterRef("pk"), end_date__isnull=True)

    def filter_community(self, queryset, name, value):
        return (
            queryset.filter(Exists(self._current().filter(house__community=value)))
            if value
            else queryset
        )

    def filter_relation(self, queryset, name, value):
        return (
            queryset.filter(Exists(self._current().filter(relation=value))) if value else queryset
        )

    def filter_living(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(Exists(self._current()))
        if value == "no":
            return queryset.exclude(Exists(self._current()))
        return queryset


class OccupancyFilter(df.FilterSet):
    community = df.ModelChoiceFilter(
        label=_("小区"), queryset=_communities, field_name="house__community"
    )
    house = IdFilter(label=_("房屋ID"), field_name="house_id")
    resident = IdFilter(label=_("住户ID"), field_name="resident_id")
    relation = df.ChoiceFilter(label=_("身份"), choices=Relation.choices)
    active = df.BooleanFilter(label=_("在住"), field_name="end_date", lookup_expr="isnull")

    class Meta:
        model = Occupancy
        fields = ["community", "house", "resident", "relation", "active"]
