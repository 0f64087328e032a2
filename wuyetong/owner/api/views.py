"""The owner's own houses and binding requests. Everything is filtered by request.user, so
another owner's request simply does not exist here (404)."""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from wuyetong.accounts.api.serializers import with_errors
from wuyetong.core.exceptions import NotFound
from wuyetong.core.ids import lookup_pk
from wuyetong.estates import selectors as estate_selectors
from wuyetong.estates.models import BindingRequest, Occupancy
from wuyetong.estates.services import bindings as binding_services

from .. import selectors as owner_selectors
from ..shortcuts import home_shortcuts
from .serializers import BindingCreateInput, BindingOutput, HomeOutput, OccupancyOutput


@extend_schema(
    tags=["me"],
    summary=_("我的房屋（已认证、在住）"),
    responses=with_errors({200: OccupancyOutput(many=True)}, 401),
)
class MyHousesApi(ListAPIView):
    serializer_class = OccupancyOutput
    pagination_class = None

    queryset = Occupancy.objects.none()  # for the schema; real rows come from the selector

    def get_queryset(self):
        return estate_selectors.owner_occupancies(self.request.user)


class MyBindingsApi(APIView):
    @extend_schema(
        responses=with_errors({200: BindingOutput(many=True)}, 401),
        tags=["me"],
        summary=_("我的认证申请"),
    )
    def get(self, request):
        qs = estate_selectors.owner_binding_requests(request.user).order_by("-created_at")[:100]
        return Response(BindingOutput(qs, many=True).data)

    @extend_schema(
        request=BindingCreateInput,
        responses=with_errors({201: BindingOutput}, 400, 401),
        tags=["me"],
        summary=_("添加房屋或改绑（提交后等待物业审核）"),
    )
    def post(self, request):
        data = BindingCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        binding = binding_services.binding_request_create(
            user=request.user,
            house_id=d["house"],
            relation=d["relation"],
            applicant_name=d["applicant_name"],
            applicant_id_card=d["applicant_id_card"],
            replaces_id=d["replaces"],
        )
        binding = estate_selectors.owner_binding_requests(request.user).get(pk=binding.pk)
        return Response(BindingOutput(binding).data, status=status.HTTP_201_CREATED)


class MyBindingCancelApi(APIView):
    @extend_schema(
        request=None,
        responses=with_errors({200: BindingOutput}, 400, 401, 404),
        tags=["me"],
        summary=_("撤回待审核的申请"),
    )
    def post(self, request, pk: int):
        binding = BindingRequest.objects.filter(pk=lookup_pk(pk), user=request.user).first()
        if binding is None:
            raise NotFound()
        binding_services.binding_cancel(user=request.user, binding=binding)
        binding = estate_selectors.owner_binding_requests(request.user).get(pk=pk)
        return Response(BindingOutput(binding).data)


@extend_schema(
    tags=["me"],
    summary=_("首页：未读数、待缴费用、进行中的工单、最新通知、今日天气、常用服务"),
    responses=with_errors({200: HomeOutput}, 401),
)
class MyHomeApi(APIView):
    def get(self, request):
        summary = owner_selectors.home_summary(request.user)
        weather = None
        if summary.weather:
            place, w = summary.weather
            weather = {**dataclasses.asdict(w), "summary": w.summary, "city": place.city_name}
        data = {
            **{f.name: getattr(summary, f.name) for f in dataclasses.fields(summary)},
            "weather": weather,
            "shortcuts": [{"label": str(t["label"]), "url": t["url"]} for t in home_shortcuts()],
        }
        return Response(HomeOutput(data).data)
