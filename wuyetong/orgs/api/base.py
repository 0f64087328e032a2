"""Permission classes and the base viewset of the organisation API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, viewsets

from wuyetong.core.access import Access, get_access
from wuyetong.core.api import HasModulePermission

from ..models import Company

# DRF action → permission action; custom actions declare theirs in `action_permissions`.
DEFAULT_ACTIONS = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}


class IsCompanyStaff(permissions.BasePermission):
    message = _("仅物业公司员工可以访问")

    def has_permission(self, request, view):
        return get_access(request.user).company_id is not None


class IsPlatformAdmin(permissions.BasePermission):
    message = _("仅平台管理员可以访问")

    def has_permission(self, request, view):
        return get_access(request.user).is_platform


class IsBureauOfficial(permissions.BasePermission):
    message = _("仅房管部门人员可以访问")

    def has_permission(self, request, view):
        access = get_access(request.user)
        return access.is_bureau and not access.is_platform


class CompanyViewSet(viewsets.GenericViewSet):
    """Staff of a company holding `<permission_module>.<action>`; objects come from scoped
    querysets, so another company's id answers 404."""

    permission_classes = [permissions.IsAuthenticated, IsCompanyStaff, HasModulePermission]
    action_permissions: dict[str, str] = {}

    @property
    def access(self) -> Access:
        return get_access(self.request.user)

    @property
    def scope_action(self) -> str:
        return self.action_permissions.get(self.action) or DEFAULT_ACTIONS.get(self.action, "view")

    def company(self) -> Company:
        company_id = self.access.company_id
        assert company_id is not None  # IsCompanyStaff ran first
        return Company.objects.get(pk=company_id)
