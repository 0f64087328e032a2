"""Company-admin API: org units, departments, positions, employees, roles, operation log.
Thin: parse with a serializer, call the service, render with a serializer."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from wuyetong.core.access import get_access
from wuyetong.core.api import HasModulePermission

from .. import selectors, services
from ..filters import DepartmentFilter, EmployeeFilter, OperationLogFilter
from ..models import Role
from ..permissions import ROLE_TEMPLATES
from . import serializers as s
from .base import CompanyViewSet, IsCompanyStaff


def _read(serializer_class, request, data=None):
    ser = serializer_class(
        data=request.data if data is None else data, context={"request": request}
    )
    ser.is_valid(raise_exception=True)
    return ser.validated_data


@extend_schema_view(
    create=extend_schema(request=s.OrgUnitCreateIn, responses={201: s.OrgUnitOut}),
    partial_update=extend_schema(request=s.OrgUnitUpdateIn, responses=s.OrgUnitOut),
)
class OrgUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CompanyViewSet):
    """组织架构 (总部 → 区域 → 项目), depth-first."""

    permission_module = "org"
    serializer_class = s.OrgUnitOut
    http_method_names = ["get", "post", "patch"]

    def get_queryset(self):
        return selectors.org_unit_list(self.access, self.scope_action)

    def create(self, request):
        d = _read(s.OrgUnitCreateIn, request)
        unit = services.org_unit_create(actor=request.user, company=self.company(), **d)
        return Response(s.OrgUnitOut(unit).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        """Rename (`name`) and / or re-hang under another unit (`parent`)."""
        unit = self.get_object()
        d = _read(s.OrgUnitUpdateIn, request)
        with transaction.atomic():
            if "name" in d:
                services.org_unit_rename(actor=request.user, unit=unit, name=d["name"])
            if "parent" in d:
                unit = services.org_unit_move(actor=request.user, unit=unit, parent=d["parent"])
        return Response(s.OrgUnitOut(unit).data)


@extend_schema_view(
    create=extend_schema(request=s.DepartmentCreateIn, responses={201: s.DepartmentOut}),
    partial_update=extend_schema(request=s.NameIn, responses=s.DepartmentOut),
)
class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CompanyViewSet):
    permission_module = "org"
    serializer_class = s.DepartmentOut
    filterset_class = DepartmentFilter
    http_method_names = ["get", "post", "patch", "delete"]

    def get_queryset(self):
        return selectors.department_list(self.access, self.scope_action)

    def create(self, request):
        d = _read(s.DepartmentCreateIn, request)
        dept = services.department_create(
            actor=request.user, org_unit=d["org_unit"], name=d["name"]
        )
        return Response(s.DepartmentOut(dept).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        dept = self.get_object()
        d = _read(s.NameIn, request)
        services.department_rename(actor=request.user, department=dept, name=d["name"])
        return Response(s.DepartmentOut(dept).data)

    def destroy(self, request, pk=None):
        services.department_delete(actor=request.user, department=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(request=s.NameIn, responses={201: s.PositionOut}),
    partial_update=extend_schema(request=s.NameIn, responses=s.PositionOut),
)
class PositionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CompanyViewSet):
    permission_module = "org"
    serializer_class = s.PositionOut
    http_method_names = ["get", "post", "patch", "delete"]

    def get_queryset(self):
        return selectors.position_list(self.access, self.scope_action)

    def create(self, request):
        d = _read(s.NameIn, request)
        position = services.position_create(
            actor=request.user, company=self.company(), name=d["name"]
        )
        return Response(s.PositionOut(position).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        position = self.get_object()
        d = _read(s.NameIn, request)
        services.position_rename(actor=request.user, position=position, name=d["name"])
        return Response(s.PositionOut(position).data)

    def destroy(self, request, pk=None):
        services.position_delete(actor=request.user, position=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(request=s.EmployeeCreateIn, responses={201: s.EmployeeOut}),
    partial_update=extend_schema(request=s.EmployeeUpdateIn, responses=s.EmployeeOut),
    roles=extend_schema(request=s.EmployeeRolesIn, responses=s.EmployeeOut),
    active=extend_schema(request=s.EmployeeActiveIn, responses=s.EmployeeOut),
)
class EmployeeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CompanyViewSet):
    """员工: phone (the login), org unit, department, position, roles."""

    permission_module = "org"
    serializer_class = s.EmployeeOut
    filterset_class = EmployeeFilter
    http_method_names = ["get", "post", "patch"]
    action_permissions = {"active": "change", "roles": "view"}

    def get_queryset(self):
        # Assigning roles needs roles.change (checked below); the employee itself only has
        # to be visible to the caller.
        action = "view" if self.action == "roles" else self.scope_action
        return selectors.employee_list(self.access, action)

    def _out(self, employee):
        employee = selectors.employee_list(self.access, "view").get(pk=employee.pk)
        return s.EmployeeOut(employee, context={"request": self.request}).data

    def create(self, request):
        d = _read(s.EmployeeCreateIn, request)
        employee = services.employee_create(actor=request.user, company=self.company(), **d)
        return Response(self._out(employee), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        employee = self.get_object()
        current = {
            "org_unit": employee.org_unit_id,
            "department": employee.department_id,
            "position": employee.position_id,
            "employee_no": employee.employee_no,
            "hired_on": employee.hired_on,
        }
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [gettext("请求体必须是 JSON 对象")]})
        d = _read(s.EmployeeUpdateIn, request, {**current, **request.data})
        services.employee_update(actor=request.user, employee=employee, **d)
        return Response(self._out(employee))

    @action(detail=True, methods=["post"])
    def roles(self, request, pk=None):
        if not self.access.can("roles.change"):
            self.permission_denied(request, message=gettext("没有分配角色的权限"))
        employee = self.get_object()
        ids = _read(s.EmployeeRolesIn, request)["roles"]
        roles = list(Role.objects.filter(company_id=employee.company_id, pk__in=ids))
        if len(roles) != len(set(ids)):
            raise ValidationError({"roles": [gettext("角色不存在")]})
        services.employee_assign_roles(actor=request.user, employee=employee, roles=roles)
        return Response(self._out(employee))

    @action(detail=True, methods=["post"])
    def active(self, request, pk=None):
        employee = self.get_object()
        d = _read(s.EmployeeActiveIn, request)
        services.employee_set_active(actor=request.user, employee=employee, active=d["is_active"])
        return Response(self._out(employee))


@extend_schema_view(
    create=extend_schema(request=s.RoleCreateIn, responses={201: s.RoleOut}),
    update=extend_schema(request=s.RoleUpdateIn, responses=s.RoleOut),
)
class RoleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CompanyViewSet):
    """角色: permissions (module.action) and data scope."""

    permission_module = "roles"
    serializer_class = s.RoleOut
    http_method_names = ["get", "post", "put", "delete"]

    def get_queryset(self):
        return selectors.role_list(self.access, self.scope_action).select_related("company")

    def create(self, request):
        d = _read(s.RoleCreateIn, request)
        role = services.role_create_from_template(
            actor=request.user,
            company=self.company(),
            template=d["template"],
            name=d.get("name"),
        )
        return Response(
            s.RoleOut(self.get_queryset().get(pk=role.pk)).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, pk=None):
        role = self.get_object()
        d = _read(s.RoleUpdateIn, request)
        services.role_update(actor=request.user, role=role, **d)
        return Response(s.RoleOut(self.get_queryset().get(pk=role.pk)).data)

    def destroy(self, request, pk=None):
        services.role_delete(actor=request.user, role=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoleTemplateListView(APIView):
    """Built-in role templates (总部管理员, 项目经理, 客服, …)."""

    permission_classes = [permissions.IsAuthenticated, IsCompanyStaff, HasModulePermission]
    permission_module = "roles"

    @extend_schema(responses=s.RoleTemplateOut(many=True))
    def get(self, request):
        data = [
            {
                "code": code,
                "name": spec["name"],
                "data_scope": str(spec["scope"]),
                "permissions": spec["permissions"],
            }
            for code, spec in ROLE_TEMPLATES.items()
        ]
        return Response(s.RoleTemplateOut(data, many=True).data)


class CanReadOperationLog(permissions.BasePermission):
    message = _("没有查看操作日志的权限")

    def has_permission(self, request, view):
        access = get_access(request.user)
        return access.is_platform or (access.company_id is not None and access.can("oplog.view"))


class OperationLogListView(ListAPIView):
    """操作日志: company admins see their company's entries; the platform sees all."""

    permission_classes = [permissions.IsAuthenticated, CanReadOperationLog]
    serializer_class = s.OperationLogOut
    filterset_class = OperationLogFilter

    def get_queryset(self):
        return selectors.oplog_list(get_access(self.request.user))
