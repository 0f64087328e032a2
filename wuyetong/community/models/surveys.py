from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import TimeStampedModel

from ..choices import AnswerMode, QuestionKind, SurveyState
from .base import CommunityLifeQuerySet


class Survey(TimeStampedModel):
    """A questionnaire (问卷调查) to the residents of a community or of chosen buildings.
    `answer_mode` decides whether each house answers once or each person does."""

    community = models.ForeignKey(
        "orgs.Community", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("小区")
    )
    buildings = models.ManyToManyField(
        "estates.Building",
        blank=True,
        related_name="+",
        verbose_name=_("楼栋"),
        help_text=_("不选则面向全小区"),
    )
    title = models.CharField(_("问卷标题"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    answer_mode = models.CharField(
        _("答卷方式"), max_length=12, choices=AnswerMode.choices, default=AnswerMode.PER_HOUSE
    )
    owners_only = models.BooleanField(_("仅限业主填写"), default=False)
    anonymous = models.BooleanField(
        _("匿名"), default=False, help_text=_("匿名问卷的结果和导出不显示答卷人")
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=SurveyState.choices, default=SurveyState.DRAFT
    )
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = CommunityLifeQuerySet.as_manager()

    class Meta:
        verbose_name = _("问卷调查")
        verbose_name_plural = _("问卷调查")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="survey_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(state__in=SurveyState.values), name="survey_valid_state"
            ),
        ]
        indexes = [models.Index(fields=["state", "closes_at"], name="survey_due_idx")]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One question of a survey, in `position` order."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=200)
    required = models.BooleanField(_("必答"), default=True)
    max_rating = models.PositiveSmallIntegerField(_("最高分"), default=5)

    class Meta:
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")
        ordering = ["survey_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="question_position"),
            models.CheckConstraint(
                condition=Q(max_rating__gte=2, max_rating__lte=10), name="question_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Option(models.Model):
    """A choice of a single- or multiple-choice question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("选项"), max_length=100)

    class Meta:
        ordering = ["question_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="option_position"),
            models.UniqueConstraint(fields=["question", "text"], name="option_unique_text"),
        ]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One submitted questionnaire. Per-house surveys take one per house, per-person ones
    one per user: unique keys hold that even when two family members submit at once."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        "estates.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    per_house = models.BooleanField()
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "house"],
                condition=Q(per_house=True),
                name="response_one_per_house",
            ),
            models.UniqueConstraint(
                fields=["survey", "user"],
                condition=Q(per_house=False),
                name="response_one_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.pk}"


class Answer(models.Model):
    """An answer to one question: one row per chosen option, or one row with the text or
    the rating."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(
        Option, on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    text = models.CharField(max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "option"],
                condition=Q(option__isnull=False),
                name="answer_option_once",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(option__isnull=True),
                name="answer_question_once",
            ),
            models.CheckConstraint(
                condition=Q(option__isnull=True) | Q(rating__isnull=True, text=""),
                name="answer_one_kind",
            ),
        ]
        indexes = [models.Index(fields=["question", "option"], name="answer_stats_idx")]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}"
