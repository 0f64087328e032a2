"""Reads for community life. Staff and bureau lists go through `for_user` (scope and module
permission); the owner's reads are filtered by the communities the owner lives in."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from wuyetong.core.ids import lookup_pk
from wuyetong.estates.models import Occupancy
from wuyetong.orgs.models import Community

from .choices import CommitteeRole, EmergencyKind, VoteState
from .models import Ballot, CommitteeMember, EmergencyContact, Vote, VoteRollOwner, VoteVoter
from .services.votes import choice_counts, vote_tally
from .tally import Tally, percent

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


# ---------------------------------------------------------------- 投票表决


def vote_list(user, action: str = "view") -> QuerySet[Vote]:
    """Votes the staff member (or the district's bureau official) may see, with the number
    of ballots cast so far."""
    return (
        Vote.objects.for_user(user, action)
        .select_related("community")
        .annotate(ballot_count=Count("ballots"))
        .order_by("-opens_at", "-pk")
    )


def vote_get(user, pk, action: str = "view") -> Vote:
    return get_object_or_404(
        Vote.objects.for_user(user, action).select_related("community", "created_by"),
        pk=lookup_pk(pk),
    )


@dataclass(frozen=True)
class RatioRow:
    label: str
    part: str
    whole: str
    percent: Decimal
    rule: str
    met: bool
    line: str  # the line as a CSS suffix: "23" (2/3), "34" (3/4), "12" (1/2)


@dataclass(frozen=True)
class VoteResult:
    """What a result page shows: the four ratios against their lines, and the verdict."""

    tally: Tally
    rows: list[RatioRow]
    verdict: str  # invalid / passed / rejected
    verdict_label: str
    final: bool  # frozen (closed) or still counting
    counts: dict


def vote_result(vote: Vote) -> VoteResult:
    tally = vote_tally(vote)
    counts = choice_counts(vote) if vote.state != VoteState.DRAFT else {}
    agree_rule = _("≥ 3/4") if vote.major else _("> 1/2")
    agree_line = "34" if vote.major else "12"
    area_unit = _("㎡")
    rows = [
        RatioRow(
            _("参与表决的专有部分面积占比"),
            f"{tally.participant_area} {area_unit}",
            f"{tally.total_area} {area_unit}",
            percent(tally.area_participation),
            _("≥ 2/3"),
            tally.area_quorum,
            "23",
        ),
        RatioRow(
            _("参与表决的业主人数占比"),
            str(tally.participant_count),
            str(tally.total_owners),
            percent(tally.owner_participation),
            _("≥ 2/3"),
            tally.owner_quorum,
            "23",
        ),
        RatioRow(
            _("同意的面积占参与表决面积"),
            f"{tally.agree_area} {area_unit}",
            f"{tally.participant_area} {area_unit}",
            percent(tally.agree_area_share),
            agree_rule,
            tally.area_agrees,
            agree_line,
        ),
        RatioRow(
            _("同意的人数占参与表决人数"),
            str(tally.agree_count),
            str(tally.participant_count),
            percent(tally.agree_owner_share),
            agree_rule,
            tally.owners_agree,
            agree_line,
        ),
    ]
    final = vote.state == VoteState.CLOSED
    labels = {
        "invalid": _("表决无效（参与表决未达三分之二）")
        if final
        else _("目前参与人数或面积未达三分之二"),
        "passed": _("表决通过") if final else _("目前已达到通过条件"),
        "rejected": _("表决未通过") if final else _("目前未达到通过条件"),
    }
    return VoteResult(tally, rows, tally.verdict, labels[tally.verdict], final, counts)


def vote_roll(vote: Vote, *, status: str = "", q: str = "") -> QuerySet[VoteVoter]:
    """The roll with each entry's ballot (if cast): status "voted" / "pending" filters it."""
    qs = VoteVoter.objects.filter(vote=vote).select_related("ballot").order_by("pk")
    if status == "voted":
        qs = qs.filter(ballot__isnull=False)
    elif status == "pending":
        qs = qs.filter(ballot__isnull=True)
    if q:
        qs = qs.filter(Q(label__icontains=q) | Q(owner_names__icontains=q))
    return qs


def owner_votes(user) -> list[dict]:
    """Published votes of the user's communities, each with the user's own standing:
    on the roll or not, and their ballot if cast."""
    communities = resident_communities(user)
    votes = list(
        Vote.objects.filter(
            community_id__in=communities, state__in=(VoteState.OPEN, VoteState.CLOSED)
        )
        .select_related("community")
        .order_by("-opens_at", "-pk")
    )
    mine = {
        o.vote_id: o
        for o in VoteRollOwner.objects.filter(vote__in=votes, resident__user=user).select_related(
            "voter__ballot"
        )
    }
    return [
        {"vote": v, "roll": mine.get(v.pk), "ballot": _ballot_of(mine.get(v.pk))} for v in votes
    ]


def _ballot_of(roll_owner):
    if roll_owner is None:
        return None
    try:
        return roll_owner.voter.ballot
    except Ballot.DoesNotExist:
        return None


def owner_vote(user, pk) -> dict:
    """One published vote of the user's communities (404 otherwise) with their standing."""
    vote = get_object_or_404(
        Vote.objects.filter(
            community_id__in=resident_communities(user),
            state__in=(VoteState.OPEN, VoteState.CLOSED),
        ).select_related("community"),
        pk=lookup_pk(pk),
    )
    roll = (
        VoteRollOwner.objects.filter(vote=vote, resident__user=user)
        .select_related("voter__ballot")
        .first()
    )
    return {
        "vote": vote,
        "roll": roll,
        "ballot": _ballot_of(roll),
        "houses": list(roll.voter.houses.values_list("house_id", flat=True)) if roll else [],
        "sees_progress": vote.community_id in committee_communities_of(user),
    }
