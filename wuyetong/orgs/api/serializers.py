"""Explicit input and output shapes for the organisation API."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from wuyetong.core.access import get_access
from wuyetong.core.ids import PK_MAX
from wuyetong.core.masking import mask_phone

from ..choices import DataScope, OrgKind
from ..models import (
    Bureau,
    City,
    Community,
    Company,
    Department,
    District,
    Employee,
    Merchant,
    OperationLog,
    OrgUnit,
    Position,
    Role,
)
from ..oplog_display import format_changes
from ..permissions import MODULE_LABELS


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key resolved through the model's `for_user` scope: another tenant's id is
    "does not exist", exactly like a missing one."""

    def __init__(self, model, action: str = "view", **kwargs):
        self.model, self.scope_action = model, action
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:  # schema generation, or a serializer used without a request
            return self.model.objects.none()
        return self.model.objects.for_access(get_access(request.user), self.scope_action)


# Company structure ----------------------------------------------------------------------


class OrgUnitOut(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "name", "kind", "parent", "path", "created_at"]


class OrgUnitCreateIn(serializers.Serializer):
    parent = ScopedRelatedField(OrgUnit, "add")  # type: ignore[assignment]  # DRF pops declared fields
    kind = serializers.ChoiceField(choices=[OrgKind.REGION, OrgKind.PROJECT])
    name = serializers.CharField(max_length=100)


class NameIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class OrgUnitUpdateIn(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    parent = ScopedRelatedField(OrgUnit, "change", required=False)  # type: ignore[assignment]


class DepartmentOut(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "org_unit", "org_unit_name"]


class DepartmentCreateIn(serializers.Serializer):
    org_unit = ScopedRelatedField(OrgUnit, "add")
    name = serializers.CharField(max_length=50)


class PositionOut(serializers.ModelSerializer):
    class Meta:
        model = Position
        fields = ["id", "name"]


class RoleBrief(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["id", "name"]


class EmployeeOut(serializers.ModelSerializer):
    name = serializers.CharField(source="user.name", read_only=True)
    phone = serializers.SerializerMethodField()
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    roles = RoleBrief(many=True, read_only=True)

    class Meta:
        model = Employee
        fields = [
            "id",
            "employee_no",
            "name",
            "phone",
            "org_unit",
            "org_unit_name",
            "department",
            "position",
            "hired_on",
            "is_active",
            "roles",
        ]

    def get_phone(self, obj) -> str:
        # Whole numbers only for those who may change employees (SPEC §4 masking).
        request = self.context.get("request")
        if request and get_access(request.user).can("org.change"):
            return obj.user.phone
        return mask_phone(obj.user.phone)


class EmployeeUpdateIn(serializers.Serializer):
    org_unit = ScopedRelatedField(OrgUnit, "change")
    department = ScopedRelatedField(Department, "view", required=False, allow_null=True)
    position = ScopedRelatedField(Position, "view", required=False, allow_null=True)
    employee_no = serializers.CharField(max_length=30)
    hired_on = serializers.DateField(required=False, allow_null=True)


class EmployeeCreateIn(EmployeeUpdateIn):
    org_unit = ScopedRelatedField(OrgUnit, "add")
    phone = serializers.CharField(max_length=11)
    name = serializers.CharField(max_length=50)


class EmployeeRolesIn(serializers.Serializer):
    roles = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=PK_MAX),
        allow_empty=True,
        max_length=100,
    )


class EmployeeActiveIn(serializers.Serializer):
    is_active = serializers.BooleanField()


class RoleOut(serializers.ModelSerializer):
    permissions = serializers.ListField(child=serializers.CharField(), read_only=True)
    employee_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Role
        fields = [
            "id",
            "name",
            "template",
            "data_scope",
            "description",
            "permissions",
            "employee_count",
        ]


class RoleCreateIn(serializers.Serializer):
    template = serializers.CharField(
        allow_blank=True, help_text=_("内置模板代码；空字符串为空白角色")
    )
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)


class RoleUpdateIn(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    data_scope = serializers.ChoiceField(choices=DataScope.choices)
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    permissions = serializers.ListField(child=serializers.CharField(), allow_empty=True)


class RoleTemplateOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    data_scope = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())


class OperationLogOut(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    object_type = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField(help_text=_("变更字段的中文描述"))

    class Meta:
        model = OperationLog
        fields = [
            "id",
            "created_at",
            "company",
            "actor",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "summary",
            "note",
            "ip",
        ]

    def get_actor_name(self, obj) -> str:
        return obj.actor.name if obj.actor else gettext("系统")

    def get_object_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def get_summary(self, obj) -> str:
        return format_changes(obj.changes, obj.content_type.model_class(), obj.action)


# Platform and bureau ---------------------------------------------------------------------


class ReviewIn(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ModulesIn(serializers.Serializer):
    modules = serializers.ListField(
        child=serializers.ChoiceField(choices=list(MODULE_LABELS.items()))
    )


class CompanyOut(serializers.ModelSerializer):
    city_name = serializers.CharField(source="city.name", read_only=True)
    modules = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "short_name",
            "credit_code",
            "city",
            "city_name",
            "contact_name",
            "contact_phone",
            "address",
            "status",
            "reject_reason",
            "modules",
            "created_at",
        ]


class CommunityOut(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)

    class Meta:
        model = Community
        fields = [
            "id",
            "code",
            "name",
            "company",
            "company_name",
            "project",
            "district",
            "district_name",
            "address",
            "status",
            "reject_reason",
            "created_at",
        ]


class MerchantOut(serializers.ModelSerializer):
    class Meta:
        model = Merchant
        fields = [
            "id",
            "name",
            "category",
            "license_no",
            "contact_name",
            "contact_phone",
            "address",
            "communities",
            "status",
            "reject_reason",
            "is_active",
            "created_at",
        ]


class BureauCommunityOut(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)
    house_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Community
        fields = [
            "id",
            "code",
            "name",
            "company",
            "company_name",
            "district",
            "district_name",
            "address",
            "service_phone",
            "total_area",
            "house_count",
        ]


class BureauMemberOut(serializers.Serializer):
    name = serializers.CharField(source="user.name")
    phone = serializers.SerializerMethodField()
    title = serializers.CharField()

    def get_phone(self, obj) -> str:
        return mask_phone(obj.user.phone)


class BureauOut(serializers.ModelSerializer):
    city_name = serializers.CharField(source="city.name", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True, default="")
    members = BureauMemberOut(source="memberships", many=True, read_only=True)

    class Meta:
        model = Bureau
        fields = [
            "id",
            "name",
            "city",
            "city_name",
            "district",
            "district_name",
            "is_active",
            "members",
        ]


class BureauCreateIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    city = serializers.PrimaryKeyRelatedField(queryset=City.objects.all())
    district = serializers.PrimaryKeyRelatedField(
        queryset=District.objects.all(), required=False, allow_null=True, default=None
    )


class BureauMemberIn(serializers.Serializer):
    phone = serializers.CharField(max_length=11)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class ActiveIn(serializers.Serializer):
    is_active = serializers.BooleanField()


class CompanyAdminIn(serializers.Serializer):
    phone = serializers.CharField(max_length=11)
    name = serializers.CharField(max_length=50)


class CompanyAdminOut(serializers.Serializer):
    id = serializers.IntegerField()
    employee_no = serializers.CharField()
    name = serializers.CharField(source="user.name")
    phone = serializers.SerializerMethodField()
    org_unit = serializers.IntegerField(source="org_unit_id")

    def get_phone(self, obj) -> str:
        return mask_phone(obj.user.phone)
