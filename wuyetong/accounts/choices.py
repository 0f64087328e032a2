from django.db import models


class Gender(models.TextChoices):
    UNKNOWN = "", "未填写"
    MALE = "M", "男"
    FEMALE = "F", "女"


class SmsPurpose(models.TextChoices):
    REGISTER = "register", "注册"
    RESET_PASSWORD = "reset", "找回密码"
    LOGIN = "login", "登录"
