"""Forms of the owner's phone app. They parse input only; the services decide."""

from __future__ import annotations

from django import forms

from wuyetong.accounts.choices import Gender
from wuyetong.estates.choices import Relation

from . import selectors

TEL = {
    "inputmode": "numeric",
    "autocomplete": "tel",
    "maxlength": "11",
    "placeholder": "11位手机号",
}


class HousePickerMixin(forms.Form):
    """community → building → unit → room; only `house` is what the service receives. The
    other three keep the cascade filled when the page is shown again after an error."""

    community = forms.IntegerField(label="小区", required=False, widget=forms.Select)
    building = forms.IntegerField(label="楼栋", required=False, widget=forms.Select)
    unit = forms.IntegerField(label="单元", required=False, widget=forms.Select)
    house = forms.IntegerField(
        label="房号", required=False, widget=forms.Select, error_messages={"invalid": "请选择房屋"}
    )
    relation = forms.ChoiceField(label="身份", choices=Relation.choices, initial=Relation.OWNER)

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
    phone = forms.CharField(label="手机号", max_length=11, widget=forms.TextInput(attrs=TEL))
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "placeholder": "密码"}
        ),
    )
    remember = forms.BooleanField(label="30天内自动登录", required=False, initial=True)


class SmsLoginForm(forms.Form):
    phone = forms.CharField(label="手机号", max_length=11, widget=forms.TextInput(attrs=TEL))
    sms_code = forms.CharField(
        label="短信验证码",
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": "6",
                "placeholder": "6位数字",
            }
        ),
    )
    remember = forms.BooleanField(label="30天内自动登录", required=False, initial=True)


class RegisterForm(HousePickerMixin):
    agreed_terms = forms.BooleanField(
        label="我已阅读并同意《用户协议》和《隐私政策》", required=False
    )
    name = forms.CharField(
        label="真实姓名",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": "与身份证一致"}),
    )
    phone = forms.CharField(
        label="手机号", max_length=11, required=False, widget=forms.TextInput(attrs=TEL)
    )
    password = forms.CharField(
        label="设置密码",
        strip=False,
        required=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "placeholder": "至少8位，不能全为数字"}
        ),
    )
    confirm_password = forms.CharField(
        label="确认密码",
        strip=False,
        required=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "placeholder": "再次输入密码"}
        ),
    )
    id_card = forms.CharField(
        label="身份证号",
        max_length=18,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": "18位身份证号码", "autocapitalize": "characters"}
        ),
    )
    email = forms.CharField(
        label="电子邮箱",
        max_length=254,
        required=False,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "placeholder": "选填，用于找回密码"}
        ),
    )
    gender = forms.ChoiceField(label="性别", choices=Gender.choices, required=False)
    sms_code = forms.CharField(
        label="短信验证码",
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": "6",
                "placeholder": "6位数字",
            }
        ),
    )

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
    applicant_name = forms.CharField(label="姓名", max_length=50, required=False)
    applicant_id_card = forms.CharField(label="身份证号", max_length=18, required=False)
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="原密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm_password = forms.CharField(
        label="确认新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PasswordResetForm(forms.Form):
    phone = forms.CharField(label="手机号", max_length=11, widget=forms.TextInput(attrs=TEL))
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


class ProfileForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    email = forms.CharField(
        label="电子邮箱",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "用于找回密码"}),
    )
    gender = forms.ChoiceField(label="性别", choices=Gender.choices, required=False)
