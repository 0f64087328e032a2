"""Service-desk API: thin views over the services and selectors. Owners act on their own
cases under my/, staff on the cases of their data scope under cases/, the bureau reads and
urges under bureau/. Refusals are the services' ApplicationError (400/403/404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from wuyetong.accounts.api.serializers import with_errors
from wuyetong.core.access import get_access
from wuyetong.core.api import HasModulePermission
from wuyetong.core.ids import parse_pk
from wuyetong.estates.models import House

from .. import selectors, services
from ..choices import CaseKind, CaseState
from ..models import Case, CaseUrge
from . import serializers as s

PARSERS = [JSONParser, MultiPartParser, FormParser]


def _detail(case, output: type[serializers.Serializer], context: dict) -> dict:
    case.timeline = list(selectors.case_timeline(case=case))
    return output(case, context=context).data


class OwnerBase(GenericAPIView):
    queryset = Case.objects.none()  # for the schema; reads go through selectors
    permission_classes = [IsAuthenticated]
    parser_classes = PARSERS
    serializer_class = s.OwnerCaseDetailOutput

    def reply(self, pk: int, status: int = 200) -> Response:
        case = selectors.owner_case_get(user=self.request.user, case_id=pk)
        return Response(_detail(case, s.OwnerCaseDetailOutput, {}), status=status)


class OwnerTypeListApi(OwnerBase):
    @extend_schema(
        tags=["servicedesk"],
        summary=_("报修/投诉类型（业主所在物业公司）"),
        parameters=[OpenApiParameter("kind", str, enum=CaseKind.values, required=False)],
        responses=with_errors({200: s.CaseTypeOutput(many=True)}, 401),
    )
    def get(self, request):
        kind = request.query_params.get("kind")
        kind = kind if kind in CaseKind.values else CaseKind.REPAIR
        company_ids = set(
            House.objects.filter(pk__in=get_access(request.user).house_ids).values_list(
                "community__company_id", flat=True
            )
        )
        rows = [
            t
            for company_id in sorted(company_ids)
            for t in selectors.case_type_list(company_id=company_id, kind=kind)
        ]
        return Response(s.CaseTypeOutput(rows, many=True).data)


class OwnerCaseListApi(OwnerBase):
    @extend_schema(
        tags=["servicedesk"],
        summary=_("我的报修和投诉"),
        parameters=[OpenApiParameter("open", bool, required=False)],
        responses=with_errors({200: s.CaseOutput(many=True)}, 401),
    )
    def get(self, request):
        flag = request.query_params.get("open")
        open_only = None if flag is None else flag in ("1", "true", "True")
        page = self.paginate_queryset(
            selectors.owner_case_list(user=request.user, open_only=open_only)
        )
        return self.get_paginated_response(s.CaseOutput(page, many=True).data)

    @extend_schema(
        tags=["servicedesk"],
        summary=_("提交报修或投诉（可附最多9张照片）"),
        request={"application/json": s.SubmitInput, "multipart/form-data": s.SubmitInput},
        responses=with_errors({201: s.OwnerCaseDetailOutput}, 400, 401),
    )
    def post(self, request):
        data = s.SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        case = services.case_submit(
            reporter=request.user,
            kind=d["kind"],
            case_type_id=d["case_type"],
            description=d["description"],
            house_id=d["house"],
            community_id=d["community"],
            place=d["place"],
            urgency=d["urgency"],
            scope=d["scope"],
            appointment_at=d["appointment_at"],
            reason=d["reason"],
            expected_at=d["expected_at"],
            photos=d["photos"],
            client_token=d["client_token"],
        )
        return self.reply(case.pk, status=201)


class OwnerCaseDetailApi(OwnerBase):
    @extend_schema(
        tags=["servicedesk"],
        summary=_("我的工单详情与进度"),
        responses=with_errors({200: s.OwnerCaseDetailOutput}, 401, 404),
    )
    def get(self, request, pk: int):
        return self.reply(pk)


Call = Callable[[Any, int, dict], Any]


def _action_view(
    base: type[GenericAPIView],
    name: str,
    summary: Any,
    request_serializer: type[serializers.Serializer] | None,
    call: Call,
) -> type[GenericAPIView]:
    """One POST endpoint per action, so the OpenAPI schema documents each input."""

    def post(self, request, pk: int):
        data: dict = {}
        if request_serializer is not None:
            ser = request_serializer(data=request.data)
            ser.is_valid(raise_exception=True)
            data = dict(ser.validated_data)
        call(request.user, pk, data)
        return self.reply(pk)

    responses = with_errors({200: base.serializer_class}, 400, 401, 403, 404)
    post = extend_schema(
        tags=["servicedesk"],
        summary=summary,
        request=request_serializer,
        responses=responses,
        operation_id=f"servicedesk_{base.__name__.lower()}_{name}",
    )(post)
    return type(f"{base.__name__}{name.title().replace('_', '')}Api", (base,), {"post": post})


OWNER_ACTIONS: list[tuple[str, Any, type[serializers.Serializer] | None, Call]] = [
    (
        "cancel",
        _("取消（派单前）"),
        s.ReasonInput,
        lambda u, pk, d: services.case_cancel(reporter=u, case_id=pk, reason=d["reason"]),
    ),
    (
        "add_info",
        _("补充信息"),
        s.AddInfoInput,
        lambda u, pk, d: services.case_add_info(
            reporter=u, case_id=pk, note=d["note"], photos=d["photos"]
        ),
    ),
    (
        "quote_accept",
        _("确认有偿维修报价"),
        s.QuoteAcceptInput,
        lambda u, pk, d: services.case_quote_accept(
            reporter=u, case_id=pk, expected_amount=d["expected_amount"]
        ),
    ),
    (
        "rate",
        _("评价 好/中/差"),
        s.RateInput,
        lambda u, pk, d: services.case_rate(
            reporter=u, case_id=pk, rating=d["rating"], comment=d["comment"]
        ),
    ),
    (
        "reopen",
        _("重开"),
        s.ReasonInput,
        lambda u, pk, d: services.case_reopen(
            actor=u, case_id=pk, reason=d["reason"], owner_only=True
        ),
    ),
]


class StaffBase(GenericAPIView):
    queryset = Case.objects.none()
    permission_classes = [HasModulePermission]
    permission_module = "servicedesk"
    action_permissions = {None: "view"}  # the service decides 403 / 404 per action
    parser_classes = PARSERS
    serializer_class = s.CaseDetailOutput

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "access": get_access(self.request.user)}

    def reply(self, pk: int) -> Response:
        case = selectors.staff_case_get(user=self.request.user, case_id=pk)
        return Response(_detail(case, s.CaseDetailOutput, self.get_serializer_context()))


class StaffCaseListApi(StaffBase):
    @extend_schema(
        tags=["servicedesk"],
        summary=_("工单列表（数据范围内）"),
        parameters=[
            OpenApiParameter("state", str, enum=CaseState.values, required=False),
            OpenApiParameter("kind", str, enum=CaseKind.values, required=False),
            OpenApiParameter("community", int, required=False),
            OpenApiParameter("mine", bool, required=False, description=_("只看派给我的")),
            OpenApiParameter("pool", bool, required=False, description=_("待派单/可抢单")),
        ],
        responses=with_errors({200: s.StaffCaseOutput(many=True)}, 401, 403),
    )
    def get(self, request):
        p = request.query_params
        community = p.get("community", "")
        qs = selectors.staff_case_list(
            user=request.user,
            state=p.get("state") if p.get("state") in CaseState.values else None,
            kind=p.get("kind") if p.get("kind") in CaseKind.values else None,
            community_id=parse_pk(community) if community else None,
            assigned_to_me=p.get("mine") in ("1", "true", "True"),
            pool=p.get("pool") in ("1", "true", "True"),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(
            s.StaffCaseOutput(page, many=True, context=self.get_serializer_context()).data
        )


class StaffCaseDetailApi(StaffBase):
    @extend_schema(
        tags=["servicedesk"],
        summary=_("工单详情与时间线"),
        responses=with_errors({200: s.CaseDetailOutput}, 401, 403, 404),
    )
    def get(self, request, pk: int):
        return self.reply(pk)


def _staff(fn_name: str, **fixed) -> Call:
    fn = getattr(services, fn_name)
    return lambda u, pk, d: fn(actor=u, case_id=pk, **fixed, **d)


def _assign(fn_name: str) -> Call:
    fn = getattr(services, fn_name)
    return lambda u, pk, d: fn(actor=u, case_id=pk, assignee_id=d["assignee"], note=d["note"])


STAFF_ACTIONS: list[tuple[str, Any, type[serializers.Serializer] | None, Call]] = [
    ("dispatch", _("派单"), s.AssignInput, _assign("case_dispatch")),
    ("round_robin", _("轮流派单"), None, _staff("case_dispatch_round_robin")),
    ("grab", _("抢单"), None, _staff("case_grab")),
    ("accept", _("接单"), None, _staff("case_accept")),
    ("arrive", _("到场"), None, _staff("case_arrive")),
    ("start", _("开始处理"), None, _staff("case_start")),
    ("pause", _("暂停"), s.ReasonInput, _staff("case_pause")),
    ("resume", _("恢复处理"), None, _staff("case_resume")),
    ("transfer", _("转单"), s.AssignInput, _assign("case_transfer")),
    ("return_to_pool", _("退回工单池"), s.ReasonInput, _staff("case_return_to_pool")),
    ("quote", _("有偿维修报价"), s.QuoteInput, _staff("case_quote")),
    ("complete", _("完成（可附完工照片）"), s.CompleteInput, _staff("case_complete")),
    ("reply", _("投诉书面答复"), s.ReplyInput, _staff("case_reply")),
    ("return_visit", _("回访"), s.NoteInput, _staff("case_return_visit")),
    ("close", _("关闭"), s.NoteInput, _staff("case_close")),
    ("reopen", _("重开"), s.ReasonInput, _staff("case_reopen")),
]


class BureauBase(GenericAPIView):
    queryset = Case.objects.none()
    permission_classes = [IsAuthenticated]
    serializer_class = s.OwnerCaseDetailOutput

    def reply(self, pk: int) -> Response:
        case = selectors.bureau_case_get(user=self.request.user, case_id=pk)
        return Response(_detail(case, s.OwnerCaseDetailOutput, {}))


class BureauCaseListApi(BureauBase):
    @extend_schema(
        tags=["servicedesk"],
        summary=_("辖区工单（只读）"),
        parameters=[
            OpenApiParameter("queue", bool, required=False, description=_("只看报房管部门的"))
        ],
        responses=with_errors({200: s.CaseOutput(many=True)}, 401),
    )
    def get(self, request):
        if request.query_params.get("queue") in ("1", "true", "True"):
            qs = selectors.bureau_queue(user=request.user)
        else:
            qs = selectors.bureau_case_list(user=request.user)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.CaseOutput(page, many=True).data)


class BureauCaseDetailApi(BureauBase):
    @extend_schema(
        tags=["servicedesk"],
        summary=_("辖区工单详情（只读）"),
        responses=with_errors({200: s.OwnerCaseDetailOutput}, 401, 404),
    )
    def get(self, request, pk: int):
        return self.reply(pk)


BUREAU_ACTIONS: list[tuple[str, Any, type[serializers.Serializer] | None, Call]] = [
    (
        "urge",
        _("催办"),
        s.UrgeInput,
        lambda u, pk, d: services.bureau_urge(official=u, case_id=pk, note=d["note"]),
    ),
]


class UrgeAnswerApi(GenericAPIView):
    queryset = CaseUrge.objects.none()
    permission_classes = [HasModulePermission]
    permission_module = "servicedesk"
    action_permissions = {None: "view"}
    serializer_class = s.UrgeOutput

    @extend_schema(
        tags=["servicedesk"],
        summary=_("答复房管部门催办"),
        request=s.AnswerInput,
        responses=with_errors({200: s.UrgeOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        data = s.AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        urge = services.company_answer_urge(
            actor=request.user, urge_id=pk, answer=data.validated_data["answer"]
        )
        return Response(s.UrgeOutput(urge).data)
