from django.db import models
from django.utils.translation import gettext_lazy as _


class CommitteeRole(models.TextChoices):
    DIRECTOR = "director", _("主任")
    DEPUTY = "deputy", _("副主任")
    MEMBER = "member", _("委员")


class EmergencyKind(models.TextChoices):
    PROPERTY = "property", _("物业")
    POLICE = "police", _("报警")
    FIRE = "fire", _("火警")
    AMBULANCE = "ambulance", _("急救")
    OTHER = "other", _("其他")


class VoteMatter(models.TextChoices):
    """The matters owners decide together, 民法典 第二百七十八条 第一款 (一)–(九)."""

    RULES = "rules", _("制定和修改业主大会议事规则")
    BYLAWS = "bylaws", _("制定和修改管理规约")
    COMMITTEE = "committee", _("选举业主委员会或者更换业主委员会成员")
    MANAGER = "manager", _("选聘和解聘物业服务企业或者其他管理人")
    FUND_USE = "fund_use", _("使用建筑物及其附属设施的维修资金")
    FUND_RAISE = "fund_raise", _("筹集建筑物及其附属设施的维修资金")
    REBUILD = "rebuild", _("改建、重建建筑物及其附属设施")
    COMMON_USE = "common_use", _("改变共有部分的用途或者利用共有部分从事经营活动")
    OTHER = "other", _("有关共有和共同管理权利的其他重大事项")


# 第二百七十八条 第二款: items (六)–(八) need three quarters of the participants' area and
# headcount; the others need more than half.
MAJOR_MATTERS = frozenset({VoteMatter.FUND_RAISE, VoteMatter.REBUILD, VoteMatter.COMMON_USE})


class VoteState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class BallotChoice(models.TextChoices):
    AGREE = "agree", _("同意")
    OPPOSE = "oppose", _("反对")
    ABSTAIN = "abstain", _("弃权")


class BallotChannel(models.TextChoices):
    ONLINE = "online", _("线上")
    PAPER = "paper", _("纸质票")


class SurveyState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class AnswerMode(models.TextChoices):
    PER_HOUSE = "per_house", _("每户一份")
    PER_PERSON = "per_person", _("每人一份")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    TEXT = "text", _("填空")
    RATING = "rating", _("评分")


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})


class ActivityState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CANCELLED = "cancelled", _("已取消")


class SignupState(models.TextChoices):
    ACTIVE = "active", _("已报名")
    CANCELLED = "cancelled", _("已取消")


class HelpKind(models.TextChoices):
    SWAP = "swap", _("闲置互换")
    CARPOOL = "carpool", _("拼车出行")
    LOST_FOUND = "lost_found", _("失物招领")
    OTHER = "other", _("邻里求助")


class ReportReason(models.TextChoices):
    SPAM = "spam", _("广告推销")
    FRAUD = "fraud", _("虚假或诈骗")
    ABUSE = "abuse", _("辱骂或不文明")
    PRIVACY = "privacy", _("泄露他人隐私")
    OTHER = "other", _("其他")


class ModerationAction(models.TextChoices):
    HIDE = "hide", _("隐藏")
    RESTORE = "restore", _("恢复")
    DISMISS = "dismiss", _("驳回举报")
