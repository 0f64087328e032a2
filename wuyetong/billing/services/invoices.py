"""Invoice requests (发票申请): title, tax number and e-mail → reviewed → issued with a number
and a PDF → sent by e-mail through Django's mail backend."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.services import oplog_record

from ..choices import DocKind, InvoiceState, PaymentPurpose
from ..models import InvoiceRequest, Payment
from .common import require_billing
from .refunds import document_number

# 统一社会信用代码 (18) or the older 15/20-character taxpayer numbers: letters and digits.
TAX_NO = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{18}$|^[0-9A-Z]{20}$")


def _clean(title: str, tax_no: str, email: str) -> tuple[str, str, str]:
    title = (title or "").strip()
    if not title:
        raise ApplicationError("请填写发票抬头", field="title")
    if len(title) > 100:
        raise ApplicationError("发票抬头不超过100字", field="title")
    tax_no = (tax_no or "").strip().upper()
    if tax_no and not TAX_NO.match(tax_no):
        raise ApplicationError("税号应为15、18或20位字母或数字", field="tax_no")
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError("请填写正确的接收邮箱", field="email") from None
    return title, tax_no, email


def _may_request(actor, payment: Payment) -> None:
    """The payer's household (an owner of the house) or staff with billing.add."""
    access = get_access(actor)
    if payment.house_id in access.house_ids:
        return
    require_billing(actor, payment.community, "add")


@transaction.atomic
def invoice_request(
    *, actor, payment: Payment, title: str, tax_no: str = "", email: str
) -> InvoiceRequest:
    _may_request(actor, payment)
    if payment.purpose != PaymentPurpose.BILLS:
        raise ApplicationError("只有缴纳账单的收款可以开票", field="payment")
    title, tax_no, email = _clean(title, tax_no, email)
    Payment.objects.select_for_update().filter(pk=payment.pk).first()
    live = InvoiceRequest.objects.filter(payment=payment).exclude(state=InvoiceState.REJECTED)
    if live.exists():
        raise ApplicationError("这笔收款已申请过发票", field="payment", code="duplicate")
    try:
        with transaction.atomic():
            invoice = InvoiceRequest.objects.create(
                community_id=payment.community_id,
                house_id=payment.house_id,
                payment=payment,
                title=title,
                tax_no=tax_no,
                email=email,
                amount=payment.amount,
                requested_by=actor,
            )
    except IntegrityError:
        raise ApplicationError("这笔收款已申请过发票", field="payment", code="duplicate") from None
    return invoice


def _locked(invoice: InvoiceRequest, actor, action: str, states: tuple[str, ...]):
    row = (
        InvoiceRequest.objects.select_for_update(of=("self",))
        .filter(pk=invoice.pk)
        .select_related("community", "payment")
        .first()
    )
    if row is None:
        raise NotFound()
    require_billing(actor, row.community, action)
    if row.state not in states:
        raise ApplicationError(
            f"发票申请当前为“{row.get_state_display()}”，不能执行此操作", field="state"
        )
    return row


@transaction.atomic
def invoice_review(
    *, actor, invoice: InvoiceRequest, approve: bool, reason: str = ""
) -> InvoiceRequest:
    row = _locked(invoice, actor, "approve", (InvoiceState.REQUESTED,))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ApplicationError("请填写驳回原因", field="reason")
    row.state = InvoiceState.APPROVED if approve else InvoiceState.REJECTED
    row.reviewed_by, row.reviewed_at = actor, timezone.now()
    row.reject_reason = "" if approve else reason[:200]
    row.save(update_fields=["state", "reviewed_by", "reviewed_at", "reject_reason"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=row,
        company=row.community.company_id,
        note="发票审核通过" if approve else f"发票驳回：{reason}"[:200],
    )
    return row


@transaction.atomic
def invoice_issue(*, actor, invoice: InvoiceRequest) -> InvoiceRequest:
    row = _locked(invoice, actor, "change", (InvoiceState.APPROVED,))
    row.invoice_seq, row.invoice_no = document_number(row.community, DocKind.INVOICE)
    row.state, row.issued_at = InvoiceState.ISSUED, timezone.now()
    row.save(update_fields=["invoice_seq", "invoice_no", "state", "issued_at"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=row,
        company=row.community.company_id,
        note=f"开具发票 {row.invoice_no}",
    )
    return row


def invoice_send(*, actor, invoice: InvoiceRequest) -> InvoiceRequest:
    """E-mails the issued invoice PDF; the state moves to sent only once the mail backend
    accepted the message (a failed send can be retried)."""
    from ..pdf import invoice_pdf  # rendering lives beside the receipts

    with transaction.atomic():
        row = _locked(invoice, actor, "change", (InvoiceState.ISSUED, InvoiceState.SENT))
    message = EmailMessage(
        subject=f"电子发票 {row.invoice_no}（{row.community.name}）",
        body=(
            f"您好：\n\n附件为您申请的发票（抬头：{row.title}，金额：{row.amount}元，"
            f"发票号码：{row.invoice_no}）。\n\n{row.community.name} 物业服务中心"
        ),
        to=[row.email],
    )
    message.attach(f"{row.invoice_no}.pdf", invoice_pdf(row), "application/pdf")
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # SMTP errors of every kind: tell the clerk, keep the state
        raise ApplicationError(f"邮件发送失败：{exc}", field="email") from None
    with transaction.atomic():
        row = _locked(invoice, actor, "change", (InvoiceState.ISSUED, InvoiceState.SENT))
        row.state, row.sent_at = InvoiceState.SENT, timezone.now()
        row.save(update_fields=["state", "sent_at"])
        oplog_record(
            actor=actor,
            action=OpAction.UPDATE,
            obj=row,
            company=row.community.company_id,
            note=f"发票已发送至 {row.email}",
        )
    return row


def require_invoice_access(actor, invoice: InvoiceRequest) -> None:
    access = get_access(actor)
    if invoice.house_id in access.house_ids:
        return
    if not access.is_authenticated:
        raise PermissionDenied()
    require_billing(actor, invoice.community, "view")
