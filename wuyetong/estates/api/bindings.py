"""Staff review of binding requests over the API: list, detail, correct, approve, reject.
Same rules as the console page: scoped by `BindingRequest.objects.for_user`, another
company's request is 404, deciding needs `bindings.approve` (403)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from wuyetong.accounts.api.serializers import with_errors
from wuyetong.core.access import get_access
from wuyetong.core.api import HasModulePermission
from wuyetong.core.exceptions import NotFound, PermissionDenied
from wuyetong.core.ids import lookup_pk
from wuyetong.core.masking import mask_id_card, mask_phone
from wuyetong.estates.choices import BindingStatus, Relation
from wuyetong.estates.models import BindingRequest
from wuyetong.estates.services import bindings as services
from wuyetong.owner.api.serializers import HouseBrief


class BindingReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    applicant_name = serializers.CharField()
    phone = serializers.SerializerMethodField(help_text=_("无“查看完整手机号和身份证号”权限时脱敏"))
    applicant_id_card = serializers.SerializerMethodField()
    house = HouseBrief()
    relation = serializers.CharField()
    status = serializers.CharField()
    reject_reason = serializers.CharField()
    replaces = serializers.IntegerField(source="replaces_id", allow_null=True)
    occupancy = serializers.IntegerField(source="occupancy_id", allow_null=True)
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)

    def _sensitive(self) -> bool:
        return self.context["access"].can("residents.view_sensitive")

    def get_phone(self, obj) -> str:
        return obj.user.phone if self._sensitive() else mask_phone(obj.user.phone)

    def get_applicant_id_card(self, obj) -> str:
        return obj.applicant_id_card if self._sensitive() else mask_id_card(obj.applicant_id_card)


class CorrectInput(serializers.Serializer):
    applicant_name = serializers.CharField(max_length=50)
    applicant_id_card = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text=_("省略、null 或原样传回脱敏值表示不修改"),
    )
    house = serializers.IntegerField()
    relation = serializers.ChoiceField(choices=Relation.choices)


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class BindingBase(GenericAPIView):
    permission_classes = [HasModulePermission]
    permission_module = "bindings"
    serializer_class = BindingReviewOutput

    def get_queryset(self):
        return (
            BindingRequest.objects.for_user(self.request.user, "view")
            .select_related("user", "house", "house__community", "house__building", "house__unit")
            .order_by("-created_at", "-id")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "access": get_access(self.request.user)}

    def get_binding(self, pk: int) -> BindingRequest:
        binding = self.get_queryset().filter(pk=lookup_pk(pk)).first()
        if binding is None:
            raise NotFound()
        return binding

    def decide(self, pk: int) -> BindingRequest:
        """404 for what the user cannot see, then 403 without the right to decide."""
        binding = self.get_binding(pk)
        if not get_access(self.request.user).can("bindings.approve"):
            raise PermissionDenied()
        return binding

    def reply(self, pk: int) -> Response:
        return Response(self.get_serializer(self.get_binding(pk)).data)


class BindingListApi(BindingBase):
    @extend_schema(
        tags=["estates"],
        summary=_("业主认证申请列表"),
        operation_id="estates_bindings_list",
        responses=with_errors({200: BindingReviewOutput(many=True)}, 401, 403),
        parameters=[
            OpenApiParameter("status", str, enum=BindingStatus.values, required=False),
            OpenApiParameter("community", int, required=False),
            OpenApiParameter("q", str, required=False, description=_("姓名或手机号")),
        ],
    )
    def get(self, request):
        qs = self.get_queryset()
        params = request.query_params
        if params.get("status") in BindingStatus.values:
            qs = qs.filter(status=params["status"])
        if community_id := services.parse_pk(params.get("community")):
            qs = qs.filter(house__community_id=community_id)
        if q := params.get("q", "").strip():
            qs = qs.filter(Q(applicant_name__contains=q) | Q(user__phone__contains=q))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class BindingDetailApi(BindingBase):
    @extend_schema(
        tags=["estates"],
        summary=_("业主认证申请详情"),
        operation_id="estates_bindings_retrieve",
        responses=with_errors({200: BindingReviewOutput}, 401, 403, 404),
    )
    def get(self, request, pk: int):
        return self.reply(pk)


class BindingApproveApi(BindingBase):
    action_permissions = {None: "view"}

    @extend_schema(
        request=None,
        tags=["estates"],
        summary=_("审核通过（重复提交不会重复绑定）"),
        responses=with_errors({200: BindingReviewOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        services.binding_approve(actor=request.user, binding=self.decide(pk))
        return self.reply(pk)


class BindingRejectApi(BindingBase):
    action_permissions = {None: "view"}

    @extend_schema(
        request=RejectInput,
        tags=["estates"],
        summary=_("驳回（必须填写原因）"),
        responses=with_errors({200: BindingReviewOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        binding = self.decide(pk)
        data = RejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.binding_reject(
            actor=request.user, binding=binding, reason=data.validated_data["reason"]
        )
        return self.reply(pk)


class BindingCorrectApi(BindingBase):
    action_permissions = {None: "view"}

    @extend_schema(
        request=CorrectInput,
        tags=["estates"],
        summary=_("审核前更正姓名、身份证号、房屋或身份"),
        responses=with_errors({200: BindingReviewOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        binding = self.decide(pk)
        data = CorrectInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        services.binding_correct(
            actor=request.user,
            binding=binding,
            applicant_name=d["applicant_name"],
            applicant_id_card=d["applicant_id_card"],
            house_id=d["house"],
            relation=d["relation"],
        )
        return self.reply(pk)


urlpatterns = [
    path("bindings/", BindingListApi.as_view(), name="api-binding-list"),
    path("bindings/<int:pk>/", BindingDetailApi.as_view(), name="api-binding-detail"),
    path("bindings/<int:pk>/approve/", BindingApproveApi.as_view(), name="api-binding-approve"),
    path("bindings/<int:pk>/reject/", BindingRejectApi.as_view(), name="api-binding-reject"),
    path("bindings/<int:pk>/correct/", BindingCorrectApi.as_view(), name="api-binding-correct"),
]
