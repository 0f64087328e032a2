"""Console account pages (C2): login, logout, change password, forgotten password by SMS
code or by e-mail link. Thin: every rule is in `services`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.views import form_error_from

from . import selectors, services
from .choices import SmsPurpose
from .forms import EmailResetForm, LoginForm, PasswordChangeForm, PasswordSetForm, SmsResetForm
from .models import User


def landing_url(user) -> str:
    """Staff, bureau officials, platform admins and merchants work in the console; a user who
    is only an owner (or has no role yet) belongs in the phone app."""
    access = get_access(user)
    if access.is_platform or access.is_staff_member or access.is_bureau or access.is_merchant:
        return reverse("web:dashboard")
    return reverse("owner:home")


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return fallback


def start_session(request, user: User, *, remember: bool = True) -> None:
    login(request, user, backend="wuyetong.accounts.backends.PhoneBackend")
    # Remembered: the 30-day cookie of settings.SESSION_COOKIE_AGE; otherwise until the browser closes.
    request.session.set_expiry(None if remember else 0)


def sign_in(request, *, phone: str, password: str, remember: bool = True) -> User:
    """Authenticate through the lock-out aware service and start the session."""
    user = services.login_attempt(request=request, phone=phone, password=password)
    start_session(request, user, remember=remember)
    return user


@never_cache
@sensitive_post_parameters("password")
def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request, landing_url(request.user)))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = sign_in(
                request,
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                remember=form.cleaned_data["remember"],
            )
        except ApplicationError as exc:
            form_error_from(form, exc)
        else:
            return redirect(safe_next(request, landing_url(user)))
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect(safe_next(request, reverse("accounts:login")))


def change_password(request, form: PasswordChangeForm) -> bool:
    """The POST of a change-password page (console and owner app): True once the password is
    changed, the session kept and the message queued; errors land on the form otherwise."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        services.password_change(user=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        form_error_from(form, exc)
        return False
    update_session_auth_hash(request, request.user)
    messages.success(request, _("密码已修改"))
    return True


def reset_password_by_sms(request, data: dict) -> User:
    """The last step of "forgot password" by SMS code (console and owner app). Raises
    ApplicationError; on success (old API tokens revoked by the service) the message is queued."""
    if not data["sms_code"]:
        raise ApplicationError(_("请输入短信验证码"), field="sms_code")
    user = services.password_reset_by_sms(
        phone=data["phone"].strip(),
        sms_code=data["sms_code"],
        new_password=data["new_password"],
        confirm_password=data["confirm_password"],
    )
    messages.success(request, _("密码已重置，请用新密码登录"))
    return user


@never_cache
@login_required
@sensitive_post_parameters()
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if change_password(request, form):
        return redirect(landing_url(request.user))
    return render(request, "accounts/password_change.html", {"form": form})


@never_cache
@sensitive_post_parameters()
def password_reset_sms_view(request):
    """Step one sends the code (action=send); step two sets the new password (action=reset)."""
    form = SmsResetForm(request.POST or None)
    code_sent = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "send":
                services.sms_code_send(
                    phone=data["phone"].strip(), purpose=SmsPurpose.RESET_PASSWORD
                )
                messages.success(request, _("验证码已发送，5分钟内有效"))
                code_sent = True
            else:
                code_sent = True
                reset_password_by_sms(request, data)
                return redirect(safe_next(request, reverse("accounts:login")))
        except ApplicationError as exc:
            form_error_from(form, exc)
    return render(
        request, "accounts/password_reset_sms.html", {"form": form, "code_sent": code_sent}
    )


@never_cache
def password_reset_email_view(request):
    """Sends a one-time link to the registered e-mail. The answer is the same whether or not
    the address is known, so the page cannot be used to find out who has an account."""
    form = EmailResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        hours = settings.PASSWORD_RESET_TIMEOUT // 3600
        for user in selectors.users_by_email(email):
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            token = default_token_generator.make_token(user)
            link = request.build_absolute_uri(
                reverse("accounts:password_reset_confirm", args=[uid, token])
            )
            send_mail(
                _("物业通 · 重置密码"),
                _(
                    "%(name)s，您好：\n\n请在%(hours)s小时内打开以下链接设置新密码：\n%(link)s\n\n"
                    "如果这不是您本人的操作，请忽略本邮件。"
                )
                % {"name": user.get_short_name(), "hours": hours, "link": link},
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
        messages.success(request, _("如果该邮箱已注册，我们已发送重置链接，请查收邮件"))
        return redirect("accounts:password_reset_email")
    return render(request, "accounts/password_reset_email.html", {"form": form})


def _user_from_link(uidb64: str, token: str) -> User | None:
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    user = selectors.user_by_id(pk)
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@never_cache
@sensitive_post_parameters()
def password_reset_confirm_view(request, uidb64: str, token: str):
    user = _user_from_link(uidb64, token)
    if user is None:
        return render(
            request, "accounts/password_reset_confirm.html", {"invalid": True}, status=400
        )
    form = PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_set(user=user, **form.cleaned_data)
        except ApplicationError as exc:
            form_error_from(form, exc)
        else:
            messages.success(request, _("新密码已设置，请登录"))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})
