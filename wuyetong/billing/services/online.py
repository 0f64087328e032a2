"""Online payment (C5): an owner's order for chosen bills, sent to a gateway; the gateway's
notification, verified, records one payment however often and in whatever order it comes;
wrong amounts and bad signatures are refused and logged; a reconciliation lists mismatches.

Ordering and repeats: the order row is locked while a notification is handled. A repeated
success finds the order paid (duplicate). A success after a decline still records the money.
A success for bills that were meanwhile paid at the desk credits the money to the house's
prepaid balance instead of paying twice, and the reconciliation shows it."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.estates.models import House, Occupancy

from ..choices import (
    Gateway as GatewayCode,
)
from ..choices import (
    LedgerKind,
    NoticeResult,
    OrderState,
    PaymentPurpose,
    PayMethod,
)
from ..gateways import GatewayError, OrderInfo, enabled_gateways, gateway_for
from ..locks import OPEN_STATES, bills_locked, prepaid_locked, receipt_counter_locked
from ..models import Bill, GatewayNotice, Payment, PaymentOrder
from .common import entry, parse_money
from .desk import _ids, settle
from .payments import receipt_number
from .quote import Quote, quote_build
from .statements import open_differences

log = logging.getLogger("wuyetong.billing.gateway")
ZERO = Decimal("0.00")
GATEWAY_METHOD: dict[str, str] = {
    GatewayCode.WECHAT: PayMethod.WECHAT,
    GatewayCode.ALIPAY: PayMethod.ALIPAY,
}


def owner_house(user, house_id) -> House:
    """A house of the user's own (an owner, family member or tenant living there); others
    are absent."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    if not isinstance(house_id, int) or isinstance(house_id, bool):
        raise NotFound()
    # one query: the same rule as Access.house_ids (a current occupancy of the user, as a
    # semi-join: cheaper to plan than a join), with what a quote reads of the house selected
    # along (the owner's bills API is hot): the community's rules token (the rules come from
    # the cache, rules_cache) and the prepaid balance
    lives_there = Occupancy.objects.filter(
        house=OuterRef("pk"), resident__user=user, end_date__isnull=True
    )
    house = (
        House.objects.filter(Exists(lives_there), pk=house_id)
        .select_related("community__billing_rules_version", "building", "unit", "prepaid")
        .first()
    )
    if house is None:
        raise NotFound()
    return house


def owner_quote(*, user, house: House, bill_ids, months_ahead: int = 0) -> Quote:
    """What the owner would pay now for the chosen bills (nothing locked, nothing written)."""
    if house.pk not in get_access(user).house_ids:
        raise NotFound()
    ids = set(_ids(bill_ids))
    bills = list(
        Bill.objects.filter(pk__in=ids, house=house, state__in=OPEN_STATES).select_related(
            "fee_item", "standard"
        )
    )
    if len(bills) != len(ids):
        raise ApplicationError("所选账单已缴清或不存在，请刷新", field="bills")
    return quote_build(house=house, bills=bills, months_ahead=months_ahead, on=timezone.localdate())


@transaction.atomic
def order_create(
    *,
    user,
    house: House,
    bill_ids,
    gateway: str,
    method: str = "",
    months_ahead: int = 0,
    expected_total=None,
    notify_url: str,
    return_url_for,
    client_ip: str = "127.0.0.1",
) -> tuple[PaymentOrder, str]:
    """Creates the order and asks the gateway where to send the payer. Returns the order and
    that URL. `return_url_for(order)` builds the page the payer comes back to."""
    if gateway not in enabled_gateways():
        raise ApplicationError("该支付方式暂未开通", field="gateway")
    # the sandbox stands in for either real gateway; it plays WeChat Pay unless told otherwise
    method = GATEWAY_METHOD.get(gateway, method or PayMethod.WECHAT)
    if method not in (PayMethod.WECHAT, PayMethod.ALIPAY):
        raise ApplicationError("请选择微信或支付宝", field="method")
    quote = owner_quote(user=user, house=house, bill_ids=bill_ids, months_ahead=months_ahead)
    if quote.total <= 0:
        raise ApplicationError("请选择要缴纳的账单", field="bills")
    seen = (
        None
        if expected_total in (None, "")
        else parse_money(expected_total, field="expected_total", label="应付金额", positive=False)
    )
    if seen is not None and seen != quote.total:
        raise ApplicationError(
            f"应付金额已变为 {quote.total}元，请核对后再支付",
            field="expected_total",
            code="quote_changed",
        )
    order = PaymentOrder.objects.create(
        community_id=house.community_id,
        house=house,
        out_trade_no=timezone.localtime().strftime("WY%Y%m%d%H%M%S") + secrets.token_hex(4),
        gateway=gateway,
        method=method,
        amount=quote.total,
        bill_ids=[x.bill.pk for x in quote.lines if x.bill.pk],
        quote=quote.as_dict(),
        created_by=user,
    )
    try:
        start = gateway_for(gateway).start(
            OrderInfo(
                out_trade_no=order.out_trade_no,
                amount=order.amount,
                description=f"{house.community.name} {house.building.name}{house.unit.name}"
                f"{house.room_no} 物业缴费",
                notify_url=notify_url,
                return_url=return_url_for(order),
                client_ip=client_ip,
            )
        )
    except GatewayError as exc:
        log.warning("gateway %s start failed: %s", gateway, exc.detail)
        raise ApplicationError(f"支付渠道暂不可用：{exc.detail}", field="gateway") from None
    return order, start.redirect_url


def _notice(gateway: str, result: str, *, order=None, n=None, detail="", body=b"") -> GatewayNotice:
    text = body.decode("utf-8", "replace")[:4000] if body else ""
    return GatewayNotice.objects.create(
        gateway=gateway,
        order=order,
        community_id=order.community_id if order else None,
        out_trade_no=(n.out_trade_no if n else "")[:64],
        amount=n.amount if n and n.amount.is_finite() and abs(n.amount) < Decimal("1e11") else None,
        result=result,
        detail=detail[:300],
        body=text,
    )


@dataclass
class Handled:
    notice: GatewayNotice
    ok: bool
    status: int
    content_type: str
    body: bytes


def notice_receive(*, gateway: str, headers: dict[str, str], body: bytes) -> Handled:
    """Handles one notification as the gateway delivered it and says how to answer."""
    try:
        adapter = gateway_for(gateway)
    except GatewayError as exc:
        notice = _notice(
            gateway if gateway in GatewayCode.values else "sandbox",
            NoticeResult.MALFORMED,
            detail=exc.detail,
            body=body,
        )
        return Handled(notice, False, 404, "text/plain", b"unknown gateway")
    try:
        n = adapter.parse_notification(headers, body)
    except GatewayError as exc:
        result = (
            NoticeResult.BAD_SIGNATURE if exc.reason == "bad_signature" else NoticeResult.MALFORMED
        )
        log.warning("gateway %s notification refused: %s", gateway, exc.detail)
        notice = _notice(gateway, result, detail=exc.detail, body=body)
        ack = adapter.ack(False, exc.detail)
        return Handled(notice, False, ack.status, ack.content_type, ack.body)
    with transaction.atomic():
        notice, ok = _apply(gateway, n, body)
    ack = adapter.ack(ok, notice.detail)
    return Handled(notice, ok, ack.status, ack.content_type, ack.body)


def _apply(gateway: str, n, body: bytes) -> tuple[GatewayNotice, bool]:
    order = (
        PaymentOrder.objects.select_for_update(of=("self",))
        .filter(out_trade_no=n.out_trade_no, gateway=gateway)
        .select_related("house__community", "created_by")
        .first()
    )
    if order is None:
        log.warning("gateway %s notification for unknown order %s", gateway, n.out_trade_no)
        return _notice(
            gateway, NoticeResult.UNKNOWN_ORDER, n=n, detail="订单不存在", body=body
        ), False
    if n.amount != order.amount:
        log.warning("order %s: notified %s, ordered %s", order.out_trade_no, n.amount, order.amount)
        return (
            _notice(
                gateway,
                NoticeResult.BAD_AMOUNT,
                order=order,
                n=n,
                detail=f"通知金额 {n.amount}元，订单金额 {order.amount}元",
                body=body,
            ),
            False,
        )
    if order.state in (OrderState.PAID, OrderState.CREDITED):
        return _notice(
            gateway, NoticeResult.DUPLICATE, order=order, n=n, detail="已入账", body=body
        ), True
    if not n.success:
        order.state = OrderState.FAILED
        order.save(update_fields=["state"])
        return _notice(
            gateway, NoticeResult.FAILED, order=order, n=n, detail="支付未成功", body=body
        ), True
    return _record(order, n, gateway, body), True


def _record(order: PaymentOrder, n, gateway: str, body: bytes) -> GatewayNotice:
    house = order.house
    on = (
        dt.date.fromisoformat(order.quote.get("on"))
        if order.quote.get("on")
        else timezone.localdate()
    )
    key = f"order:{order.out_trade_no}"
    bills = list(
        bills_locked(order.bill_ids)
        .select_related("fee_item", "standard")
        .select_for_update(of=("self",))
    )
    still_open = len(bills) == len(order.bill_ids) and all(b.state in OPEN_STATES for b in bills)
    quote = None
    if still_open:
        try:
            quote = quote_build(
                house=house, bills=bills, months_ahead=order.quote.get("months_ahead", 0), on=on
            )
        except ApplicationError:
            quote = None
    if quote is not None and quote.total == order.amount:
        payment = settle(
            actor=order.created_by,
            cashier=None,
            quote=quote,
            method=order.method,
            idempotency_key=key,
            note=f"在线支付 {order.get_gateway_display()} {n.trade_no}"[:200],
        )
        state, result, detail = OrderState.PAID, NoticeResult.RECORDED, f"收据 {payment.receipt_no}"
    else:
        payment = _credit_prepaid(order, key, n.trade_no)
        state, result = OrderState.CREDITED, NoticeResult.CREDITED
        detail = f"账单已变化，{order.amount}元转入预存（收据 {payment.receipt_no}）"
    order.state, order.payment = state, payment
    order.gateway_trade_no, order.paid_at = n.trade_no[:64], timezone.now()
    order.save(update_fields=["state", "payment", "gateway_trade_no", "paid_at"])
    return _notice(gateway, result, order=order, n=n, detail=detail, body=body)


def _credit_prepaid(order: PaymentOrder, key: str, trade_no: str) -> Payment:
    """Money received for bills no longer open: kept for the house as prepaid balance (no
    cap: the money is already here)."""
    house = order.house
    balance = prepaid_locked(house_id=house.pk, community_id=house.community_id)
    counter = receipt_counter_locked(house.community_id)
    counter.last_seq += 1
    counter.save(update_fields=["last_seq"])
    payment = Payment.objects.create(
        community_id=house.community_id,
        house=house,
        purpose=PaymentPurpose.PREPAY,
        method=order.method,
        amount=order.amount,
        receipt_seq=counter.last_seq,
        receipt_no=receipt_number(house.community.code, counter.last_seq),
        idempotency_key=key,
        note=f"在线支付时账单已缴，转入预存 {trade_no}"[:200],
    )
    entry(
        kind=LedgerKind.PREPAY,
        amount=order.amount,
        house_id=house.pk,
        community_id=house.community_id,
        actor=order.created_by,
        payment=payment,
        note=f"在线支付转预存 收据 {payment.receipt_no}",
    ).save()
    balance.balance += order.amount
    balance.save(update_fields=["balance", "updated_at"])
    return payment


def sandbox_decide(*, user, order: PaymentOrder, approve: bool) -> Handled:
    """The sandbox "bank": the payer approves or declines; the signed notification goes
    through the same handler a real gateway's would."""
    if order.created_by_id != user.pk:
        raise NotFound()
    adapter = gateway_for("sandbox")
    headers, body = adapter.notification(  # type: ignore[attr-defined]
        out_trade_no=order.out_trade_no, amount=order.amount, approve=approve
    )
    return notice_receive(gateway="sandbox", headers=headers, body=body)


# ---------------------------------------------------------------- reconciliation


@dataclass
class Mismatch:
    kind: str
    when: dt.datetime
    gateway: str
    out_trade_no: str
    amount: Decimal | None
    detail: str
    community: str


PROBLEMS = (
    NoticeResult.BAD_SIGNATURE,
    NoticeResult.BAD_AMOUNT,
    NoticeResult.UNKNOWN_ORDER,
    NoticeResult.MALFORMED,
    NoticeResult.CREDITED,
)


def reconciliation(*, user, since: dt.datetime | None = None) -> list[Mismatch]:
    """Mismatches between what gateways told us and what was recorded: refused notifications
    (bad signature, wrong amount, unknown order, malformed), money credited to prepaid
    because the bills were paid meanwhile, paid orders whose payment differs from the order,
    orders still unconfirmed an hour after they were made, and refunds sent back through a
    gateway that failed, are overdue or were paid twice. Notifications that name no
    known order are shown to no company (they cannot be attributed); the platform sees all."""
    access = get_access(user)
    if not access.can("billing.view"):
        raise PermissionDenied()
    since = since or timezone.now() - dt.timedelta(days=31)
    notices = GatewayNotice.objects.for_access(access, "view").filter(
        received_at__gte=since, result__in=PROBLEMS
    )
    if access.is_platform:
        notices = GatewayNotice.objects.filter(received_at__gte=since, result__in=PROBLEMS)
    out = [
        Mismatch(
            kind=str(NoticeResult(x.result).label),
            when=x.received_at,
            gateway=x.get_gateway_display(),
            out_trade_no=x.out_trade_no,
            amount=x.amount,
            detail=x.detail,
            community=x.community.name if x.community else "",
        )
        for x in notices.select_related("community").order_by("-received_at")[:500]
    ]
    orders = PaymentOrder.objects.for_access(access, "view").select_related("community", "payment")
    for o in orders.filter(state=OrderState.PAID, created_at__gte=since).exclude(
        payment__amount=F("amount")
    ):
        out.append(
            Mismatch(
                "入账金额不符",
                o.paid_at or o.created_at,
                o.get_gateway_display(),
                o.out_trade_no,
                o.amount,
                f"订单 {o.amount}元，入账 {o.payment.amount if o.payment else 0}元",
                o.community.name,
            )
        )
    stale = timezone.now() - dt.timedelta(hours=1)
    for o in orders.filter(state=OrderState.CREATED, created_at__gte=since, created_at__lt=stale):
        out.append(
            Mismatch(
                "未收到支付结果",
                o.created_at,
                o.get_gateway_display(),
                o.out_trade_no,
                o.amount,
                "超过1小时未收到渠道通知，请向渠道查询",
                o.community.name,
            )
        )
    for x in open_differences(access, since):
        out.append(
            Mismatch(
                f"对账单：{x.get_result_display()}",
                x.time,
                x.statement.get_gateway_display(),
                x.out_trade_no,
                x.amount if x.amount is not None else x.system_amount,
                x.detail,
                x.community.name if x.community else "",
            )
        )
    from .gateway_refunds import mismatches as refund_mismatches  # imports Mismatch from here

    out.extend(refund_mismatches(user=user, since=since))
    out.sort(key=lambda m: m.when, reverse=True)
    return out


def order_for_owner(user, out_trade_no: str) -> PaymentOrder:
    order = (
        PaymentOrder.objects.filter(out_trade_no=out_trade_no, created_by=user)
        .select_related("payment", "house")
        .first()
    )
    if order is None or not isinstance(out_trade_no, str):
        raise NotFound()
    return order


__all__ = [
    "Handled",
    "Mismatch",
    "notice_receive",
    "order_create",
    "order_for_owner",
    "owner_house",
    "owner_quote",
    "reconciliation",
    "sandbox_decide",
]
