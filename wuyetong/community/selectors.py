"""Reads for community life. Staff and bureau lists go through `for_user` (scope and module
permission); the owner's reads are filtered by the communities the owner lives in."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from wuyetong.core.ids import lookup_pk
from wuyetong.estates.models import Occupancy
from wuyetong.orgs.models import Community

from .choices import CommitteeRole, EmergencyKind
from .models import CommitteeMember, EmergencyContact

ROLE_ORDER = Case(
    When(role=CommitteeRole.DIRECTOR, then=Value(0)),
    When(role=CommitteeRole.DEPUTY, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


# ---------------------------------------------------------------- the owner's reach


def resident_communities(user, *, owners_only: bool = False) -> set[int]:
    """Communities where the user lives now (any relation, or as an owner)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    links = Occupancy.objects.filter(resident__user=user, end_date__isnull=True)
    if owners_only:
        links = links.filter(relation="owner")
    return set(links.values_list("house__community_id", flat=True))


# ---------------------------------------------------------------- 业委会


def committee_member_list(user, action: str = "view") -> QuerySet[CommitteeMember]:
    """Seats the user may see: staff of the company (module "community"), or a bureau
    official for the communities of the district. Sitting members first, by role."""
    return (
        CommitteeMember.objects.for_user(user, action)
        .select_related("community", "resident")
        .annotate(role_order=ROLE_ORDER)
        .order_by("community__code", "ended_on", "role_order", "term_start", "pk")
    )


def committee_member_get(user, pk, action: str = "view") -> CommitteeMember:
    return get_object_or_404(committee_member_list(user, action), pk=lookup_pk(pk))


def committee_current(community_id: int) -> list[CommitteeMember]:
    """The sitting committee of one community, 主任 first (owner app, bureau)."""
    return list(
        CommitteeMember.objects.current()
        .filter(community_id=community_id)
        .annotate(role_order=ROLE_ORDER)
        .order_by("role_order", "term_start", "pk")
    )


def committee_seats_of(member: CommitteeMember) -> list[CommitteeMember]:
    """Every seat the same person held on this community's committee, latest first."""
    same = CommitteeMember.objects.filter(community_id=member.community_id)
    same = (
        same.filter(resident_id=member.resident_id)
        if member.resident_id
        else same.filter(name=member.name, resident__isnull=True)
    )
    return list(same.order_by("-term_start", "-pk"))


def committee_communities_of(user) -> set[int]:
    """Communities where the user (through their resident record) sits on the committee."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(
        CommitteeMember.objects.current()
        .filter(resident__user=user)
        .values_list("community_id", flat=True)
    )


# ---------------------------------------------------------------- 一键救助


def emergency_contact_list(user, action: str = "view") -> QuerySet[EmergencyContact]:
    return (
        EmergencyContact.objects.for_user(user, action)
        .select_related("community")
        .order_by("community__code", "sort", "pk")
    )


def national_numbers() -> list[dict]:
    """The numbers that work everywhere, shown where a community has configured none."""
    return [
        {"name": _("匪警"), "phone": "110", "kind": EmergencyKind.POLICE, "note": ""},
        {"name": _("火警"), "phone": "119", "kind": EmergencyKind.FIRE, "note": ""},
        {"name": _("急救中心"), "phone": "120", "kind": EmergencyKind.AMBULANCE, "note": ""},
    ]


def owner_emergency_groups(user) -> list[dict]:
    """For each community the user lives in: its numbers in display order, or (when staff
    have configured none) its service phone and the national numbers."""
    ids = resident_communities(user)
    communities = list(Community.objects.filter(pk__in=ids).order_by("name"))
    rows: dict[int, list[dict]] = {c.pk: [] for c in communities}
    contacts = EmergencyContact.objects.filter(community_id__in=ids).order_by("sort", "pk")
    for community_id, name, phone, kind, note in contacts.values_list(
        "community_id", "name", "phone", "kind", "note"
    ):
        rows[community_id].append({"name": name, "phone": phone, "kind": kind, "note": note})
    groups = []
    for community in communities:
        configured = bool(rows[community.pk])
        numbers = rows[community.pk] or national_numbers()
        if not configured and community.service_phone:
            numbers.insert(
                0,
                {
                    "name": _("物业服务电话"),
                    "phone": community.service_phone,
                    "kind": EmergencyKind.PROPERTY,
                    "note": "",
                },
            )
        groups.append(
            {
                "community": community.pk,
                "community_name": community.name,
                "configured": configured,
                "contacts": numbers,
            }
        )
    return groups


def emergency_contact_get(user, pk, action: str = "view") -> EmergencyContact:
    return get_object_or_404(emergency_contact_list(user, action), pk=lookup_pk(pk))
