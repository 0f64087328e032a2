"""Web forms of the accounts pages. They only parse input; rules live in services.

The field builders below are shared with the owner app (`wuyetong.owner.forms`), so that the
phone, SMS-code and password inputs look and behave the same in the console and on the phone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PHONE_ATTRS = {
    "autocomplete": "tel",
    "inputmode": "numeric",
    "maxlength": "11",
    "placeholder": _("11位手机号"),
}
SMS_CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}


def phone_field(*, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("手机号"),
        max_length=11,
        required=required,
        widget=forms.TextInput(attrs=PHONE_ATTRS),
    )


def sms_code_field(placeholder: StrOrPromise | None = None) -> forms.CharField:
    """Optional at the form level: the "get code" step posts the same form without it."""
    attrs = {**SMS_CODE_ATTRS, **({"placeholder": placeholder} if placeholder else {})}
    return forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs=attrs),
    )


def password_field(
    label: StrOrPromise,
    autocomplete: str = "new-password",
    *,
    required: bool = True,
    placeholder: StrOrPromise | None = None,
) -> forms.CharField:
    attrs = {"autocomplete": autocomplete, **({"placeholder": placeholder} if placeholder else {})}
    return forms.CharField(
        label=label, strip=False, required=required, widget=forms.PasswordInput(attrs=attrs)
    )


def remember_field() -> forms.BooleanField:
    return forms.BooleanField(label=_("30天内自动登录"), required=False, initial=True)


class LoginForm(forms.Form):
    phone = phone_field()
    password = password_field(_("密码"), "current-password")
    remember = remember_field()


class PasswordChangeForm(forms.Form):
    old_password = password_field(_("原密码"), "current-password")
    new_password = password_field(_("新密码"))
    confirm_password = password_field(_("确认新密码"))


class SmsResetForm(forms.Form):
    """Forgotten password: the code is sent first (phone only), then the new password set."""

    phone = phone_field()
    sms_code = sms_code_field()
    new_password = password_field(_("新密码"), required=False)
    confirm_password = password_field(_("确认新密码"), required=False)


class EmailResetForm(forms.Form):
    email = forms.EmailField(
        label=_("注册邮箱"), error_messages={"invalid": _("电子邮箱格式不正确")}
    )


class PasswordSetForm(forms.Form):
    new_password = password_field(_("新密码"))
    confirm_password = password_field(_("确认新密码"))
