"""The owner's bills in the phone app (/app/bills/): open bills per house with how each was
computed and its late fee, choose and pay online, the sandbox gateway's page, the result,
receipts with their PDF, invoice requests, prepaid balance. Small server-rendered pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import parse_pk
from wuyetong.owner.views import owner_login_required

from . import pdf
from .choices import LedgerKind
from .gateways import enabled_gateways
from .locks import OPEN_STATES
from .models import Bill, LedgerEntry, Payment, PaymentOrder, PrepaidBalance
from .selectors_ops import shared_share
from .services import invoices as invoice_services
from .services import online
from .services.quote import quote_build

GATEWAY_LABELS = {"sandbox": _("模拟支付(演示)"), "wechat": _("微信支付"), "alipay": _("支付宝")}


def _houses(user):
    from wuyetong.estates.models import House

    ids = get_access(user).house_ids
    return list(
        House.objects.filter(pk__in=ids)
        .select_related("community", "building", "unit")
        .order_by("community__code", "building__name", "room_no")
    )


def _current_house(request, houses):
    pk = parse_pk(request.GET.get("house") or request.POST.get("house"))
    for h in houses:
        if h.pk == pk:
            return h
    return houses[0] if houses else None


@never_cache
@owner_login_required
def bills(request):
    houses = _houses(request.user)
    house = _current_house(request, houses)
    context: dict = {
        "houses": houses,
        "house": house,
        "tab": "home",
        # Two houses with the same room number in two communities need the community's name.
        "communities": len({h.community_id for h in houses}),
    }
    if house is not None:
        open_bills = list(
            Bill.objects.filter(house=house, state__in=OPEN_STATES)
            .select_related("fee_item", "standard")
            .order_by("period_start", "id")
        )
        quote = quote_build(house=house, bills=open_bills, on=timezone.localdate())
        balance = PrepaidBalance.objects.filter(house=house).first()
        context.update(
            lines=quote.lines,
            quote=quote,
            balance=balance.balance if balance else None,
            gateways=[(g, GATEWAY_LABELS.get(g, g)) for g in enabled_gateways()],
            recent=Payment.objects.filter(house=house).order_by("-paid_at", "-id")[:3],
        )
    return render(request, "billing/owner/bills.html", context)


def _own_bill(user, pk) -> Bill:
    bill = (
        Bill.objects.filter(pk=parse_pk(pk) or 0, house_id__in=get_access(user).house_ids)
        .select_related(
            "fee_item",
            "house__community",
            "house__building",
            "house__unit",
            "late_fee_of",
            "shared_allocation",
        )
        .first()
    )
    if bill is None:
        raise Http404
    return bill


@never_cache
@owner_login_required
def bill_detail(request, pk):
    bill = _own_bill(request.user, pk)
    line = None
    if bill.state in OPEN_STATES:
        line = quote_build(house=bill.house, bills=[bill], on=timezone.localdate()).lines[0]
    paid = (
        LedgerEntry.objects.filter(bill=bill, kind=LedgerKind.PAYMENT)
        .select_related("payment")
        .order_by("id")
    )
    return render(
        request,
        "billing/owner/bill.html",
        {
            "bill": bill,
            "line": line,
            "paid": paid,
            "late_fees": bill.late_fees.all(),
            "share": shared_share(bill),
        },
    )


@require_POST
@owner_login_required
def pay(request):
    houses = _houses(request.user)
    house = _current_house(request, houses)
    if house is None:
        raise Http404
    try:
        _order, url = online.order_create(
            user=request.user,
            house=house,
            bill_ids=request.POST.getlist("bills"),
            gateway=request.POST.get("gateway", ""),
            expected_total=request.POST.get("expected_total") or None,
            notify_url=request.build_absolute_uri(
                reverse("api-billing-notify", args=[request.POST.get("gateway", "sandbox")[:10]])
            ),
            return_url_for=lambda o: request.build_absolute_uri(
                reverse("owner_billing:order", args=[o.out_trade_no])
            ),
            client_ip=request.META.get("REMOTE_ADDR", "127.0.0.1"),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('owner_billing:bill_list')}?house={house.pk}")
    return redirect(url)


def _own_order(request, no) -> PaymentOrder:
    try:
        return online.order_for_owner(request.user, str(no)[:32])
    except ApplicationError:
        raise Http404 from None


@never_cache
@owner_login_required
def sandbox(request, no):
    """The sandbox gateway's cashier page: what a payer sees at WeChat Pay or Alipay, with
    approve and decline. Only for orders of the sandbox gateway."""
    order = _own_order(request, no)
    if order.gateway != "sandbox":
        raise Http404
    if request.method == "POST":
        if order.state in ("created", "failed"):
            online.sandbox_decide(
                user=request.user, order=order, approve=request.POST.get("decision") == "approve"
            )
        return redirect("owner_billing:order", no=order.out_trade_no)
    return render(request, "billing/owner/sandbox.html", {"order": order})


@never_cache
@owner_login_required
def order(request, no):
    o = _own_order(request, no)
    return render(request, "billing/owner/order.html", {"order": o, "house": o.house})


@never_cache
@owner_login_required
def receipts(request):
    ids = get_access(request.user).house_ids
    rows = (
        Payment.objects.filter(house_id__in=ids)
        .select_related("house__building", "house__unit", "community")
        .prefetch_related("invoice_requests", "refund_requests__gateway_refund")
        .order_by("-paid_at", "-id")[:50]
    )
    return render(request, "billing/owner/receipts.html", {"rows": rows, "tab": "home"})


def _own_payment(user, pk) -> Payment:
    payment = (
        Payment.objects.filter(pk=parse_pk(pk) or 0, house_id__in=get_access(user).house_ids)
        .select_related("house__community__company", "house__building", "house__unit", "cashier")
        .first()
    )
    if payment is None:
        raise Http404
    return payment


@owner_login_required
def receipt_pdf(request, pk):
    payment = _own_payment(request.user, pk)
    data, _reprint = pdf.receipt_pdf(payment, printed_by=request.user)
    return pdf.pdf_response(data, payment.receipt_no, download=True)


@never_cache
@owner_login_required
def invoice(request, pk):
    payment = _own_payment(request.user, pk)
    existing = payment.invoice_requests.exclude(state="rejected").first()
    errors: dict = {}
    values = {"title": request.user.name, "tax_no": "", "email": request.user.email or ""}
    if request.method == "POST" and existing is None:
        values = {k: request.POST.get(k, "") for k in ("title", "tax_no", "email")}
        try:
            invoice_services.invoice_request(actor=request.user, payment=payment, **values)
        except ApplicationError as exc:
            errors = exc.errors or {"form": [exc.message]}
        else:
            messages.success(request, _("发票申请已提交，开具后将发送到您的邮箱"))
            return redirect("owner_billing:receipts")
    return render(
        request,
        "billing/owner/invoice.html",
        {"payment": payment, "existing": existing, "errors": errors, "values": values},
        status=400 if errors else 200,
    )
