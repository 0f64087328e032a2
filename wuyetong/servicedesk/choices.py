from django.db import models


class CaseKind(models.TextChoices):
    REPAIR = "repair", "报修"
    COMPLAINT = "complaint", "投诉"


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"


class CaseScope(models.TextChoices):
    INDOOR = "indoor", "户内"
    PUBLIC = "public", "公区"


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", "待派单"
    DISPATCHED = "dispatched", "已派单"
    ACCEPTED = "accepted", "已接单"
    ON_SITE = "on_site", "已到场"
    IN_PROGRESS = "in_progress", "处理中"
    PAUSED = "paused", "已暂停"
    COMPLETED = "completed", "已完成"
    RATED = "rated", "已评价"
    RETURN_VISITED = "return_visited", "已回访"
    CLOSED = "closed", "已关闭"
    CANCELLED = "cancelled", "已取消"
    REOPENED = "reopened", "已重开"


class Rating(models.TextChoices):
    GOOD = "good", "好"
    FAIR = "fair", "中"
    BAD = "bad", "差"


class EventKind(models.TextChoices):
    TRANSITION = "transition", "状态变更"
    NOTE = "note", "补充说明"
    QUOTE = "quote", "报价"
    REPLY = "reply", "书面答复"
    WARNING = "warning", "超时预警"
    BREACH = "breach", "超时"
    ESCALATION = "escalation", "升级"
    URGE = "urge", "催办"
    URGE_ANSWER = "urge_answer", "催办答复"


class EscalationLevel(models.IntegerChoices):
    PROJECT = 0, "项目"
    REGION = 1, "区域公司"
    HQ = 2, "总部"


class PhotoStage(models.TextChoices):
    REPORT = "report", "报事照片"
    COMPLETION = "completion", "完工照片"
    INFO = "info", "补充照片"


class QuoteState(models.TextChoices):
    NONE = "", "无"
    PENDING = "pending", "待业主确认"
    ACCEPTED = "accepted", "业主已确认"
