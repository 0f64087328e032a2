"""Notices (C7): what a property company or a housing bureau tells owners, who received it
and who has read it; and the owner's in-app message centre."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import Access
from wuyetong.core.files import unguessable_name
from wuyetong.core.models import ScopedQuerySet, TimeStampedModel

from .choices import FeedSlot, FeedTopic, MessageKind, NoticeKind, NoticeState, NoticeTarget


class NoticeQuerySet(ScopedQuerySet):
    """Staff see their company's notices within their data scope (module "notices"), and
    staff scoped to some communities also read (never change) the company's announcements
    to all communities; a bureau official sees the bureau's own notices. Owners read
    through selectors only."""

    permission_module = "notices"

    def for_access(self, access: Access, action: str = "view") -> models.QuerySet:
        if access.is_authenticated and access.bureau_id is not None and not access.company_id:
            # Bureau officials carry no role permissions: membership is their authority.
            return self.filter(bureau_id=access.bureau_id)
        qs = super().for_access(access, action)
        if (
            action in ("view", "export")
            and access.company_id is not None
            and access.community_ids is not None
            and access.can(f"notices.{action}")
        ):
            qs = qs | self.filter(company_id=access.company_id, community__isnull=True)
        return qs

    def scope(self, access: Access) -> models.QuerySet:
        if access.company_id is None:
            return self.none()
        qs = self.filter(company_id=access.company_id)
        if access.community_ids is not None:
            qs = qs.filter(community_id__in=access.community_ids)
        return qs


class Notice(TimeStampedModel):
    """A notice published by a property company (社区通知 / 公司公告) or a housing bureau
    (政策法规 / 公共信息). Exactly one of `company` and `bureau` is the publisher. The
    audience is resolved at publish time into `NoticeDelivery` rows."""

    company = models.ForeignKey(
        "orgs.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("物业公司"),
    )
    bureau = models.ForeignKey(
        "orgs.Bureau",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("房管部门"),
    )
    community = models.ForeignKey(
        "orgs.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("小区"),
    )
    kind = models.CharField(_("类型"), max_length=10, choices=NoticeKind.choices)
    target = models.CharField(_("发送范围"), max_length=12, choices=NoticeTarget.choices)
    buildings = models.ManyToManyField(
        "estates.Building", blank=True, related_name="+", verbose_name=_("楼栋")
    )
    houses = models.ManyToManyField(
        "estates.House", blank=True, related_name="+", verbose_name=_("房屋")
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    urgent = models.BooleanField(_("紧急（短信通知）"), default=False)
    pinned = models.BooleanField(_("置顶"), default=False)
    publish_at = models.DateTimeField(_("定时发布时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=NoticeState.choices, default=NoticeState.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("送达人数"), default=0)
    # Urgent notices also reach residents without an app account by SMS; counted here.
    sms_count = models.PositiveIntegerField(_("短信条数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-pinned", "-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(company__isnull=False, bureau__isnull=True)
                | Q(company__isnull=True, bureau__isnull=False),
                name="notice_one_publisher",
            ),
        ]
        indexes = [models.Index(fields=["state", "publish_at"], name="notice_due_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def publisher_name(self) -> str:
        """Who speaks: the company's short name or the bureau (load them with the notice)."""
        if self.company_id:
            return self.company.short_name or self.company.name  # type: ignore[union-attr]
        return self.bureau.name if self.bureau_id else ""  # type: ignore[union-attr]


def attachment_path(instance, filename: str) -> str:
    # Readers get the file through the scoped views, never by its name (core.files).
    return unguessable_name("notices", filename)


class NoticeAttachment(TimeStampedModel):
    """A file attached to a notice (a PDF of the water-cut schedule, a photo)."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("通知")
    )
    file = models.FileField(_("附件"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)

    class Meta:
        verbose_name = _("通知附件")
        verbose_name_plural = _("通知附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class NoticeDelivery(models.Model):
    """One recipient of a published notice: the audience as resolved at publish time, and
    the read receipt (`read_at`)."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_deliveries",
        verbose_name=_("接收人"),
    )
    # The recipient's community at delivery: read receipts of a company- or district-wide
    # notice are counted per community and shown to staff only for their own communities.
    community = models.ForeignKey(
        "orgs.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小区"),
    )
    delivered_at = models.DateTimeField(_("送达时间"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    reminded_count = models.PositiveIntegerField(_("提醒次数"), default=0)
    last_reminded_at = models.DateTimeField(_("最近提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知送达")
        verbose_name_plural = _("通知送达")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_delivery_unique"),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_delivery_user_idx")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.user_id}"


class NoticeReminder(TimeStampedModel):
    """A reminder sent to the recipients who had not read a notice (催阅), kept as a record."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("通知")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    recipient_count = models.PositiveIntegerField(_("提醒人数"))
    by_sms = models.BooleanField(_("短信提醒"), default=False)

    class Meta:
        verbose_name = _("通知提醒")
        verbose_name_plural = _("通知提醒")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.notice_id} · {self.recipient_count}"


class Message(models.Model):
    """An entry of an owner's in-app message centre (我的消息), with its read state."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inbox_messages",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(
        _("类型"), max_length=10, choices=MessageKind.choices, default=MessageKind.SYSTEM
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    notice = models.ForeignKey(
        Notice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("通知"),
    )
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="message_user_read_idx")]

    def __str__(self) -> str:
        return self.title


class Subscription(models.Model):
    """An owner's subscription to a topic of the information feed (资讯订阅). No row means
    not subscribed: a topic is pushed only to those who chose it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feed_subscriptions",
        verbose_name=_("用户"),
    )
    topic = models.CharField(_("主题"), max_length=20, choices=FeedTopic.choices)
    created_at = models.DateTimeField(_("订阅时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资讯订阅")
        verbose_name_plural = _("资讯订阅")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="feed_subscription_unique"),
        ]
        indexes = [models.Index(fields=["topic", "user"], name="feed_subscription_topic_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.topic}"


class FeedPush(models.Model):
    """One scheduled push of a topic to a city's subscribers (e.g. the morning weather of
    杭州市 on 2026-07-01). Unique, so an overlapping or repeated run pushes nothing twice."""

    topic = models.CharField(_("主题"), max_length=20, choices=FeedTopic.choices)
    city = models.ForeignKey(
        "orgs.City", on_delete=models.PROTECT, related_name="+", verbose_name=_("城市")
    )
    day = models.DateField(_("日期"))
    slot = models.CharField(_("时段"), max_length=10, choices=FeedSlot.choices)
    title = models.CharField(_("标题"), max_length=100, blank=True)
    recipient_count = models.PositiveIntegerField(_("推送人数"), default=0)
    created_at = models.DateTimeField(_("推送时间"))

    class Meta:
        verbose_name = _("资讯推送")
        verbose_name_plural = _("资讯推送")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "city", "day", "slot"], name="feed_push_once_per_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.city_id} {self.day} {self.slot}"
