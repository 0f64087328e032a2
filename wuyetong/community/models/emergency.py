from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import TimeStampedModel

from ..choices import EmergencyKind
from .base import CommunityLifeQuerySet, validate_dial_number


class EmergencyContact(TimeStampedModel):
    """A number on the owner's 一键救助 screen (物业值班, 110, 119, 120 …), per community."""

    community = models.ForeignKey(
        "orgs.Community",
        on_delete=models.PROTECT,
        related_name="emergency_contacts",
        verbose_name=_("小区"),
    )
    name = models.CharField(_("名称"), max_length=30)
    phone = models.CharField(_("电话"), max_length=20, validators=[validate_dial_number])
    kind = models.CharField(
        _("类别"), max_length=10, choices=EmergencyKind.choices, default=EmergencyKind.OTHER
    )
    note = models.CharField(_("说明"), max_length=60, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = CommunityLifeQuerySet.as_manager()

    class Meta:
        verbose_name = _("救助电话")
        verbose_name_plural = _("救助电话")
        ordering = ["community_id", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="emergency_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"
