from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import TimeStampedModel

from ..choices import ActivityState, SignupState
from .base import CommunityLifeQuerySet


class Activity(TimeStampedModel):
    """A community activity (社区活动) residents sign up for. `signed_count` is the number of
    places taken; it only moves by conditional updates, and the database refuses a count
    above `capacity`, so concurrent sign-ups can never overbook."""

    community = models.ForeignKey(
        "orgs.Community",
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("小区"),
    )
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动介绍"), blank=True)
    place = models.CharField(_("地点"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    signup_deadline = models.DateTimeField(_("报名截止"))
    capacity = models.PositiveIntegerField(
        _("名额"), null=True, blank=True, help_text=_("不填为不限名额")
    )
    max_party = models.PositiveSmallIntegerField(
        _("每次报名最多人数"), default=1, help_text=_("含本人，如亲子活动可填 3")
    )
    signed_count = models.PositiveIntegerField(_("已报名人数"), default=0, editable=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=ActivityState.choices, default=ActivityState.DRAFT
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = CommunityLifeQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区活动")
        verbose_name_plural = _("社区活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(signup_deadline__lte=F("starts_at")),
                name="activity_signup_before_start",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(signed_count__lte=F("capacity")),
                name="activity_not_overbooked",
            ),
            models.CheckConstraint(
                condition=Q(max_party__gte=1, max_party__lte=10), name="activity_party_range"
            ),
            models.CheckConstraint(
                condition=Q(state__in=ActivityState.values), name="activity_valid_state"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.signed_count, 0)


class Signup(TimeStampedModel):
    """A resident's sign-up for an activity, for `party_size` people. Cancelling keeps the
    row; one active sign-up per person and activity."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        "estates.House", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=11)
    party_size = models.PositiveSmallIntegerField(_("人数"), default=1)
    note = models.CharField(_("备注"), max_length=100, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=SignupState.choices, default=SignupState.ACTIVE
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=Q(state="active"),
                name="signup_one_active_per_person",
            ),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="signup_party_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.activity_id}"
