from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import TimeStampedModel

from ..choices import HelpKind, ModerationAction, ReportReason
from .base import CommunityLifeQuerySet


class Moderated(models.Model):
    """Hidden by staff, with the reason its author is shown."""

    hidden = models.BooleanField(_("已隐藏"), default=False)
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)
    hidden_at = models.DateTimeField(_("隐藏时间"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class HelpPost(Moderated, TimeStampedModel):
    """A neighbour-help post (邻里互助): something to swap, a carpool, a lost or found item,
    a request. Visible to the residents of its community unless staff hide it."""

    community = models.ForeignKey(
        "orgs.Community",
        on_delete=models.PROTECT,
        related_name="help_posts",
        verbose_name=_("小区"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    kind = models.CharField(_("类别"), max_length=12, choices=HelpKind.choices)
    title = models.CharField(_("标题"), max_length=60)
    body = models.TextField(_("内容"), max_length=1000)
    contact = models.CharField(
        _("联系方式"), max_length=30, blank=True, help_text=_("选填，邻居可见")
    )
    closed = models.BooleanField(_("已结束"), default=False)
    comment_count = models.PositiveIntegerField(_("评论数"), default=0)
    open_reports = models.PositiveIntegerField(_("待处理举报"), default=0)

    objects = CommunityLifeQuerySet.as_manager()

    class Meta:
        verbose_name = _("邻里互助")
        verbose_name_plural = _("邻里互助")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "hidden", "created_at"], name="help_feed_idx"),
            models.Index(fields=["open_reports"], name="help_reported_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class HelpComment(Moderated, TimeStampedModel):
    """A neighbour's reply under a post."""

    post = models.ForeignKey(HelpPost, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.CharField(_("评论"), max_length=300)

    class Meta:
        verbose_name = _("互助评论")
        verbose_name_plural = _("互助评论")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:30]


class HelpReport(models.Model):
    """A resident's report of a post or a comment; open until staff hide the content or
    dismiss the report. One report per person and target."""

    post = models.ForeignKey(HelpPost, on_delete=models.PROTECT, related_name="reports")
    comment = models.ForeignKey(
        HelpComment, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("举报原因"), max_length=10, choices=ReportReason.choices)
    detail = models.CharField(_("补充说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("举报时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution = models.CharField(
        _("处理结果"), max_length=10, choices=ModerationAction.choices, blank=True
    )

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "post"],
                condition=Q(comment__isnull=True),
                name="report_post_once",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(comment__isnull=False),
                name="report_comment_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.post_id}"


class HelpModeration(models.Model):
    """What staff did to a post or comment, and why: the moderation history."""

    post = models.ForeignKey(HelpPost, on_delete=models.PROTECT, related_name="moderations")
    comment = models.ForeignKey(
        HelpComment, on_delete=models.PROTECT, null=True, blank=True, related_name="moderations"
    )
    action = models.CharField(_("操作"), max_length=10, choices=ModerationAction.choices)
    reason = models.CharField(_("原因"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("互助审核记录")
        verbose_name_plural = _("互助审核记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.post_id}"
