"""Web forms of the accounts pages. They only parse input; rules live in services."""

from __future__ import annotations

from django import forms

PHONE_ATTRS = {
    "autocomplete": "tel",
    "inputmode": "numeric",
    "maxlength": "11",
    "placeholder": "11位手机号",
}


class LoginForm(forms.Form):
    phone = forms.CharField(
        label="手机号", max_length=11, widget=forms.TextInput(attrs=PHONE_ATTRS)
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember = forms.BooleanField(label="30天内自动登录", required=False, initial=True)


def _password(label: str, autocomplete: str = "new-password") -> forms.CharField:
    return forms.CharField(
        label=label, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": autocomplete})
    )


class PasswordChangeForm(forms.Form):
    old_password = _password("原密码", "current-password")
    new_password = _password("新密码")
    confirm_password = _password("确认新密码")


class SmsResetForm(forms.Form):
    phone = forms.CharField(
        label="手机号", max_length=11, widget=forms.TextInput(attrs=PHONE_ATTRS)
    )
    sms_code = forms.CharField(
        label="短信验证码",
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )
    new_password = forms.CharField(
        label="新密码",
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm_password = forms.CharField(
        label="确认新密码",
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class EmailResetForm(forms.Form):
    email = forms.EmailField(label="注册邮箱", error_messages={"invalid": "电子邮箱格式不正确"})


class PasswordSetForm(forms.Form):
    new_password = _password("新密码")
    confirm_password = _password("确认新密码")
