"""Reads of organisation data, scoped to the caller's access."""

from __future__ import annotations

from django.db.models import Count, Q

from wuyetong.core.access import Access

from .choices import ApprovalStatus
from .models import Bureau, Community, Company, Merchant


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
        "bureau": Bureau.objects.select_related("city", "district").get(pk=access.bureau_id),
    }


def bureau_company_summaries(access: Access):
    return (
        Company.objects.filter(communities__pk__in=access.bureau_community_ids)
        .annotate(community_count=Count("communities", filter=Q(communities__pk__in=access.bureau_community_ids)))
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
