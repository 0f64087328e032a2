"""Statement reconciliation API: import a channel's statement file (multipart) and read the
imports with each row's result — the same service as the console page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from wuyetong.accounts.api.serializers import with_errors
from wuyetong.core.api import HasModulePermission
from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.ids import parse_pk

from ..choices import Gateway
from ..gateways.statements import MAX_BYTES
from ..services import statements as services
from ..statement_models import StatementImport, StatementLine

TAG = "billing"


class StatementInput(serializers.Serializer):
    gateway = serializers.ChoiceField(choices=Gateway.choices, help_text=_("支付渠道"))
    date_from = serializers.DateField(help_text=_("账单日期"))
    date_to = serializers.DateField(required=False, help_text=_("账单截止日期，默认同账单日期"))
    file = serializers.FileField(help_text=_("对账单文件（CSV，支付宝可为 zip）"))


class StatementOutput(serializers.ModelSerializer):
    gateway_label = serializers.CharField(source="get_gateway_display")
    uploaded_by = serializers.CharField(source="uploaded_by.name")

    class Meta:
        model = StatementImport
        fields = [
            "id", "gateway", "gateway_label", "date_from", "date_to", "file_name",
            "uploaded_by", "uploaded_at", "pay_count", "pay_total", "refund_count",
            "refund_total", "fee_total", "system_count", "system_total", "problem_count",
            "other_company_count",
        ]  # fmt: skip


class StatementLineOutput(serializers.ModelSerializer):
    result_label = serializers.CharField(source="get_result_display")
    community = serializers.CharField(source="community.name", default="")

    class Meta:
        model = StatementLine
        fields = [
            "row", "kind", "time", "trade_no", "out_trade_no", "out_refund_no", "amount",
            "system_amount", "fee", "result", "result_label", "detail", "community",
        ]  # fmt: skip


class StatementDetailOutput(StatementOutput):
    lines = serializers.SerializerMethodField()

    class Meta(StatementOutput.Meta):
        fields = [*StatementOutput.Meta.fields, "lines"]

    def get_lines(self, obj) -> list[dict]:
        rows = self.context["lines"]
        return StatementLineOutput(rows, many=True).data  # type: ignore[return-value]


class Base(GenericAPIView):
    permission_classes = [IsAuthenticated, HasModulePermission]
    permission_module = "billing"
    queryset = StatementImport.objects.none()  # for the schema; reads go through for_user


class StatementListApi(Base):
    # POST needs billing.add here; the service asks for billing.approve (403 otherwise)
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = StatementInput

    @extend_schema(
        tags=[TAG],
        summary=_("已导入的渠道对账单（最近100份）"),
        responses=with_errors({200: StatementOutput(many=True)}, 401, 403),
    )
    def get(self, request):
        rows = StatementImport.objects.for_user(request.user, "view").select_related("uploaded_by")[
            :100
        ]
        return Response(StatementOutput(rows, many=True).data)

    @extend_schema(
        tags=[TAG],
        summary=_("导入渠道对账单并逐笔核对"),
        request={"multipart/form-data": StatementInput},
        responses=with_errors({201: StatementOutput}, 400, 401, 403),
    )
    def post(self, request):
        data = StatementInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["file"].size > MAX_BYTES:
            raise ApplicationError("对账单文件过大（超过 20 MB）", field="file")
        statement = services.statement_import(
            actor=request.user,
            gateway=v["gateway"],
            date_from=v["date_from"],
            date_to=v.get("date_to") or v["date_from"],
            file_name=v["file"].name,
            data=v["file"].read(),
        )
        return Response(StatementOutput(statement).data, status=201)


class StatementDetailApi(Base):
    serializer_class = StatementDetailOutput

    @extend_schema(
        tags=[TAG],
        summary=_("对账单核对结果（每一行）"),
        responses=with_errors({200: StatementDetailOutput}, 401, 403, 404),
    )
    def get(self, request, pk):
        statement = (
            StatementImport.objects.for_user(request.user, "view")
            .select_related("uploaded_by")
            .filter(pk=parse_pk(pk))
            .first()
        )
        if statement is None:
            raise NotFound()
        lines = (
            StatementLine.objects.for_user(request.user, "view")
            .filter(statement=statement)
            .select_related("community")
        )
        return Response(StatementDetailOutput(statement, context={"lines": lines}).data)
