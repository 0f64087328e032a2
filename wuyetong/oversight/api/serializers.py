"""Output shapes of the statistics API (read only: it takes query parameters, no bodies)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class FiguresOutput(serializers.Serializer):
    received = serializers.IntegerField(help_text=_("受理"))
    accepted = serializers.IntegerField(help_text=_("已接单"))
    resolved = serializers.IntegerField(help_text=_("已办结"))
    overdue = serializers.IntegerField(help_text=_("超时（响应或解决）"))
    escalated = serializers.IntegerField(help_text=_("升级（公司内或报房管部门）"))
    urged = serializers.IntegerField(help_text=_("被催办的工单数"))
    rated = serializers.IntegerField()
    good = serializers.IntegerField()
    bad = serializers.IntegerField()
    acceptance_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text=_("接单率%")
    )
    resolution_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text=_("办结率%")
    )
    avg_response_minutes = serializers.DecimalField(
        max_digits=14, decimal_places=1, allow_null=True, help_text=_("平均响应（分钟）")
    )
    avg_resolution_hours = serializers.DecimalField(
        max_digits=14, decimal_places=1, allow_null=True, help_text=_("平均办结（小时）")
    )
    satisfaction_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text=_("好评率%")
    )
    repair_satisfaction_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text=_("报修好评率%")
    )
    complaint_satisfaction_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text=_("投诉好评率%")
    )


class FigureRowOutput(serializers.Serializer):
    month = serializers.DateField(required=False, help_text=_("by=month：月份（当月1日）"))
    company = serializers.IntegerField(source="company_id", required=False)
    company_name = serializers.CharField(source="company__name", required=False)
    community = serializers.IntegerField(source="community_id", required=False)
    community_name = serializers.CharField(source="community__name", required=False)
    district_name = serializers.CharField(source="community__district__name", required=False)
    figures = FiguresOutput()

    def to_representation(self, instance):
        # Only the keys of the table asked for (a month row has no company).
        data = super().to_representation(instance)
        return {k: v for k, v in data.items() if k == "figures" or k in self.keys(instance)}

    @staticmethod
    def keys(row) -> set[str]:
        names = {
            "month": "month",
            "company_id": "company",
            "company__name": "company_name",
            "community_id": "community",
            "community__name": "community_name",
            "community__district__name": "district_name",
        }
        return {names[k] for k in row.key if k in names}


class FigureTableOutput(serializers.Serializer):
    month_from = serializers.DateField()
    month_to = serializers.DateField()
    total = FiguresOutput()
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = FigureRowOutput(many=True)
