from django.db import models
from django.utils.translation import gettext_lazy as _


class HouseState(models.TextChoices):
    UNSOLD = "unsold", _("未售")
    DELIVERED = "delivered", _("已交房")
    OCCUPIED = "occupied", _("入住")
    VACANT = "vacant", _("空置")
    RENOVATING = "renovating", _("装修")
    RENTED = "rented", _("出租")


class HouseUse(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    COMMERCIAL = "commercial", _("商业")
    OFFICE = "office", _("办公")


class SpaceState(models.TextChoices):
    FREE = "free", _("空闲")
    SOLD = "sold", _("已售")
    RENTED = "rented", _("已租")


class Relation(models.TextChoices):
    OWNER = "owner", _("业主")
    FAMILY = "family", _("家庭成员")
    TENANT = "tenant", _("租户")


class BindingStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已撤回")


class ShopState(models.TextChoices):
    VACANT = "vacant", _("空置")
    SOLD = "sold", _("已售")
    RENTED = "rented", _("已租")
