"""民法典 第二百七十八条 at its exact boundaries: participation ≥ 2/3 of area and of owners;
an ordinary matter passes with more than 1/2, a major one (items 六–八) with ≥ 3/4, of the
participants' area and headcount. Both sides of every line, to the fen and to one owner."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuyetong.community.tally import Tally, percent, ratio

D = Decimal


def tally(**kw) -> Tally:
    base = {
        "total_area": D("300.00"),
        "total_owners": 300,
        "participant_area": D("300.00"),
        "participant_count": 300,
        "agree_area": D("300.00"),
        "agree_count": 300,
        "major": False,
    }
    return Tally(**{**base, **kw})


# ------------------------------------------------------------------ participation (≥ 2/3)


def test_exactly_two_thirds_of_the_area_is_enough_one_fen_less_is_not():
    at = tally(participant_area=D("200.00"), agree_area=D("200.00"))
    assert at.area_quorum and at.valid and at.verdict == "passed"
    below = tally(participant_area=D("199.99"), agree_area=D("199.99"))
    assert not below.area_quorum and not below.valid and below.verdict == "invalid"


def test_exactly_two_thirds_of_the_owners_is_enough_one_owner_less_is_not():
    at = tally(participant_count=200, agree_count=200)
    assert at.owner_quorum and at.valid
    below = tally(participant_count=199, agree_count=199)
    assert not below.owner_quorum and below.verdict == "invalid"


def test_participation_needs_both_area_and_owners():
    only_area = tally(participant_count=199, agree_count=199)
    only_owners = tally(participant_area=D("199.99"), agree_area=D("199.99"))
    assert only_area.area_quorum and not only_area.valid
    assert only_owners.owner_quorum and not only_owners.valid


def test_two_thirds_of_an_area_that_does_not_divide_by_three():
    # 2/3 × 100.01 = 66.673…: 66.68 reaches it, 66.67 does not.
    assert tally(total_area=D("100.01"), participant_area=D("66.68"), agree_area=D("66.68")).valid
    assert not tally(
        total_area=D("100.01"), participant_area=D("66.67"), agree_area=D("66.67")
    ).valid


# ------------------------------------------------------------------ ordinary matters (> 1/2)


def test_ordinary_matter_needs_more_than_half_the_participating_area():
    over = tally(participant_area=D("200.00"), agree_area=D("100.01"))
    half = tally(participant_area=D("200.00"), agree_area=D("100.00"))
    assert over.area_agrees and over.verdict == "passed"
    assert not half.area_agrees and half.verdict == "rejected"


def test_ordinary_matter_needs_more_than_half_the_participating_owners():
    # 200 participants: 101 agree passes, exactly 100 does not.
    assert tally(participant_count=200, agree_count=101).passed
    half = tally(participant_count=200, agree_count=100)
    assert not half.owners_agree and half.verdict == "rejected"


def test_ordinary_matter_needs_both_majorities():
    assert not tally(participant_count=200, agree_count=150, agree_area=D("150.00")).passed
    assert not tally(participant_count=200, agree_count=100, agree_area=D("250.00")).passed


# ------------------------------------------------------------------ major matters (≥ 3/4)


def test_major_matter_exactly_three_quarters_of_the_area_passes_one_fen_less_fails():
    at = tally(major=True, participant_area=D("200.00"), agree_area=D("150.00"))
    below = tally(major=True, participant_area=D("200.00"), agree_area=D("149.99"))
    assert at.passed and at.verdict == "passed"
    assert not below.passed and below.verdict == "rejected"


def test_major_matter_exactly_three_quarters_of_the_owners_passes_one_less_fails():
    assert tally(major=True, participant_count=200, agree_count=150).passed
    assert not tally(major=True, participant_count=200, agree_count=149).passed


def test_what_passes_an_ordinary_matter_can_fail_a_major_one():
    t = {"participant_count": 200, "agree_count": 140, "participant_area": D("200.00")}
    assert tally(agree_area=D("140.00"), **t).passed
    assert not tally(agree_area=D("140.00"), major=True, **t).passed


# ------------------------------------------------------------------ degenerate cases


def test_nobody_voting_or_an_empty_roll_is_never_valid():
    assert (
        tally(
            participant_area=D("0"), participant_count=0, agree_area=D("0"), agree_count=0
        ).verdict
        == "invalid"
    )
    empty = tally(total_area=D("0"), total_owners=0, participant_area=D("0"), participant_count=0)
    assert not empty.valid and empty.area_participation == 0


def test_floats_are_refused():
    with pytest.raises(TypeError):
        ratio(0.5, 1)


def test_percent_is_truncated_so_a_share_just_under_a_line_never_shows_on_it():
    assert percent(Fraction(2, 3)) == D("66.66")
    assert percent(Fraction(19999, 30000)) == D("66.66")
    assert percent(Fraction(1, 2)) == D("50.00")


@given(
    total=st.integers(min_value=1, max_value=10**9),
    part=st.integers(min_value=0, max_value=10**9),
)
def test_area_quorum_agrees_with_integer_arithmetic_in_fen(total, part):
    part = min(part, total)
    t = tally(
        total_area=D(total) / 100,
        participant_area=D(part) / 100,
        agree_area=D(part) / 100,
    )
    assert t.area_quorum == (3 * part >= 2 * total)
