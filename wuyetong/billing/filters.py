"""FilterSets of the billing lists, shared by the console pages and the API lists. Choice
lists (communities, buildings, fee items) are scoped to the request's user."""

from __future__ import annotations

import datetime as dt
import re

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from wuyetong.core.access import get_access
from wuyetong.core.filters import IdFilter
from wuyetong.core.ids import parse_pk
from wuyetong.estates.filters import SearchFilterSet
from wuyetong.estates.models import Building
from wuyetong.orgs.models import Community

from .choices import BillRunState, BillState, ChargeMethod, DunningChannel, DunningStatus
from .models import (
    Bill,
    BillRun,
    DunningRecord,
    FeeAssignment,
    FeeItem,
    FeeStandard,
    MeterReading,
    SharedMeter,
)

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def _user(request):
    return getattr(request, "user", None)


def _communities(request):
    access = get_access(_user(request))
    if not access.can("billing.view"):
        return Community.objects.none()
    return Community.objects.for_access(access, "").order_by("code")


def _fee_items(request):
    return FeeItem.objects.for_user(_user(request), "view").order_by("sort", "pk")


def _buildings(request):
    communities = _communities(request)
    qs = Building.objects.filter(community__in=communities).select_related("community")
    community = parse_pk(getattr(request, "GET", {}).get("community")) if request else None
    if community:
        qs = qs.filter(community_id=community)
    return qs.order_by("community__code", "sort", "name")


def parse_month(value) -> dt.date | None:
    """ "2025-03" → 2025-03-01; anything else None."""
    match = MONTH_RE.match(str(value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1990 <= year <= 2100):
        return None
    return dt.date(year, month, 1)


class MonthField(forms.CharField):
    default_error_messages = {"invalid": _("月份格式应为 2025-03")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


@extend_schema_field(OpenApiTypes.STR)
class MonthFilter(df.Filter):
    """A month as "YYYY-MM" matched against a date field holding the month's first day."""

    field_class = MonthField


@extend_schema_field(OpenApiTypes.INT)
class CommunityChoiceFilter(df.ModelChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("小区"))
        kwargs.setdefault("queryset", _communities)
        kwargs.setdefault("empty_label", _("全部小区"))
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class FeeItemChoiceFilter(df.ModelChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("收费项目"))
        kwargs.setdefault("queryset", _fee_items)
        kwargs.setdefault("empty_label", _("全部收费项目"))
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class BuildingFilter(df.ModelChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("楼栋"))
        kwargs.setdefault("queryset", _buildings)
        kwargs.setdefault("empty_label", _("全部楼栋"))
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        field = super().field
        field.label_from_instance = lambda b: f"{b.community.name} {b.name}"
        return field


class FeeItemFilter(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = FeeItem
        fields = ["kind", "is_active", "q"]


class FeeStandardFilter(SearchFilterSet):
    search_fields = ("name",)
    community = CommunityChoiceFilter()
    fee_item = FeeItemChoiceFilter()
    method = df.ChoiceFilter(
        label=_("计费方式"), choices=ChargeMethod.choices, empty_label=_("全部计费方式")
    )

    class Meta:
        model = FeeStandard
        fields = ["community", "fee_item", "method", "q"]


class FeeAssignmentFilter(SearchFilterSet):
    search_fields = ("house__room_no", "standard__name")
    community = CommunityChoiceFilter()
    building = BuildingFilter(field_name="house__building")
    standard = IdFilter(label=_("收费标准ID"), field_name="standard_id", widget=forms.HiddenInput)
    house = IdFilter(label=_("房屋ID"), field_name="house_id", widget=forms.HiddenInput)
    active = df.BooleanFilter(
        label=_("计费中"),
        field_name="end_date",
        lookup_expr="isnull",
        widget=forms.Select(
            choices=[("", _("全部")), ("true", _("计费中")), ("false", _("已截止"))]
        ),
    )

    class Meta:
        model = FeeAssignment
        fields = ["community", "building", "standard", "house", "active", "q"]


class BillRunFilter(df.FilterSet):
    community = CommunityChoiceFilter()
    fee_item = FeeItemChoiceFilter()
    period = MonthFilter(label=_("账期"), field_name="period")
    state = df.ChoiceFilter(
        label=_("状态"), choices=BillRunState.choices, empty_label=_("全部状态")
    )

    class Meta:
        model = BillRun
        fields = ["community", "fee_item", "period", "state"]


class BillFilter(SearchFilterSet):
    search_fields = ("house__room_no", "calculation")
    community = CommunityChoiceFilter()
    building = BuildingFilter(field_name="house__building")
    fee_item = FeeItemChoiceFilter()
    period = MonthFilter(label=_("账期"), field_name="period")
    state = df.ChoiceFilter(label=_("状态"), choices=BillState.choices, empty_label=_("全部状态"))
    bill_run = IdFilter(label=_("批次ID"), field_name="bill_run_id", widget=forms.HiddenInput)
    house = IdFilter(label=_("房屋ID"), field_name="house_id", widget=forms.HiddenInput)
    allocation = IdFilter(
        label=_("公摊ID"), field_name="shared_allocation_id", widget=forms.HiddenInput
    )

    class Meta:
        model = Bill
        fields = [
            "community",
            "building",
            "fee_item",
            "period",
            "state",
            "bill_run",
            "house",
            "allocation",
            "q",
        ]


class MeterReadingFilter(SearchFilterSet):
    search_fields = ("house__room_no",)
    community = CommunityChoiceFilter()
    building = BuildingFilter(field_name="house__building")
    fee_item = FeeItemChoiceFilter(label=_("表类型"), empty_label=_("全部表类型"))
    period = MonthFilter(label=_("抄表月份"), field_name="period")
    billed = df.BooleanFilter(
        label=_("出账"),
        field_name="bill",
        lookup_expr="isnull",
        exclude=True,
        widget=forms.Select(
            choices=[("", _("全部")), ("true", _("已出账")), ("false", _("未出账"))]
        ),
    )

    class Meta:
        model = MeterReading
        fields = ["community", "building", "fee_item", "period", "billed", "q"]


class SharedMeterFilter(SearchFilterSet):
    search_fields = ("name",)
    community = CommunityChoiceFilter()

    class Meta:
        model = SharedMeter
        fields = ["community", "q"]


class DunningFilter(SearchFilterSet):
    search_fields = ("house__room_no", "recipient_name", "notice_no")
    community = CommunityChoiceFilter()
    channel = df.ChoiceFilter(
        label=_("方式"), choices=DunningChannel.choices, empty_label=_("全部方式")
    )
    status = df.ChoiceFilter(
        label=_("结果"), choices=DunningStatus.choices, empty_label=_("全部结果")
    )
    house = IdFilter(label=_("房屋ID"), field_name="house_id", widget=forms.HiddenInput)
    batch = df.CharFilter(label=_("批次"), field_name="batch", widget=forms.HiddenInput)

    class Meta:
        model = DunningRecord
        fields = ["community", "channel", "status", "house", "batch", "q"]
