"""The sandbox gateway: its cashier page is a page of this server (approve or decline), and
its notifications are JSON signed with HMAC-SHA256 under a local key, verified the same way
a real gateway's are. For the demo, development and tests; never for real money.

Refunds: the sandbox "bank" answers a refund with the outcome configured
(settings.PAYMENT_GATEWAYS["sandbox"]["refund_outcome"], env PAYMENT_SANDBOX_REFUND):
succeeded (the default), failed (to see and handle a failed refund), or processing, which
the bank settles by the time it is asked (the periodic query) — as succeeded."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from .base import (
    FAILED,
    PROCESSING,
    SUCCEEDED,
    Ack,
    Gateway,
    GatewayError,
    Notification,
    OrderInfo,
    RefundInfo,
    RefundResult,
    Start,
)

HEADER = "X-Sandbox-Signature"
TIME_HEADER = "X-Sandbox-Timestamp"
MAX_SKEW = 300
OUTCOMES = (SUCCEEDED, FAILED, PROCESSING)


class Sandbox(Gateway):
    code = "sandbox"

    def __init__(
        self,
        *,
        key: str,
        page_url: Callable[[str], str],
        clock: Callable[[], float] = time.time,
        refund_outcome: str = SUCCEEDED,
    ):
        if not key:
            raise GatewayError("not_configured", "模拟支付未配置密钥")
        if refund_outcome not in OUTCOMES:
            raise GatewayError("not_configured", f"模拟退款结果应为 {'/'.join(OUTCOMES)}")
        self.key = key.encode()
        self.refund_outcome = refund_outcome
        self.page_url = page_url
        self.clock = clock

    def start(self, order: OrderInfo) -> Start:
        return Start(redirect_url=self.page_url(order.out_trade_no))

    def sign(self, timestamp: str, body: bytes) -> str:
        return hmac.new(self.key, timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()

    def notification(
        self, *, out_trade_no: str, amount: Decimal, approve: bool
    ) -> tuple[dict, bytes]:
        """What the sandbox "bank" sends when the payer approves or declines."""
        body = json.dumps(
            {
                "out_trade_no": out_trade_no,
                "amount": f"{amount:.2f}",
                "trade_no": f"SBX{out_trade_no}",
                "status": "SUCCESS" if approve else "DECLINED",
            }
        ).encode()
        timestamp = str(int(self.clock()))
        return {HEADER: self.sign(timestamp, body), TIME_HEADER: timestamp}, body

    def parse_notification(self, headers: dict[str, str], body: bytes) -> Notification:
        self._verified(headers, body)
        try:
            data = json.loads(body)
            amount = Decimal(str(data["amount"]))
            if not amount.is_finite():
                raise InvalidOperation
            return Notification(
                out_trade_no=str(data["out_trade_no"]),
                amount=amount,
                trade_no=str(data.get("trade_no", "")),
                success=data.get("status") == "SUCCESS",
            )
        except (ValueError, KeyError, TypeError, InvalidOperation):
            raise GatewayError("malformed", "通知报文无效") from None

    def ack(self, ok: bool, message: str = "") -> Ack:
        return Ack(200 if ok else 400, "text/plain", b"OK" if ok else message.encode())

    # ------------------------------------------------------------ refunds

    def _refund_result(self, out_refund_no: str, amount: Decimal, state: str) -> RefundResult:
        return RefundResult(
            out_refund_no,
            state,
            gateway_refund_id=f"SBXR{out_refund_no}"[:64] if state == SUCCEEDED else "",
            amount=amount,
            detail="模拟银行拒绝退款" if state == FAILED else "",
        )

    def refund(self, info: RefundInfo) -> RefundResult:
        if info.amount <= 0 or info.amount > info.total:
            return self._refund_result(info.out_refund_no, info.amount, FAILED)
        return self._refund_result(info.out_refund_no, info.amount, self.refund_outcome)

    def refund_query(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult:
        state = FAILED if self.refund_outcome == FAILED else SUCCEEDED
        return RefundResult(
            out_refund_no,
            state,
            gateway_refund_id=f"SBXR{out_refund_no}"[:64] if state == SUCCEEDED else "",
        )

    def refund_notification(
        self, *, out_refund_no: str, amount: Decimal, state: str
    ) -> tuple[dict, bytes]:
        """What the sandbox bank sends when a refund settles (signed like its payment
        notifications)."""
        body = json.dumps(
            {"out_refund_no": out_refund_no, "amount": f"{amount:.2f}", "refund_status": state}
        ).encode()
        timestamp = str(int(self.clock()))
        return {HEADER: self.sign(timestamp, body), TIME_HEADER: timestamp}, body

    def _verified(self, headers: dict[str, str], body: bytes) -> None:
        h = {k.lower(): v for k, v in headers.items()}
        signature = h.get(HEADER.lower(), "")
        timestamp = h.get(TIME_HEADER.lower(), "")
        if not signature or not timestamp.isdigit():
            raise GatewayError("bad_signature", "缺少签名")
        if abs(self.clock() - int(timestamp)) > MAX_SKEW:
            raise GatewayError("bad_signature", "签名时间戳过期")
        if not hmac.compare_digest(signature, self.sign(timestamp, body)):
            raise GatewayError("bad_signature", "签名验证失败")

    def parse_refund_notification(self, headers: dict[str, str], body: bytes) -> RefundResult:
        self._verified(headers, body)
        try:
            data = json.loads(body)
            amount = Decimal(str(data["amount"]))
            state = data["refund_status"]
            if not amount.is_finite() or state not in (SUCCEEDED, FAILED, PROCESSING):
                raise InvalidOperation
            return self._refund_result(str(data["out_refund_no"]), amount, state)
        except (ValueError, KeyError, TypeError, InvalidOperation):
            raise GatewayError("malformed", "退款通知报文无效") from None
