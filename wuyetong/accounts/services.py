"""Account actions (C2): SMS codes, lock-out, passwords."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.middleware import current_ip
from wuyetong.core.validators import is_mobile

from . import sms
from .choices import Gender, SmsPurpose
from .models import SmsCode, User


def _hash_code(phone: str, purpose: str, code: str) -> str:
    msg = f"{phone}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), msg, hashlib.sha256).hexdigest()


class TooManyRequests(ApplicationError):
    status_code = 429


def _sms_client_allowance(now) -> None:
    """At most SMS_CODE_IP_HOURLY_LIMIT codes an hour from one client address, so that the
    per-phone limits cannot be sidestepped by walking through many numbers (SMS bombing,
    and every message costs the company money). The count lives in the cache: shared in
    production (Redis), per process when embedded."""
    ip = current_ip.get()
    if not ip:
        return
    limit = getattr(settings, "SMS_CODE_IP_HOURLY_LIMIT", 30)
    key = f"wuyetong:sms-ip:{ip}:{int(now.timestamp() // 3600)}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > limit:
        raise TooManyRequests(_("验证码请求过于频繁，请稍后再试"), field="phone", code="ip_limit")


def sms_code_send(*, phone: str, purpose: str, now=None) -> None:
    """Send a 6-digit code: valid 5 minutes, one per 60 s, at most 10 a day per phone (and a
    cap per client address an hour)."""
    now = now or timezone.now()
    if not is_mobile(phone):
        raise ApplicationError(_("请输入正确的11位手机号码"), field="phone")
    if purpose not in SmsPurpose.values:
        raise ApplicationError(_("验证码用途不正确"), field="purpose")
    if purpose == SmsPurpose.REGISTER and User.objects.filter(phone=phone).exists():
        raise ApplicationError(_("该手机号已注册，请直接登录"), field="phone", code="phone_taken")
    if (
        purpose in (SmsPurpose.RESET_PASSWORD, SmsPurpose.LOGIN)
        and not User.objects.filter(phone=phone, is_active=True).exists()
    ):
        raise ApplicationError(_("该手机号尚未注册"), field="phone", code="unknown_phone")
    _sms_client_allowance(now)
    with transaction.atomic():
        recent = SmsCode.objects.select_for_update().filter(phone=phone)
        last = recent.order_by("-created_at").first()
        if last and (now - last.created_at).total_seconds() < settings.SMS_CODE_RESEND_SECONDS:
            wait = settings.SMS_CODE_RESEND_SECONDS - int((now - last.created_at).total_seconds())
            raise ApplicationError(
                _("发送太频繁，请%(wait)s秒后再试") % {"wait": wait}, field="phone", code="too_soon"
            )
        start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        if recent.filter(created_at__gte=start_of_day).count() >= settings.SMS_CODE_DAILY_LIMIT:
            raise ApplicationError(
                _("今日验证码发送次数已达上限"), field="phone", code="daily_limit"
            )
        code = f"{secrets.randbelow(10**6):06d}"
        SmsCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_hash_code(phone, purpose, code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        text = _("【物业通】您的验证码是%(code)s，%(minutes)s分钟内有效。") % {
            "code": code,
            "minutes": settings.SMS_CODE_TTL_SECONDS // 60,
        }
        transaction.on_commit(lambda: sms.send_sms(phone, text, {"code": code}))


def sms_code_verify(*, phone: str, purpose: str, code: str, now=None) -> None:
    """Consume the latest unexpired code; raises ApplicationError(field="sms_code").

    A wrong guess is counted in a committed write before the error is raised (raising inside
    the atomic block would roll the count back and allow unlimited guesses). Callers must
    therefore not wrap this in their own transaction.
    """
    now = now or timezone.now()
    wrong = False
    with transaction.atomic():
        latest = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if latest is None:
            raise ApplicationError(
                _("验证码已过期或不存在，请重新获取"), field="sms_code", code="sms_expired"
            )
        if latest.attempts >= 5:
            raise ApplicationError(
                _("验证码错误次数过多，请重新获取"), field="sms_code", code="sms_attempts"
            )
        if hmac.compare_digest(latest.code_hash, _hash_code(phone, purpose, (code or "").strip())):
            latest.used_at = now
            latest.save(update_fields=["used_at"])
        else:
            SmsCode.objects.filter(pk=latest.pk).update(attempts=F("attempts") + 1)
            wrong = True
    if wrong:
        raise ApplicationError(_("验证码不正确"), field="sms_code", code="sms_wrong")


def login_failed(*, user: User, now=None) -> None:
    """Count a failed login; the 5th in a row locks the account for 15 minutes."""
    now = now or timezone.now()
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        user.locked_until = now + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])


def login_succeeded(*, user: User) -> None:
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


def check_new_password(
    *, password: str, confirm: str, user: User | None = None, field: str = "new_password"
) -> None:
    if password != confirm:
        raise ApplicationError(_("两次输入的密码不一致"), field="confirm_password", code="mismatch")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError("；".join(exc.messages), field=field, code="weak_password") from exc


def password_change(
    *, user: User, old_password: str, new_password: str, confirm_password: str
) -> None:
    if not user.check_password(old_password):
        raise ApplicationError(_("原密码不正确"), field="old_password", code="wrong_password")
    check_new_password(password=new_password, confirm=confirm_password, user=user)
    user.set_password(new_password)
    user.save(update_fields=["password"])


def password_reset_by_sms(
    *, phone: str, sms_code: str, new_password: str, confirm_password: str
) -> User:
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        raise ApplicationError(_("该手机号尚未注册"), field="phone", code="unknown_phone")
    check_new_password(password=new_password, confirm=confirm_password, user=user)
    sms_code_verify(phone=phone, purpose=SmsPurpose.RESET_PASSWORD, code=sms_code)
    _reset_to(user, new_password)
    return user


def password_set(*, user: User, new_password: str, confirm_password: str) -> None:
    """Used by the e-mail reset link after Django's token check."""
    check_new_password(password=new_password, confirm=confirm_password, user=user)
    _reset_to(user, new_password)


def _reset_to(user: User, new_password: str) -> None:
    """A reset unlocks the account, and apps signed in with the old password must sign in
    again: their API tokens are deleted (through the registry: no DRF import here)."""
    user.set_password(new_password)
    user.locked_until = None
    user.failed_logins = 0
    user.save(update_fields=["password", "locked_until", "failed_logins"])
    apps.get_model("authtoken", "Token").objects.filter(user=user).delete()


def login_attempt(*, request, phone: str, password: str) -> User:
    """Authenticate or raise an ApplicationError that says why (locked, wrong password)."""
    from django.contrib.auth import authenticate

    phone = (phone or "").strip()
    if not is_mobile(phone):
        raise ApplicationError(_("请输入正确的11位手机号码"), field="phone")
    existing = User.objects.filter(phone=phone).first()
    if existing and existing.is_locked():
        until = timezone.localtime(existing.locked_until).strftime("%H:%M")
        raise ApplicationError(
            _("登录失败次数过多，账号已锁定至 %(until)s") % {"until": until},
            field="phone",
            code="locked",
        )
    user = authenticate(request, phone=phone, password=password)
    if user is None:
        if existing:
            existing.refresh_from_db(fields=["locked_until", "failed_logins"])
            if existing.is_locked():
                until = timezone.localtime(existing.locked_until).strftime("%H:%M")
                raise ApplicationError(
                    _("登录失败次数过多，账号已锁定至 %(until)s") % {"until": until},
                    field="phone",
                    code="locked",
                )
            left = settings.LOGIN_MAX_FAILURES - existing.failed_logins
            raise ApplicationError(
                _("手机号或密码不正确，还可尝试%(left)s次") % {"left": left},
                field="password",
                code="bad_credentials",
            )
        raise ApplicationError(_("手机号或密码不正确"), field="password", code="bad_credentials")
    return user


def clean_email(email: str) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ApplicationError(_("电子邮箱格式不正确"), field="email") from None
    return email


def clean_gender(gender: str) -> str:
    gender = gender or ""
    if gender not in Gender.values:
        raise ApplicationError(_("性别不正确"), field="gender")
    return gender


def profile_update(*, user: User, email: str, gender: str, name: str | None = None) -> User:
    """The user edits their own profile. After the property company has verified the real
    name, the name is fixed: changing it would undo the check."""
    email, gender = clean_email(email), clean_gender(gender)
    fields = ["email", "gender"]
    if name is not None and name.strip() != user.name:
        if user.real_name_verified:
            raise ApplicationError(_("已实名认证，姓名不能自行修改，请联系物业"), field="name")
        if not name.strip():
            raise ApplicationError(_("请填写姓名"), field="name")
        user.name = name.strip()[:50]
        fields.append("name")
    user.email, user.gender = email, gender
    user.save(update_fields=fields)
    return user


def login_by_sms(*, phone: str, sms_code: str) -> User:
    """Log in with a code sent to the phone (验证码登录). Owning the phone is proof enough, as
    for a password reset, so it also lifts a lock-out caused by wrong passwords."""
    phone = (phone or "").strip()
    if not is_mobile(phone):
        raise ApplicationError(_("请输入正确的11位手机号码"), field="phone")
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        raise ApplicationError(_("该手机号尚未注册"), field="phone", code="unknown_phone")
    if not (sms_code or "").strip():
        raise ApplicationError(_("请输入短信验证码"), field="sms_code")
    sms_code_verify(phone=phone, purpose=SmsPurpose.LOGIN, code=sms_code)
    login_succeeded(user=user)
    return user
