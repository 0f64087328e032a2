"""Refunds of online payments sent back through the gateway that took them (原路退回).

Approval (services.refunds.refund_approve) writes the refund's ledger entries once and, for a
payment that came from an online order, opens a GatewayRefund in the same transaction; the
request to the gateway is sent by a background job after commit, never while a lock is held.
The gateway's answer, its notification and the periodic query all go through `_apply`, which
moves the state forward only (processing → succeeded / failed / closed; failed or closed →
succeeded when the money went back after all), so a notification delivered twice or out of
order changes the state once. Staff retry a failed refund with the same out_refund_no (as
both gateways require) or record that the money was paid another way: each step is an event
with who and why, never an edit of what happened."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.jobs import enqueue
from wuyetong.notices.services import message_send
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.services import oplog_record

from ..choices import Gateway as GatewayCode
from ..choices import NoticeResult, OrderState, PayMethod, RouteEvent, RouteState
from ..gateways import GatewayError, RefundInfo, RefundResult, gateway_for
from ..models import (
    GatewayNotice,
    GatewayRefund,
    GatewayRefundEvent,
    Payment,
    PaymentOrder,
    RefundRequest,
)
from .common import require_billing

log = logging.getLogger("wuyetong.billing.gateway")
OFFLINE_METHODS = (PayMethod.CASH, PayMethod.TRANSFER, PayMethod.BANK_CARD)
OWNER_RECEIPTS_LINK = "/app/bills/receipts/"


def online_order(payment: Payment) -> PaymentOrder | None:
    """The paid online order a payment came from, if any (a desk payment has none; money
    credited to prepaid is refunded from the prepaid balance, not through the gateway)."""
    return PaymentOrder.objects.filter(payment=payment, state=OrderState.PAID).first()


def query_after() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "GATEWAY_REFUND_QUERY_AFTER_MINUTES", 10))


def _notify_url(gateway: str, base: str = "") -> str:
    path = reverse("api-billing-refund-notify", args=[gateway])
    return f"{(base or getattr(settings, 'PUBLIC_URL', '') or '').rstrip('/')}{path}"


def route_open(*, row: RefundRequest, order: PaymentOrder, base_url: str = "") -> GatewayRefund:
    """Called inside the approval's transaction: the refund to send back, sent after commit."""
    already = sum(
        (r.amount for r in order.refunds.exclude(state__in=[RouteState.FAILED, RouteState.CLOSED])),
        start=row.amount * 0,
    )
    if already + row.amount > order.amount:
        raise ApplicationError(
            f"原路退款合计将超过订单金额 {order.amount}元，请核对", field="amount"
        )
    refund = GatewayRefund.objects.create(
        community_id=row.community_id,
        order=order,
        request=row,
        gateway=order.gateway,
        out_refund_no=timezone.localtime().strftime("RF%Y%m%d%H%M%S") + secrets.token_hex(4),
        amount=row.amount,
        notify_url=_notify_url(order.gateway, base_url),
    )
    _enqueue_send(refund.pk)
    return refund


def _enqueue_send(pk: int) -> None:
    from ..tasks import gateway_refund_send  # the task module imports these services

    enqueue(gateway_refund_send, pk)


# ---------------------------------------------------------------- the state machine


def _next_state(current: str, new: str) -> str | None:
    """The state a result moves the refund to, or None when it changes nothing (a repeat, or
    news older than what is known)."""
    if new == current or new == RouteState.PROCESSING:
        return None
    if current == RouteState.PROCESSING:
        return new
    if current in (RouteState.FAILED, RouteState.CLOSED) and new == RouteState.SUCCEEDED:
        return new  # the money went back after all (e.g. an abnormal refund handled later)
    return None


@dataclass
class Applied:
    refund: GatewayRefund
    changed: bool
    event: GatewayRefundEvent


def _apply(pk: int, result: RefundResult, kind: str) -> Applied:
    with transaction.atomic():
        refund = (
            GatewayRefund.objects.select_for_update(of=("self",))
            .select_related("order__house__building", "order__house__unit", "request")
            .get(pk=pk)
        )
        if (
            result.state == RouteState.SUCCEEDED
            and result.amount is not None
            and result.amount != refund.amount
        ):
            log.warning(
                "refund %s: gateway says %s, ours is %s",
                refund.out_refund_no,
                result.amount,
                refund.amount,
            )
            event = _event(
                refund,
                kind,
                note=f"渠道退款金额 {result.amount}元 与退款金额 {refund.amount}元 不符，未采纳",
            )
            return Applied(refund, False, event)
        new = _next_state(refund.state, result.state)
        note = result.detail
        if new is None and refund.state == RouteState.OFFLINE and result.state == "succeeded":
            # staff paid it another way and the gateway paid it too: the payer got it twice
            if not refund.paid_twice:
                refund.paid_twice = True
                refund.save(update_fields=["paid_twice"])
                log.warning("refund %s paid twice (offline and gateway)", refund.out_refund_no)
            note = "渠道退款成功，但已登记线下退款：业主收到两次退款，请追回"
        if new is not None:
            refund.state = new
            if result.gateway_refund_id:
                refund.gateway_refund_id = result.gateway_refund_id
            refund.error = (
                result.detail[:300] if new in (RouteState.FAILED, RouteState.CLOSED) else ""
            )
            refund.finished_at = timezone.now()
            refund.save(update_fields=["state", "gateway_refund_id", "error", "finished_at"])
            if new == RouteState.SUCCEEDED:
                _tell_owner(refund)
        event = _event(refund, kind, changed=new is not None, note=note)
        return Applied(refund, new is not None, event)


def _event(refund: GatewayRefund, kind: str, *, changed=False, actor=None, method="", note=""):
    return GatewayRefundEvent.objects.create(
        refund=refund,
        kind=kind,
        state=refund.state,
        changed=changed,
        actor=actor,
        method=method,
        note=(note or "")[:300],
    )


def _tell_owner(refund: GatewayRefund) -> None:
    """The payer's message centre: the money is back (once per refund)."""
    if refund.owner_told_at is not None:
        return
    order = refund.order
    house = order.house
    label = f"{house.building.name}{house.unit.name}{house.room_no}"
    if refund.state == RouteState.SUCCEEDED:
        how = f"已原路退回您的{PayMethod(order.method).label}账户"
    else:
        how = "已由物业线下退还"
    message_send(
        user_ids=[order.created_by_id],
        title="退款已退回",
        body=f"{label} 的退款 {refund.amount}元（退款单 {refund.request.refund_no}）{how}。",
        link=OWNER_RECEIPTS_LINK,
        kind="bill",
    )
    refund.owner_told_at = timezone.now()
    refund.save(update_fields=["owner_told_at"])


# ---------------------------------------------------------------- sending and asking


def route_send(*, refund_id: int) -> GatewayRefund | None:
    """Sends (or re-sends) a processing refund to its gateway: the background job. The row is
    marked sent with one short UPDATE; the HTTP call holds no lock; the answer is applied
    under the row's lock."""
    now = timezone.now()
    refund = (
        GatewayRefund.objects.filter(pk=refund_id, state=RouteState.PROCESSING)
        .select_related("order", "request")
        .first()
    )
    if refund is None:
        return None
    GatewayRefund.objects.filter(pk=refund.pk).update(attempts=F("attempts") + 1, sent_at=now)
    info = RefundInfo(
        out_trade_no=refund.order.out_trade_no,
        out_refund_no=refund.out_refund_no,
        amount=refund.amount,
        total=refund.order.amount,
        reason=f"物业费退款 {refund.request.refund_no}",
        notify_url=refund.notify_url or _notify_url(refund.gateway),
    )
    try:
        result = gateway_for(refund.gateway).refund(info)
    except GatewayError as exc:
        return _unanswered(refund, exc, RouteEvent.SENT)
    except Exception as exc:  # a bug or an unexpected library error: keep it for the query
        log.exception("refund %s: sending failed", refund.out_refund_no)
        return _unanswered(refund, GatewayError("unavailable", str(exc)[:200]), RouteEvent.SENT)
    return _apply(refund.pk, result, RouteEvent.ANSWER).refund


def _unanswered(refund: GatewayRefund, exc: GatewayError, kind: str) -> GatewayRefund:
    log.warning("refund %s: %s (%s)", refund.out_refund_no, exc.detail, exc.reason)
    if exc.reason == "not_configured":
        # nothing was sent: a plain failure staff can retry once the keys are set
        return _apply(
            refund.pk,
            RefundResult(refund.out_refund_no, RouteState.FAILED, detail=exc.detail),
            kind,
        ).refund
    with transaction.atomic():
        row = GatewayRefund.objects.select_for_update(of=("self",)).get(pk=refund.pk)
        if row.state == RouteState.PROCESSING:
            row.error = f"结果未知，稍后查询：{exc.detail}"[:300]
            row.save(update_fields=["error"])
        _event(row, kind, note=f"结果未知，稍后查询：{exc.detail}")
    return row


def route_query(*, refund_id: int) -> GatewayRefund | None:
    refund = (
        GatewayRefund.objects.filter(pk=refund_id, state=RouteState.PROCESSING)
        .select_related("order")
        .first()
    )
    if refund is None:
        return None
    try:
        result = gateway_for(refund.gateway).refund_query(
            out_trade_no=refund.order.out_trade_no, out_refund_no=refund.out_refund_no
        )
    except GatewayError as exc:
        return _unanswered(refund, exc, RouteEvent.QUERY)
    return _apply(refund.pk, result, RouteEvent.QUERY).refund


def routes_due(*, now: dt.datetime | None = None) -> list[int]:
    """The periodic job: refunds still processing `GATEWAY_REFUND_QUERY_AFTER_MINUTES` after
    they were sent are asked about; those never sent (the job was lost) are sent."""
    now = now or timezone.now()
    cutoff = now - query_after()
    touched = []
    unsent = GatewayRefund.objects.filter(
        state=RouteState.PROCESSING, sent_at__isnull=True, created_at__lt=cutoff
    )
    for pk in unsent.values_list("pk", flat=True)[:200]:
        route_send(refund_id=pk)
        touched.append(pk)
    stale = GatewayRefund.objects.filter(state=RouteState.PROCESSING, sent_at__lt=cutoff)
    for pk in stale.values_list("pk", flat=True)[:200]:
        try:
            route_query(refund_id=pk)
        except Exception:  # one refund must not stop the others; asked again next run
            log.exception("refund %s: query failed", pk)
        touched.append(pk)
    return touched


# ---------------------------------------------------------------- notifications


@dataclass
class RefundHandled:
    ok: bool
    status: int
    content_type: str
    body: bytes
    notice: GatewayNotice


def _log_notice(gateway, result, *, refund=None, r=None, detail="", body=b"") -> GatewayNotice:
    amount = r.amount if r is not None and r.amount is not None else None
    if amount is not None and not (amount.is_finite() and abs(amount) < 10**11):
        amount = None
    return GatewayNotice.objects.create(
        gateway=gateway if gateway in GatewayCode.values else GatewayCode.SANDBOX,
        order=refund.order if refund else None,
        community_id=refund.community_id if refund else None,
        out_trade_no=(refund.order.out_trade_no if refund else (r.out_refund_no if r else ""))[:64],
        amount=amount,
        result=result,
        detail=detail[:300],
        body=body.decode("utf-8", "replace")[:4000] if body else "",
    )


def refund_notice_receive(*, gateway: str, headers: dict[str, str], body: bytes) -> RefundHandled:
    """A gateway's refund notification, as delivered: verified (a bad signature is refused
    and logged like a payment notice), then applied once however often it comes."""
    try:
        adapter = gateway_for(gateway)
    except GatewayError as exc:
        notice = _log_notice(gateway, NoticeResult.MALFORMED, detail=exc.detail, body=body)
        return RefundHandled(False, 404, "text/plain", b"unknown gateway", notice)
    try:
        r = adapter.parse_refund_notification(headers, body)
    except GatewayError as exc:
        result = (
            NoticeResult.BAD_SIGNATURE if exc.reason == "bad_signature" else NoticeResult.MALFORMED
        )
        log.warning("gateway %s refund notification refused: %s", gateway, exc.detail)
        notice = _log_notice(gateway, result, detail=f"退款通知：{exc.detail}", body=body)
        ack = adapter.ack(False, exc.detail)
        return RefundHandled(False, ack.status, ack.content_type, ack.body, notice)
    refund = (
        GatewayRefund.objects.filter(out_refund_no=r.out_refund_no, gateway=gateway)
        .select_related("order")
        .first()
    )
    if refund is None:
        log.warning("gateway %s refund notification for unknown %s", gateway, r.out_refund_no)
        notice = _log_notice(
            gateway, NoticeResult.UNKNOWN_ORDER, r=r, detail="退款单不存在", body=body
        )
        ack = adapter.ack(False, "退款单不存在")
        return RefundHandled(False, ack.status, ack.content_type, ack.body, notice)
    if r.amount is not None and r.amount != refund.amount:
        notice = _log_notice(
            gateway,
            NoticeResult.BAD_AMOUNT,
            refund=refund,
            r=r,
            detail=f"退款通知金额 {r.amount}元，退款金额 {refund.amount}元",
            body=body,
        )
        ack = adapter.ack(False, "金额不符")
        return RefundHandled(False, ack.status, ack.content_type, ack.body, notice)
    applied = _apply(refund.pk, r, RouteEvent.NOTICE)
    label = RouteState(applied.refund.state).label
    detail = f"退款 {refund.out_refund_no}：{label}" + ("" if applied.changed else "（无变化）")
    notice = _log_notice(gateway, NoticeResult.REFUND, refund=refund, r=r, detail=detail, body=body)
    ack = adapter.ack(True)
    return RefundHandled(True, ack.status, ack.content_type, ack.body, notice)


# ---------------------------------------------------------------- staff actions


def _locked(refund: GatewayRefund) -> GatewayRefund:
    return (
        GatewayRefund.objects.select_for_update(of=("self",))
        .select_related("community", "request", "order__house__building", "order__house__unit")
        .get(pk=refund.pk)
    )


@transaction.atomic
def route_retry(*, actor, refund: GatewayRefund, note: str = "") -> GatewayRefund:
    """Sends a failed refund again, with the same out_refund_no (billing.approve)."""
    row = _locked(refund)
    require_billing(actor, row.community, "approve")
    if row.state != RouteState.FAILED:
        raise ApplicationError(
            f"只有退款失败的可以重新发起（当前：{row.get_state_display()}）",
            field="state",
            code="state",
        )
    row.state = RouteState.PROCESSING
    row.error = ""
    row.finished_at = None
    # counts from now for the periodic query, which must not ask before the job has sent it
    row.sent_at = timezone.now()
    row.save(update_fields=["state", "error", "finished_at", "sent_at"])
    _event(row, RouteEvent.RETRY, changed=True, actor=actor, note=(note or "").strip())
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=row.request,
        company=row.community.company_id,
        note=f"重新发起原路退款 {row.out_refund_no} {row.amount}元",
    )
    _enqueue_send(row.pk)
    return row


@transaction.atomic
def route_offline(*, actor, refund: GatewayRefund, method: str, note: str) -> GatewayRefund:
    """Records that a failed or closed refund was paid to the owner another way (cash,
    transfer, card): who, how and why, as an event (billing.approve)."""
    row = _locked(refund)
    require_billing(actor, row.community, "approve")
    if row.state not in (RouteState.FAILED, RouteState.CLOSED):
        raise ApplicationError(
            f"只有退款失败或关闭的可以登记线下退款（当前：{row.get_state_display()}）",
            field="state",
            code="state",
        )
    if method not in OFFLINE_METHODS:
        raise ApplicationError("请选择线下退款方式（现金、转账或银行卡）", field="method")
    note = (note or "").strip()
    if not note:
        raise ApplicationError("请填写线下退款说明（如转账流水号、经手人）", field="note")
    if len(note) > 200:
        raise ApplicationError("说明不超过200字", field="note")
    row.state = RouteState.OFFLINE
    row.finished_at = timezone.now()
    row.save(update_fields=["state", "finished_at"])
    _event(row, RouteEvent.OFFLINE, changed=True, actor=actor, method=method, note=note)
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=row.request,
        company=row.community.company_id,
        note=f"登记线下退款 {row.out_refund_no} {row.amount}元（{PayMethod(method).label}）：{note}"[
            :200
        ],
    )
    _tell_owner(row)
    return row


# ---------------------------------------------------------------- reconciliation


def mismatches(*, user, since: dt.datetime):
    """Rows for the reconciliation list: refunds that failed or closed (money still owed to
    the payer), refunds processing too long, refunds paid twice."""
    from .online import Mismatch  # online's reconciliation imports this module lazily

    access = get_access(user)
    rows = GatewayRefund.objects.for_access(access, "view").select_related("community", "order")
    if access.is_platform:
        rows = GatewayRefund.objects.select_related("community", "order")
    stale = timezone.now() - query_after()
    out = []
    for g in rows.filter(state__in=[RouteState.FAILED, RouteState.CLOSED], created_at__gte=since):
        out.append(
            Mismatch(
                "退款失败",
                g.finished_at or g.created_at,
                g.get_gateway_display(),
                g.order.out_trade_no,
                g.amount,
                f"退款单 {g.out_refund_no}：{g.error or g.get_state_display()}，请重新发起或线下退款",
                g.community.name,
            )
        )
    for g in rows.filter(state=RouteState.PROCESSING, created_at__lt=stale):
        out.append(
            Mismatch(
                "退款处理中超时",
                g.sent_at or g.created_at,
                g.get_gateway_display(),
                g.order.out_trade_no,
                g.amount,
                f"退款单 {g.out_refund_no} 超过{int(query_after().total_seconds() // 60)}分钟未完成"
                + (f"：{g.error}" if g.error else ""),
                g.community.name,
            )
        )
    for g in rows.filter(paid_twice=True, created_at__gte=since):
        out.append(
            Mismatch(
                "重复退款",
                g.finished_at or g.created_at,
                g.get_gateway_display(),
                g.order.out_trade_no,
                g.amount,
                f"退款单 {g.out_refund_no} 已线下退款，渠道又退款成功，请向业主追回",
                g.community.name,
            )
        )
    return out
