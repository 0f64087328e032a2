"""Alipay open platform (支付宝), mobile-site payment alipay.trade.wap.pay with RSA2.

- A request's parameters (without `sign`, without empty values) are sorted by name and
  joined as k=v with "&"; that string is signed SHA256withRSA with the app's private key
  and the signature, base64, added as `sign`. The payer is sent to the gateway URL with the
  parameters in the query string.
- An asynchronous notification (POST, form-encoded) is verified the same way with Alipay's
  public key, over all parameters except `sign` and `sign_type`. It is answered with the
  plain text "success" (anything else makes Alipay retry).
- Refunds (原路退回) are synchronous: alipay.trade.refund (out_trade_no, refund_amount in yuan,
  out_request_no: the same number for a retry) is POSTed to the gateway; the JSON answer's
  `alipay_trade_refund_response` is signed by Alipay (the signature covers that member's text
  exactly as sent). code 10000 with fund_change Y means the money went back; fund_change N
  means this refund was already made (a retry) or nothing moved, so
  alipay.trade.fastpay.refund.query decides (refund_status REFUND_SUCCESS). Another code is
  a refusal (sub_code / sub_msg say why), except 20000 whose outcome is unknown.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode

from .base import (
    FAILED,
    SUCCEEDED,
    Ack,
    Gateway,
    GatewayError,
    Notification,
    OrderInfo,
    RefundInfo,
    RefundResult,
    Start,
    load_private_key,
    load_public_key,
    pem_from,
    rsa_sign,
    rsa_verify,
)

GATEWAY = "https://openapi.alipay.com/gateway.do"
PAID_STATES = ("TRADE_SUCCESS", "TRADE_FINISHED")
UNKNOWN_CODE = "20000"  # 服务不可用: the outcome is unknown, ask again later

# (method, url, headers, body) -> (status, headers, body), as the WeChat Pay adapter's
Transport = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


def _urllib_transport(method, url, headers, body):  # pragma: no cover - needs the network
    req = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def response_member(text: str, name: str) -> tuple[dict, str]:
    """The member `name` of an Alipay JSON answer, parsed and as the exact text Alipay
    signed (re-serialising would change spacing or escapes and break the signature)."""
    marker = f'"{name}"'
    start = text.find(marker)
    if start < 0:
        raise GatewayError("malformed", f"支付宝应答缺少 {name}")
    colon = text.index(":", start + len(marker))
    begin = colon + 1
    while begin < len(text) and text[begin] in " \t\r\n":
        begin += 1
    try:
        value, end = json.JSONDecoder().raw_decode(text, begin)
    except ValueError:
        raise GatewayError("malformed", "支付宝应答无效") from None
    if not isinstance(value, dict):
        raise GatewayError("malformed", "支付宝应答无效")
    return value, text[begin:end]


def sign_content(params: dict[str, str], *, exclude: tuple[str, ...] = ("sign",)) -> str:
    return "&".join(
        f"{k}={params[k]}"
        for k in sorted(params)
        if k not in exclude and params[k] not in ("", None)
    )


class Alipay(Gateway):
    code = "alipay"

    def __init__(
        self,
        *,
        app_id: str,
        private_key: str,
        alipay_public_key: str,
        gateway: str = GATEWAY,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.time,
    ):
        if not (app_id and private_key and alipay_public_key):
            raise GatewayError("not_configured", "支付宝未配置 AppID、应用私钥或支付宝公钥")
        self.app_id = app_id
        self.private_key = load_private_key(pem_from(private_key))
        self.public_key = load_public_key(pem_from(alipay_public_key))
        self.gateway = gateway
        self.transport = transport or _urllib_transport
        self.clock = clock

    def signed_params(self, method: str, biz: dict, **extra: str) -> dict[str, str]:
        params = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.clock())),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **extra,
        }
        params["sign"] = rsa_sign(self.private_key, sign_content(params))
        return params

    def start(self, order: OrderInfo) -> Start:
        params = self.signed_params(
            "alipay.trade.wap.pay",
            {
                "out_trade_no": order.out_trade_no,
                "total_amount": f"{order.amount:.2f}",
                "subject": order.description[:256],
                "product_code": "QUICK_WAP_WAY",
            },
            notify_url=order.notify_url,
            return_url=order.return_url,
        )
        return Start(redirect_url=f"{self.gateway}?{urlencode(params)}", raw=params)

    def parse_notification(self, headers: dict[str, str], body: bytes) -> Notification:
        try:
            params = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise GatewayError("malformed", "通知报文无效") from None
        signature = params.get("sign", "")
        if not signature:
            raise GatewayError("bad_signature", "缺少签名")
        if params.get("sign_type", "RSA2") != "RSA2":
            raise GatewayError("bad_signature", "签名类型不是 RSA2")
        content = sign_content(params, exclude=("sign", "sign_type"))
        if not rsa_verify(self.public_key, content, signature):
            raise GatewayError("bad_signature", "支付宝签名验证失败")
        if params.get("app_id") != self.app_id:
            raise GatewayError("bad_signature", "AppID 不符")
        try:
            amount = Decimal(params["total_amount"])
            if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
                raise InvalidOperation
            return Notification(
                out_trade_no=params["out_trade_no"],
                amount=amount,
                trade_no=params.get("trade_no", ""),
                success=params.get("trade_status") in PAID_STATES,
            )
        except (KeyError, InvalidOperation):
            raise GatewayError("malformed", "通知缺少订单号或金额") from None

    def ack(self, ok: bool, message: str = "") -> Ack:
        return Ack(200, "text/plain", b"success" if ok else b"fail")

    # ------------------------------------------------------------ refunds

    def _call(self, method: str, biz: dict) -> dict:
        """Calls an open-platform method and returns its verified response member; raises
        GatewayError("unavailable") when there is no trustworthy answer."""
        params = self.signed_params(method, biz)
        headers = {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"}
        try:
            status, _headers, body = self.transport(
                "POST", self.gateway, headers, urlencode(params).encode()
            )
        except OSError as exc:
            raise GatewayError("unavailable", f"支付宝无应答：{exc}") from None
        if status != 200:
            raise GatewayError("unavailable", f"支付宝暂不可用 HTTP {status}")
        try:
            text = body.decode()
            signature = json.loads(text).get("sign", "")
        except (UnicodeDecodeError, ValueError, AttributeError):
            raise GatewayError("malformed", "支付宝应答无效") from None
        data, raw = response_member(text, method.replace(".", "_") + "_response")
        if not signature:
            # Alipay leaves errors of the call itself (bad app id, bad signature) unsigned
            if data.get("code") not in (None, "10000"):
                raise GatewayError("unavailable", f"支付宝拒绝请求：{_why(data)}")
            raise GatewayError("bad_signature", "支付宝应答缺少签名")
        if not rsa_verify(self.public_key, raw, signature):
            raise GatewayError("bad_signature", "支付宝应答签名验证失败")
        return data

    def refund(self, info: RefundInfo) -> RefundResult:
        data = self._call(
            "alipay.trade.refund",
            {
                "out_trade_no": info.out_trade_no,
                "refund_amount": f"{info.amount:.2f}",
                "out_request_no": info.out_refund_no,
                "refund_reason": info.reason[:256],
            },
        )
        code = data.get("code")
        if code == UNKNOWN_CODE:
            raise GatewayError("unavailable", f"支付宝退款结果未知：{_why(data)}")
        if code != "10000":
            return RefundResult(info.out_refund_no, FAILED, detail=f"支付宝拒绝退款：{_why(data)}")
        if data.get("fund_change") == "Y":
            return RefundResult(
                info.out_refund_no,
                SUCCEEDED,
                gateway_refund_id=str(data.get("trade_no", ""))[:64],
                amount=info.amount,
            )
        # "N": this out_request_no was refunded before (a retry), or no money moved
        return self.refund_query(out_trade_no=info.out_trade_no, out_refund_no=info.out_refund_no)

    def refund_query(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult:
        data = self._call(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": out_trade_no, "out_request_no": out_refund_no},
        )
        code = data.get("code")
        if code != "10000":
            raise GatewayError("unavailable", f"支付宝查询退款失败：{_why(data)}")
        if data.get("refund_status") == "REFUND_SUCCESS":
            try:
                amount = Decimal(str(data["refund_amount"]))
            except (KeyError, InvalidOperation):
                raise GatewayError("malformed", "支付宝退款查询缺少金额") from None
            return RefundResult(
                out_refund_no,
                SUCCEEDED,
                gateway_refund_id=str(data.get("trade_no", ""))[:64],
                amount=amount,
            )
        return RefundResult(
            out_refund_no, FAILED, detail="支付宝未查到成功的退款，可重新发起（同一退款单号）"
        )

    def parse_refund_notification(self, headers: dict[str, str], body: bytes) -> RefundResult:
        # alipay.trade.refund answers synchronously; the query settles anything unknown
        raise GatewayError("malformed", "支付宝退款没有异步通知")


def _why(data: dict) -> str:
    return " ".join(
        str(data.get(k, "")) for k in ("code", "msg", "sub_code", "sub_msg") if data.get(k)
    )[:250]
