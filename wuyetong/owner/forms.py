"""Forms of the owner's phone app. They parse input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wuyetong.accounts.choices import Gender
from wuyetong.accounts.forms import (
    PasswordChangeForm,
    password_field,
    phone_field,
    remember_field,
    sms_code_field,
)
from wuyetong.accounts.forms import SmsResetForm as PasswordResetForm
from wuyetong.estates.choices import Relation

from . import selectors

__all__ = [
    "BindingForm",
    "LoginForm",
    "PasswordChangeForm",
    "PasswordResetForm",
    "ProfileForm",
    "RegisterForm",
    "SmsLoginForm",
]


class HousePickerMixin(forms.Form):
    """community → building → unit → room; only `house` is what the service receives. The
    other three keep the cascade filled when the page is shown again after an error."""

    community = forms.IntegerField(label=_("小区"), required=False, widget=forms.Select)
    building = forms.IntegerField(label=_("楼栋"), required=False, widget=forms.Select)
    unit = forms.IntegerField(label=_("单元"), required=False, widget=forms.Select)
    house = forms.IntegerField(
        label=_("房号"),
        required=False,
        widget=forms.Select,
        error_messages={"invalid": _("请选择房屋")},
    )
    relation = forms.ChoiceField(label=_("身份"), choices=Relation.choices, initial=Relation.OWNER)

    def picker_choices(self) -> dict:
        """Options for each select, from what was submitted (or the house's own path)."""
        data = self.data if self.is_bound else {}
        values = {
            k: data.get(k) or self.initial.get(k)
            for k in ("community", "building", "unit", "house")
        }
        if values["house"] and not (values["community"] and values["building"] and values["unit"]):
            path = selectors.house_path(values["house"])
            if path:
                values.update(
                    community=path["community_id"],
                    building=path["building_id"],
                    unit=path["unit_id"],
                )
        return {
            "values": {k: str(v or "") for k, v in values.items()},
            "community": selectors.picker_options(),
            "building": selectors.picker_options(community_id=values["community"])
            if values["community"]
            else [],
            "unit": selectors.picker_options(building_id=values["building"])
            if values["building"]
            else [],
            "house": selectors.picker_options(unit_id=values["unit"]) if values["unit"] else [],
        }


class LoginForm(forms.Form):
    phone = phone_field()
    password = password_field(_("密码"), "current-password", placeholder=_("密码"))
    remember = remember_field()


class SmsLoginForm(forms.Form):
    phone = phone_field()
    sms_code = sms_code_field(placeholder=_("6位数字"))
    remember = remember_field()


class RegisterForm(HousePickerMixin):
    agreed_terms = forms.BooleanField(
        label=_("我已阅读并同意《用户协议》和《隐私政策》"), required=False
    )
    name = forms.CharField(
        label=_("真实姓名"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": _("与身份证一致")}),
    )
    phone = phone_field(required=False)
    password = password_field(_("设置密码"), required=False, placeholder=_("至少8位，不能全为数字"))
    confirm_password = password_field(_("确认密码"), required=False, placeholder=_("再次输入密码"))
    id_card = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("18位身份证号码"), "autocapitalize": "characters"}
        ),
    )
    email = forms.CharField(
        label=_("电子邮箱"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "placeholder": _("选填，用于找回密码")}
        ),
    )
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, required=False)
    sms_code = sms_code_field(placeholder=_("6位数字"))

    # Which wizard step shows each field, so that a server-side error opens the right step.
    STEPS = {"agreed_terms": 1, "sms_code": 3}

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "phone": d["phone"],
            "password": d["password"],
            "confirm_password": d["confirm_password"],
            "name": d["name"],
            "id_card": d["id_card"],
            "house_id": d["house"],
            "relation": d["relation"],
            "email": d["email"],
            "gender": d["gender"] or "",
            "agreed_terms": d["agreed_terms"],
        }

    def first_error_step(self) -> int:
        """The earliest wizard step holding an error (1 when there is none)."""
        return min((self.STEPS.get(field, 2) for field in self.errors), default=1)


class BindingForm(HousePickerMixin):
    applicant_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    applicant_id_card = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    email = forms.CharField(
        label=_("电子邮箱"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": _("用于找回密码")}),
    )
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, required=False)
