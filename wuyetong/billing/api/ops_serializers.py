"""Explicit input and output shapes of the billing setup, bill-run, meter-reading, 公摊,
arrears and dunning API. Money is a decimal string with two places."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from wuyetong.core.ids import PK_MAX

from ..choices import (
    ChargeMethod,
    ChargeTarget,
    DunningChannel,
    FeeKind,
    PayTiming,
    Rounding,
    SharedBasis,
)

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
PRICE: dict[str, Any] = {"max_digits": 12, "decimal_places": 4}
QTY: dict[str, Any] = {"max_digits": 14, "decimal_places": 4}


def pk_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=PK_MAX, **kwargs)


class FeeItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=FeeKind.choices)
    sort = serializers.IntegerField()
    is_active = serializers.BooleanField()


class FeeItemInput(serializers.Serializer):
    name = serializers.CharField(max_length=30)
    kind = serializers.ChoiceField(choices=FeeKind.choices)
    sort = serializers.IntegerField(min_value=0, max_value=32767, default=0)


class FeeItemPatch(serializers.Serializer):
    name = serializers.CharField(max_length=30, required=False)
    sort = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    is_active = serializers.BooleanField(required=False)


class TierSerializer(serializers.Serializer):
    """A tier band as typed: an upper bound (null on the last band) and a price, as decimal
    strings (the service checks they ascend and are not negative)."""

    up_to = serializers.CharField(allow_null=True, required=False, max_length=20)
    price = serializers.CharField(max_length=20)


class FeeStandardOutput(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    fee_item = serializers.IntegerField(source="fee_item_id")
    fee_item_name = serializers.CharField(source="fee_item.name")
    name = serializers.CharField()
    method = serializers.ChoiceField(choices=ChargeMethod.choices)
    target = serializers.ChoiceField(choices=ChargeTarget.choices)
    unit_price = serializers.DecimalField(**PRICE)
    fixed_amount = serializers.DecimalField(**MONEY)
    tiers = TierSerializer(many=True)
    tiers_yearly = serializers.BooleanField()
    cycle_months = serializers.IntegerField()
    timing = serializers.ChoiceField(choices=PayTiming.choices)
    due_day = serializers.IntegerField()
    rounding = serializers.ChoiceField(choices=Rounding.choices)
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)


class FeeStandardPatch(serializers.Serializer):
    """What may change on a standard (bills already issued keep their figures)."""

    unit_price = serializers.DecimalField(required=False, **PRICE)
    fixed_amount = serializers.DecimalField(required=False, **MONEY)
    tiers = TierSerializer(many=True, required=False)
    cycle_months = serializers.ChoiceField(choices=[1, 3, 6, 12], required=False)
    timing = serializers.ChoiceField(choices=PayTiming.choices, required=False)
    due_day = serializers.IntegerField(min_value=1, max_value=28, required=False)
    rounding = serializers.ChoiceField(choices=Rounding.choices, required=False)
    effective_from = serializers.DateField(required=False)
    effective_to = serializers.DateField(required=False, allow_null=True)


class FeeStandardInput(FeeStandardPatch):
    community = pk_field()
    fee_item = pk_field()
    name = serializers.CharField(max_length=50)
    method = serializers.ChoiceField(choices=ChargeMethod.choices)
    target = serializers.ChoiceField(choices=ChargeTarget.choices, default=ChargeTarget.HOUSE)
    tiers_yearly = serializers.BooleanField(default=False)
    effective_from = serializers.DateField()


class StandardAssignInput(serializers.Serializer):
    houses = serializers.ListField(child=pk_field(), required=False, max_length=20000)
    buildings = serializers.ListField(child=pk_field(), required=False, max_length=1000)
    house_uses = serializers.ListField(child=serializers.CharField(), required=False)
    spaces = serializers.ListField(child=pk_field(), required=False, max_length=20000)
    vehicles = serializers.ListField(child=pk_field(), required=False, max_length=20000)
    start_date = serializers.DateField(required=False, allow_null=True)


class StandardAssignOutput(serializers.Serializer):
    created = serializers.IntegerField()
    already = serializers.IntegerField()
    skipped = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


class AssignmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    standard = serializers.IntegerField(source="standard_id")
    standard_name = serializers.CharField(source="standard.name")
    house = serializers.IntegerField(source="house_id")
    parking_space = serializers.IntegerField(source="parking_space_id", allow_null=True)
    vehicle = serializers.IntegerField(source="vehicle_id", allow_null=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)


class AssignmentEndInput(serializers.Serializer):
    end_date = serializers.DateField()


class PeriodInput(serializers.Serializer):
    community = pk_field()
    period = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        help_text=_("月份，如 2025-03"),
        error_messages={"invalid": _("月份格式应为 2025-03")},
    )


class BillSample(serializers.Serializer):
    house = serializers.IntegerField(source="house_id")
    fee_item = serializers.IntegerField(source="fee_item_id")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    due_date = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)
    calculation = serializers.CharField()


class FeeItemTotal(serializers.Serializer):
    fee_item = serializers.CharField()
    count = serializers.IntegerField()
    total = serializers.DecimalField(**MONEY)


class PreviewOutput(serializers.Serializer):
    period = serializers.DateField()
    count = serializers.IntegerField()
    total = serializers.DecimalField(**MONEY)
    existing_count = serializers.IntegerField()
    existing_total = serializers.DecimalField(**MONEY)
    by_fee_item = FeeItemTotal(many=True)
    samples = BillSample(many=True)
    skipped = serializers.ListField(child=serializers.CharField())


class JobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    period = serializers.DateField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    created_count = serializers.IntegerField()
    created_amount = serializers.DecimalField(**MONEY)
    result = serializers.JSONField()
    error = serializers.CharField()
    progress = serializers.DictField(source="progress_info")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class RunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    fee_item = serializers.IntegerField(source="fee_item_id")
    fee_item_name = serializers.CharField(source="fee_item.name")
    period = serializers.DateField()
    state = serializers.CharField()
    bill_count = serializers.IntegerField()
    total_amount = serializers.DecimalField(**MONEY)
    paid = serializers.BooleanField()
    committed_at = serializers.DateTimeField(allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()


class VoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class BillOutput(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    house = serializers.IntegerField(source="house_id")
    fee_item = serializers.IntegerField(source="fee_item_id")
    fee_item_name = serializers.CharField(source="fee_item.name")
    bill_run = serializers.IntegerField(source="bill_run_id", allow_null=True)
    period = serializers.DateField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    due_date = serializers.DateField()
    quantity = serializers.DecimalField(**QTY)
    unit_price = serializers.DecimalField(**PRICE)
    amount = serializers.DecimalField(**MONEY)
    paid_amount = serializers.DecimalField(**MONEY)
    state = serializers.CharField()
    calculation = serializers.CharField()


class ReadingRowInput(serializers.Serializer):
    house = pk_field()
    current_reading = serializers.CharField(max_length=30)
    previous_reading = serializers.CharField(max_length=30, required=False, allow_null=True)
    meter_changed = serializers.BooleanField(default=False)
    old_meter_final = serializers.CharField(max_length=30, required=False, allow_null=True)


class ReadingBatchInput(serializers.Serializer):
    community = pk_field()
    fee_item = pk_field()
    period = serializers.RegexField(r"^\d{4}-\d{2}$", help_text=_("抄表月份，如 2025-03"))
    read_on = serializers.DateField(required=False)
    rows = ReadingRowInput(many=True, allow_empty=False, max_length=5000)  # type: ignore[call-arg]


class ReadingBatchOutput(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ReadingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    house = serializers.IntegerField(source="house_id")
    fee_item = serializers.IntegerField(source="fee_item_id")
    period = serializers.DateField()
    previous_reading = serializers.DecimalField(**QTY)
    current_reading = serializers.DecimalField(**QTY)
    meter_changed = serializers.BooleanField()
    old_meter_final = serializers.DecimalField(allow_null=True, **QTY)
    usage = serializers.DecimalField(**QTY)
    read_on = serializers.DateField()
    source_label = serializers.CharField(
        source="get_source_display"
    )  # "source" is a Field attribute
    bill = serializers.IntegerField(source="bill_id", allow_null=True)


class SharedMeterOutput(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    fee_item = serializers.IntegerField(source="fee_item_id")
    name = serializers.CharField()
    basis = serializers.ChoiceField(choices=SharedBasis.choices)
    unit_price = serializers.DecimalField(**PRICE)
    buildings = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()

    def get_buildings(self, obj) -> list[int]:
        return [b.pk for b in obj.buildings.all()]


class SharedMeterInput(serializers.Serializer):
    community = pk_field()
    fee_item = pk_field()
    name = serializers.CharField(max_length=50)
    basis = serializers.ChoiceField(choices=SharedBasis.choices)
    unit_price = serializers.DecimalField(**PRICE)
    buildings = serializers.ListField(child=pk_field(), required=False)


class SharedReadingInput(serializers.Serializer):
    period = serializers.RegexField(r"^\d{4}-\d{2}$", help_text=_("月份，如 2025-03"))
    current_reading = serializers.CharField(max_length=30)
    previous_reading = serializers.CharField(max_length=30, required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class SharePart(serializers.Serializer):
    house = serializers.IntegerField()
    weight = serializers.DecimalField(**QTY)
    amount = serializers.DecimalField(**MONEY)


class SharedPreviewOutput(serializers.Serializer):
    period = serializers.DateField()
    previous = serializers.DecimalField(**QTY)
    current = serializers.DecimalField(**QTY)
    usage = serializers.DecimalField(**QTY)
    total = serializers.DecimalField(**MONEY)
    houses = serializers.IntegerField()
    weight_total = serializers.DecimalField(**QTY)
    due_date = serializers.DateField()
    sample = SharePart(many=True)


class SharedReadingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    meter = serializers.IntegerField(source="meter_id")
    period = serializers.DateField()
    previous_reading = serializers.DecimalField(**QTY)
    current_reading = serializers.DecimalField(**QTY)
    usage = serializers.DecimalField(**QTY)
    unit_price = serializers.DecimalField(**PRICE)
    amount = serializers.DecimalField(**MONEY)
    allocation = serializers.IntegerField(source="allocation_id")


class SharedShareOutput(serializers.Serializer):
    meter = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    previous_reading = serializers.DecimalField(allow_null=True, **QTY)
    current_reading = serializers.DecimalField(allow_null=True, **QTY)
    usage = serializers.DecimalField(allow_null=True, **QTY)
    unit_price = serializers.DecimalField(allow_null=True, **PRICE)
    total = serializers.DecimalField(**MONEY)
    basis = serializers.CharField()
    basis_label = serializers.CharField()
    weight = serializers.DecimalField(**QTY)
    weight_unit = serializers.CharField()
    weight_total = serializers.DecimalField(**QTY)
    households = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class DunningInput(serializers.Serializer):
    community = pk_field()
    houses = serializers.ListField(child=pk_field(), allow_empty=False, max_length=2000)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=DunningChannel.choices), allow_empty=False
    )
