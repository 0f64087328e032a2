"""The owners' committee (业主委员会) of a community: seats added, corrected, changed and
ended by property staff. Nothing is deleted: a role change or a departure ends the seat and
the history stays (业委会成员变更须可追溯)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.models import Occupancy, Resident
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import snapshot

from ..choices import CommitteeRole
from ..models import CommitteeMember
from ._common import (
    apply_data,
    create_logged,
    require_community,
    require_in_scope,
    save_logged,
)

MEMBER_FIELDS = ("name", "phone", "resident", "term_end", "notes")


def _check_resident(member: CommitteeMember) -> None:
    """A linked resident must be a current owner of a house in the community: members of
    the committee are elected from the community's owners."""
    resident = member.resident
    if resident is None:
        return
    owns_here = Occupancy.objects.filter(
        resident=resident,
        relation="owner",
        end_date__isnull=True,
        house__community_id=member.community_id,
    ).exists()
    if resident.company_id != member.community.company_id or not owns_here:
        raise ApplicationError(_("关联业主须是本小区的在册业主"), field="resident")
    if not member.name:
        member.name = resident.name
    if not member.phone:
        member.phone = resident.phone


def _check_seat(member: CommitteeMember) -> None:
    seats = CommitteeMember.objects.current().filter(community_id=member.community_id)
    if member.pk:
        seats = seats.exclude(pk=member.pk)
    if member.role == CommitteeRole.DIRECTOR and seats.filter(role=member.role).exists():
        raise ApplicationError(
            _("本小区业委会已有在任主任，请先办理原主任离任或职务变更"), field="role"
        )
    if member.resident_id and seats.filter(resident_id=member.resident_id).exists():
        raise ApplicationError(_("该业主已是本届业委会在任成员"), field="resident")
    if member.term_end and member.term_end < member.term_start:
        raise ApplicationError(_("任期结束不能早于任期开始"), field="term_end")


def _save(actor, member: CommitteeMember, before: dict | None = None) -> CommitteeMember:
    """Save with the checks. A concurrent save taking the same seat first is refused by the
    unique constraints (save_unique turns that into a "conflict" message, never a 500)."""
    _check_resident(member)
    _check_seat(member)
    if before is None:
        return create_logged(actor, member)
    return save_logged(actor, member, before)


@transaction.atomic
def committee_member_add(
    *,
    actor,
    community: Community,
    role: str,
    term_start: dt.date,
    name: str = "",
    phone: str = "",
    resident: Resident | None = None,
    term_end: dt.date | None = None,
    notes: str = "",
) -> CommitteeMember:
    require_community(actor, community, "add")
    member = CommitteeMember(community=community, role=role, term_start=term_start)
    apply_data(
        member,
        {"name": name, "phone": phone, "resident": resident, "term_end": term_end, "notes": notes},
        MEMBER_FIELDS,
    )
    if not member.name and resident is None:
        raise ApplicationError(_("请填写姓名或选择关联业主"), field="name")
    return _save(actor, member)


@transaction.atomic
def committee_member_update(*, actor, member: CommitteeMember, **data) -> CommitteeMember:
    """Corrects a sitting member's details; the role changes through `change_role`."""
    require_in_scope(actor, member, "change", label=_("业委会成员"))
    if not member.is_current:
        raise ApplicationError(_("已离任成员的记录不能修改"), code="ended")
    before = snapshot(member)
    apply_data(member, data, MEMBER_FIELDS)
    if not member.name:
        raise ApplicationError(_("请填写姓名"), field="name")
    return _save(actor, member, before)


def _end(actor, member: CommitteeMember, ended_on: dt.date, reason: str) -> None:
    if not member.is_current:
        raise ApplicationError(_("该成员已离任"), code="ended")
    if ended_on < member.term_start:
        raise ApplicationError(_("离任日期不能早于任期开始"), field="ended_on")
    if ended_on > timezone.localdate():
        raise ApplicationError(_("离任日期不能晚于今天"), field="ended_on")
    before = snapshot(member)
    member.ended_on, member.end_reason = ended_on, reason.strip()[:100]
    save_logged(actor, member, before)


@transaction.atomic
def committee_member_end(
    *, actor, member: CommitteeMember, ended_on: dt.date, reason: str
) -> CommitteeMember:
    """The member leaves the committee (任期届满, 辞职, 罢免 …); the seat stays as history."""
    require_in_scope(actor, member, "change", label=_("业委会成员"))
    if not (reason or "").strip():
        raise ApplicationError(_("请填写离任原因"), field="reason")
    _end(actor, member, ended_on, reason)
    return member


@transaction.atomic
def committee_member_change_role(
    *, actor, member: CommitteeMember, role: str, on: dt.date
) -> CommitteeMember:
    """Ends the current seat on `on` and opens a new one with the new role from that day."""
    require_in_scope(actor, member, "change", label=_("业委会成员"))
    if role not in CommitteeRole.values:
        raise ApplicationError(_("请选择职务"), field="role")
    if role == member.role:
        raise ApplicationError(_("新职务与原职务相同"), field="role")
    if on < member.term_start:
        raise ApplicationError(_("变更日期不能早于任期开始"), field="on")
    old_label, new_label = member.get_role_display(), CommitteeRole(role).label
    _end(actor, member, on, _("职务变更：%(old)s→%(new)s") % {"old": old_label, "new": new_label})
    successor = CommitteeMember(
        community=member.community,
        name=member.name,
        role=role,
        phone=member.phone,
        resident=member.resident,
        term_start=on,
        term_end=member.term_end,
        notes=member.notes,
    )
    return _save(actor, successor)
