"""Reads of estate data, scoped to the caller's access."""

from __future__ import annotations

from django.db.models import Count, Q

from wuyetong.core.access import Access
from wuyetong.orgs.models import Community

from .choices import BindingStatus
from .models import BindingRequest, House, Occupancy


def staff_overview(access: Access) -> dict:
    communities = Community.objects.for_access(access, "view")
    houses = House.objects.for_access(access, "view")
    occupancies = Occupancy.objects.for_access(access, "view").filter(end_date__isnull=True)
    return {
        "communities": communities.count(),
        "houses": houses.count(),
        "residents": occupancies.values("resident_id").distinct().count() if access.can("residents.view") else None,
        "bindings_pending": BindingRequest.objects.for_access(access, "view")
        .filter(status=BindingStatus.PENDING).count() if access.can("bindings.view") else None,
    }


def community_summaries(access: Access):
    return (
        Community.objects.for_access(access, "view")
        .select_related("project", "district")
        .annotate(
            house_count=Count("houses", distinct=True),
            occupied=Count("houses", filter=Q(houses__state="occupied"), distinct=True),
        )
        .order_by("code")
    )


def owner_occupancies(user):
    """The owner's current bindings with house, community and building, for the phone app."""
    return (
        Occupancy.objects.filter(resident__user=user, end_date__isnull=True)
        .select_related("house", "house__community", "house__building", "house__unit")
        .order_by("house__community__name", "house__building__sort", "house__room_no")
    )


def owner_binding_requests(user):
    return BindingRequest.objects.filter(user=user).select_related(
        "house", "house__community", "house__building", "house__unit"
    )
