"""Explicit input and output shapes of the service-desk API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from wuyetong.core.ids import PK_MAX
from wuyetong.core.masking import mask_phone

from ..choices import CaseKind, CaseScope, Rating, Urgency


class CaseTypeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)


class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor = serializers.SerializerMethodField()
    note = serializers.CharField()
    at = serializers.DateTimeField()

    def get_actor(self, obj) -> str:
        return obj.actor.name if obj.actor else str(_("系统"))


class CaseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    case_type = serializers.IntegerField(source="case_type_id")
    case_type_name = serializers.CharField(source="case_type.name")
    house = serializers.IntegerField(source="house_id", allow_null=True)
    place = serializers.CharField(source="place_label")
    urgency = serializers.CharField()
    scope = serializers.CharField()
    description = serializers.CharField()
    reason = serializers.CharField()
    appointment_at = serializers.DateTimeField(allow_null=True)
    expected_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField()
    response_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    reopen_count = serializers.IntegerField()
    escalation_level = serializers.IntegerField()
    rating = serializers.CharField()
    rating_comment = serializers.CharField()
    reply = serializers.CharField()
    quote_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    quote_state = serializers.CharField()
    assignee_name = serializers.SerializerMethodField(help_text=_("处理人"))

    def get_assignee_name(self, obj) -> str:
        return obj.assignee.user.name if obj.assignee_id and obj.assignee else ""


class StaffCaseOutput(CaseOutput):
    reporter_name = serializers.CharField(source="reporter.name")
    reporter_phone = serializers.SerializerMethodField(help_text=_("无敏感信息权限时脱敏"))
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)

    def get_reporter_phone(self, obj) -> str:
        access = self.context.get("access")
        if access is not None and access.can("residents.view_sensitive"):
            return obj.reporter.phone
        return mask_phone(obj.reporter.phone)


class CaseDetailOutput(StaffCaseOutput):
    timeline = EventOutput(many=True)


class OwnerCaseDetailOutput(CaseOutput):
    timeline = EventOutput(many=True)


class SubmitInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    case_type = serializers.IntegerField(min_value=1, max_value=PK_MAX)
    description = serializers.CharField(max_length=2000)
    house = serializers.IntegerField(required=False, allow_null=True, default=None)
    community = serializers.IntegerField(required=False, allow_null=True, default=None)
    place = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    scope = serializers.ChoiceField(choices=CaseScope.choices, default=CaseScope.INDOOR)
    appointment_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    expected_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    client_token = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text=_("重复提交保护")
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=9
    )


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RateInput(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AssignInput(serializers.Serializer):
    assignee = serializers.IntegerField(min_value=1, max_value=PK_MAX)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class QuoteAcceptInput(serializers.Serializer):
    expected_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text=_("业主看到的报价金额；报价已变更时拒绝确认"),
    )


class QuoteInput(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CompleteInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    reply = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=9
    )


class ReplyInput(serializers.Serializer):
    reply = serializers.CharField(max_length=2000)


class AddInfoInput(serializers.Serializer):
    note = serializers.CharField(max_length=500)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=9
    )


class UrgeInput(serializers.Serializer):
    note = serializers.CharField(max_length=500)


class AnswerInput(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)


class UrgeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    note = serializers.CharField()
    urged_at = serializers.DateTimeField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
