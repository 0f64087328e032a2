"""Statement reconciliation (对账单核对): a clerk imports the channel's statement for some days;
every row is matched with our orders and refunds, and what we recorded for the same days but
the channel does not list is added. The result is kept (StatementImport / StatementLine) and
its differences appear on the reconciliation report.

What counts as a difference:
- the channel received money for an order we do not have, or have not recorded as paid (a
  lost notification: ask the channel, then record it), or for a different amount, or twice;
- the channel refunded money we have no approved refund for;
- we recorded an online payment in those days that the channel does not list.
A payment the channel timed just before midnight may reach us just after it: an order paid
in the first minutes of the first day is not a difference when an earlier import listed it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, PermissionDenied
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.services import oplog_record

from ..choices import Gateway, OrderState, PayMethod, RefundState, RouteState
from ..gateways.statements import CHINA, PAY, REFUND, Line, StatementError, parse, sandbox_csv
from ..models import GatewayRefund, PaymentOrder, RefundRequest
from ..statement_models import LineKind, StatementImport, StatementLine, StatementResult
from ..statement_models import StatementResult as R

RECEIVED = (OrderState.PAID, OrderState.CREDITED)  # the channel took the money in both
MAX_DAYS = 31
MIDNIGHT_SLACK = dt.timedelta(minutes=5)
SANDBOX_FEE_RATE = Decimal("0.006")  # the demo bank charges what WeChat Pay commonly does


def _day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(date_from, dt.time(), tzinfo=CHINA)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
    return start, end


def _check_request(access, gateway: str, date_from, date_to) -> int:
    """The importing company, once the request may be made."""
    if not access.is_authenticated:
        raise PermissionDenied()
    # The platform reads tenants' reconciliation but imports none (it holds no company).
    if access.company_id is None or not access.can("billing.approve"):
        raise PermissionDenied()
    if gateway not in Gateway.values:
        raise ApplicationError("请选择支付渠道", field="gateway")
    if not isinstance(date_from, dt.date):
        raise ApplicationError("请填写账单日期", field="date_from")
    if not isinstance(date_to, dt.date):
        raise ApplicationError("请填写账单截止日期", field="date_to")
    if date_to < date_from:
        raise ApplicationError("截止日期不能早于开始日期", field="date_to")
    if (date_to - date_from).days >= MAX_DAYS:
        raise ApplicationError(f"一次最多核对{MAX_DAYS}天", field="date_to")
    if date_to > timezone.localdate():
        raise ApplicationError("账单日期不能晚于今天", field="date_to")
    return access.company_id


def _refund_results(
    lines: list[Line], orders: dict[str, PaymentOrder], gateway: str
) -> dict[int, tuple[str, str, Decimal | None]]:  # (result, detail, our amount)
    """(result, detail, our amount) of each refund row, by file row. A row is matched by its
    refund number with the refund we sent back the original way; one of a refund recorded
    before refunds went through the gateway (no route) by its payment and amount. Refunds to
    the prepaid balance never leave through the channel."""
    numbers = {x.out_refund_no for x in lines if x.kind == REFUND and x.out_refund_no}
    routed = {
        r.out_refund_no: r
        for r in GatewayRefund.objects.filter(gateway=gateway, out_refund_no__in=numbers)
    }
    payments = {o.payment_id for o in orders.values() if o.payment_id}
    legacy: dict[int, list[Decimal]] = defaultdict(list)
    for payment_id, amount in (
        RefundRequest.objects.filter(
            payment_id__in=payments, state=RefundState.APPROVED, gateway_refund__isnull=True
        )
        .exclude(method=PayMethod.PREPAID)
        .values_list("payment_id", "amount")
    ):
        legacy[payment_id].append(amount)
    out: dict[int, tuple[str, str, Decimal | None]] = {}
    for x in lines:
        if x.kind != REFUND:
            continue
        order = orders.get(x.out_trade_no)
        route = routed.get(x.out_refund_no)
        if order is None:
            out[x.row] = (R.REFUND_UNKNOWN, f"渠道退款 {x.amount} 元，系统中没有订单 {x.out_trade_no}", None)  # fmt: skip
        elif route is not None and route.order_id == order.pk:
            if route.amount != x.amount:
                out[x.row] = (R.AMOUNT, f"渠道退款 {x.amount} 元，系统退款 {route.amount} 元", route.amount)  # fmt: skip
            elif route.state in (RouteState.SUCCEEDED, RouteState.PROCESSING):
                out[x.row] = (R.MATCHED, "", route.amount)
            else:
                detail = f"渠道已受理退款，系统记为「{route.get_state_display()}」"
                if route.state == RouteState.OFFLINE:
                    detail += "：已线下退款，可能重复退款"
                out[x.row] = (R.REFUND_STATE, detail, route.amount)
        elif x.amount in legacy.get(order.payment_id or 0, []):
            legacy[order.payment_id or 0].remove(x.amount)  # one refund answers one row
            out[x.row] = (R.MATCHED, "", x.amount)
        else:
            out[x.row] = (R.REFUND_UNKNOWN, f"渠道退款 {x.amount} 元，系统中没有这笔已批准的退款", None)  # fmt: skip
    return out


@transaction.atomic
def statement_import(
    *, actor, gateway: str, date_from, date_to, file_name: str, data: bytes
) -> StatementImport:
    access = get_access(actor)
    company_id = _check_request(access, gateway, date_from, date_to)
    try:
        lines = parse(gateway, data)
    except StatementError as exc:
        raise ApplicationError(exc.message, field="file") from None
    start, end = _day_bounds(date_from, date_to)
    for line in lines:
        if not start <= line.time < end:
            when = line.time.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
            raise ApplicationError(
                f"第{line.row}行交易时间 {when} 不在账单日期 {date_from}–{date_to} 内",
                field="file",
            )
    sha = hashlib.sha256(data).hexdigest()
    before = (
        StatementImport.objects.filter(company_id=company_id, gateway=gateway, sha256=sha)
        .select_related("uploaded_by")
        .first()
    )
    if before is not None:
        when = timezone.localtime(before.uploaded_at).strftime("%Y-%m-%d %H:%M")
        who = before.uploaded_by.name or before.uploaded_by.phone
        raise ApplicationError(f"该对账单已于 {when} 由 {who} 导入", field="file")

    orders = {
        o.out_trade_no: o
        for o in PaymentOrder.objects.filter(
            gateway=gateway, out_trade_no__in={x.out_trade_no for x in lines}
        ).select_related("community")
    }
    others = {k for k, o in orders.items() if o.community.company_id != company_id}
    mine = [x for x in lines if x.out_trade_no not in others]
    refunds = _refund_results(mine, {k: o for k, o in orders.items() if k not in others}, gateway)

    statement = StatementImport(
        company_id=company_id,
        gateway=gateway,
        date_from=date_from,
        date_to=date_to,
        file_name=(file_name or "")[:200],
        sha256=sha,
        uploaded_by=actor,
        other_company_count=len(lines) - len(mine),
    )
    rows: list[StatementLine] = []
    paid_here: set[str] = set()
    for x in mine:
        order = orders.get(x.out_trade_no)
        result: str = StatementResult.MATCHED
        detail, ours = "", None
        if x.kind == PAY:
            if order is None:
                result = StatementResult.UNKNOWN_ORDER
                detail = f"渠道收款 {x.amount} 元，系统中没有此订单"
            elif x.out_trade_no in paid_here:
                result = StatementResult.DUPLICATE
                detail = "同一订单渠道收款两次：请向渠道申请退回多收的款项"
            elif order.state not in RECEIVED:
                result = StatementResult.NOT_RECORDED
                detail = f"系统订单状态为「{order.get_state_display()}」：请向渠道查询后补记"
            elif order.amount != x.amount:
                result = StatementResult.AMOUNT
                detail = f"渠道 {x.amount} 元，系统订单 {order.amount} 元"
            paid_here.add(x.out_trade_no)
            statement.pay_count += 1
            statement.pay_total += x.amount
        else:
            result, detail, ours = refunds[x.row]
            statement.refund_count += 1
            statement.refund_total += x.amount
        statement.fee_total += x.fee
        rows.append(
            StatementLine(
                row=x.row,
                kind=x.kind,
                time=x.time,
                trade_no=x.trade_no[:64],
                out_trade_no=x.out_trade_no[:64],
                out_refund_no=x.out_refund_no[:64],
                amount=x.amount,
                fee=x.fee,
                system_amount=(ours if x.kind != PAY else order.amount if order else None),
                result=result,
                detail=detail,
                order=order,
                community=order.community if order is not None else None,
            )
        )

    recorded = PaymentOrder.objects.filter(
        community__company_id=company_id,
        gateway=gateway,
        state__in=RECEIVED,
        paid_at__gte=start,
        paid_at__lt=end,
    ).select_related("community")
    listed_before = set(
        StatementLine.objects.filter(
            statement__company_id=company_id,
            statement__gateway=gateway,
            kind=LineKind.PAY,
            out_trade_no__in=recorded.filter(paid_at__lt=start + MIDNIGHT_SLACK).values(
                "out_trade_no"
            ),
        ).values_list("out_trade_no", flat=True)
    )
    for o in recorded.order_by("paid_at", "id"):
        statement.system_count += 1
        statement.system_total += o.amount
        if o.out_trade_no in paid_here or o.out_trade_no in listed_before:
            continue
        detail = "系统已入账，渠道账单中没有这笔收款"
        if o.paid_at and o.paid_at < start + MIDNIGHT_SLACK:
            detail += "（零点前后的交易可能在前一日账单中）"
        rows.append(
            StatementLine(
                kind=LineKind.SYSTEM,
                time=o.paid_at or start,
                trade_no=o.gateway_trade_no[:64],
                out_trade_no=o.out_trade_no,
                system_amount=o.amount,
                result=StatementResult.NOT_IN_STATEMENT,
                detail=detail,
                order=o,
                community=o.community,
            )
        )
    # refunds we sent back the original way in those days that the channel does not list
    listed_refunds = {x.out_refund_no for x in mine if x.kind == REFUND}
    sent = GatewayRefund.objects.filter(
        community__company_id=company_id,
        gateway=gateway,
        state=RouteState.SUCCEEDED,
        sent_at__gte=start,
        sent_at__lt=end,
    ).select_related("community", "order")
    for r in sent.order_by("sent_at", "id"):
        if r.out_refund_no in listed_refunds:
            continue
        rows.append(
            StatementLine(
                kind=LineKind.SYSTEM,
                time=r.sent_at or start,
                trade_no=r.gateway_refund_id[:64],
                out_trade_no=r.order.out_trade_no,
                out_refund_no=r.out_refund_no,
                system_amount=r.amount,
                result=StatementResult.NOT_IN_STATEMENT,
                detail="系统记为已原路退回，渠道账单中没有这笔退款",
                order=r.order,
                community=r.community,
            )
        )
    statement.problem_count = sum(1 for r in rows if r.result != StatementResult.MATCHED)
    try:
        with transaction.atomic():
            statement.save()
    except IntegrityError:  # the same file imported at the same moment by someone else
        raise ApplicationError("该对账单已导入", field="file") from None
    for row in rows:
        row.statement = statement
    StatementLine.objects.bulk_create(rows)
    oplog_record(
        actor=actor,
        action=OpAction.CREATE,
        obj=statement,
        company=company_id,
        note=(
            f"导入{statement.get_gateway_display()}对账单 {date_from}–{date_to}："
            f"{len(mine)} 行，差异 {statement.problem_count} 笔"
        ),
    )
    return statement


def sandbox_statement(*, user, day: dt.date) -> bytes:
    """The demo bank's statement of one day for the user's company: payments it approved and
    refunds sent back through it, with its fee. The real channels' files come from them."""
    access = get_access(user)
    if access.company_id is None or not access.can("billing.view"):
        raise PermissionDenied()
    start, end = _day_bounds(day, day)
    lines: list[Line] = []
    orders = PaymentOrder.objects.filter(
        community__company_id=access.company_id,
        gateway=Gateway.SANDBOX,
        state__in=RECEIVED,
        paid_at__gte=start,
        paid_at__lt=end,
    ).order_by("paid_at", "id")
    for o in orders:
        fee = (o.amount * SANDBOX_FEE_RATE).quantize(Decimal("0.01"), ROUND_HALF_UP)
        lines.append(
            Line(0, PAY, o.paid_at or start, o.gateway_trade_no, o.out_trade_no, "", o.amount, fee)
        )
    # what the bank paid back: refunds sent the original way that it accepted
    for r in (
        GatewayRefund.objects.filter(
            gateway=Gateway.SANDBOX,
            community__company_id=access.company_id,
            state=RouteState.SUCCEEDED,
            sent_at__gte=start,
            sent_at__lt=end,
        )
        .select_related("order")
        .order_by("sent_at", "id")
    ):
        o = r.order
        lines.append(
            Line(0, REFUND, r.sent_at or start, o.gateway_trade_no, o.out_trade_no,
                 r.out_refund_no, r.amount, Decimal("0"))
        )  # fmt: skip
    lines.sort(key=lambda x: x.time)
    return sandbox_csv(lines)


def open_differences(access, since: dt.datetime):
    """Differences found by imports since `since` that still stand: a payment the channel took
    and we had not recorded stops being one once we record it; one we recorded and the channel
    did not list, once a later import lists it."""
    lines = (
        StatementLine.objects.for_access(access, "view")
        .filter(statement__uploaded_at__gte=since)
        .exclude(result=StatementResult.MATCHED)
        .select_related("statement", "community", "order")
    )
    listed = set(
        StatementLine.objects.for_access(access, "view")
        .filter(
            kind=LineKind.PAY,
            out_trade_no__in=lines.filter(result=StatementResult.NOT_IN_STATEMENT).values(
                "out_trade_no"
            ),
        )
        .values_list("out_trade_no", flat=True)
    )
    for x in lines.order_by("-time", "-id")[:500]:
        if x.result == StatementResult.NOT_RECORDED and x.order and x.order.state in RECEIVED:
            continue
        if x.result == StatementResult.NOT_IN_STATEMENT and x.out_trade_no in listed:
            continue
        yield x
