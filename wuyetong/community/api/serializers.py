"""API serializers for community life: they parse and render; the services hold the rules.
Related ids resolve within the caller's reach, so another company's id reads as absent."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from wuyetong.core.access import get_access
from wuyetong.core.masking import mask_phone
from wuyetong.estates.models import Resident
from wuyetong.orgs.models import Community

from ..choices import CommitteeRole
from ..filters import reachable_communities
from ..models import CommitteeMember, EmergencyContact


class _Scoped(serializers.PrimaryKeyRelatedField):
    def _user(self):
        return getattr(self.context.get("request"), "user", None)


class CommunityField(_Scoped):
    """A community the caller reaches in the "community" module."""

    def get_queryset(self):
        return reachable_communities(self.context.get("request"))


class CompanyResidentField(_Scoped):
    """A resident of the caller's company (the service checks they own a house there)."""

    def get_queryset(self):
        return Resident.objects.filter(company_id=get_access(self._user()).company_id)


class _NoModelValidators(serializers.ModelSerializer):
    # Uniqueness and cross-field rules are the services'; keep DRF from guessing them.
    def get_validators(self):
        return []


class CommitteeMemberSerializer(_NoModelValidators):
    community: Any = CommunityField(queryset=Community.objects.none())
    resident: Any = CompanyResidentField(
        queryset=Resident.objects.none(), required=False, allow_null=True
    )
    community_name = serializers.CharField(source="community.name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = CommitteeMember
        fields = [
            "id",
            "community",
            "community_name",
            "name",
            "role",
            "role_display",
            "phone",
            "resident",
            "term_start",
            "term_end",
            "ended_on",
            "end_reason",
            "notes",
            "is_current",
        ]
        read_only_fields = ["ended_on", "end_reason"]
        extra_kwargs = {"name": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, CommitteeMember):
            for name in ("community", "role", "term_start"):
                self.fields[name].read_only = True

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = getattr(self.context.get("request"), "user", None)
        if not get_access(user).can("community.change"):
            data["phone"] = mask_phone(data["phone"])
        return data


class CommitteeEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.CharField(max_length=100)


class CommitteeRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=CommitteeRole.choices)
    on = serializers.DateField()


class EmergencyContactSerializer(_NoModelValidators):
    community: Any = CommunityField(queryset=Community.objects.none())
    community_name = serializers.CharField(source="community.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = EmergencyContact
        fields = [
            "id",
            "community",
            "community_name",
            "name",
            "phone",
            "kind",
            "kind_display",
            "note",
            "sort",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, EmergencyContact):
            self.fields["community"].read_only = True


class OwnerEmergencyContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    kind = serializers.CharField()
    note = serializers.CharField()


class OwnerEmergencyGroupSerializer(serializers.Serializer):
    community = serializers.IntegerField()
    community_name = serializers.CharField()
    configured = serializers.BooleanField(help_text="false: 小区未配置，列出通用号码")
    contacts = OwnerEmergencyContactSerializer(many=True)


class DefaultsInputSerializer(serializers.Serializer):
    community: Any = CommunityField(queryset=Community.objects.none())


class CountSerializer(serializers.Serializer):
    added = serializers.IntegerField()
