from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    REPAIR = "repair", _("报修")
    COMPLAINT = "complaint", _("投诉")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class CaseScope(models.TextChoices):
    INDOOR = "indoor", _("户内")
    PUBLIC = "public", _("公区")


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("待派单")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("已接单")
    ON_SITE = "on_site", _("已到场")
    IN_PROGRESS = "in_progress", _("处理中")
    PAUSED = "paused", _("已暂停")
    COMPLETED = "completed", _("已完成")
    RATED = "rated", _("已评价")
    RETURN_VISITED = "return_visited", _("已回访")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")
    REOPENED = "reopened", _("已重开")


class Rating(models.TextChoices):
    GOOD = "good", _("好")
    FAIR = "fair", _("中")
    BAD = "bad", _("差")


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("状态变更")
    NOTE = "note", _("补充说明")
    QUOTE = "quote", _("报价")
    REPLY = "reply", _("书面答复")
    WARNING = "warning", _("超时预警")
    BREACH = "breach", _("超时")
    ESCALATION = "escalation", _("升级")
    URGE = "urge", _("催办")
    URGE_ANSWER = "urge_answer", _("催办答复")


class EscalationLevel(models.IntegerChoices):
    PROJECT = 0, _("项目")
    REGION = 1, _("区域公司")
    HQ = 2, _("总部")


class PhotoStage(models.TextChoices):
    REPORT = "report", _("报事照片")
    COMPLETION = "completion", _("完工照片")
    INFO = "info", _("补充照片")


class QuoteState(models.TextChoices):
    NONE = "", _("无")
    PENDING = "pending", _("待业主确认")
    ACCEPTED = "accepted", _("业主已确认")
