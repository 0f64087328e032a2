from django.db import models
from django.utils.translation import gettext_lazy as _


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")


class OrgKind(models.TextChoices):
    HQ = "hq", _("总部")
    REGION = "region", _("区域公司")
    PROJECT = "project", _("项目")


class DataScope(models.TextChoices):
    PROJECT = "project", _("本项目")
    SUBTREE = "subtree", _("本组织及下级")
    COMPANY = "company", _("全公司")


class OpAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    APPROVE = "approve", _("审核通过")
    REJECT = "reject", _("驳回")
    GRANT = "grant", _("授权")
    IMPORT = "import", _("导入")
    LOGIN = "login", _("登录")
    PUBLISH = "publish", _("发布")
    WITHDRAW = "withdraw", _("撤回")
