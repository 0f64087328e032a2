from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import TimeStampedModel

from ..choices import CommitteeRole
from .base import CommunityLifeQuerySet, validate_dial_number


class CommitteeMemberQuerySet(CommunityLifeQuerySet):
    bureau_reads = True  # the bureau sees each community's 业委会 (SPEC §1)

    def current(self):
        return self.filter(ended_on__isnull=True)


class CommitteeMember(TimeStampedModel):
    """One seat held on a community's owners' committee (业主委员会) by one person for one
    stretch of time. A change of role or a departure ends the row (`ended_on`) and, for a new
    role, starts another, so the committee's history stays readable."""

    community = models.ForeignKey(
        "orgs.Community",
        on_delete=models.PROTECT,
        related_name="committee_members",
        verbose_name=_("小区"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("职务"), max_length=10, choices=CommitteeRole.choices)
    phone = models.CharField(
        _("联系电话"), max_length=20, blank=True, validators=[validate_dial_number]
    )
    resident = models.ForeignKey(
        "estates.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee_seats",
        verbose_name=_("关联业主"),
    )
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"), null=True, blank=True)
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    end_reason = models.CharField(_("离任原因"), max_length=100, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    objects = CommitteeMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("业委会成员")
        verbose_name_plural = _("业委会成员")
        ordering = ["community_id", "-term_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=F("term_start")),
                name="committee_term_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("term_start")),
                name="committee_ended_after_start",
            ),
            models.CheckConstraint(
                condition=Q(role__in=CommitteeRole.values), name="committee_valid_role"
            ),
            # One sitting 主任 per community; one current seat per person.
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(role="director", ended_on__isnull=True),
                name="committee_one_director",
            ),
            models.UniqueConstraint(
                fields=["community", "resident"],
                condition=Q(ended_on__isnull=True, resident__isnull=False),
                name="committee_one_seat_per_resident",
            ),
        ]
        indexes = [models.Index(fields=["community", "ended_on"], name="committee_current_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None
