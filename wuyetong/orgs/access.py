"""Builds a user's `Access` from memberships, roles and house bindings (one query each)."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Q

from wuyetong.core.access import Access

from .choices import ApprovalStatus, DataScope
from .models import Bureau, Community, Employee, Merchant, OrgUnit


def _house_ids(user) -> frozenset[int]:
    occupancy = apps.get_model("estates", "Occupancy")
    return frozenset(
        occupancy.objects.filter(resident__user=user, end_date__isnull=True).values_list(
            "house_id", flat=True
        )
    )


def _staff_facets(user) -> dict:
    employee = (
        Employee.objects.filter(user=user, is_active=True, company__status=ApprovalStatus.APPROVED)
        .select_related("company", "org_unit")
        .prefetch_related("roles")
        .order_by("pk")
        .first()
    )
    if employee is None:
        return {}
    company = employee.company
    granted = set(company.modules or [])
    perms: set[str] = set()
    whole_company = False
    unit_filter = Q(pk__in=[])
    for role in employee.roles.all():
        perms.update(p for p in role.permissions if p.split(".")[0] in granted)
        if role.data_scope == DataScope.COMPANY:
            whole_company = True
        elif role.data_scope == DataScope.SUBTREE:
            unit_filter |= Q(path__startswith=employee.org_unit.path)
        else:
            # 本项目: the employee's own unit only, so a project-scoped role held by someone
            # sitting at HQ or a region does not silently widen to the whole subtree.
            unit_filter |= Q(pk=employee.org_unit_id)
    if whole_company:
        unit_ids = community_ids = None
    else:
        unit_ids = frozenset(
            OrgUnit.objects.filter(unit_filter, company=company).values_list("pk", flat=True)
        )
        community_ids = frozenset(
            Community.objects.filter(company=company, project_id__in=unit_ids).values_list(
                "pk", flat=True
            )
        )
    return {
        "company_id": company.pk,
        "employee_id": employee.pk,
        "permissions": frozenset(perms),
        "org_unit_ids": unit_ids,
        "community_ids": community_ids,
    }


def _bureau_facets(user) -> dict:
    bureau = (
        Bureau.objects.filter(memberships__user=user, is_active=True).select_related("city").first()
    )
    if bureau is None:
        return {}
    ids = frozenset(bureau.communities().values_list("pk", flat=True))
    return {"bureau_id": bureau.pk, "bureau_community_ids": ids}


def resolve_access(user) -> Access:
    if user.is_superuser:
        return Access(user_id=user.pk, is_platform=True)
    facets: dict = {"user_id": user.pk}
    facets.update(_staff_facets(user))
    facets.update(_bureau_facets(user))
    facets["merchant_ids"] = frozenset(
        Merchant.objects.filter(
            members=user, status=ApprovalStatus.APPROVED, is_active=True
        ).values_list("pk", flat=True)
    )
    facets["house_ids"] = _house_ids(user)
    return Access(**facets)
