from django.db import models


class HouseState(models.TextChoices):
    UNSOLD = "unsold", "未售"
    DELIVERED = "delivered", "已交房"
    OCCUPIED = "occupied", "入住"
    VACANT = "vacant", "空置"
    RENOVATING = "renovating", "装修"
    RENTED = "rented", "出租"


class HouseUse(models.TextChoices):
    RESIDENTIAL = "residential", "住宅"
    COMMERCIAL = "commercial", "商业"
    OFFICE = "office", "办公"


class SpaceState(models.TextChoices):
    FREE = "free", "空闲"
    SOLD = "sold", "已售"
    RENTED = "rented", "已租"


class Relation(models.TextChoices):
    OWNER = "owner", "业主"
    FAMILY = "family", "家庭成员"
    TENANT = "tenant", "租户"


class BindingStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "已驳回"
    CANCELLED = "cancelled", "已撤回"


class ShopState(models.TextChoices):
    VACANT = "vacant", "空置"
    SOLD = "sold", "已售"
    RENTED = "rented", "已租"
