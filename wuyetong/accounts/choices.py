from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    UNKNOWN = "", _("未填写")
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class SmsPurpose(models.TextChoices):
    REGISTER = "register", _("注册")
    RESET_PASSWORD = "reset", _("找回密码")
    LOGIN = "login", _("登录")
