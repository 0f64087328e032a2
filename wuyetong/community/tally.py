"""The arithmetic of 民法典 第二百七十八条, exact (integers and fractions, never float).

    业主共同决定事项，应当由专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主
    参与表决。决定前款第六项至第八项规定的事项，应当经参与表决专有部分面积四分之三以上的业主
    且参与表决人数四分之三以上的业主同意。决定前款其他事项，应当经参与表决专有部分面积过半数
    的业主且参与表决人数过半数的业主同意。

"以上" includes the boundary (≥ 2/3, ≥ 3/4); "过半数" does not (> 1/2). Areas are Decimals
with two places, so comparing `part × den` with `whole × num` is exact. How the roll counts
area and owners is documented in docs/adr/0006-owner-votes.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

TWO_THIRDS = Fraction(2, 3)
HALF = Fraction(1, 2)
THREE_QUARTERS = Fraction(3, 4)


def _exact(value: Decimal | int) -> Fraction:
    if isinstance(value, float):
        raise TypeError("areas and counts are Decimal or int, never float")
    return Fraction(value)


def ratio(part: Decimal | int, whole: Decimal | int) -> Fraction:
    """part / whole as an exact fraction (0 when the whole is 0)."""
    whole_f = _exact(whole)
    return _exact(part) / whole_f if whole_f else Fraction(0)


def percent(value: Fraction, places: int = 2) -> Decimal:
    """A fraction as a percentage for display, truncated (never rounded up across a line:
    66.666…% shows as 66.66%, not 66.67%)."""
    q = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator * 100) / Decimal(value.denominator)).quantize(
        q, rounding="ROUND_DOWN"
    )


@dataclass(frozen=True)
class Tally:
    """Counts of one vote: the roll (everyone entitled) and the ballots cast."""

    total_area: Decimal
    total_owners: int
    participant_area: Decimal
    participant_count: int
    agree_area: Decimal
    agree_count: int
    major: bool

    # ------------------------------------------------------------ the four ratios

    @property
    def area_participation(self) -> Fraction:
        return ratio(self.participant_area, self.total_area)

    @property
    def owner_participation(self) -> Fraction:
        return ratio(self.participant_count, self.total_owners)

    @property
    def agree_area_share(self) -> Fraction:
        return ratio(self.agree_area, self.participant_area)

    @property
    def agree_owner_share(self) -> Fraction:
        return ratio(self.agree_count, self.participant_count)

    # ------------------------------------------------------------ the rules

    @property
    def area_quorum(self) -> bool:
        return self.total_area > 0 and self.area_participation >= TWO_THIRDS

    @property
    def owner_quorum(self) -> bool:
        return self.total_owners > 0 and self.owner_participation >= TWO_THIRDS

    @property
    def valid(self) -> bool:
        """参与表决: ≥ 2/3 of the total area and ≥ 2/3 of all owners took part."""
        return self.area_quorum and self.owner_quorum

    def _agrees(self, share: Fraction) -> bool:
        return share >= THREE_QUARTERS if self.major else share > HALF

    @property
    def area_agrees(self) -> bool:
        return self.participant_area > 0 and self._agrees(self.agree_area_share)

    @property
    def owners_agree(self) -> bool:
        return self.participant_count > 0 and self._agrees(self.agree_owner_share)

    @property
    def passed(self) -> bool:
        return self.valid and self.area_agrees and self.owners_agree

    @property
    def threshold(self) -> Fraction:
        return THREE_QUARTERS if self.major else HALF

    @property
    def verdict(self) -> str:
        """ "invalid" (participation short), "passed" or "rejected"."""
        if not self.valid:
            return "invalid"
        return "passed" if self.passed else "rejected"
