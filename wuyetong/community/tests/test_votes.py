"""Owner votes end to end in the services: the roll (one owner once, areas summed, joint
houses once, the developer's houses as one), casting once and never changing, paper
ballots, the deadline close, and the verdict at the boundaries on a real roll."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from wuyetong.community import services
from wuyetong.community.models import Ballot, VoteVoter
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied

from .conftest import NOW

pytestmark = pytest.mark.django_db

D = Decimal


def cast(user, vote, choice="agree"):
    return services.ballot_cast(user=user, vote_id=vote.pk, choice=choice, now=NOW)


def close(vote):
    return services.vote_close(vote=vote, now=vote.closes_at)


# ------------------------------------------------------------------ the roll


def test_one_owner_with_two_houses_counts_once_with_the_areas_summed(estate, world):
    h1, h2, h3 = estate.add_houses("60.50", "39.50", "100.00")
    x = estate.owner(h1, h2)
    estate.owner(h3)
    vote = estate.vote()
    assert (vote.total_area, vote.total_owners) == (D("200.00"), 2)
    ballot = cast(x, vote)
    assert ballot.area == D("100.00")
    # the same owner cannot vote again, and not for the other house on paper either
    with pytest.raises(ApplicationError) as exc:
        cast(x, vote, "oppose")
    assert exc.value.code == "already_voted"
    with pytest.raises(ApplicationError) as exc:
        services.ballot_record_paper(
            actor=world.staff("project_manager"),
            vote=vote,
            house=h2,
            choice="oppose",
            paper_ref="P-1",
            now=NOW,
        )
    assert exc.value.field == "house"
    assert Ballot.objects.count() == 1 and Ballot.objects.get().choice == "agree"


def test_a_jointly_owned_house_counts_its_area_once_and_takes_one_ballot(estate):
    h1, h2 = estate.add_houses("120.00", "80.00")
    husband = estate.owner(h1, name="丈夫")
    wife = estate.owner(h1, name="妻子")
    estate.owner(h2)
    vote = estate.vote()
    assert (vote.total_area, vote.total_owners) == (D("200.00"), 2)
    cast(wife, vote, "oppose")
    with pytest.raises(ApplicationError) as exc:
        cast(husband, vote, "agree")
    assert exc.value.code == "already_voted"
    entry = VoteVoter.objects.get(vote=vote, houses__house=h1)
    assert "丈夫" in entry.owner_names and "妻子" in entry.owner_names


def test_co_ownership_chains_merge_into_one_owner(estate):
    """A owns h1 with B, and h2 alone: one buyer, so h1 and h2 are one entry (第九条)."""
    h1, h2, h3 = estate.add_houses("50.00", "50.00", "100.00")
    a = estate.owner(h1, h2)
    estate.owner(h1)
    estate.owner(h3)
    vote = estate.vote()
    assert vote.total_owners == 2
    assert cast(a, vote).area == D("100.00")


def test_houses_without_an_owner_count_as_the_developer_once(estate, world):
    h1, h2, _h3, h4 = estate.add_houses("100.00", "100.00", "70.00", "30.00")
    estate.owner(h1)
    estate.owner(h2)
    vote = estate.vote()
    assert (vote.total_area, vote.total_owners) == (D("300.00"), 3)
    developer = VoteVoter.objects.get(vote=vote, developer=True)
    assert developer.area == D("100.00") and "建设单位" in developer.owner_names
    # its signed paper ballot is entered by staff
    ballot = services.ballot_record_paper(
        actor=world.staff("project_manager"),
        vote=vote,
        house=h4,
        choice="abstain",
        paper_ref="KFS-01",
        now=NOW,
    )
    assert ballot.area == D("100.00") and ballot.channel == "paper"


def test_the_roll_is_frozen_when_the_vote_is_published(estate):
    h1, h2 = estate.add_houses("100.00", "100.00")
    estate.owner(h1)
    vote = estate.vote()
    late = estate.owner(h2)  # bound after publishing: not on this roll
    with pytest.raises(ApplicationError) as exc:
        cast(late, vote)
    assert exc.value.code == "not_on_roll"
    assert vote.total_owners == 2  # h2 counted as the developer's when published


def test_a_community_without_owners_cannot_publish_a_vote(estate, world):
    estate.add_houses("100.00")
    vote = services.vote_create(
        actor=world.staff("project_manager"),
        community=estate.community,
        title="x",
        matter="manager",
        opens_at=NOW,
        closes_at=NOW + dt.timedelta(days=1),
    )
    with pytest.raises(ApplicationError) as exc:
        services.vote_publish(actor=world.staff("project_manager"), vote=vote, now=NOW)
    assert exc.value.code == "no_owners"
    vote.refresh_from_db()
    assert vote.state == "draft" and not VoteVoter.objects.exists()


# ------------------------------------------------------------------ casting


def test_a_cast_ballot_cannot_be_changed_even_by_a_direct_update(estate):
    h1, h2 = estate.add_houses("100.00", "100.00")
    x = estate.owner(h1)
    estate.owner(h2)
    vote = estate.vote()
    ballot = cast(x, vote)
    with pytest.raises(DatabaseError), transaction.atomic():
        Ballot.objects.filter(pk=ballot.pk).update(choice="oppose")
    ballot.choice = "oppose"
    with pytest.raises(ValueError):
        ballot.save()
    assert Ballot.objects.get().choice == "agree"


def test_ballots_only_within_the_voting_period(estate):
    h1, h2 = estate.add_houses("100.00", "100.00")
    x = estate.owner(h1)
    estate.owner(h2)
    vote = estate.vote()
    for when, code in (
        (vote.opens_at - dt.timedelta(minutes=1), "not_started"),
        (vote.closes_at, "closed"),
    ):
        with pytest.raises(ApplicationError) as exc:
            services.ballot_cast(user=x, vote_id=vote.pk, choice="agree", now=when)
        assert exc.value.code == code
    with pytest.raises(ApplicationError) as exc:
        services.ballot_cast(user=x, vote_id=vote.pk, choice="maybe", now=NOW)
    assert exc.value.field == "choice"
    assert not Ballot.objects.exists()


def test_someone_elses_vote_or_a_missing_one(estate, world):
    h1, _h2 = estate.add_houses("100.00", "100.00")
    estate.owner(h1)
    vote = estate.vote()
    with pytest.raises(ApplicationError) as exc:
        cast(world.other_owner, vote)
    assert exc.value.code == "not_on_roll"
    with pytest.raises(NotFound):
        services.ballot_cast(user=world.owner, vote_id=10**9, choice="agree", now=NOW)


def test_paper_ballots_need_a_reference_and_staff_of_the_company(estate, world):
    h1, _h2 = estate.add_houses("100.00", "100.00")
    estate.owner(h1)
    vote = estate.vote()
    with pytest.raises(ApplicationError) as exc:
        services.ballot_record_paper(
            actor=world.staff("project_manager"),
            vote=vote,
            house=h1,
            choice="agree",
            paper_ref=" ",
            now=NOW,
        )
    assert exc.value.field == "paper_ref"
    with pytest.raises(NotFound):
        services.ballot_record_paper(
            actor=world.staff("hq_admin", "b"),
            vote=vote,
            house=h1,
            choice="agree",
            paper_ref="1",
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        services.ballot_record_paper(
            actor=world.staff("cashier"),
            vote=vote,
            house=h1,
            choice="agree",
            paper_ref="1",
            now=NOW,
        )
    with pytest.raises(ApplicationError) as exc:
        services.ballot_record_paper(
            actor=world.staff("project_manager"),
            vote=vote,
            house=world.owner_house,
            choice="agree",
            paper_ref="1",
            now=NOW,
        )
    assert exc.value.field == "house"
    assert not Ballot.objects.exists()


# ------------------------------------------------------------------ lifecycle


def test_a_published_vote_cannot_be_edited_and_closes_only_at_the_deadline(estate, world):
    h1, _ = estate.add_houses("100.00", "100.00")
    estate.owner(h1)
    vote = estate.vote()
    with pytest.raises(ApplicationError):
        services.vote_update(actor=world.staff("project_manager"), vote=vote, title="改")
    with pytest.raises(ApplicationError) as exc:
        services.vote_close(vote=vote, now=NOW, actor=world.staff("project_manager"))
    assert exc.value.code == "too_early"
    assert services.votes_close_due(now=NOW) == []
    assert services.votes_close_due(now=vote.closes_at) == [vote.pk]
    vote.refresh_from_db()
    assert vote.state == "closed" and vote.valid is False and vote.passed is False


def test_the_deadline_task_closes_due_votes(estate):
    from wuyetong.community import tasks

    h1, _ = estate.add_houses("100.00", "100.00")
    estate.owner(h1)
    vote = estate.vote()
    assert tasks.close_due_votes(now=(vote.closes_at - dt.timedelta(seconds=1)).isoformat()) == []
    assert tasks.close_due_votes(now=vote.closes_at.isoformat()) == [vote.pk]


def test_customer_service_may_draft_but_not_publish(estate, world):
    h1, _ = estate.add_houses("100.00", "100.00")
    estate.owner(h1)
    vote = services.vote_create(
        actor=world.staff("customer_service"),
        community=estate.community,
        title="x",
        matter="manager",
        opens_at=NOW,
        closes_at=NOW + dt.timedelta(days=1),
    )
    with pytest.raises(PermissionDenied):
        services.vote_publish(actor=world.staff("customer_service"), vote=vote, now=NOW)
    vote.refresh_from_db()
    assert vote.state == "draft"


def test_dates_must_make_sense(estate, world):
    with pytest.raises(ApplicationError) as exc:
        services.vote_create(
            actor=world.staff("project_manager"),
            community=estate.community,
            title="x",
            matter="manager",
            opens_at=NOW,
            closes_at=NOW,
        )
    assert exc.value.field == "closes_at"


# ------------------------------------------------------------------ verdicts on a real roll


def _six_owners(estate, areas=("100.00",) * 6):
    houses = estate.add_houses(*areas)
    return [estate.owner(h) for h in houses]


def test_a_real_roll_valid_at_two_thirds_and_passing_with_more_than_half(estate):
    owners = _six_owners(estate)
    vote = estate.vote()
    # 4 of 6 owners (2/3) with 400 of 600 ㎡ (2/3) take part; 3 agree (> 1/2 of both)
    for user, choice in zip(owners, ["agree", "agree", "agree", "oppose"], strict=False):
        cast(user, vote, choice)
    vote = close(vote)
    assert (vote.participant_count, vote.participant_area) == (4, D("400.00"))
    assert (vote.agree_count, vote.agree_area, vote.oppose_count) == (3, D("300.00"), 1)
    assert vote.valid and vote.passed


def test_a_real_roll_one_owner_short_of_two_thirds_is_invalid(estate):
    owners = _six_owners(estate)
    vote = estate.vote()
    for user in owners[:3]:
        cast(user, vote)
    vote = close(vote)
    assert vote.valid is False and vote.passed is False


def test_a_real_roll_a_tie_does_not_pass_an_ordinary_matter(estate):
    owners = _six_owners(estate)
    vote = estate.vote()
    for user, choice in zip(owners, ["agree", "agree", "oppose", "abstain"], strict=False):
        cast(user, vote, choice)
    vote = close(vote)
    assert vote.valid and not vote.passed


def test_a_real_roll_two_thirds_of_owners_but_one_fen_short_of_the_area(estate):
    # 6 owners, 600.01 ㎡: the four voters hold 400.00 < 2/3 × 600.01
    owners = _six_owners(estate, ("100.00",) * 5 + ("100.01",))
    vote = estate.vote()
    for user in owners[:4]:
        cast(user, vote)
    vote = close(vote)
    assert vote.total_area == D("600.01") and vote.valid is False


def test_a_real_roll_major_matter_at_three_quarters(estate):
    owners = _six_owners(estate, ("100.00",) * 8)
    # 8 owners, 8 vote; 6 agree = exactly 3/4 of participants and of area
    vote = estate.vote(major=True)
    for user, choice in zip(owners, ["agree"] * 6 + ["oppose"] * 2, strict=True):
        cast(user, vote, choice)
    assert close(vote).passed


def test_a_real_roll_major_matter_just_under_three_quarters(estate):
    owners = _six_owners(estate, ("100.00",) * 7 + ("100.01",))
    vote = estate.vote(major=True)
    # the 6 agreeing hold 600.00 of 800.01 participating ㎡: under 3/4
    for user, choice in zip(owners, ["agree"] * 6 + ["oppose"] * 2, strict=True):
        cast(user, vote, choice)
    vote = close(vote)
    assert vote.valid and vote.agree_count * 4 == vote.participant_count * 3
    assert vote.passed is False
