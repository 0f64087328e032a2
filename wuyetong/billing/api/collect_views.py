"""Collecting API: owners' bills, quotes, online orders and receipts under my/; the cashier
desk, payments, refunds, invoices, daily close and reconciliation for staff; gateway
notifications under notify/ (no login: the signature is the authentication)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from wuyetong.accounts.api.serializers import with_errors
from wuyetong.core.access import get_access
from wuyetong.core.api import HasModulePermission
from wuyetong.core.ids import parse_pk

from .. import collect_filters, pdf, selectors
from ..models import Bill, InvoiceRequest, Payment, RefundRequest
from ..services import desk as desk_services
from ..services import gateway_refunds, online
from ..services import invoices as invoice_services
from ..services import refunds as refund_services
from ..services.owner_bills import owner_bills
from ..services.quote import quote_build
from . import collect_serializers as s

TAG = "billing"


# ---------------------------------------------------------------- owner


class OwnerBillsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[TAG],
        summary=_("我的待缴账单（含计算过程和滞纳金）"),
        parameters=[OpenApiParameter("house", int, required=True)],
        responses=with_errors({200: s.OwnerBillsOutput}, 401, 404),
    )
    def get(self, request):
        # The owner's hottest read: the answer is kept per house and validated by the query
        # that checks the house (services/owner_bills.py); no serializer on the way out,
        # OwnerBillsOutput documents the same fields.
        return Response(owner_bills(request.user, parse_pk(request.query_params.get("house"))))


class OwnerQuoteApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.OwnerQuoteInput

    @extend_schema(
        tags=[TAG],
        summary=_("计算所选账单的应付金额"),
        request=s.OwnerQuoteInput,
        responses=with_errors({200: s.QuoteOutput}, 400, 401, 404),
    )
    def post(self, request):
        data = s.OwnerQuoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        house = online.owner_house(request.user, d["house"])
        quote = online.owner_quote(
            user=request.user, house=house, bill_ids=d["bills"], months_ahead=d["months_ahead"]
        )
        return Response(s.QuoteOutput(quote.as_dict()).data)


class OwnerOrderCreateApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.OrderInput

    @extend_schema(
        tags=[TAG],
        summary=_("在线缴费：创建支付订单，返回支付渠道的跳转地址"),
        request=s.OrderInput,
        responses=with_errors({201: s.OrderOutput}, 400, 401, 404),
    )
    def post(self, request):
        data = s.OrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        house = online.owner_house(request.user, d["house"])
        order, url = online.order_create(
            user=request.user,
            house=house,
            bill_ids=d["bills"],
            gateway=d["gateway"],
            months_ahead=d["months_ahead"],
            expected_total=d.get("expected_total"),
            notify_url=request.build_absolute_uri(
                reverse("api-billing-notify", args=[d["gateway"]])
            ),
            return_url_for=lambda o: request.build_absolute_uri(
                reverse("owner_billing:order", args=[o.out_trade_no])
            ),
            client_ip=request.META.get("REMOTE_ADDR", "127.0.0.1"),
        )
        out = s.OrderOutput(order).data
        out["redirect_url"] = url
        return Response(out, status=201)


class OwnerOrderApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[TAG], summary=_("支付订单状态"), responses=with_errors({200: s.OrderOutput}, 401, 404)
    )
    def get(self, request, no: str):
        return Response(s.OrderOutput(online.order_for_owner(request.user, no[:32])).data)


class OwnerReceiptListApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.PaymentOutput

    def get_queryset(self):
        return (
            Payment.objects.filter(house_id__in=get_access(self.request.user).house_ids)
            .select_related("cashier")
            .order_by("-paid_at", "-id")
        )

    @extend_schema(tags=[TAG], summary=_("我的缴费记录"))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _own_payment(user, pk) -> Payment:
    payment = (
        Payment.objects.filter(pk=pk, house_id__in=get_access(user).house_ids)
        .select_related("house__community__company", "house__building", "house__unit", "cashier")
        .first()
    )
    if payment is None:
        raise Http404
    return payment


class OwnerReceiptPdfApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[TAG],
        summary=_("下载收据 PDF"),
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="application/pdf")},
    )
    def get(self, request, pk: int):
        payment = _own_payment(request.user, pk)
        data, _reprint = pdf.receipt_pdf(payment, printed_by=request.user)
        return pdf.pdf_response(data, payment.receipt_no, download=True)


class OwnerInvoiceApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.InvoiceInput

    @extend_schema(
        tags=[TAG],
        summary=_("为一笔缴费申请发票"),
        request=s.InvoiceInput,
        responses=with_errors({201: s.InvoiceOutput}, 400, 401, 404),
    )
    def post(self, request, pk: int):
        payment = _own_payment(request.user, pk)
        data = s.InvoiceInput(data=request.data)
        data.is_valid(raise_exception=True)
        invoice = invoice_services.invoice_request(
            actor=request.user, payment=payment, **data.validated_data
        )
        return Response(s.InvoiceOutput(invoice).data, status=201)


# ---------------------------------------------------------------- staff


class StaffBase(GenericAPIView):
    permission_classes = [IsAuthenticated, HasModulePermission]
    permission_module = "billing"
    queryset = Payment.objects.none()  # for the schema; reads go through scoped selectors


class DeskHouseListApi(StaffBase):
    action_permissions = {None: "add"}
    serializer_class = s.DeskHouseOutput

    @extend_schema(
        tags=[TAG],
        summary=_("收银台：按房号、业主姓名或手机号查找房屋"),
        parameters=[OpenApiParameter("q", str), OpenApiParameter("community", int)],
        responses=with_errors({200: s.DeskHouseOutput(many=True)}, 401, 403),
    )
    def get(self, request):
        houses = selectors.desk_house_search(
            request.user,
            q=request.query_params.get("q", ""),
            community_id=parse_pk(request.query_params.get("community")),
        )
        return Response(s.DeskHouseOutput(houses, many=True).data)


class DeskHouseApi(StaffBase):
    action_permissions = {None: "add"}
    serializer_class = s.QuoteOutput

    @extend_schema(
        tags=[TAG],
        summary=_("收银台：房屋的全部欠费（含滞纳金）"),
        responses=with_errors({200: s.QuoteOutput}, 401, 403, 404),
    )
    def get(self, request, pk: int):
        house = selectors.desk_house_get(request.user, pk)
        quote = quote_build(
            house=house, bills=list(selectors.house_open_bills(house)), on=timezone.localdate()
        )
        return Response(s.QuoteOutput(quote.as_dict()).data)


class DeskPayApi(StaffBase):
    serializer_class = s.DeskPayInput

    @extend_schema(
        tags=[TAG],
        summary=_("收银台收款（所选账单、全部欠费或预缴N个月）"),
        request=s.DeskPayInput,
        responses=with_errors({201: s.PaymentOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        house = selectors.desk_house_get(request.user, pk)
        data = s.DeskPayInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        payment = desk_services.desk_pay(
            actor=request.user,
            house=house,
            method=d["method"],
            bill_ids=d.get("bills") or [],
            pay_all=d["pay_all"],
            months_ahead=d["months_ahead"],
            tendered=d.get("tendered"),
            expected_total=d.get("expected_total"),
            idempotency_key=d["idempotency_key"],
            note=d["note"],
        )
        return Response(s.PaymentOutput(payment).data, status=201)


class WaiveApi(StaffBase):
    action_permissions = {None: "approve"}
    serializer_class = s.WaiveInput

    @extend_schema(
        tags=[TAG],
        summary=_("减免账单滞纳金"),
        request=s.WaiveInput,
        responses=with_errors({204: None}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        bill = Bill.objects.for_user(request.user, "approve").filter(pk=pk).first()
        if bill is None:
            raise Http404
        data = s.WaiveInput(data=request.data)
        data.is_valid(raise_exception=True)
        desk_services.late_fee_waive(
            actor=request.user, bill=bill, reason=data.validated_data["reason"]
        )
        return Response(status=204)


class PaymentListApi(StaffBase, ListAPIView):
    serializer_class = s.PaymentOutput
    filterset_class = collect_filters.PaymentFilter

    def get_queryset(self):
        return (
            Payment.objects.for_user(self.request.user, "view")
            .select_related("cashier")
            .order_by("-paid_at", "-id")
        )

    @extend_schema(tags=[TAG], summary=_("收款记录"))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PaymentPdfApi(StaffBase):
    @extend_schema(
        tags=[TAG],
        summary=_("打印收据 PDF（再次打印标注“补打”）"),
        responses={200: OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, pk: int):
        payment = (
            Payment.objects.for_user(request.user, "view")
            .filter(pk=pk)
            .select_related(
                "house__community__company", "house__building", "house__unit", "cashier"
            )
            .first()
        )
        if payment is None:
            raise Http404
        data, _reprint = pdf.receipt_pdf(payment, printed_by=request.user)
        return pdf.pdf_response(data, payment.receipt_no, download=True)


class RefundCreateApi(StaffBase):
    serializer_class = s.RefundInput

    @extend_schema(
        tags=[TAG],
        summary=_("申请退款"),
        request=s.RefundInput,
        responses=with_errors({201: s.RefundOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        payment = (
            Payment.objects.for_user(request.user, "view")
            .filter(pk=pk)
            .select_related("community")
            .first()
        )
        if payment is None:
            raise Http404
        data = s.RefundInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        row = refund_services.refund_request(
            actor=request.user,
            payment=payment,
            bill_ids=d["bills"],
            reason=d["reason"],
            method=d["method"],
        )
        return Response(s.RefundOutput(row).data, status=201)


class RefundListApi(StaffBase, ListAPIView):
    serializer_class = s.RefundOutput
    filterset_class = collect_filters.RefundFilter
    queryset = RefundRequest.objects.none()  # type: ignore[assignment]

    def get_queryset(self):
        return (
            RefundRequest.objects.for_user(self.request.user, "view")
            .select_related("gateway_refund__order")
            .prefetch_related("bills", "gateway_refund__events__actor")
            .order_by("-requested_at", "-id")
        )

    @extend_schema(tags=[TAG], summary=_("退款申请"))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RefundDecideApi(StaffBase):
    action_permissions = {None: "approve"}
    serializer_class = s.DecisionInput
    approve = True

    @extend_schema(
        tags=[TAG],
        summary=_("审批退款"),
        request=s.DecisionInput,
        responses=with_errors({200: s.RefundOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        row = RefundRequest.objects.for_user(request.user, "approve").filter(pk=pk).first()
        if row is None:
            raise Http404
        data = s.DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = data.validated_data["note"]
        if self.approve:
            row = refund_services.refund_approve(
                actor=request.user,
                request=row,
                note=note,
                base_url=request.build_absolute_uri("/"),
            )
        else:
            row = refund_services.refund_reject(actor=request.user, request=row, note=note)
        return Response(s.RefundOutput(row).data)


class RefundRejectApi(RefundDecideApi):
    approve = False


def _route(user, pk: int, action: str):
    """The gateway refund of a refund request the user may see (or act on); 404 otherwise,
    and for a refund that is not sent back through a gateway."""
    row = (
        RefundRequest.objects.for_user(user, action)
        .filter(pk=pk)
        .select_related("gateway_refund__order")
        .first()
    )
    route = getattr(row, "gateway_refund", None) if row is not None else None
    if route is None:
        raise Http404
    return route


class RefundRouteApi(StaffBase):
    serializer_class = s.RouteOutput

    @extend_schema(
        tags=[TAG],
        summary=_("原路退款的状态与记录"),
        responses=with_errors({200: s.RouteOutput}, 401, 403, 404),
    )
    def get(self, request, pk: int):
        return Response(s.RouteOutput(_route(request.user, pk, "view")).data)


class RefundRouteRetryApi(StaffBase):
    action_permissions = {None: "approve"}
    serializer_class = s.RouteRetryInput

    @extend_schema(
        tags=[TAG],
        summary=_("重新发起失败的原路退款（同一退款单号）"),
        request=s.RouteRetryInput,
        responses=with_errors({200: s.RouteOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        route = _route(request.user, pk, "approve")
        data = s.RouteRetryInput(data=request.data)
        data.is_valid(raise_exception=True)
        route = gateway_refunds.route_retry(
            actor=request.user, refund=route, note=data.validated_data["note"]
        )
        route.refresh_from_db()
        return Response(s.RouteOutput(route).data)


class RefundRouteOfflineApi(StaffBase):
    action_permissions = {None: "approve"}
    serializer_class = s.RouteOfflineInput

    @extend_schema(
        tags=[TAG],
        summary=_("登记已线下退款（原路退款失败或关闭后）"),
        request=s.RouteOfflineInput,
        responses=with_errors({200: s.RouteOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        route = _route(request.user, pk, "approve")
        data = s.RouteOfflineInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        route = gateway_refunds.route_offline(
            actor=request.user, refund=route, method=d["method"], note=d["note"]
        )
        return Response(s.RouteOutput(route).data)


class InvoiceListApi(StaffBase, ListAPIView):
    serializer_class = s.InvoiceOutput
    filterset_class = collect_filters.InvoiceFilter
    queryset = InvoiceRequest.objects.none()  # type: ignore[assignment]

    def get_queryset(self):
        return InvoiceRequest.objects.for_user(self.request.user, "view").order_by(
            "-requested_at", "-id"
        )

    @extend_schema(tags=[TAG], summary=_("发票申请"))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InvoiceActionApi(StaffBase):
    serializer_class = s.InvoiceReviewInput
    step = "review"

    @extend_schema(
        tags=[TAG],
        summary=_("发票审核 / 开票 / 发送"),
        request=s.InvoiceReviewInput,
        responses=with_errors({200: s.InvoiceOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        row = InvoiceRequest.objects.for_user(request.user, "view").filter(pk=pk).first()
        if row is None:
            raise Http404
        if self.step == "review":
            data = s.InvoiceReviewInput(data=request.data)
            data.is_valid(raise_exception=True)
            row = invoice_services.invoice_review(
                actor=request.user, invoice=row, **data.validated_data
            )
        elif self.step == "issue":
            row = invoice_services.invoice_issue(actor=request.user, invoice=row)
        else:
            row = invoice_services.invoice_send(actor=request.user, invoice=row)
        return Response(s.InvoiceOutput(row).data)


class DailyCloseApi(StaffBase):
    action_permissions = {None: "add"}
    serializer_class = s.DailyCloseOutput

    @extend_schema(
        tags=[TAG],
        summary=_("收费员日结（今天）"),
        request=None,
        responses=with_errors({201: s.DailyCloseOutput}, 400, 401, 403),
    )
    def post(self, request):
        close = desk_services.daily_close(actor=request.user)
        return Response(s.DailyCloseOutput(close).data, status=201)


class ReconciliationApi(StaffBase):
    serializer_class = s.MismatchOutput

    @extend_schema(
        tags=[TAG],
        summary=_("在线支付对账差异（近31天）"),
        responses=with_errors({200: s.MismatchOutput(many=True)}, 401, 403),
    )
    def get(self, request):
        return Response(s.MismatchOutput(online.reconciliation(user=request.user), many=True).data)


class NotifyApi(APIView):
    """A gateway's asynchronous payment notification. No session: the gateway's signature
    authenticates it; the raw body is what the signature covers."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=[TAG],
        summary=_("支付渠道异步通知（微信支付 / 支付宝 / 模拟支付）"),
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/x-www-form-urlencoded": OpenApiTypes.OBJECT,
        },
        responses={
            200: OpenApiResponse(description="渠道要求的应答"),
            204: None,
            400: OpenApiResponse(description="签名或金额无效"),
        },
    )
    def post(self, request, gateway: str):
        body = request.body
        handled = online.notice_receive(
            gateway=gateway[:10], headers=dict(request.headers), body=body
        )
        return HttpResponse(handled.body, status=handled.status, content_type=handled.content_type)


class RefundNotifyApi(APIView):
    """A gateway's refund notification (WeChat Pay: REFUND.SUCCESS / ABNORMAL / CLOSED).
    No session: the gateway's signature authenticates it."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=[TAG],
        summary=_("支付渠道退款结果通知（微信支付 / 模拟支付）"),
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: OpenApiResponse(description="渠道要求的应答"),
            204: None,
            400: OpenApiResponse(description="签名或金额无效"),
        },
    )
    def post(self, request, gateway: str):
        handled = gateway_refunds.refund_notice_receive(
            gateway=gateway[:10], headers=dict(request.headers), body=request.body
        )
        return HttpResponse(handled.body, status=handled.status, content_type=handled.content_type)


notify_view = csrf_exempt(NotifyApi.as_view())
refund_notify_view = csrf_exempt(RefundNotifyApi.as_view())
