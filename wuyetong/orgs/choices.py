from django.db import models


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "已驳回"


class OrgKind(models.TextChoices):
    HQ = "hq", "总部"
    REGION = "region", "区域公司"
    PROJECT = "project", "项目"


class DataScope(models.TextChoices):
    PROJECT = "project", "本项目"
    SUBTREE = "subtree", "本组织及下级"
    COMPANY = "company", "全公司"


class OpAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    APPROVE = "approve", "审核通过"
    REJECT = "reject", "驳回"
    GRANT = "grant", "授权"
    IMPORT = "import", "导入"
    LOGIN = "login", "登录"
