"""Accounts API (C2): token login and logout, SMS codes, owner registration, passwords, me.
Views parse and render; the services decide."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from wuyetong.accounts import services
from wuyetong.estates.services import bindings as binding_services
from wuyetong.owner import selectors as owner_selectors

from .serializers import (
    LoginInput,
    PasswordChangeInput,
    PasswordResetInput,
    PickerOutput,
    ProfileInput,
    RegisterInput,
    RegisterOutput,
    SmsCodeInput,
    SmsCodeOutput,
    SmsLoginInput,
    TokenOutput,
    UserOutput,
    with_errors,
)


class PublicAPIView(APIView):
    """Anonymous endpoints: no session (so no CSRF dance), no permission."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]


def _token_body(user) -> dict:
    token, _created = Token.objects.get_or_create(user=user)
    return {"token": token.key, "user": UserOutput(user).data}


class LoginApi(PublicAPIView):
    @extend_schema(
        request=LoginInput,
        responses=with_errors({200: TokenOutput}, 400),
        tags=["accounts"],
        summary=_("手机号+密码登录，返回令牌（连续失败5次锁定15分钟）"),
    )
    def post(self, request):
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.login_attempt(request=request._request, **data.validated_data)
        return Response(_token_body(user))


class SmsLoginApi(PublicAPIView):
    @extend_schema(
        request=SmsLoginInput,
        responses=with_errors({200: TokenOutput}, 400),
        tags=["accounts"],
        summary=_("短信验证码登录，返回令牌"),
    )
    def post(self, request):
        data = SmsLoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.login_by_sms(**data.validated_data)
        return Response(_token_body(user))


class LogoutApi(APIView):
    @extend_schema(
        request=None,
        responses=with_errors({204: None}, 401),
        tags=["accounts"],
        summary=_("退出登录，令牌作废"),
    )
    def post(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class SmsCodeApi(PublicAPIView):
    @extend_schema(
        request=SmsCodeInput,
        responses=with_errors({200: SmsCodeOutput}, 400, 429),
        tags=["accounts"],
        summary=_("发送短信验证码（6位，5分钟有效，60秒一次，每天最多10次）"),
    )
    def post(self, request):
        data = SmsCodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.sms_code_send(
            phone=data.validated_data["phone"].strip(), purpose=data.validated_data["purpose"]
        )
        return Response({"resend_after": settings.SMS_CODE_RESEND_SECONDS})


class RegisterApi(PublicAPIView):
    @extend_schema(
        request=RegisterInput,
        responses=with_errors({201: RegisterOutput}, 400),
        tags=["accounts"],
        summary=_("业主注册：创建账号并提交房屋认证申请（待物业审核）"),
    )
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        d["house_id"] = d.pop("house")
        user, binding = binding_services.owner_register(**d)
        body = _token_body(user)
        body["binding"] = {"id": binding.pk, "status": binding.status, "house": binding.house_id}
        return Response(body, status=status.HTTP_201_CREATED)


class RegisterOptionsApi(PublicAPIView):
    @extend_schema(
        responses={200: PickerOutput},
        tags=["accounts"],
        summary=_(
            "注册时选择房屋：无参数返回小区，?community= 返回楼栋，?building= 返回单元，?unit= 返回房号"
        ),
        parameters=[
            *(OpenApiParameter(n, int, required=False) for n in ("community", "building", "unit")),
            OpenApiParameter(
                "q", str, required=False, description=_("按小区名称或地址搜索（仅小区一级）")
            ),
        ],
    )
    def get(self, request):
        params = request.query_params
        options = owner_selectors.picker_options(  # ids are checked by the selector
            community_id=params.get("community"),
            building_id=params.get("building"),
            unit_id=params.get("unit"),
            q=request.query_params.get("q", "")[:50],
        )
        return Response({"options": options})


class PasswordChangeApi(APIView):
    @extend_schema(
        request=PasswordChangeInput,
        responses=with_errors({204: None}, 400, 401),
        tags=["accounts"],
        summary=_("修改密码"),
    )
    def post(self, request):
        data = PasswordChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_change(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(PublicAPIView):
    @extend_schema(
        request=PasswordResetInput,
        responses=with_errors({204: None}, 400),
        tags=["accounts"],
        summary=_("短信验证码重置密码（原有令牌全部作废）"),
    )
    def post(self, request):
        data = PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        services.password_reset_by_sms(
            phone=d["phone"].strip(),
            sms_code=d["sms_code"],
            new_password=d["new_password"],
            confirm_password=d["confirm_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(
        responses=with_errors({200: UserOutput}, 401), tags=["accounts"], summary=_("当前用户")
    )
    def get(self, request):
        return Response(UserOutput(request.user).data)

    @extend_schema(
        request=ProfileInput,
        responses=with_errors({200: UserOutput}, 400, 401),
        tags=["accounts"],
        summary=_("修改个人资料（邮箱、性别；未实名认证时可改姓名）"),
    )
    def patch(self, request):
        data = ProfileInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        user = request.user
        services.profile_update(
            user=user,
            email=d.get("email", user.email),
            gender=d.get("gender", user.gender),
            name=d.get("name"),
        )
        return Response(UserOutput(user).data)
