"""Shapes of the owner's own data (/api/v1/me/)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from wuyetong.estates.choices import Relation
from wuyetong.notices.api.serializers import AirOutput, OwnerNoticeOutput, WeatherOutput


class HouseBrief(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.CharField(source="community.name")
    community_id = serializers.IntegerField()
    building = serializers.CharField(source="building.name")
    unit = serializers.CharField(source="unit.name")
    room_no = serializers.CharField()
    building_area = serializers.DecimalField(max_digits=10, decimal_places=2)


class OccupancyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    house = HouseBrief()
    relation = serializers.CharField()
    relation_label = serializers.CharField(source="get_relation_display")
    start_date = serializers.DateField()


class BindingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    house = HouseBrief()
    relation = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    reject_reason = serializers.CharField()
    replaces = serializers.IntegerField(source="replaces_id", allow_null=True)
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)


class BindingCreateInput(serializers.Serializer):
    house = serializers.IntegerField()
    relation = serializers.ChoiceField(choices=Relation.choices, default=Relation.OWNER)
    applicant_name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default=""
    )
    applicant_id_card = serializers.CharField(
        max_length=18, required=False, allow_blank=True, default=""
    )
    replaces = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("改绑时填写要替换的房屋绑定 id（我的房屋中的 id）"),
    )


class ShortcutOutput(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    url = serializers.CharField()


class CaseBrief(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    type = serializers.CharField(source="case_type.name")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    submitted_at = serializers.DateTimeField()


class HomeWeather(WeatherOutput):
    city = serializers.CharField()


class HomeOutput(serializers.Serializer):
    unread_messages = serializers.IntegerField()
    unread_notices = serializers.IntegerField()
    unpaid_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    unpaid_count = serializers.IntegerField()
    open_case_count = serializers.IntegerField()
    open_cases = CaseBrief(many=True)
    notices = OwnerNoticeOutput(many=True)
    weather = HomeWeather(allow_null=True)
    air = AirOutput(allow_null=True)
    shortcuts = ShortcutOutput(many=True)
