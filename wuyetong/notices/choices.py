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
