"""Reads of estate data, scoped to the caller's access."""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from wuyetong.core.access import Access, get_access
from wuyetong.orgs.models import Community

from .choices import BindingStatus
from .models import (
    AdSpace,
    BindingRequest,
    Building,
    House,
    Occupancy,
    ParkingLot,
    ParkingSpace,
    Resident,
    Shop,
    Unit,
    Vehicle,
    Venue,
)


def staff_overview(access: Access) -> dict:
    communities = Community.objects.for_access(access, "view")
    houses = House.objects.for_access(access, "view")
    occupancies = Occupancy.objects.for_access(access, "view").filter(end_date__isnull=True)
    return {
        "communities": communities.count(),
        "houses": houses.count(),
        "residents": occupancies.values("resident_id").distinct().count()
        if access.can("residents.view")
        else None,
        "bindings_pending": BindingRequest.objects.for_access(access, "view")
        .filter(status=BindingStatus.PENDING)
        .count()
        if access.can("bindings.view")
        else None,
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


# ---------------------------------------------------------------- console and API lists
# Each list reads through `for_user` and loads what its rows show in a fixed number of
# queries (the list tests count them).


def _current_occupancies():
    return Prefetch(
        "occupancies",
        queryset=Occupancy.objects.filter(end_date__isnull=True)
        .select_related("resident")
        .order_by("relation", "id"),
        to_attr="current_occupancies",
    )


def _count_of(model, fk: str):
    """A correlated COUNT per row: unlike two Count() joins it does not multiply rows
    (buildings × houses) on large communities."""
    rows = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), 0)


def community_list(user, action: str = "view"):
    return (
        Community.objects.for_user(user, action)
        .select_related("project", "district", "district__city")
        .annotate(
            building_count=_count_of(Building, "community"),
            house_count=_count_of(House, "community"),
        )
        .order_by("code")
    )


def building_list(user, action: str = "view"):
    return (
        Building.objects.for_user(user, action)
        .select_related("community")
        .annotate(unit_count=_count_of(Unit, "building"), house_count=_count_of(House, "building"))
        .order_by("community__code", "sort", "name")
    )


def unit_list(user, action: str = "view"):
    return (
        Unit.objects.for_user(user, action)
        .select_related("community", "building")
        .annotate(house_count=Count("houses"))
        .order_by("community__code", "building__sort", "building__name", "name")
    )


def house_list(user, action: str = "view", *, with_residents: bool = False):
    """Houses in list order; `with_residents` loads each one's current residents (only for
    callers allowed to see people: residents.view)."""
    qs = (
        House.objects.for_user(user, action)
        .select_related("community", "building", "unit")
        .order_by(
            "community__code", "building__sort", "building__name", "unit__name", "floor", "room_no"
        )
    )
    if with_residents and get_access(user).can("residents.view"):
        qs = qs.prefetch_related(_current_occupancies())
    return qs


def house_choices(user, action: str = "view"):
    """Houses for a select box: labels need community, building and unit."""
    return (
        House.objects.for_user(user, action)
        .select_related("community", "building", "unit")
        .order_by("community__code", "building__sort", "building__name", "unit__name", "room_no")
    )


def house_get(user, pk: int, action: str = "view") -> House:
    return get_object_or_404(
        House.objects.for_user(user, action).select_related("community", "building", "unit"), pk=pk
    )


def house_history(house: House):
    """Every binding of the house, current first, then by start date (newest first)."""
    return (
        Occupancy.objects.filter(house=house)
        .select_related("resident")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date", "-id")
    )


def house_vehicles(house: House):
    return (
        Vehicle.objects.filter(house=house)
        .select_related("resident", "space", "space__lot")
        .order_by("plate")
    )


def house_spaces(house: House):
    return (
        ParkingSpace.objects.filter(house=house).select_related("lot").order_by("lot__name", "code")
    )


def house_oplog(user, house: House, limit: int = 10):
    """The latest operation-log entries about the house (needs oplog.view)."""
    from django.contrib.contenttypes.models import ContentType

    from wuyetong.orgs.models import OperationLog

    return (
        OperationLog.objects.for_user(user, "view")
        .filter(content_type=ContentType.objects.get_for_model(House), object_id=str(house.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def shop_list(user, action: str = "view"):
    return (
        Shop.objects.for_user(user, action)
        .select_related("community")
        .order_by("community__code", "code")
    )


def parking_lot_list(user, action: str = "view"):
    return (
        ParkingLot.objects.for_user(user, action)
        .select_related("community")
        .annotate(space_count=Count("spaces"))
        .order_by("community__code", "name")
    )


def parking_space_list(user, action: str = "view"):
    return (
        ParkingSpace.objects.for_user(user, action)
        .select_related("community", "lot", "house", "house__building", "house__unit")
        .order_by("community__code", "lot__name", "code")
    )


def vehicle_list(user, action: str = "view"):
    return (
        Vehicle.objects.for_user(user, action)
        .select_related(
            "community",
            "house",
            "house__building",
            "house__unit",
            "resident",
            "space",
            "space__lot",
        )
        .order_by("community__code", "plate")
    )


def venue_list(user, action: str = "view"):
    return (
        Venue.objects.for_user(user, action)
        .select_related("community")
        .order_by("community__code", "name")
    )


def adspace_list(user, action: str = "view"):
    return (
        AdSpace.objects.for_user(user, action)
        .select_related("community")
        .order_by("community__code", "code")
    )


def resident_list(user, action: str = "view"):
    current = Prefetch(
        "occupancies",
        queryset=Occupancy.objects.filter(end_date__isnull=True)
        .select_related("house", "house__community", "house__building", "house__unit")
        .order_by("start_date", "id"),
        to_attr="current_occupancies",
    )
    return Resident.objects.for_user(user, action).prefetch_related(current).order_by("name", "id")


def resident_get(user, pk: int, action: str = "view") -> Resident:
    return get_object_or_404(Resident.objects.for_user(user, action), pk=pk)


def resident_history(user, resident: Resident):
    """The resident's homes, past and present, in the user's communities only (a
    project-scoped role does not learn where the person lives in other projects)."""
    return (
        Occupancy.objects.for_user(user, "view")
        .filter(resident=resident)
        .select_related("house", "house__community", "house__building", "house__unit")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date", "-id")
    )


def resident_vehicles(user, resident: Resident):
    """The resident's vehicles in the user's communities. Shown on the resident's page (which
    needs residents.view), so only the data scope applies, not estates.view."""
    return (
        Vehicle.objects.for_access(get_access(user), "")
        .filter(resident=resident)
        .select_related("house", "house__building", "house__unit")
        .order_by("plate", "id")
    )


def occupancy_list(user, action: str = "view"):
    return (
        Occupancy.objects.for_user(user, action)
        .select_related("resident", "house", "house__community", "house__building", "house__unit")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date", "-id")
    )


def occupancy_get(user, pk: int, action: str = "view") -> Occupancy:
    return get_object_or_404(
        Occupancy.objects.for_user(user, action).select_related(
            "resident", "house", "house__community", "house__building", "house__unit"
        ),
        pk=pk,
    )


def resource_report(user) -> list[dict]:
    """Per community: houses by state and area, occupancy, parking and vehicles (资源统计).
    One grouped query per kind of resource, whatever the number of communities."""
    from collections import defaultdict

    from django.db.models import Sum

    from .choices import HouseState, SpaceState

    communities = list(Community.objects.for_user(user, "view").order_by("code"))
    rows = {
        c.pk: {
            "community": c,
            "houses": 0,
            "area": 0,
            "states": dict.fromkeys(HouseState.values, 0),
            "residents": 0,
            "spaces": dict.fromkeys(SpaceState.values, 0),
            "vehicles": 0,
            "shops": 0,
        }
        for c in communities
    }
    for r in (
        House.objects.for_user(user, "view")
        .values("community_id", "state")
        .annotate(n=Count("id"), area=Sum("building_area"))
        .order_by()
    ):
        row = rows.get(r["community_id"])
        if row is not None:
            row["states"][r["state"]] = r["n"]
            row["houses"] += r["n"]
            row["area"] += r["area"] or 0
    if get_access(user).can("residents.view"):
        for r in (
            Occupancy.objects.for_user(user, "view")
            .filter(end_date__isnull=True)
            .values("house__community_id")
            .annotate(n=Count("resident_id", distinct=True))
            .order_by()
        ):
            if r["house__community_id"] in rows:
                rows[r["house__community_id"]]["residents"] = r["n"]
    else:
        for row in rows.values():
            row["residents"] = None
    for r in (
        ParkingSpace.objects.for_user(user, "view")
        .values("community_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if r["community_id"] in rows:
            rows[r["community_id"]]["spaces"][r["state"]] = r["n"]
    counts: defaultdict[int, dict[str, int]] = defaultdict(dict)
    for model, key in ((Vehicle, "vehicles"), (Shop, "shops")):
        for r in (
            model.objects.for_user(user, "view")
            .values("community_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            counts[r["community_id"]][key] = r["n"]
    result = []
    for pk, row in rows.items():
        row.update(counts.get(pk, {}))
        lived = row["states"][HouseState.OCCUPIED] + row["states"][HouseState.RENTED]
        row["occupancy_rate"] = round(lived * 100 / row["houses"], 1) if row["houses"] else None
        result.append(row)
    return result
