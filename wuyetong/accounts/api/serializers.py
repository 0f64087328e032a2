"""Explicit input and output shapes of the accounts API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from wuyetong.accounts.choices import Gender, SmsPurpose
from wuyetong.estates.choices import Relation


class LoginInput(serializers.Serializer):
    phone = serializers.CharField(max_length=11)
    password = serializers.CharField(trim_whitespace=False)


class SmsLoginInput(serializers.Serializer):
    phone = serializers.CharField(max_length=11)
    sms_code = serializers.CharField(max_length=6, help_text=_("先以 purpose=login 调用 sms-code"))


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    phone = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    gender = serializers.CharField()
    real_name_verified = serializers.BooleanField()
    date_joined = serializers.DateTimeField()


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text=_("放入请求头：Authorization: Token <token>"))
    user = UserOutput()


class SmsCodeInput(serializers.Serializer):
    phone = serializers.CharField(max_length=11)
    purpose = serializers.ChoiceField(choices=SmsPurpose.choices)


class SmsCodeOutput(serializers.Serializer):
    resend_after = serializers.IntegerField(help_text=_("多少秒后可以再次发送"))


class RegisterInput(serializers.Serializer):
    phone = serializers.CharField(max_length=11)
    password = serializers.CharField(trim_whitespace=False)
    confirm_password = serializers.CharField(trim_whitespace=False)
    name = serializers.CharField(max_length=50)
    id_card = serializers.CharField(max_length=18)
    house = serializers.IntegerField(help_text=_("房屋 id，来自 register/options"))
    relation = serializers.ChoiceField(choices=Relation.choices, default=Relation.OWNER)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    gender = serializers.ChoiceField(
        choices=Gender.choices, required=False, allow_blank=True, default=""
    )
    sms_code = serializers.CharField(max_length=6)
    agreed_terms = serializers.BooleanField(help_text=_("必须为 true：已同意用户协议和隐私政策"))


class BindingBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    house = serializers.IntegerField(source="house_id")


class RegisterOutput(TokenOutput):
    binding = BindingBriefOutput()


class PickerOption(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PickerOutput(serializers.Serializer):
    options = PickerOption(many=True)


class PasswordChangeInput(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False)
    new_password = serializers.CharField(trim_whitespace=False)
    confirm_password = serializers.CharField(trim_whitespace=False)


class PasswordResetInput(serializers.Serializer):
    phone = serializers.CharField(max_length=11)
    sms_code = serializers.CharField(max_length=6)
    new_password = serializers.CharField(trim_whitespace=False)
    confirm_password = serializers.CharField(trim_whitespace=False)


class ProfileInput(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False, help_text=_("实名认证后不能修改"))
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)


class ErrorOutput(serializers.Serializer):
    """The one error body of the API (wuyetong.core.api.exception_handler)."""

    code = serializers.CharField(help_text=_("机器可读的错误码，如 invalid、locked、not_found"))
    message = serializers.CharField(help_text=_("给用户看的中文说明"))
    # Documentation only (never used to validate), so shadowing Serializer.errors is harmless.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("按字段列出的错误：{字段: [说明]}"),
    )


def with_errors(responses: dict, *codes: int) -> dict:
    """Add the error body to the documented responses of an operation."""
    return {**responses, **dict.fromkeys(codes, ErrorOutput)}
