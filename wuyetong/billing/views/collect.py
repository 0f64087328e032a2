"""Console lists and approvals of the collecting side: receipts, refunds (申请 → 审批),
invoices (审核 → 开票 → 发送), prepaid and deposit balances, online orders and the
reconciliation report."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import lookup_pk
from wuyetong.core.views import ModulePermissionMixin
from wuyetong.web import pages
from wuyetong.web.pages import Col

from .. import collect_filters as filters
from .. import pdf, selectors
from ..choices import PayMethod
from ..models import InvoiceRequest, Payment, PaymentOrder, PrepaidBalance, RefundRequest
from ..services import gateway_refunds
from ..services import invoices as invoice_services
from ..services import payments as payment_services
from ..services import refunds as refund_services
from . import statements as statement_views
from .cashier import payment_get


def _when(value) -> str:
    """A stored time as the console shows times: local (Asia/Shanghai), to the minute."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


class BillingList(pages.ListPage):
    permission = "billing.view"
    export_permission = "billing.export"
    create_permission = "billing.add"


def _room(obj) -> str:
    h = obj.house
    return f"{h.building.name}{h.unit.name}{h.room_no}"


def _money(value) -> str:
    return f"{value:.2f}" if value is not None else ""


class ReceiptList(BillingList):
    title = gettext_lazy("收款记录")
    filterset_class = filters.PaymentFilter
    columns = [
        Col(
            gettext_lazy("收据号"),
            lambda p: p.receipt_no,
            link=lambda p: reverse("billing:receipt_detail", args=[p.pk]),
            order="receipt_no",
        ),
        Col(gettext_lazy("收款时间"), lambda p: _when(p.paid_at), order="paid_at"),
        Col(gettext_lazy("小区"), lambda p: p.community.name),
        Col(gettext_lazy("房屋"), _room),
        Col(gettext_lazy("用途"), lambda p: p.get_purpose_display()),
        Col(gettext_lazy("方式"), lambda p: p.get_method_display()),
        Col(gettext_lazy("金额"), lambda p: _money(p.amount), num=True, order="amount"),
        Col(
            gettext_lazy("收款人"),
            lambda p: (p.cashier.name or p.cashier.phone) if p.cashier else _("在线支付"),
        ),
    ]

    def get_queryset(self):
        return (
            Payment.objects.for_user(self.request.user, "view")
            .select_related("community", "house__building", "house__unit", "cashier")
            .order_by("-paid_at", "-id")
        )


# ---------------------------------------------------------------- refunds


_ROUTE_TAGS: dict[str, str] = {
    "processing": "pending",
    "succeeded": "ok",
    "failed": "rejected",
    "closed": "rejected",
    "offline": "ok",
}


def _route_of(r: RefundRequest):
    return getattr(r, "gateway_refund", None)


def _route_label(r: RefundRequest) -> str:
    route = _route_of(r)
    return route.get_state_display() if route is not None else ""


class RefundList(BillingList):
    title = gettext_lazy("退款审批")
    filterset_class = filters.RefundFilter
    columns = [
        Col(
            gettext_lazy("申请时间"),
            lambda r: _when(r.requested_at),
            link=lambda r: reverse("billing:refund_detail", args=[r.pk]),
            order="requested_at",
        ),
        Col(gettext_lazy("小区"), lambda r: r.community.name),
        Col(gettext_lazy("房屋"), _room),
        Col(gettext_lazy("原收据"), lambda r: r.payment.receipt_no),
        Col(gettext_lazy("金额"), lambda r: _money(r.amount), num=True),
        Col(gettext_lazy("原因"), lambda r: r.reason),
        Col(gettext_lazy("状态"), lambda r: r.get_state_display(), tag=lambda r: r.state),
        Col(gettext_lazy("退款单号"), lambda r: r.refund_no),
        Col(
            gettext_lazy("原路退款"),
            lambda r: _route_label(r),
            tag=lambda r: _ROUTE_TAGS.get(getattr(_route_of(r), "state", ""), ""),
        ),
    ]

    def get_queryset(self):
        return (
            RefundRequest.objects.for_user(self.request.user, "view")
            .select_related(
                "community", "house__building", "house__unit", "payment", "gateway_refund"
            )
            .order_by("-requested_at", "-id")
        )


def refund_get(user, pk, action: str = "view") -> RefundRequest:
    return get_object_or_404(
        RefundRequest.objects.for_user(user, action).select_related(
            "community__company",
            "house__building",
            "house__unit",
            "payment",
            "decided_by",
            "requested_by",
            "gateway_refund__order",
        ),
        pk=lookup_pk(pk),
    )


class RefundCreate(ModulePermissionMixin, View):
    permission = "billing.add"

    def post(self, request, pk):
        payment = payment_get(request.user, pk)
        try:
            row = refund_services.refund_request(
                actor=request.user,
                payment=payment,
                bill_ids=request.POST.getlist("bills"),
                reason=request.POST.get("reason", ""),
                method=request.POST.get("method", ""),
            )
        except ApplicationError as exc:
            messages.error(request, _("退款申请未提交：%(m)s") % {"m": exc.message})
            return redirect("billing:receipt_detail", pk=payment.pk)
        messages.success(request, _("已提交退款申请，待审批"))
        return redirect("billing:refund_detail", pk=row.pk)


class RefundDetail(ModulePermissionMixin, View):
    permission = "billing.view"

    def get(self, request, pk):
        row = refund_get(request.user, pk)
        route = _route_of(row)
        online = (
            gateway_refunds.online_order(row.payment)
            if route is None and row.state == "pending"
            else None
        )
        can_approve = self.access.can("billing.approve")
        return render(
            request,
            "billing/refund_detail.html",
            {
                "r": row,
                "bills": row.bills.select_related("fee_item").order_by("period_start"),
                "can_decide": can_approve and row.state == "pending",
                "route": route,
                # a pending refund of an online payment: approval sends it back the same way
                "route_pending": online is not None and row.method == row.payment.method,
                "online": online,
                "events": route.events.select_related("actor") if route else [],
                "can_retry": can_approve and route is not None and route.state == "failed",
                "can_offline": can_approve
                and route is not None
                and route.state in ("failed", "closed"),
                "offline_methods": [
                    (m, PayMethod(m).label) for m in gateway_refunds.OFFLINE_METHODS
                ],
            },
        )

    def post(self, request, pk):
        if not self.access.can("billing.approve"):
            raise Http404
        row = refund_get(request.user, pk)
        note = request.POST.get("note", "")
        try:
            if request.POST.get("decision") == "approve":
                row = refund_services.refund_approve(
                    actor=request.user,
                    request=row,
                    note=note,
                    base_url=request.build_absolute_uri("/"),
                )
                messages.success(request, _("已批准退款，退款单 %(no)s") % {"no": row.refund_no})
            else:
                refund_services.refund_reject(actor=request.user, request=row, note=note)
                messages.success(request, _("已驳回退款申请"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("billing:refund_detail", pk=row.pk)


class RefundRoute(ModulePermissionMixin, View):
    """Staff actions on a failed refund sent back through the gateway: 重新发起 (same
    out_refund_no) or 已线下退款 (how and why). billing.approve; others' refunds are absent."""

    permission = "billing.approve"

    def post(self, request, pk):
        row = refund_get(request.user, pk, "approve")
        route = _route_of(row)
        if route is None:
            raise Http404
        try:
            if request.POST.get("action") == "retry":
                gateway_refunds.route_retry(
                    actor=request.user, refund=route, note=request.POST.get("note", "")
                )
                messages.success(request, _("已重新发起原路退款"))
            elif request.POST.get("action") == "offline":
                gateway_refunds.route_offline(
                    actor=request.user,
                    refund=route,
                    method=request.POST.get("method", ""),
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("已登记线下退款"))
            else:
                raise ApplicationError(_("未知操作"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("billing:refund_detail", pk=row.pk)


class NumberedPdf(ModulePermissionMixin, View):
    """The PDF of a document the user may see, once it has its number (a refund slip, an
    invoice); 404 before."""

    permission = "billing.view"
    read: Any = None  # (user, pk) -> row, scoped to the user
    number_field = ""
    render: Any = None  # row -> PDF bytes

    def get(self, request, pk):
        row = type(self).read(request.user, pk)
        number = getattr(row, self.number_field)
        if not number:
            raise Http404
        return pdf.pdf_response(type(self).render(row), number)


class RefundPdf(NumberedPdf):
    read = staticmethod(refund_get)
    number_field = "refund_no"
    render = staticmethod(pdf.refund_pdf)


# ---------------------------------------------------------------- invoices


class InvoiceList(BillingList):
    title = gettext_lazy("发票申请")
    filterset_class = filters.InvoiceFilter
    columns = [
        Col(
            gettext_lazy("申请时间"),
            lambda i: _when(i.requested_at),
            link=lambda i: reverse("billing:invoice_detail", args=[i.pk]),
            order="requested_at",
        ),
        Col(gettext_lazy("小区"), lambda i: i.community.name),
        Col(gettext_lazy("房屋"), _room),
        Col(gettext_lazy("抬头"), lambda i: i.title),
        Col(gettext_lazy("税号"), lambda i: i.tax_no),
        Col(gettext_lazy("金额"), lambda i: _money(i.amount), num=True),
        Col(gettext_lazy("状态"), lambda i: i.get_state_display(), tag=lambda i: i.state),
        Col(gettext_lazy("发票号码"), lambda i: i.invoice_no),
    ]

    def get_queryset(self):
        return (
            InvoiceRequest.objects.for_user(self.request.user, "view")
            .select_related("community", "house__building", "house__unit")
            .order_by("-requested_at", "-id")
        )


def invoice_get(user, pk) -> InvoiceRequest:
    return get_object_or_404(
        InvoiceRequest.objects.for_user(user, "view").select_related(
            "community__company", "house__building", "house__unit", "payment"
        ),
        pk=lookup_pk(pk),
    )


class InvoiceDetail(ModulePermissionMixin, View):
    permission = "billing.view"

    def get(self, request, pk):
        row = invoice_get(request.user, pk)
        return render(
            request,
            "billing/invoice_detail.html",
            {
                "i": row,
                "can_review": self.access.can("billing.approve") and row.state == "requested",
                "can_issue": self.access.can("billing.change") and row.state == "approved",
                "can_send": self.access.can("billing.change") and row.state in ("issued", "sent"),
            },
        )

    def post(self, request, pk):
        row = invoice_get(request.user, pk)
        action = request.POST.get("action")
        try:
            if action in ("approve", "reject"):
                invoice_services.invoice_review(
                    actor=request.user,
                    invoice=row,
                    approve=action == "approve",
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("审核完成"))
            elif action == "issue":
                row = invoice_services.invoice_issue(actor=request.user, invoice=row)
                messages.success(request, _("已开票：%(no)s") % {"no": row.invoice_no})
            elif action == "send":
                row = invoice_services.invoice_send(actor=request.user, invoice=row)
                messages.success(request, _("已发送至 %(email)s") % {"email": row.email})
            else:
                raise ApplicationError(_("未知操作"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("billing:invoice_detail", pk=row.pk)


class InvoicePdf(NumberedPdf):
    read = staticmethod(invoice_get)
    number_field = "invoice_no"
    render = staticmethod(pdf.invoice_pdf)


# ---------------------------------------------------------------- prepaid and deposits


class BalanceList(BillingList):
    title = gettext_lazy("预存与押金")
    filterset_class = filters.BalanceFilter
    columns = [
        Col(gettext_lazy("小区"), lambda b: b.community.name),
        Col(
            gettext_lazy("房屋"),
            _room,
            link=lambda b: reverse("billing:house_balance", args=[b.house_id]),
        ),
        Col(gettext_lazy("预存余额"), lambda b: _money(b.balance), num=True, order="balance"),
        Col(
            gettext_lazy("押金余额"),
            lambda b: _money(b.deposit_held),
            num=True,
            order="deposit_held",
        ),
        Col(gettext_lazy("更新时间"), lambda b: _when(b.updated_at), order="updated_at"),
    ]

    def get_queryset(self):
        return (
            PrepaidBalance.objects.for_user(self.request.user, "view")
            .select_related("community", "house__building", "house__unit")
            .order_by("-updated_at")
        )


class AccountForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("prepay", gettext_lazy("预存")),
            ("deposit", gettext_lazy("收押金")),
            ("deposit_refund", gettext_lazy("退押金")),
        ],
        label=gettext_lazy("业务"),
    )
    amount = forms.CharField(max_length=20, label=gettext_lazy("金额"))
    method = forms.ChoiceField(
        choices=[c for c in PayMethod.choices if c[0] != PayMethod.PREPAID],
        label=gettext_lazy("支付方式"),
    )
    note = forms.CharField(max_length=200, required=False, label=gettext_lazy("备注/退还原因"))
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)


class HouseBalance(ModulePermissionMixin, View):
    """A house's prepaid and deposit account: balance, ledger movements, and the forms to
    pay into the prepaid balance, take a deposit or give one back (billing.approve)."""

    permission = "billing.view"

    def _render(self, request, house, form, status=200):
        from ..choices import LedgerAccount
        from ..models import LedgerEntry

        entries = (
            LedgerEntry.objects.filter(
                house=house, account__in=[LedgerAccount.PREPAID, LedgerAccount.DEPOSIT]
            )
            .select_related("payment", "created_by")
            .order_by("-id")[:50]
        )
        return render(
            request,
            "billing/balance.html",
            {
                "house": house,
                "balance": PrepaidBalance.objects.filter(house=house).first(),
                "entries": entries,
                "form": form,
                "can_add": self.access.can("billing.add"),
            },
            status=status,
        )

    def get(self, request, pk):
        house = selectors.desk_house_get(request.user, pk)
        return self._render(
            request, house, AccountForm(initial={"idempotency_key": uuid.uuid4().hex})
        )

    def post(self, request, pk):
        if not self.access.can("billing.add"):
            raise Http404
        house = selectors.desk_house_get(request.user, pk)
        form = AccountForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d["action"] == "prepay":
                    p = payment_services.prepay_deposit(
                        actor=request.user,
                        house=house,
                        amount=d["amount"],
                        method=d["method"],
                        idempotency_key=d["idempotency_key"],
                        note=d["note"],
                    )
                    return redirect("billing:receipt_detail", pk=p.pk)
                if d["action"] == "deposit":
                    p = payment_services.deposit_take(
                        actor=request.user,
                        house=house,
                        amount=d["amount"],
                        method=d["method"],
                        idempotency_key=d["idempotency_key"],
                        note=d["note"],
                    )
                    return redirect("billing:receipt_detail", pk=p.pk)
                payment_services.deposit_refund(
                    actor=request.user,
                    house=house,
                    amount=d["amount"],
                    reason=d["note"],
                    idempotency_key=d["idempotency_key"],
                )
                messages.success(request, _("已退还押金 %(amount)s元") % {"amount": d["amount"]})
                return redirect("billing:house_balance", pk=house.pk)
            except ApplicationError as exc:
                field = {"reason": "note"}.get(exc.field or "", exc.field)
                form.add_error(field if field in form.fields else None, exc.message)
        return self._render(request, house, form, status=400)


# ---------------------------------------------------------------- online payment


class OrderList(BillingList):
    title = gettext_lazy("在线支付")
    filterset_class = filters.OrderFilter
    columns = [
        Col(gettext_lazy("订单号"), lambda o: o.out_trade_no),
        Col(gettext_lazy("下单时间"), lambda o: _when(o.created_at), order="created_at"),
        Col(gettext_lazy("小区"), lambda o: o.community.name),
        Col(gettext_lazy("房屋"), _room),
        Col(gettext_lazy("渠道"), lambda o: o.get_gateway_display()),
        Col(gettext_lazy("金额"), lambda o: _money(o.amount), num=True),
        Col(
            gettext_lazy("状态"),
            lambda o: o.get_state_display(),
            tag=lambda o: {"paid": "ok", "credited": "pending", "failed": "rejected"}.get(
                o.state, ""
            ),
        ),
        Col(
            gettext_lazy("收据"),
            lambda o: o.payment.receipt_no if o.payment else "",
            link=lambda o: (
                reverse("billing:receipt_detail", args=[o.payment_id]) if o.payment_id else ""
            ),
        ),
        Col(gettext_lazy("渠道交易号"), lambda o: o.gateway_trade_no),
    ]
    extra_links = [(gettext_lazy("对账差异"), "billing:reconciliation", "billing.view")]

    def get_queryset(self):
        return (
            PaymentOrder.objects.for_user(self.request.user, "view")
            .select_related("community", "house__building", "house__unit", "payment")
            .order_by("-created_at", "-id")
        )


class Reconciliation(ModulePermissionMixin, View):
    permission = "billing.view"

    def get(self, request):
        # the differences, the statement import form and the recent imports
        return statement_views.report(request, self.access)
