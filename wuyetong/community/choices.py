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
