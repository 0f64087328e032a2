"""Alipay open platform (支付宝), mobile-site payment alipay.trade.wap.pay with RSA2.

- A request's parameters (without `sign`, without empty values) are sorted by name and
  joined as k=v with "&"; that string is signed SHA256withRSA with the app's private key
  and the signature, base64, added as `sign`. The payer is sent to the gateway URL with the
  parameters in the query string.
- An asynchronous notification (POST, form-encoded) is verified the same way with Alipay's
  public key, over all parameters except `sign` and `sign_type`. It is answered with the
  plain text "success" (anything else makes Alipay retry).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode

from .base import (
    Ack,
    Gateway,
    GatewayError,
    Notification,
    OrderInfo,
    Start,
    load_private_key,
    load_public_key,
    pem_from,
    rsa_sign,
    rsa_verify,
)

GATEWAY = "https://openapi.alipay.com/gateway.do"
PAID_STATES = ("TRADE_SUCCESS", "TRADE_FINISHED")


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
        clock: Callable[[], float] = time.time,
    ):
        if not (app_id and private_key and alipay_public_key):
            raise GatewayError("not_configured", "支付宝未配置 AppID、应用私钥或支付宝公钥")
        self.app_id = app_id
        self.private_key = load_private_key(pem_from(private_key))
        self.public_key = load_public_key(pem_from(alipay_public_key))
        self.gateway = gateway
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
