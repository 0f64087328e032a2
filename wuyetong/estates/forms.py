"""Console forms. They parse input only (types, required, lengths); the rules live in
services/resources.py, whose ApplicationError lands on the field it names."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import get_access
from wuyetong.core.ids import parse_pk
from wuyetong.core.masking import mask_phone
from wuyetong.orgs.choices import OrgKind
from wuyetong.orgs.models import Community, OrgUnit

from . import selectors
from .choices import HouseState, Relation
from .models import (
    AdSpace,
    Building,
    House,
    ParkingLot,
    ParkingSpace,
    Resident,
    Shop,
    Unit,
    Vehicle,
    Venue,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
GENDERS = [("", "—"), ("M", _("男")), ("F", _("女"))]


def house_label(house: House) -> str:
    return f"{house.community.name} {house.building.name}{house.unit.name}{house.room_no}"


class ServiceForm(forms.ModelForm):
    """A ModelForm that only parses: model validation and uniqueness are the service's job
    (one place for every rule, shared with the API)."""

    def __init__(self, *args, user=None, community_id: int | None = None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        # Choice lists (houses, spaces, lots) are narrowed to one community: the edited
        # object's, or the one the clerk was filtering by when they clicked 新增.
        self.community_id = getattr(self.instance, "community_id", None) or community_id
        if not self.instance.pk and community_id and "community" in self.fields:
            self.initial.setdefault("community", community_id)
        for field in self.fields.values():
            if isinstance(field.widget, forms.DateInput):
                field.widget = DATE

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}


def _in_community(queryset, form: ServiceForm):
    return queryset.filter(community_id=form.community_id) if form.community_id else queryset


def _scoped_community_field(form: ServiceForm, action: str = "add") -> None:
    field = cast(forms.ModelChoiceField, form.fields["community"])
    field.queryset = Community.objects.for_user(form.user, action).order_by("code")
    field.empty_label = gettext("请选择小区")


class CommunityForm(ServiceForm):
    class Meta:
        model = Community
        fields = [
            "project",
            "district",
            "name",
            "code",
            "address",
            "total_area",
            "service_phone",
            "introduction",
        ]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        access = get_access(self.user)
        projects = OrgUnit.objects.filter(company_id=access.company_id, kind=OrgKind.PROJECT)
        if access.org_unit_ids is not None:
            projects = projects.filter(pk__in=access.org_unit_ids)
        self.fields["project"].queryset = projects.order_by("path")
        self.fields["district"].queryset = self.fields["district"].queryset.select_related("city")
        if self.instance.pk:
            del self.fields["project"]


class BuildingForm(ServiceForm):
    class Meta:
        model = Building
        fields = ["community", "name", "floors", "sort"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["community"]
        else:
            _scoped_community_field(self)


class UnitForm(ServiceForm):
    class Meta:
        model = Unit
        fields = ["name"]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.community.name} {obj.building.name}{obj.name}"


class HouseForm(ServiceForm):
    unit = UnitChoiceField(
        label=_("楼栋单元"), queryset=Unit.objects.none(), empty_label=_("请选择楼栋单元")
    )

    class Meta:
        model = House
        fields = [
            "unit",
            "room_no",
            "floor",
            "use",
            "building_area",
            "inner_area",
            "fee_coefficient",
            "state",
            "handover_date",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = (
                Unit.objects.for_user(self.user, "add")
                .select_related("community", "building")
                .order_by("community__code", "building__sort", "building__name", "name")
            )


def _house_pk(value) -> int:
    """A house id in the range a key can hold; anything else is an invalid choice."""
    pk = parse_pk(value)
    if pk is None:
        raise ValueError(value)
    return pk


class HouseBatchStateForm(forms.Form):
    state = forms.ChoiceField(
        label=_("改为状态"), choices=[("", _("批量改状态…")), *HouseState.choices]
    )
    houses = forms.TypedMultipleChoiceField(
        label=_("房屋"), coerce=_house_pk, choices=(), required=False
    )
    # "All houses matching the list's filters", not just the ticked rows of this page.
    all_matching = forms.BooleanField(label=_("全部筛选结果"), required=False)
    filter = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any ids are accepted here; the service checks each against the user's scope.
        self.fields["houses"].choices = [
            (v, v) for v in (self.data.getlist("houses") if self.data else [])
        ]


class ShopForm(ServiceForm):
    class Meta:
        model = Shop
        fields = [
            "community",
            "code",
            "name",
            "building_area",
            "state",
            "tenant_name",
            "tenant_phone",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["community"]
        else:
            _scoped_community_field(self)


class ParkingLotForm(BuildingForm):
    class Meta:
        model = ParkingLot
        fields = ["community", "name", "underground"]


class HouseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return house_label(obj)


class ParkingSpaceForm(ServiceForm):
    house = HouseChoiceField(
        label=_("关联房屋"),
        queryset=House.objects.none(),
        required=False,
        empty_label=_("—（空闲车位不关联）"),
    )

    class Meta:
        model = ParkingSpace
        fields = ["lot", "code", "area", "state", "house", "rent_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = _in_community(selectors.house_choices(self.user), self)
        if self.instance.pk:
            del self.fields["lot"]
        else:
            self.fields["lot"].queryset = _in_community(
                ParkingLot.objects.for_user(self.user, "add").select_related("community"), self
            )
            self.fields["lot"].label_from_instance = lambda lot: f"{lot.community.name} {lot.name}"


class VehicleForm(ServiceForm):
    house = HouseChoiceField(
        label=_("房屋"), queryset=House.objects.none(), required=False, empty_label="—"
    )
    owner_phone = forms.CharField(
        label=_("车主手机号"),
        max_length=11,
        required=False,
        help_text=_("填写住户档案中的手机号以关联车主"),
    )

    class Meta:
        model = Vehicle
        fields = ["community", "plate", "house", "owner_phone", "space", "brand", "color"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plate"].validators = []  # the service normalises, then validates
        self.fields["plate"].help_text = gettext("如 浙A12345，新能源车牌8位")
        self.fields["house"].queryset = _in_community(selectors.house_choices(self.user), self)
        self.fields["space"].queryset = _in_community(
            ParkingSpace.objects.for_user(self.user, "view").select_related("lot"), self
        )
        self.fields["space"].empty_label = "—"
        access = get_access(self.user)
        if not access.can("residents.view"):
            del self.fields["owner_phone"]
        elif self.instance.pk and self.instance.resident_id:
            phone = self.instance.resident.phone
            if access.can("residents.view_sensitive"):
                self.initial["owner_phone"] = phone
            else:
                self.initial["owner_phone"] = mask_phone(phone)
                self.fields["owner_phone"].disabled = True
        if self.instance.pk:
            del self.fields["community"]
        else:
            _scoped_community_field(self)

    def clean_owner_phone(self):
        phone = (self.cleaned_data.get("owner_phone") or "").strip()
        if not phone or self.fields["owner_phone"].disabled:
            return phone
        self.owner = Resident.objects.for_user(self.user, "view").filter(phone=phone).first()
        if self.owner is None:
            raise forms.ValidationError(gettext("住户档案中没有该手机号的住户"))
        return phone

    def service_data(self) -> dict:
        data = super().service_data()
        if "owner_phone" in data:
            phone = data.pop("owner_phone")
            if not self.fields["owner_phone"].disabled:
                data["resident"] = getattr(self, "owner", None) if phone else None
        return data


class VenueForm(BuildingForm):
    class Meta:
        model = Venue
        fields = ["community", "name", "location", "capacity", "area"]


class AdSpaceForm(BuildingForm):
    class Meta:
        model = AdSpace
        fields = ["community", "code", "location", "size", "rented_to", "rent_until"]


class ResidentForm(ServiceForm):
    gender = forms.ChoiceField(label=_("性别"), choices=GENDERS, required=False)

    class Meta:
        model = Resident
        fields = ["name", "phone", "id_card", "gender", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators = []  # checked by the service, message on the field


class MoveInForm(forms.Form):
    """Move a person into a house: an existing resident is found by phone."""

    relation = forms.ChoiceField(label=_("身份"), choices=Relation.choices, initial=Relation.OWNER)
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(
        label=_("手机号"),
        max_length=11,
        required=False,
        help_text=_("已有该手机号的住户将直接绑定"),
    )
    id_card = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=GENDERS, required=False)
    start_date = forms.DateField(label=_("入住日期"), widget=DATE)
    house_state = forms.ChoiceField(
        label=_("房屋状态改为"), choices=[("", _("不变")), *HouseState.choices], required=False
    )

    def __init__(self, *args, can_change_house: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].initial = timezone.localdate()
        if not can_change_house:
            del self.fields["house_state"]


class MoveOutForm(forms.Form):
    end_date = forms.DateField(label=_("迁出日期"), widget=DATE)
    end_reason = forms.CharField(label=_("迁出原因"), max_length=100)
    house_state = forms.ChoiceField(
        label=_("房屋状态改为"), choices=[("", _("不变")), *HouseState.choices], required=False
    )

    def __init__(self, *args, can_change_house: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = timezone.localdate()
        if not can_change_house:
            del self.fields["house_state"]


class RebindForm(forms.Form):
    house = HouseChoiceField(
        label=_("新房屋"), queryset=House.objects.none(), empty_label=_("请选择房屋")
    )
    date = forms.DateField(label=_("改绑日期"), widget=DATE)
    relation = forms.ChoiceField(
        label=_("身份"), choices=[("", _("保持不变")), *Relation.choices], required=False
    )
    reason = forms.CharField(label=_("改绑原因"), max_length=60, required=False)

    def __init__(self, *args, user=None, exclude_house=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = selectors.house_choices(user)
        if exclude_house is not None:
            qs = qs.exclude(pk=exclude_house.pk)
        self.fields["house"].queryset = qs
        self.fields["date"].initial = timezone.localdate()


class ResidentBindForm(forms.Form):
    """Bind an existing resident to a house (from the resident's page)."""

    house = HouseChoiceField(
        label=_("房屋"), queryset=House.objects.none(), empty_label=_("请选择房屋")
    )
    relation = forms.ChoiceField(label=_("身份"), choices=Relation.choices, initial=Relation.OWNER)
    start_date = forms.DateField(label=_("入住日期"), widget=DATE)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = selectors.house_choices(user)
        self.fields["start_date"].initial = timezone.localdate()
