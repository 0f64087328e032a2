"""The cashier desk (收银台): find a house, see what it owes with late fees, pay chosen bills,
all of them or months ahead; the receipt page and its PDF; the cashier's daily close."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import lookup_pk, parse_pk
from wuyetong.core.masking import mask_phone
from wuyetong.core.views import ModulePermissionMixin

from .. import pdf, selectors
from ..choices import PayMethod
from ..models import Bill, DailyClose, LateFeeWaiver, Payment, PrepaidBalance
from ..services import desk as desk_services
from ..services.quote import ahead_cap, quote_build


class DeskSearch(ModulePermissionMixin, View):
    """The desk's start: a search box that finds houses as the cashier types (htmx)."""

    permission = "billing.add"

    def get(self, request):
        q = request.GET.get("q", "")
        community = parse_pk(request.GET.get("community"))
        communities = list(selectors.billing_communities(request.user, "add"))
        houses = (
            list(selectors.desk_house_search(request.user, q=q, community_id=community))
            if q or community
            else []
        )
        context = {
            "q": q,
            "community": community,
            "communities": communities,
            "houses": houses,
            "searched": bool(q or community),
        }
        if getattr(request, "htmx", False) and not request.htmx.boosted:
            return render(request, "billing/desk/_results.html", context)
        return render(request, "billing/desk/search.html", context)


class PayForm(forms.Form):
    bills = forms.TypedMultipleChoiceField(coerce=int, required=False, label=gettext_lazy("账单"))
    months_ahead = forms.IntegerField(
        min_value=0, max_value=36, required=False, initial=0, label=gettext_lazy("预缴月数")
    )
    method = forms.ChoiceField(choices=PayMethod.choices, label=gettext_lazy("支付方式"))
    tendered = forms.DecimalField(
        max_digits=14, decimal_places=2, required=False, min_value=0, label=gettext_lazy("实收现金")
    )
    expected_total = forms.DecimalField(max_digits=14, decimal_places=2, required=False)
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    note = forms.CharField(max_length=200, required=False, label=gettext_lazy("备注"))

    def __init__(self, *args, bill_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bills"].choices = [(i, i) for i in bill_ids]  # type: ignore[attr-defined]


def _house_context(request, house, *, form=None, checked=None, months=0):
    bills = list(selectors.house_open_bills(house))
    checked = {b.pk for b in bills} if checked is None else set(checked)
    quote_all = quote_build(house=house, bills=bills, on=timezone.localdate())
    lines = {x.bill.pk: x for x in quote_all.lines}
    waived = set(LateFeeWaiver.objects.filter(bill__in=bills).values_list("bill_id", flat=True))
    rows = [
        {"bill": b, "line": lines[b.pk], "checked": b.pk in checked, "waived": b.pk in waived}
        for b in bills
    ]
    balance = PrepaidBalance.objects.filter(house=house).first()
    access = get_access(request.user)
    people = list(selectors.house_people(house))
    sensitive = access.can("residents.view_sensitive")
    for o in people:
        o.phone_shown = o.resident.phone if sensitive else mask_phone(o.resident.phone)
    return {
        "house": house,
        "people": people,
        "rows": rows,
        "owed_total": quote_all.total,
        "balance": balance,
        "form": form
        or PayForm(
            bill_ids=[b.pk for b in bills],
            initial={"idempotency_key": uuid.uuid4().hex, "method": "cash", "months_ahead": months},
        ),
        "quote": _selected_quote(house, bills, checked, months),
        "methods": PayMethod.choices,
        "ahead_cap": ahead_cap(house),
        "can_waive": access.can("billing.approve"),
        "recent": Payment.objects.filter(house=house).order_by("-paid_at", "-id")[:8],
    }


def _selected_quote(house, bills, checked, months):
    chosen = [b for b in bills if b.pk in checked]
    try:
        return quote_build(house=house, bills=chosen, months_ahead=months, on=timezone.localdate())
    except ApplicationError as exc:
        return exc


class DeskHouse(ModulePermissionMixin, View):
    """One house at the desk: what it owes (with late fees) and the payment form."""

    permission = "billing.add"

    def get(self, request, pk):
        house = selectors.desk_house_get(request.user, pk)
        return render(request, "billing/desk/house.html", _house_context(request, house))


class DeskQuote(ModulePermissionMixin, View):
    """The totals box for the bills ticked and months ahead (htmx, nothing written)."""

    permission = "billing.add"

    def post(self, request, pk):
        house = selectors.desk_house_get(request.user, pk)
        bills = list(selectors.house_open_bills(house))
        checked = {parse_pk(v) for v in request.POST.getlist("bills")}
        months = parse_pk(request.POST.get("months_ahead")) or 0
        return render(
            request,
            "billing/desk/_quote.html",
            {
                "quote": _selected_quote(house, bills, checked, months),
                "method": request.POST.get("method", "cash"),
                "tendered": request.POST.get("tendered", ""),
            },
        )


class DeskPay(ModulePermissionMixin, View):
    permission = "billing.add"

    def post(self, request, pk):
        house = selectors.desk_house_get(request.user, pk)
        bill_ids = list(selectors.house_open_bills(house).values_list("pk", flat=True))
        form = PayForm(request.POST, bill_ids=bill_ids)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = desk_services.desk_pay(
                    actor=request.user,
                    house=house,
                    method=data["method"],
                    bill_ids=data["bills"],
                    months_ahead=data["months_ahead"] or 0,
                    tendered=data["tendered"],
                    expected_total=data["expected_total"],
                    idempotency_key=data["idempotency_key"],
                    note=data["note"],
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _("收款成功：收据 %(no)s，%(amount)s元")
                    % {"no": payment.receipt_no, "amount": payment.amount},
                )
                return redirect(f"{reverse('billing:receipt_detail', args=[payment.pk])}?new=1")
        context = _house_context(
            request,
            house,
            form=form,
            checked=[parse_pk(v) for v in request.POST.getlist("bills")],
            months=parse_pk(request.POST.get("months_ahead")) or 0,
        )
        return render(request, "billing/desk/house.html", context, status=400)


class LateFeeWaive(ModulePermissionMixin, View):
    permission = "billing.approve"

    def post(self, request, pk):
        bill = get_object_or_404(
            Bill.objects.for_user(request.user, "approve").select_related("community"),
            pk=lookup_pk(pk),
        )
        try:
            waiver = desk_services.late_fee_waive(
                actor=request.user, bill=bill, reason=request.POST.get("reason", "")
            )
        except ApplicationError as exc:
            messages.error(request, _("减免失败：%(m)s") % {"m": exc.message})
        else:
            messages.success(
                request, _("已减免滞纳金 %(amount)s元") % {"amount": waiver.waived_amount}
            )
        return redirect("billing:desk_house", pk=bill.house_id)


# ---------------------------------------------------------------- receipts


def payment_get(user, pk) -> Payment:
    return get_object_or_404(
        Payment.objects.for_user(user, "view").select_related(
            "house__community__company", "house__building", "house__unit", "cashier"
        ),
        pk=lookup_pk(pk),
    )


class ReceiptDetail(ModulePermissionMixin, View):
    permission = "billing.view"

    def get(self, request, pk):
        payment = payment_get(request.user, pk)
        lines = pdf.receipt_lines(payment)
        return render(
            request,
            "billing/desk/receipt.html",
            {
                "payment": payment,
                "lines": lines,
                "change": payment.tendered - payment.amount if payment.tendered else None,
                "prints": payment.prints.count(),
                "is_new": request.GET.get("new") == "1",
                "refunds": payment.refund_requests.order_by("-requested_at"),
                "invoices": payment.invoice_requests.order_by("-requested_at"),
                "can_refund": self.access.can("billing.add"),
                "refundable": [x for x in lines if x["bill"].state == "paid"],
                "payer": pdf.payer_name(payment.house),
            },
        )


class ReceiptPdf(ModulePermissionMixin, View):
    permission = "billing.view"

    def get(self, request, pk):
        payment = payment_get(request.user, pk)
        data, _reprint = pdf.receipt_pdf(payment, printed_by=request.user)
        return pdf.pdf_response(data, payment.receipt_no)


# ---------------------------------------------------------------- daily close


class DailyCloseView(ModulePermissionMixin, View):
    """The cashier's own day: totals by method, the receipts, and the close button; below,
    the days closed before (finance, with billing.approve, sees every cashier's)."""

    permission = "billing.add"

    def _context(self, request):
        day = timezone.localdate()
        payments = desk_services.day_payments(cashier=request.user, day=day).select_related(
            "house__building", "house__unit", "community"
        )
        count, total, by_method = desk_services.day_totals(payments)
        labels = dict(PayMethod.choices)
        closes = DailyClose.objects.select_related("cashier")
        if self.access.can("billing.approve"):
            closes = closes.filter(company_id=self.access.company_id)
        else:
            closes = closes.filter(cashier=request.user)
        return {
            "day": day,
            "payments": payments.order_by("paid_at"),
            "count": count,
            "total": total,
            "by_method": [(labels.get(m, m), v) for m, v in by_method.items()],
            "closed": DailyClose.objects.filter(cashier=request.user, day=day).first(),
            "closes": [
                {
                    **c.__dict__,
                    "cashier": c.cashier,
                    "methods": [(labels.get(m, m), v) for m, v in c.by_method.items()],
                }
                for c in closes.order_by("-day", "-id")[:60]
            ],
        }

    def get(self, request):
        return render(request, "billing/desk/close.html", self._context(request))

    def post(self, request):
        try:
            close = desk_services.daily_close(actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("日结完成：%(n)s 笔，合计 %(total)s元")
                % {"n": close.count, "total": close.total},
            )
        return redirect("billing:daily_close")
