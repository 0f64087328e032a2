from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuyetong.core.validators import validate_mobile

from .choices import Gender, SmsPurpose


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra):
        if not phone:
            raise ValueError("phone is required")
        user = self.model(phone=phone, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. The login is a mainland mobile number (C2).

    Platform admins are superusers; staff, bureau officials, merchants and owners are
    ordinary users whose reach comes from their memberships (orgs) and house bindings (estates).
    """

    phone = models.CharField(_("手机号"), max_length=11, unique=True, validators=[validate_mobile])
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    gender = models.CharField(
        _("性别"), max_length=1, choices=Gender.choices, blank=True, default=""
    )
    id_card = models.CharField(_("身份证号"), max_length=18, blank=True)
    real_name_verified = models.BooleanField(_("已实名认证"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(_("可进入后台管理"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    agreed_terms_at = models.DateTimeField(_("同意协议时间"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.phone

    def get_full_name(self) -> str:
        return self.name or self.phone

    def get_short_name(self) -> str:
        return self.name or self.phone

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


class SmsCode(models.Model):
    """A one-time SMS code. Only its hash is stored; the code itself is never logged here."""

    phone = models.CharField(_("手机号"), max_length=11, db_index=True)
    purpose = models.CharField(_("用途"), max_length=16, choices=SmsPurpose.choices)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(fields=["phone", "purpose", "created_at"], name="smscode_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"{self.phone} · {self.get_purpose_display()}"
