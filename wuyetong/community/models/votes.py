from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import TimeStampedModel

from ..choices import BallotChannel, BallotChoice, VoteMatter, VoteState
from .base import CommunityLifeQuerySet

AREA: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0")}
RESULT_AREA: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 2,
    "null": True,
    "blank": True,
}


class VoteQuerySet(CommunityLifeQuerySet):
    bureau_reads = True  # the housing bureau sees the votes (and results) of its district


class Vote(TimeStampedModel):
    """An owners' vote (业主共同决定, 民法典 第二百七十八条) in one community. Publishing it
    freezes the roll (`VoteVoter`): who may vote and with what area; closing it freezes the
    result. The rule (more than half, or three quarters for items 六–八) follows `matter`."""

    community = models.ForeignKey(
        "orgs.Community", on_delete=models.PROTECT, related_name="votes", verbose_name=_("小区")
    )
    title = models.CharField(_("表决事项"), max_length=100)
    description = models.TextField(_("事项说明"), blank=True)
    matter = models.CharField(_("事项类别"), max_length=12, choices=VoteMatter.choices)
    major = models.BooleanField(_("需四分之三同意"), default=False, editable=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=VoteState.choices, default=VoteState.DRAFT
    )
    opens_at = models.DateTimeField(_("投票开始"))
    closes_at = models.DateTimeField(_("投票截止"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The roll's totals, frozen at publishing.
    total_area = models.DecimalField(_("专有部分总面积(㎡)"), **AREA)
    total_owners = models.PositiveIntegerField(_("业主总人数"), default=0)
    # The result, frozen at closing (null while open).
    participant_area = models.DecimalField(_("参与表决面积(㎡)"), **RESULT_AREA)
    participant_count = models.PositiveIntegerField(_("参与表决人数"), null=True, blank=True)
    agree_area = models.DecimalField(_("同意面积(㎡)"), **RESULT_AREA)
    agree_count = models.PositiveIntegerField(_("同意人数"), null=True, blank=True)
    oppose_count = models.PositiveIntegerField(_("反对人数"), null=True, blank=True)
    abstain_count = models.PositiveIntegerField(_("弃权人数"), null=True, blank=True)
    valid = models.BooleanField(_("表决有效"), null=True, blank=True)
    passed = models.BooleanField(_("表决通过"), null=True, blank=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("业主表决")
        verbose_name_plural = _("业主表决")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="vote_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(state__in=VoteState.values), name="vote_valid_state"
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(valid__isnull=False, passed__isnull=False),
                name="vote_closed_has_result",
            ),
        ]
        indexes = [models.Index(fields=["state", "closes_at"], name="vote_due_idx")]

    def __str__(self) -> str:
        return self.title


class VoteVoter(models.Model):
    """One entry of a vote's roll (表决名册): one owner in the headcount, with the summed
    专有部分面积 of their houses. Houses linked by a common owner are one entry; houses with no
    recorded owner together are the developer's entry (建设单位)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="voters")
    area = models.DecimalField(_("专有部分面积(㎡)"), max_digits=14, decimal_places=2)
    label = models.CharField(_("房屋"), max_length=200)
    owner_names = models.CharField(_("业主"), max_length=200, blank=True)
    developer = models.BooleanField(_("建设单位"), default=False)

    class Meta:
        verbose_name = _("表决名册")
        verbose_name_plural = _("表决名册")
        ordering = ["vote_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(area__gte=0), name="voter_area_non_negative")
        ]

    def __str__(self) -> str:
        return self.label


class VoteRollHouse(models.Model):
    """A house on a vote's roll: each house belongs to exactly one roll entry."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    voter = models.ForeignKey(VoteVoter, on_delete=models.CASCADE, related_name="houses")
    house = models.ForeignKey("estates.House", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "house"], name="vote_house_once")]

    def __str__(self) -> str:
        return f"{self.voter_id}:{self.house_id}"


class VoteRollOwner(models.Model):
    """An owner (resident record) entitled to cast the roll entry's ballot."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    voter = models.ForeignKey(VoteVoter, on_delete=models.CASCADE, related_name="owners")
    resident = models.ForeignKey("estates.Resident", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "resident"], name="vote_owner_once")]

    def __str__(self) -> str:
        return f"{self.voter_id}:{self.resident_id}"


class Ballot(models.Model):
    """A cast ballot. One per roll entry (the unique voter), and never changed: the service
    only inserts, and a database trigger refuses any UPDATE of the row."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    voter = models.OneToOneField(
        VoteVoter, on_delete=models.PROTECT, related_name="ballot", verbose_name=_("表决名册")
    )
    choice = models.CharField(_("表决意见"), max_length=10, choices=BallotChoice.choices)
    area = models.DecimalField(_("专有部分面积(㎡)"), max_digits=14, decimal_places=2)
    channel = models.CharField(_("方式"), max_length=10, choices=BallotChannel.choices)
    resident = models.ForeignKey(
        "estates.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("投票业主"),
    )
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    paper_ref = models.CharField(_("纸质票编号"), max_length=30, blank=True)
    cast_at = models.DateTimeField(_("投票时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = _("表决票")
        ordering = ["-cast_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(choice__in=BallotChoice.values), name="ballot_valid_choice"
            ),
            models.CheckConstraint(
                condition=Q(channel="online") | ~Q(paper_ref=""), name="ballot_paper_has_ref"
            ),
        ]
        indexes = [models.Index(fields=["vote", "choice"], name="ballot_tally_idx")]

    def __str__(self) -> str:
        return f"{self.voter} · {self.get_choice_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("a cast ballot cannot be changed")
        super().save(*args, **kwargs)
