"""Owners' votes (投票表决, 民法典 第二百七十八条): drafted and published by property staff,
cast by owners on their phones (or recorded from paper ballots by staff), closed at the
deadline with the result frozen. A cast ballot is never changed."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.money import to_money
from wuyetong.estates.models import House
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import oplog_record, snapshot

from ..choices import MAJOR_MATTERS, BallotChannel, BallotChoice, VoteState
from ..models import Ballot, Vote, VoteRollHouse, VoteRollOwner, VoteVoter
from ..tally import Tally
from . import notify
from ._common import apply_data, create_logged, require_community, require_in_scope, save_logged
from .roll import build_roll, roll_label, roll_owner_names

log = logging.getLogger(__name__)
VOTE_FIELDS = ("title", "description", "matter", "opens_at", "closes_at")


def _check_dates(vote: Vote) -> None:
    if vote.opens_at and vote.closes_at and vote.closes_at <= vote.opens_at:
        raise ApplicationError(_("投票截止时间须晚于开始时间"), field="closes_at")


@transaction.atomic
def vote_create(
    *,
    actor,
    community: Community,
    title: str,
    matter: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    description: str = "",
) -> Vote:
    """A draft vote; nobody sees it until it is published."""
    require_community(actor, community, "add")
    vote = Vote(community=community, created_by=actor)
    apply_data(
        vote,
        {
            "title": title,
            "description": description,
            "matter": matter,
            "opens_at": opens_at,
            "closes_at": closes_at,
        },
        VOTE_FIELDS,
    )
    _check_dates(vote)
    vote.major = vote.matter in MAJOR_MATTERS
    return create_logged(actor, vote)


@transaction.atomic
def vote_update(*, actor, vote: Vote, **data) -> Vote:
    require_in_scope(actor, vote, "change", label=_("表决"))
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    if vote.state != VoteState.DRAFT:
        raise ApplicationError(_("表决已发布，不能再修改"), code="published")
    before = snapshot(vote)
    apply_data(vote, data, VOTE_FIELDS)
    _check_dates(vote)
    vote.major = vote.matter in MAJOR_MATTERS
    return save_logged(actor, vote, before)


@transaction.atomic
def vote_publish(*, actor, vote: Vote, now: dt.datetime | None = None) -> Vote:
    """Freezes the roll (who may vote, with what area) and opens the vote to owners."""
    require_in_scope(actor, vote, "approve", label=_("表决"))
    now = now or timezone.now()
    vote = Vote.objects.select_for_update().select_related("community").get(pk=vote.pk)
    if vote.state != VoteState.DRAFT:
        raise ApplicationError(_("只有草稿状态的表决可以发布"), code="state")
    if vote.closes_at <= now:
        raise ApplicationError(_("投票截止时间已过，请先修改截止时间"), field="closes_at")
    roll = build_roll(vote.community_id)
    if not any(not entry.developer for entry in roll):
        raise ApplicationError(_("本小区还没有在册业主，无法发起表决"), code="no_owners")
    voters = VoteVoter.objects.bulk_create(
        [
            VoteVoter(
                vote=vote,
                area=entry.area,
                label=roll_label(entry),
                owner_names=roll_owner_names(entry),
                developer=entry.developer,
            )
            for entry in roll
        ],
        batch_size=1000,
    )
    VoteRollHouse.objects.bulk_create(
        [
            VoteRollHouse(vote=vote, voter=voter, house_id=house_id)
            for voter, entry in zip(voters, roll, strict=True)
            for house_id in entry.house_ids
        ],
        batch_size=2000,
    )
    VoteRollOwner.objects.bulk_create(
        [
            VoteRollOwner(vote=vote, voter=voter, resident_id=resident_id)
            for voter, entry in zip(voters, roll, strict=True)
            for resident_id in entry.resident_ids
        ],
        batch_size=2000,
    )
    before = snapshot(vote)
    vote.total_area = sum((entry.area for entry in roll), start=to_money(0))
    vote.total_owners = len(roll)
    vote.state, vote.published_at = VoteState.OPEN, now
    vote = save_logged(actor, vote, before, note=_("发布表决，冻结表决名册"))
    notify.tell(
        VoteRollOwner.objects.filter(vote=vote, resident__user__isnull=False).values_list(
            "resident__user_id", flat=True
        ),
        title=_("业主表决：%(title)s") % {"title": vote.title},
        body=_("投票截止 %(time)s，每位业主一票，提交后不能更改。")
        % {"time": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")},
        link=notify.link("vote_detail", vote.pk),
    )
    return vote


@transaction.atomic
def vote_cancel(*, actor, vote: Vote, reason: str) -> Vote:
    """Withdraws a draft or an open vote (ballots already cast stay on record)."""
    require_in_scope(actor, vote, "approve", label=_("表决"))
    if not (reason or "").strip():
        raise ApplicationError(_("请填写取消原因"), field="reason")
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    if vote.state not in (VoteState.DRAFT, VoteState.OPEN):
        raise ApplicationError(_("表决已结束，不能取消"), code="state")
    before = snapshot(vote)
    vote.state, vote.cancel_reason = VoteState.CANCELLED, reason.strip()[:200]
    return save_logged(actor, vote, before)


# ---------------------------------------------------------------- counting


def vote_tally(vote: Vote) -> Tally:
    """The counts as they stand: the frozen result of a closed vote, else the live ballots."""
    if vote.state == VoteState.CLOSED:
        return Tally(
            total_area=vote.total_area,
            total_owners=vote.total_owners,
            participant_area=vote.participant_area or to_money(0),
            participant_count=vote.participant_count or 0,
            agree_area=vote.agree_area or to_money(0),
            agree_count=vote.agree_count or 0,
            major=vote.major,
        )
    counts = Ballot.objects.filter(vote=vote).aggregate(
        participant_area=Sum("area"),
        participant_count=Count("pk"),
        agree_area=Sum("area", filter=Q(choice=BallotChoice.AGREE)),
        agree_count=Count("pk", filter=Q(choice=BallotChoice.AGREE)),
    )
    # SQLite sums decimals through floats: back to exact fen before any comparison (ADR 0004).
    return Tally(
        total_area=vote.total_area,
        total_owners=vote.total_owners,
        participant_area=to_money(counts["participant_area"] or 0),
        participant_count=counts["participant_count"],
        agree_area=to_money(counts["agree_area"] or 0),
        agree_count=counts["agree_count"],
        major=vote.major,
    )


def choice_counts(vote: Vote) -> dict[str, dict]:
    """Per choice: how many roll entries and how much area (for the result chart)."""
    rows = (
        Ballot.objects.filter(vote=vote)
        .values("choice")
        .annotate(n=Count("pk"), area=Sum("area"))
        .order_by()
    )
    out = {c: {"count": 0, "area": to_money(0)} for c in BallotChoice.values}
    for row in rows:
        out[row["choice"]] = {"count": row["n"], "area": to_money(row["area"] or 0)}
    return out


@transaction.atomic
def vote_close(*, vote: Vote, now: dt.datetime | None = None, actor=None) -> Vote:
    """Ends the vote and freezes its result. `actor` None is the scheduler at the deadline;
    staff may close early only after the deadline has passed (a vote runs its full term)."""
    now = now or timezone.now()
    if actor is not None:
        require_in_scope(actor, vote, "approve", label=_("表决"))
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    if vote.state != VoteState.OPEN:
        raise ApplicationError(_("只有投票中的表决可以结束"), code="state")
    if now < vote.closes_at:
        raise ApplicationError(_("未到投票截止时间，不能提前结束"), code="too_early")
    tally = vote_tally(vote)
    counts = choice_counts(vote)
    before = snapshot(vote)
    vote.participant_area, vote.participant_count = tally.participant_area, tally.participant_count
    vote.agree_area, vote.agree_count = tally.agree_area, tally.agree_count
    vote.oppose_count = counts[BallotChoice.OPPOSE]["count"]
    vote.abstain_count = counts[BallotChoice.ABSTAIN]["count"]
    vote.valid, vote.passed = tally.valid, tally.passed
    vote.state, vote.closed_at = VoteState.CLOSED, now
    return save_logged(actor, vote, before, note=_("表决结束，结果已冻结"))


def votes_close_due(*, now: dt.datetime) -> list[int]:
    """Closes every open vote whose deadline has passed; one failure does not stop the rest."""
    closed = []
    due = Vote.objects.filter(state=VoteState.OPEN, closes_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        try:
            vote_close(vote=Vote.objects.get(pk=pk), now=now)
        except ApplicationError:
            continue  # closed by someone else meanwhile
        except Exception:
            log.exception("closing vote %s failed; retried next run", pk)
            continue
        closed.append(pk)
    return closed


# ---------------------------------------------------------------- ballots


def _accepting(vote: Vote, now: dt.datetime) -> None:
    if vote.state != VoteState.OPEN:
        raise ApplicationError(_("该表决不在投票期内"), code="state")
    if now < vote.opens_at:
        raise ApplicationError(_("投票尚未开始"), code="not_started")
    if now >= vote.closes_at:
        raise ApplicationError(_("投票已截止"), code="closed")


def _insert(ballot: Ballot) -> Ballot:
    """Insert the ballot; the unique voter refuses a second one even under a race."""
    try:
        with transaction.atomic():
            ballot.save()
    except IntegrityError:
        raise ApplicationError(_("已投票，表决意见提交后不能更改"), code="already_voted") from None
    return ballot


def _choice(choice: str) -> str:
    if choice not in BallotChoice.values:
        raise ApplicationError(_("请选择同意、反对或弃权"), field="choice")
    return choice


@transaction.atomic
def ballot_cast(*, user, vote_id: int, choice: str, now: dt.datetime | None = None) -> Ballot:
    """An owner casts the ballot of their roll entry (all their houses, one headcount)."""
    now = now or timezone.now()
    owner = (
        VoteRollOwner.objects.filter(vote_id=vote_id, resident__user=user)
        .select_related("voter", "vote", "resident")
        .first()
    )
    if owner is None:
        if not Vote.objects.filter(pk=vote_id).exists():
            raise NotFound(_("表决不存在"))
        raise ApplicationError(_("您不在本次表决的业主名册中，不能投票"), code="not_on_roll")
    _accepting(owner.vote, now)
    if Ballot.objects.filter(voter=owner.voter).exists():
        raise ApplicationError(_("已投票，表决意见提交后不能更改"), code="already_voted")
    return _insert(
        Ballot(
            vote=owner.vote,
            voter=owner.voter,
            choice=_choice(choice),
            area=owner.voter.area,
            channel=BallotChannel.ONLINE,
            resident=owner.resident,
            cast_by=user,
        )
    )


@transaction.atomic
def ballot_record_paper(
    *,
    actor,
    vote: Vote,
    house: House,
    choice: str,
    paper_ref: str,
    now: dt.datetime | None = None,
) -> Ballot:
    """Staff enter a signed paper ballot (纸质表决票) for the roll entry holding `house`."""
    require_in_scope(actor, vote, "change", label=_("表决"))
    vote = Vote.objects.select_related("community").get(pk=vote.pk)  # its state as stored now
    now = now or timezone.now()
    paper_ref = (paper_ref or "").strip()
    if not paper_ref:
        raise ApplicationError(_("请填写纸质票编号"), field="paper_ref")
    if len(paper_ref) > 30:
        raise ApplicationError(_("纸质票编号最多30个字符"), field="paper_ref")
    roll = (
        VoteRollHouse.objects.filter(vote=vote, house=house).select_related("voter").first()
        if house is not None
        else None
    )
    if roll is None:
        raise ApplicationError(_("该房屋不在本次表决名册中"), field="house")
    _accepting(vote, now)
    if Ballot.objects.filter(voter=roll.voter).exists():
        raise ApplicationError(
            _("该房屋所属业主已投票，表决意见不能更改"), field="house", code="already_voted"
        )
    ballot = _insert(
        Ballot(
            vote=vote,
            voter=roll.voter,
            choice=_choice(choice),
            area=roll.voter.area,
            channel=BallotChannel.PAPER,
            cast_by=actor,
            paper_ref=paper_ref,
        )
    )
    oplog_record(
        actor=actor,
        action=OpAction.CREATE,
        obj=ballot,
        changes={"choice": choice, "paper_ref": paper_ref, "voter": roll.voter.label},
        company=vote.community.company_id,
        note=_("录入纸质表决票"),
    )
    return ballot


__all__ = [
    "ballot_cast",
    "ballot_record_paper",
    "choice_counts",
    "vote_cancel",
    "vote_close",
    "vote_create",
    "vote_publish",
    "vote_tally",
    "vote_update",
    "votes_close_due",
]
