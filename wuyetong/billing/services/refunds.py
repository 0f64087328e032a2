"""Refunds of paid bills through an approval (退款审批), and the numbering of refund slips.

A request names a payment and some of the bills it paid. Approval (billing.approve) reverses
those bills and gives the money back — a refund entry and a reversal entry per bill, or the
money into the prepaid balance — and numbers a refund slip. Nothing is edited or deleted: the
bills keep their figures and move to the reversed state.

A payment made online (WeChat Pay, Alipay, the sandbox) is refunded the way it came (原路退回)
or into the prepaid balance: approval opens a gateway refund that a background job sends
after commit (services.gateway_refunds)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.money import to_money
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import oplog_record

from ..choices import BillState, DocKind, LedgerKind, PayMethod, RefundState
from ..locks import prepaid_locked
from ..models import Bill, DocumentCounter, LedgerEntry, Payment, RefundRequest
from .common import entry, require_billing
from .desk import _ids
from .gateway_refunds import online_order, route_open

ZERO = Decimal("0.00")
DOC_PREFIX: dict[str, str] = {DocKind.REFUND: "TK", DocKind.INVOICE: "FP"}


def document_number(community: Community, kind: str) -> tuple[int, str]:
    """The next refund-slip or invoice number of the community, gap-free: the counter row is
    locked until the caller's transaction ends (a rollback gives the number back)."""
    DocumentCounter.objects.get_or_create(community=community, kind=kind)
    counter = DocumentCounter.objects.select_for_update().get(community=community, kind=kind)
    counter.last_seq += 1
    counter.save(update_fields=["last_seq"])
    return counter.last_seq, f"{DOC_PREFIX[kind]}{community.code}{counter.last_seq:08d}"


def paid_by(payment: Payment, bills: list[Bill]) -> dict[int, Decimal]:
    """What the payment paid on each of the bills, from the ledger."""
    rows = (
        LedgerEntry.objects.filter(payment=payment, kind=LedgerKind.PAYMENT, bill__in=bills)
        .values("bill_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    return {r["bill_id"]: to_money(r["s"]) for r in rows}


def _refundable(payment: Payment, bill_ids) -> tuple[list[Bill], Decimal]:
    ids = set(_ids(bill_ids))
    if not ids:
        raise ApplicationError("请选择要退款的账单", field="bills")
    bills = list(Bill.objects.filter(pk__in=ids, house_id=payment.house_id).order_by("id"))
    if len(bills) != len(ids):
        raise ApplicationError("所选账单不属于该收款", field="bills")
    paid = paid_by(payment, bills)
    if set(paid) != ids:
        raise ApplicationError("所选账单不是这笔收款缴纳的", field="bills")
    for b in bills:
        if b.state != BillState.PAID:
            raise ApplicationError(f"账单 {b} 不是已缴清状态，不能退款", field="bills")
        if b.paid_amount != paid[b.pk]:
            raise ApplicationError(f"账单 {b} 由多笔收款缴纳，请联系财务处理", field="bills")
    return bills, sum(paid.values(), ZERO)


@transaction.atomic
def refund_request(
    *, actor, payment: Payment, bill_ids, reason: str, method: str = ""
) -> RefundRequest:
    """Asks for a refund of bills the payment paid (needs billing.add)."""
    require_billing(actor, payment.community, "add")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写退款原因", field="reason")
    if len(reason) > 200:
        raise ApplicationError("退款原因不超过200字", field="reason")
    method = method or payment.method
    if method not in PayMethod.values:
        raise ApplicationError("退款方式不正确", field="method")
    if method not in (payment.method, PayMethod.PREPAID) and online_order(payment) is not None:
        raise ApplicationError(
            "在线支付的款项原路退回（或转入预存）；原路退款失败后可登记线下退款",
            field="method",
        )
    bills, amount = _refundable(payment, bill_ids)
    pending = RefundRequest.objects.filter(bills__in=bills, state=RefundState.PENDING).exists()
    if pending:
        raise ApplicationError("所选账单已有待审批的退款申请", field="bills")
    request = RefundRequest.objects.create(
        community_id=payment.community_id,
        house_id=payment.house_id,
        payment=payment,
        amount=amount,
        method=method,
        reason=reason,
        requested_by=actor,
    )
    request.bills.set(bills)
    oplog_record(
        actor=actor,
        action=OpAction.CREATE,
        obj=request,
        company=payment.community.company_id,
        note=f"退款申请 {amount}元（收据 {payment.receipt_no}）：{reason}",
    )
    return request


def _locked_request(request: RefundRequest) -> RefundRequest:
    row = (
        RefundRequest.objects.select_for_update(of=("self",))
        .filter(pk=request.pk)
        .select_related("community", "payment")
        .first()
    )
    if row is None:
        raise NotFound()
    return row


@transaction.atomic
def refund_approve(
    *, actor, request: RefundRequest, note: str = "", base_url: str = ""
) -> RefundRequest:
    """Approves a pending refund: the bills are reversed and the money refunded, with a
    numbered refund slip. The checks run again under the locks. An online payment refunded
    the way it came gets its gateway refund, sent after commit; `base_url` is the site's
    address the gateway posts the refund's result to (settings.PUBLIC_URL when empty)."""
    row = _locked_request(request)
    require_billing(actor, row.community, "approve")
    if row.state != RefundState.PENDING:
        raise ApplicationError("该退款申请已处理", field="state", code="decided")
    bill_ids = list(row.bills.order_by("id").values_list("pk", flat=True))
    locked = list(Bill.objects.select_for_update().filter(pk__in=bill_ids).order_by("id"))
    bills, amount = _refundable(row.payment, [b.pk for b in locked])
    if amount != row.amount:
        raise ApplicationError("账单已变化，退款金额不符，请驳回后重新申请", field="amount")
    seq, number = document_number(row.community, DocKind.REFUND)
    paid = paid_by(row.payment, bills)
    entries = []
    for b in bills:
        entries.append(
            entry(
                kind=LedgerKind.REFUND,
                amount=-paid[b.pk],
                house_id=b.house_id,
                community_id=b.community_id,
                actor=actor,
                bill=b,
                payment=row.payment,
                note=f"退款 {number}",
            )
        )
        entries.append(
            entry(
                kind=LedgerKind.REVERSAL,
                amount=paid[b.pk],
                house_id=b.house_id,
                community_id=b.community_id,
                actor=actor,
                bill=b,
                note=f"退款冲销 {number}（原额 {b.amount}，优惠 {b.discount_amount}）",
            )
        )
    Bill.objects.filter(pk__in=[b.pk for b in bills]).update(state=BillState.REVERSED)
    if row.method == PayMethod.PREPAID:
        balance = prepaid_locked(house_id=row.house_id, community_id=row.community_id)
        entries.append(
            entry(
                kind=LedgerKind.PREPAY,
                amount=amount,
                house_id=row.house_id,
                community_id=row.community_id,
                actor=actor,
                payment=row.payment,
                note=f"退款转预存 {number}",
            )
        )
        balance.balance += amount
        balance.save(update_fields=["balance", "updated_at"])
    LedgerEntry.objects.bulk_create(entries)
    row.state = RefundState.APPROVED
    row.decided_by = actor
    row.decided_at = timezone.now()
    row.decision_note = (note or "").strip()[:200]
    row.refund_seq, row.refund_no = seq, number
    row.save(
        update_fields=[
            "state",
            "decided_by",
            "decided_at",
            "decision_note",
            "refund_seq",
            "refund_no",
        ]
    )
    order = online_order(row.payment) if row.method == row.payment.method else None
    if order is not None:
        route_open(row=row, order=order, base_url=base_url)
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=row,
        company=row.community.company_id,
        note=f"批准退款 {number} {amount}元" + ("（原路退回）" if order is not None else ""),
    )
    return row


@transaction.atomic
def refund_reject(*, actor, request: RefundRequest, note: str) -> RefundRequest:
    row = _locked_request(request)
    require_billing(actor, row.community, "approve")
    if row.state != RefundState.PENDING:
        raise ApplicationError("该退款申请已处理", field="state", code="decided")
    note = (note or "").strip()
    if not note:
        raise ApplicationError("请填写驳回原因", field="note")
    row.state = RefundState.REJECTED
    row.decided_by = actor
    row.decided_at = timezone.now()
    row.decision_note = note[:200]
    row.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=row,
        company=row.community.company_id,
        note=f"驳回退款：{note}"[:200],
    )
    return row
