from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    COMMUNITY = "community", _("社区通知")
    COMPANY = "company", _("公司公告")
    POLICY = "policy", _("政策法规")
    PUBLIC = "public", _("公共信息")


BUREAU_KINDS = frozenset({NoticeKind.POLICY, NoticeKind.PUBLIC})


class NoticeTarget(models.TextChoices):
    COMMUNITY = "community", _("整个小区")
    BUILDINGS = "buildings", _("指定楼栋")
    HOUSES = "houses", _("指定房屋")
    COMPANY = "company", _("公司全部小区")
    JURISDICTION = "jurisdiction", _("辖区全部小区")


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SCHEDULED = "scheduled", _("待发布")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


EDITABLE_STATES = (NoticeState.DRAFT, NoticeState.SCHEDULED)


class MessageKind(models.TextChoices):
    """What a message-centre entry is about (its icon and filter in the owner app)."""

    NOTICE = "notice", _("通知")
    FEED = "feed", _("资讯")
    SERVICE = "service", _("报事报修")
    BILL = "bill", _("缴费")
    SYSTEM = "system", _("系统消息")


class FeedTopic(models.TextChoices):
    """The information feed's topics an owner subscribes to (资讯订阅)."""

    WEATHER = "weather", _("天气预报")
    AIR = "air", _("空气质量")
    TRAFFIC = "traffic", _("交通出行")
    CITY_NEWS = "city_news", _("城市新闻")
    COMMUNITY_NEWS = "community_news", _("社区新闻")


class FeedSlot(models.TextChoices):
    """The scheduled weather pushes: the morning one tells today, the evening one tomorrow."""

    MORNING = "morning", _("早间")
    EVENING = "evening", _("晚间")
