"""Platform-admin review endpoints and the bureau's community list."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from wuyetong.core.access import get_access

from .. import selectors, services
from ..filters import (
    BureauCommunityFilter,
    CommunityReviewFilter,
    CompanyReviewFilter,
    MerchantReviewFilter,
)
from . import serializers as s
from .base import IsBureauOfficial, IsPlatformAdmin


class _ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, IsPlatformAdmin]
    review_service: Callable[..., object]
    review_kwarg = ""

    def _review(self, request):
        ser = s.ReviewIn(data=request.data)
        ser.is_valid(raise_exception=True)
        obj = self.get_object()
        type(self).review_service(
            actor=request.user,
            approve=ser.validated_data["approve"],
            reason=ser.validated_data["reason"],
            **{self.review_kwarg: obj},
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data)


class CompanyReviewViewSet(_ReviewViewSet):
    """物业公司: list (?status=pending), approve / reject, grant modules."""

    serializer_class = s.CompanyOut
    filterset_class = CompanyReviewFilter
    review_service = services.company_review
    review_kwarg = "company"

    def get_queryset(self):
        return selectors.platform_company_list()

    @extend_schema(request=s.ReviewIn, responses=s.CompanyOut)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._review(request)

    @extend_schema(request=s.CompanyAdminIn, responses={201: s.CompanyAdminOut})
    @action(detail=True, methods=["post"])
    def admins(self, request, pk=None):
        """Appoint a 总部管理员 (the company's first admin after approval)."""
        ser = s.CompanyAdminIn(data=request.data)
        ser.is_valid(raise_exception=True)
        employee = services.company_admin_add(
            actor=request.user, company=self.get_object(), **ser.validated_data
        )
        return Response(s.CompanyAdminOut(employee).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ModulesIn, responses=s.CompanyOut)
    @action(detail=True, methods=["post"])
    def modules(self, request, pk=None):
        ser = s.ModulesIn(data=request.data)
        ser.is_valid(raise_exception=True)
        company = self.get_object()
        services.company_grant_modules(
            actor=request.user, company=company, modules=ser.validated_data["modules"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=company.pk)).data)


class CommunityReviewViewSet(_ReviewViewSet):
    serializer_class = s.CommunityOut
    filterset_class = CommunityReviewFilter
    review_service = services.community_review
    review_kwarg = "community"

    def get_queryset(self):
        return selectors.platform_community_list()

    @extend_schema(request=s.ReviewIn, responses=s.CommunityOut)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._review(request)


class MerchantReviewViewSet(_ReviewViewSet):
    serializer_class = s.MerchantOut
    filterset_class = MerchantReviewFilter
    review_service = services.merchant_review
    review_kwarg = "merchant"

    def get_queryset(self):
        return selectors.platform_merchant_list()

    @extend_schema(request=s.ReviewIn, responses=s.MerchantOut)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._review(request)


@extend_schema_view(create=extend_schema(request=s.BureauCreateIn, responses={201: s.BureauOut}))
class BureauViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """房管部门: create (city-level when no district), add officials by phone, open / close."""

    permission_classes = [permissions.IsAuthenticated, IsPlatformAdmin]
    serializer_class = s.BureauOut

    def get_queryset(self):
        return selectors.platform_bureau_list()

    def _out(self, bureau):
        return s.BureauOut(self.get_queryset().get(pk=bureau.pk)).data

    def create(self, request):
        ser = s.BureauCreateIn(data=request.data)
        ser.is_valid(raise_exception=True)
        bureau = services.bureau_create(actor=request.user, **ser.validated_data)
        return Response(self._out(bureau), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.BureauMemberIn, responses=s.BureauOut)
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        bureau = self.get_object()
        ser = s.BureauMemberIn(data=request.data)
        ser.is_valid(raise_exception=True)
        services.bureau_member_add(actor=request.user, bureau=bureau, **ser.validated_data)
        return Response(self._out(bureau))

    @extend_schema(request=s.ActiveIn, responses=s.BureauOut)
    @action(detail=True, methods=["post"])
    def active(self, request, pk=None):
        bureau = self.get_object()
        ser = s.ActiveIn(data=request.data)
        ser.is_valid(raise_exception=True)
        services.bureau_set_active(
            actor=request.user, bureau=bureau, active=ser.validated_data["is_active"]
        )
        return Response(self._out(bureau))


class BureauCommunityListView(ListAPIView):
    """辖区小区: the bureau's approved communities with company, district and house count."""

    permission_classes = [permissions.IsAuthenticated, IsBureauOfficial]
    serializer_class = s.BureauCommunityOut
    filterset_class = BureauCommunityFilter

    def get_queryset(self):
        return selectors.bureau_community_list(get_access(self.request.user))
