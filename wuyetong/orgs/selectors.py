"""Reads of organisation data, scoped to the caller's access."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from wuyetong.core.access import Access

from .choices import ApprovalStatus
from .models import (
    Bureau,
    BureauMember,
    Community,
    Company,
    Department,
    Employee,
    Merchant,
    OperationLog,
    OrgUnit,
    Position,
    Role,
)


def platform_overview() -> dict:
    pending = ApprovalStatus.PENDING
    return {
        "companies": Company.objects.count(),
        "companies_pending": Company.objects.filter(status=pending).count(),
        "communities": Community.objects.count(),
        "communities_pending": Community.objects.filter(status=pending).count(),
        "merchants": Merchant.objects.count(),
        "merchants_pending": Merchant.objects.filter(status=pending).count(),
        "bureaus": Bureau.objects.count(),
    }


def bureau_overview(access: Access) -> dict:
    communities = Community.objects.filter(pk__in=access.bureau_community_ids)
    return {
        "communities": communities.count(),
        "companies": communities.values("company_id").distinct().count(),
        "bureau": Bureau.objects.select_related("city", "district").get(pk=access.bureau_id or 0),
    }


def company_name(access: Access) -> str:
    return (
        Company.objects.filter(pk=access.company_id or 0).values_list("name", flat=True).first()
        or ""
    )


def bureau_company_summaries(access: Access):
    return (
        Company.objects.filter(communities__pk__in=access.bureau_community_ids)
        .annotate(
            community_count=Count(
                "communities", filter=Q(communities__pk__in=access.bureau_community_ids)
            )
        )
        .order_by("name")
    )


def bureau_community_list(access: Access):
    return (
        Community.objects.filter(pk__in=access.bureau_community_ids)
        .select_related("company", "district", "district__city")
        .annotate(house_count=Count("houses"))
        .order_by("district__code", "code")
    )


def merchant_list_for_access(access: Access):
    return Merchant.objects.filter(pk__in=access.merchant_ids).prefetch_related("communities")


# Company admin --------------------------------------------------------------------------


def org_unit_list(access: Access, action: str = "view") -> QuerySet[OrgUnit]:
    """The caller's part of the company tree, depth-first (ordered by path)."""
    return (
        OrgUnit.objects.for_access(access, action)
        .select_related("parent")
        .annotate(
            employee_count=Count("employees", filter=Q(employees__is_active=True), distinct=True),
            department_count=Count("departments", distinct=True),
        )
        .order_by("path")
    )


def org_unit_tree(access: Access) -> list[OrgUnit]:
    """Units with `level` relative to the shallowest unit the caller sees, for indenting."""
    units = list(org_unit_list(access))
    top = min((u.depth for u in units), default=0)
    for unit in units:
        unit.level = unit.depth - top  # type: ignore[attr-defined]
    return units


def department_list(access: Access, action: str = "view") -> QuerySet[Department]:
    return (
        Department.objects.for_access(access, action)
        .select_related("org_unit")
        .annotate(employee_count=Count("employees", filter=Q(employees__is_active=True)))
        .order_by("org_unit__path", "name")
    )


def position_list(access: Access, action: str = "view") -> QuerySet[Position]:
    return (
        Position.objects.for_access(access, action)
        .annotate(employee_count=Count("employees", filter=Q(employees__is_active=True)))
        .order_by("name")
    )


def employee_list(access: Access, action: str = "view") -> QuerySet[Employee]:
    return (
        Employee.objects.for_access(access, action)
        .select_related("user", "org_unit", "department", "position")
        .prefetch_related(Prefetch("roles", queryset=Role.objects.order_by("name")))
        .order_by("-is_active", "org_unit__path", "employee_no")
    )


def role_list(access: Access, action: str = "view") -> QuerySet[Role]:
    return (
        Role.objects.for_access(access, action)
        .annotate(employee_count=Count("employees", filter=Q(employees__is_active=True)))
        .order_by("name")
    )


def oplog_list(access: Access, action: str = "view") -> QuerySet[OperationLog]:
    return OperationLog.objects.for_access(access, action).select_related(
        "actor", "content_type", "company"
    )


# Platform admin -------------------------------------------------------------------------


def platform_company_list() -> QuerySet[Company]:
    return (
        Company.objects.select_related("city")
        .annotate(
            community_count=Count("communities", distinct=True),
            employee_count=Count("employees", filter=Q(employees__is_active=True), distinct=True),
        )
        .order_by("status", "-created_at")
    )


def platform_community_list() -> QuerySet[Community]:
    return Community.objects.select_related(
        "company", "project", "district", "district__city"
    ).order_by("status", "-created_at")


def platform_merchant_list() -> QuerySet[Merchant]:
    return Merchant.objects.prefetch_related(
        Prefetch("communities", queryset=Community.objects.order_by("code"))
    ).order_by("status", "-created_at")


def platform_bureau_list() -> QuerySet[Bureau]:
    return (
        Bureau.objects.select_related("city", "district")
        .prefetch_related(
            Prefetch("memberships", queryset=BureauMember.objects.select_related("user"))
        )
        .order_by("city__code", "district__code", "name")
    )


def company_admin_list(company: Company) -> QuerySet[Employee]:
    """The company's 总部管理员 (holders of a role made from the hq_admin template)."""
    return (
        Employee.objects.filter(company=company, roles__template="hq_admin")
        .select_related("user", "org_unit")
        .distinct()
        .order_by("employee_no")
    )
