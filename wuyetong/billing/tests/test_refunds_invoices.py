"""Refunds through approval, invoices, and the receipt / refund / invoice PDFs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from wuyetong.billing import pdf, services
from wuyetong.billing.models import Bill, LedgerEntry, PrepaidBalance, RefundRequest
from wuyetong.billing.selectors import house_account_balances
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied

from .collect_helpers import key, one_off, pdf_text

TODAY = dt.date.today()


@pytest.fixture
def paid(world, fees):
    house = world.owner_house
    a = one_off(world, fees, house, "120.00", TODAY)
    b = one_off(world, fees, house, "80.50", TODAY, item="垃圾清运费")
    payment = services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        method="cash",
        bill_ids=[a.pk, b.pk],
        tendered="300",
        idempotency_key=key(),
    )
    return payment, a, b


def test_receipt_pdf_has_chinese_text_and_reprint_is_marked(world, paid):
    payment, _a, _b = paid
    first, reprint = pdf.receipt_pdf(payment, printed_by=world.staff("cashier"))
    text = pdf_text(first)
    assert not reprint
    assert payment.receipt_no in text
    assert "收" in text and "据" in text and "物业费" in text and "垃圾清运费" in text
    assert "200.50" in text and "贰佰元伍角整" in text
    assert "找零 99.50" in text
    assert "补打" not in text
    second, reprint = pdf.receipt_pdf(payment, printed_by=world.staff("cashier"))
    assert reprint and "补打" in pdf_text(second)


def test_refund_after_approval_reverses_bills_and_refunds(world, paid):
    payment, a, _b = paid
    house = payment.house
    request = services.refund_request(
        actor=world.staff("cashier"), payment=payment, bill_ids=[a.pk], reason="重复收费"
    )
    assert request.amount == Decimal("120.00") and request.state == "pending"
    a.refresh_from_db()
    assert a.state == "paid"  # nothing moves before approval
    with pytest.raises(PermissionDenied):
        services.refund_approve(actor=world.staff("cashier"), request=request)
    with pytest.raises(NotFound):
        services.refund_approve(actor=world.staff("finance", "b"), request=request)
    done = services.refund_approve(actor=world.staff("finance"), request=request, note="同意")
    assert done.state == "approved" and done.refund_no == "TKCY0100000001"
    a.refresh_from_db()
    assert a.state == "reversed" and a.paid_amount == Decimal("120.00")
    entries = LedgerEntry.objects.filter(bill=a).values_list("kind", "amount")
    assert sorted(entries) == sorted(
        [
            ("bill", Decimal("-120.00")),
            ("payment", Decimal("120.00")),
            ("refund", Decimal("-120.00")),
            ("reversal", Decimal("120.00")),
        ]
    )
    assert house_account_balances(house=house)["receivable"] == Decimal("0.00")
    with pytest.raises(ApplicationError):
        services.refund_approve(actor=world.staff("finance"), request=request)
    text = pdf_text(pdf.refund_pdf(done))
    assert "退" in text and done.refund_no in text and "重复收费" in text


def test_refund_to_prepaid_and_rejection(world, paid):
    payment, a, b = paid
    r1 = services.refund_request(
        actor=world.staff("cashier"),
        payment=payment,
        bill_ids=[b.pk],
        reason="多收",
        method="prepaid",
    )
    services.refund_approve(actor=world.staff("finance"), request=r1)
    assert PrepaidBalance.objects.get(house=payment.house).balance == Decimal("80.50")
    r2 = services.refund_request(
        actor=world.staff("cashier"), payment=payment, bill_ids=[a.pk], reason="业主要求"
    )
    with pytest.raises(ApplicationError) as err:
        services.refund_reject(actor=world.staff("finance"), request=r2, note="")
    assert err.value.field == "note"
    services.refund_reject(actor=world.staff("finance"), request=r2, note="费用无误")
    a.refresh_from_db()
    assert a.state == "paid"
    assert RefundRequest.objects.get(pk=r2.pk).state == "rejected"
    balances = house_account_balances(house=payment.house)
    assert balances["prepaid"] == Decimal("80.50") and balances["receivable"] == 0


def test_refund_request_checks_bills_belong_to_payment(world, fees, paid):
    payment, _a, _b = paid
    other = one_off(world, fees, payment.house, "10.00", TODAY)
    with pytest.raises(ApplicationError) as err:
        services.refund_request(
            actor=world.staff("cashier"), payment=payment, bill_ids=[other.pk], reason="x"
        )
    assert err.value.field == "bills"
    with pytest.raises(ApplicationError):
        services.refund_request(
            actor=world.staff("cashier"), payment=payment, bill_ids=["abc"], reason="x"
        )
    assert not RefundRequest.objects.exists()


def test_invoice_request_review_issue_send(world, paid):
    payment, _a, _b = paid
    with pytest.raises(ApplicationError) as err:
        services.invoice_request(
            actor=world.owner, payment=payment, title="王建国", tax_no="123", email="w@example.com"
        )
    assert err.value.field == "tax_no"
    with pytest.raises(NotFound):
        services.invoice_request(
            actor=world.other_owner, payment=payment, title="赵", email="z@example.com"
        )
    invoice = services.invoice_request(
        actor=world.owner, payment=payment, title="王建国", email="w@example.com"
    )
    with pytest.raises(ApplicationError):
        services.invoice_request(
            actor=world.owner, payment=payment, title="再来", email="w@example.com"
        )
    with pytest.raises(ApplicationError):
        services.invoice_issue(actor=world.staff("finance"), invoice=invoice)  # not reviewed yet
    services.invoice_review(actor=world.staff("finance"), invoice=invoice, approve=True)
    issued = services.invoice_issue(actor=world.staff("cashier"), invoice=invoice)
    assert issued.invoice_no == "FPCY0100000001" and issued.state == "issued"
    sent = services.invoice_send(actor=world.staff("cashier"), invoice=issued)
    assert sent.state == "sent"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["w@example.com"] and issued.invoice_no in message.subject
    _name, content, mime = message.attachments[0]
    assert mime == "application/pdf"
    text = pdf_text(content)
    assert "王建国" in text and "200.50" in text and issued.invoice_no in text


def test_bill_state_never_edited_after_refund(world, paid):
    payment, a, _b = paid
    r = services.refund_request(
        actor=world.staff("cashier"), payment=payment, bill_ids=[a.pk], reason="退"
    )
    services.refund_approve(actor=world.staff("finance"), request=r)
    assert Bill.objects.filter(pk=a.pk, amount=Decimal("120.00")).exists()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(bill=a).delete()
