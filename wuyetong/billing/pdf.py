"""Receipts (收据), refund slips (退款单) and invoices (发票) as PDF with Chinese text.

A receipt's first rendering is the original; every later one carries 补打 (reprint), as the
receipt-print log counts. The figures come from the ledger entries of the payment, so the
PDF shows exactly what was recorded."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from reportlab.platypus import Paragraph, Spacer

from wuyetong.core.money import amount_in_words
from wuyetong.core.pdf import build_pdf, mm_, style, table
from wuyetong.estates.choices import Relation
from wuyetong.estates.models import House, Occupancy

from .choices import LedgerKind
from .models import InvoiceRequest, LedgerEntry, Payment, ReceiptPrint, RefundRequest

REPRINT = "补打"


def pdf_response(data: bytes, filename: str, *, download: bool = False) -> HttpResponse:
    """A PDF to show in the browser (print) or to download (the owner's phone)."""
    response = HttpResponse(data, content_type="application/pdf")
    how = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{how}; filename="{filename}.pdf"'
    return response


def payer_name(house: House) -> str:
    occ = (
        Occupancy.objects.filter(house=house, end_date__isnull=True, relation=Relation.OWNER)
        .select_related("resident")
        .order_by("pk")
        .first()
    )
    return occ.resident.name if occ else ""


def receipt_lines(payment: Payment) -> list[dict]:
    """One line per bill the payment settled: item, period, bill amount, discount, paid."""
    rows = (
        LedgerEntry.objects.filter(payment=payment, kind=LedgerKind.PAYMENT)
        .select_related("bill__fee_item")
        .order_by("bill__period_start", "bill_id")
    )
    lines = []
    for e in rows:
        b = e.bill
        if b is None:
            continue
        period = (
            f"{b.period_start:%Y-%m-%d}"
            if b.period_start == b.period_end
            else f"{b.period_start:%Y-%m-%d}至{b.period_end:%Y-%m-%d}"
        )
        lines.append(
            {
                "item": b.fee_item.name,
                "period": period,
                "amount": b.amount,
                "discount": b.discount_amount,
                "paid": e.amount,
                "bill": b,
            }
        )
    return lines


def _header(company: str, title: str, number: str, extra: list[tuple[str, str]]):
    story = [
        Paragraph(company, style(14, align=1)),
        Paragraph(title, style(16, align=1)),
        Spacer(1, mm_(2)),
        Paragraph(f"No. {number}", style(10, align=2)),
    ]
    pairs = [f"{k}：{v}" for k, v in extra]
    rows = [pairs[i : i + 2] + [""] * (2 - len(pairs[i : i + 2])) for i in range(0, len(pairs), 2)]
    t = table(rows, [mm_(90), mm_(90)], header=False, size=9)
    t.setStyle([("GRID", (0, 0), (-1, -1), 0, "white")])
    story += [t, Spacer(1, mm_(2))]
    return story


def receipt_pdf(payment: Payment, *, printed_by=None) -> tuple[bytes, bool]:
    """The receipt PDF and whether it is a reprint. Logs the print."""
    reprint = ReceiptPrint.objects.filter(payment=payment).exists()
    ReceiptPrint.objects.create(
        payment=payment, printed_by=printed_by if getattr(printed_by, "pk", None) else None
    )
    house = payment.house
    community = house.community
    paid_at = timezone.localtime(payment.paid_at)
    extra = [
        ("小区", community.name),
        ("房屋", f"{house.building.name}{house.unit.name}{house.room_no}"),
        ("交款人", payer_name(house) or "—"),
        ("收款日期", f"{paid_at:%Y-%m-%d %H:%M}"),
        ("支付方式", payment.get_method_display()),
        (
            "收款人",
            (payment.cashier.name or payment.cashier.phone) if payment.cashier else "在线支付",
        ),
    ]
    story = _header(community.company.name, "收  据", payment.receipt_no, extra)
    lines = receipt_lines(payment)
    rows: list[list] = [["收费项目", "所属期间", "应收", "优惠", "实收"]]
    for x in lines:
        rows.append([x["item"], x["period"], f"{x['amount']}", f"{x['discount']}", f"{x['paid']}"])
    if payment.purpose != "bills":
        rows.append([payment.get_purpose_display(), "—", "—", "—", f"{payment.amount}"])
    rows.append(["合计", amount_in_words(payment.amount), "", "", f"{payment.amount}"])
    t = table(rows, [mm_(32), mm_(66), mm_(26), mm_(26), mm_(30)])
    t.setStyle([("SPAN", (1, -1), (3, -1))])
    story.append(t)
    if payment.tendered is not None:
        change = payment.tendered - payment.amount
        story.append(Paragraph(f"实收现金 {payment.tendered}元，找零 {change}元", style(9)))
    if payment.note:
        story.append(Paragraph(f"备注：{payment.note}", style(9)))
    story.append(Spacer(1, mm_(4)))
    story.append(
        Paragraph(f"{community.name} 物业服务中心（盖章）    本收据一式两联", style(9, align=2))
    )
    pdf = build_pdf(
        story,
        title=f"收据 {payment.receipt_no}",
        landscape_a5=True,
        watermark=REPRINT if reprint else "",
    )
    return pdf, reprint


def refund_pdf(request: RefundRequest) -> bytes:
    community = request.community
    house = request.house
    decided = timezone.localtime(request.decided_at) if request.decided_at else None
    extra = [
        ("小区", community.name),
        ("房屋", f"{house.building.name}{house.unit.name}{house.room_no}"),
        ("原收据", request.payment.receipt_no),
        ("退款方式", request.get_method_display()),
        ("退款日期", f"{decided:%Y-%m-%d %H:%M}" if decided else "—"),
        ("审批人", request.decided_by.name if request.decided_by else "—"),
    ]
    story = _header(community.company.name, "退 款 单", request.refund_no or "—", extra)
    rows: list[list] = [["收费项目", "所属期间", "退款金额"]]
    for b in request.bills.select_related("fee_item").order_by("period_start", "id"):
        rows.append(
            [
                b.fee_item.name,
                f"{b.period_start:%Y-%m-%d}至{b.period_end:%Y-%m-%d}",
                f"{b.paid_amount}",
            ]
        )
    rows.append(["合计", amount_in_words(request.amount), f"{request.amount}"])
    story.append(table(rows, [mm_(40), mm_(100), mm_(40)]))
    story.append(Paragraph(f"退款原因：{request.reason}", style(9)))
    return build_pdf(story, title=f"退款单 {request.refund_no}", landscape_a5=True)


def invoice_pdf(invoice: InvoiceRequest) -> bytes:
    community = invoice.community
    issued = timezone.localtime(invoice.issued_at) if invoice.issued_at else None
    extra = [
        ("购买方", invoice.title),
        ("纳税人识别号", invoice.tax_no or "—"),
        ("销售方", community.company.name),
        ("开票日期", f"{issued:%Y-%m-%d}" if issued else "—"),
        ("对应收据", invoice.payment.receipt_no),
        ("小区", community.name),
    ]
    story = _header(community.company.name, "物业服务费发票", invoice.invoice_no or "—", extra)
    rows: list[list] = [["项目", "所属期间", "金额"]]
    total = Decimal("0.00")
    for x in receipt_lines(invoice.payment):
        rows.append([x["item"], x["period"], f"{x['paid']}"])
        total += x["paid"]
    rows.append(["价税合计", amount_in_words(invoice.amount), f"{invoice.amount}"])
    story.append(table(rows, [mm_(50), mm_(90), mm_(40)]))
    return build_pdf(story, title=f"发票 {invoice.invoice_no}")
