"""Statistics API for the bureau (its jurisdiction) and the company (its own scope): the
dashboard's figures by month / company / community, and the cases behind any figure. The
same FilterSets as the pages parse the parameters."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from wuyetong.accounts.api.serializers import with_errors
from wuyetong.core.access import get_access
from wuyetong.servicedesk import selectors, stats
from wuyetong.servicedesk.api.serializers import CaseOutput
from wuyetong.servicedesk.choices import CaseKind

from ..filters import BureauFigureFilter, CompanyFigureFilter
from ..views.common import is_bureau, is_company_reader
from .serializers import FigureTableOutput

BY = ["company", "community", "month"]
COMMON = [
    OpenApiParameter("month_from", str, description=_("起始月份 YYYY-MM，默认近6个月")),
    OpenApiParameter("month_to", str, description=_("结束月份 YYYY-MM（含）")),
    OpenApiParameter("community", int, required=False),
    OpenApiParameter("kind", str, enum=CaseKind.values, required=False),
]
BUREAU_ONLY = [
    OpenApiParameter("district", int, required=False),
    OpenApiParameter("company", int, required=False),
]


class _Persona(IsAuthenticated):
    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and view.allowed(get_access(request.user))


class FigureBase(GenericAPIView):
    permission_classes = [_Persona]
    filterset: type[CompanyFigureFilter] = CompanyFigureFilter
    allowed = staticmethod(is_company_reader)

    def parsed(self, request) -> CompanyFigureFilter:
        filterset = self.filterset(request.query_params, request=request)
        if filterset.scope is None:
            raise exceptions.PermissionDenied()
        if not filterset.form.is_valid():
            raise exceptions.ValidationError({k: list(v) for k, v in filterset.form.errors.items()})
        return filterset


class FigureTableBase(FigureBase):
    serializer_class = FigureTableOutput

    def get(self, request):
        filterset = self.parsed(request)
        scope, query = filterset.scope, filterset.figure_query()
        by = request.query_params.get("by", "company")
        if by not in BY:
            raise exceptions.ValidationError({"by": [_("请选择 company、community 或 month")]})
        order = request.query_params.get("o", "")
        if by == "community":  # named a page at a time
            rows = stats.community_rows(scope, query, order)
        else:
            rows = stats.figure_list(scope, query, by=by)
        page = self.paginate_queryset(rows)
        assert page is not None and self.paginator is not None
        results = stats.named(page, by) if by == "community" else page
        paginator: Any = self.paginator
        table = {
            "month_from": query.first,
            "month_to": query.last,
            "total": stats.add_up(rows),
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": results,
        }
        return Response(FigureTableOutput(table).data)


class CaseListBase(FigureBase):
    serializer_class = CaseOutput

    def cases(self, request):
        raise NotImplementedError

    def get_queryset(self):  # for the schema: reads go through `cases`
        return stats.Scope.empty().cases()

    def get(self, request):
        filterset = self.parsed(request)
        metric = filterset.form.cleaned_data.get("metric") or "received"
        cases = stats.cases_behind(self.cases(request), filterset.figure_query(), metric)
        page = self.paginate_queryset(cases)
        return self.get_paginated_response(CaseOutput(page, many=True).data)


TABLE_PARAMS = [
    OpenApiParameter("by", str, enum=BY, description=_("按物业公司 / 小区 / 月份")),
    OpenApiParameter(
        "o", str, enum=[*stats.ORDERS, "name"], required=False, description=_("按小区时的排序")
    ),
]
METRIC_PARAM = [OpenApiParameter("metric", str, enum=list(stats.METRIC_LABELS), required=False)]


class BureauFigureApi(FigureTableBase):
    filterset = BureauFigureFilter
    allowed = staticmethod(is_bureau)

    @extend_schema(
        tags=["oversight"],
        summary=_("辖区工单统计（房管部门）"),
        parameters=COMMON + BUREAU_ONLY + TABLE_PARAMS,
        responses=with_errors({200: FigureTableOutput}, 400, 401, 403),
    )
    def get(self, request):
        return super().get(request)


class CompanyFigureApi(FigureTableBase):
    @extend_schema(
        tags=["oversight"],
        summary=_("本公司工单统计"),
        parameters=COMMON + TABLE_PARAMS,
        responses=with_errors({200: FigureTableOutput}, 400, 401, 403),
    )
    def get(self, request):
        return super().get(request)


class BureauCaseListApi(CaseListBase):
    filterset = BureauFigureFilter
    allowed = staticmethod(is_bureau)

    def cases(self, request):
        return selectors.bureau_case_list(user=request.user)

    @extend_schema(
        tags=["oversight"],
        summary=_("统计数字背后的工单（房管部门）"),
        parameters=COMMON + BUREAU_ONLY + METRIC_PARAM,
        responses=with_errors({200: CaseOutput(many=True)}, 400, 401, 403),
    )
    def get(self, request):
        return super().get(request)


class CompanyCaseListApi(CaseListBase):
    def cases(self, request):
        return selectors.staff_case_list(user=request.user)

    @extend_schema(
        tags=["oversight"],
        summary=_("统计数字背后的工单（本公司）"),
        parameters=COMMON + METRIC_PARAM,
        responses=with_errors({200: CaseOutput(many=True)}, 400, 401, 403),
    )
    def get(self, request):
        return super().get(request)
