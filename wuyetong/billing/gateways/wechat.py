"""WeChat Pay API v3 (微信支付 APIv3), H5 payment in the phone's browser.

- Requests are signed with the merchant's RSA private key: the message is
  "METHOD\\nURL-path-and-query\\ntimestamp\\nnonce\\nbody\\n", SHA256withRSA, base64, sent as
  `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",
  timestamp="…",serial_no="…"`.
- Responses and notifications carry Wechatpay-Timestamp / -Nonce / -Signature / -Serial; the
  signed message is "timestamp\\nnonce\\nbody\\n", verified with the platform certificate or
  platform public key, and old timestamps are refused (replays).
- Key rotation: WeChat Pay signs with the key whose serial it sends as Wechatpay-Serial. The
  current key and, during a rotation, the previous one are configured with their serials;
  the header picks the key, and an unknown serial is refused with the serials we know.
- A notification's `resource` is AEAD_AES_256_GCM encrypted with the APIv3 key: nonce and
  associated_data as given, ciphertext base64 (tag appended).
- Refunds (原路退回): POST /v3/refund/domestic/refunds with out_trade_no, out_refund_no,
  reason, notify_url and amount {refund, total, currency} in fen, signed like any request;
  the answer's `status` is SUCCESS / PROCESSING / ABNORMAL / CLOSED. The result comes later
  as a notification (event_type REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED, resource
  encrypted as above, `refund_status` inside) and can be asked for with
  GET /v3/refund/domestic/refunds/{out_refund_no}. A retry uses the same out_refund_no.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .base import (
    CLOSED,
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
    fen,
    load_private_key,
    load_public_key,
    pem_from,
    rsa_sign,
    rsa_verify,
)

API = "https://api.mch.weixin.qq.com"
H5_PATH = "/v3/pay/transactions/h5"
REFUND_PATH = "/v3/refund/domestic/refunds"
REFUND_STATES = {
    "SUCCESS": SUCCEEDED,
    "PROCESSING": PROCESSING,
    "ABNORMAL": FAILED,
    "CLOSED": CLOSED,
}
REFUND_DETAIL = {
    "ABNORMAL": "退款异常：用户的银行卡作废或冻结等，请在商户平台处理或线下退款",
    "CLOSED": "退款已关闭",
}
MAX_SKEW = 300  # seconds a signed timestamp may differ from our clock

# (method, url, headers, body) -> (status, headers, body)
Transport = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


def _urllib_transport(method, url, headers, body):  # pragma: no cover - needs the network
    req = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


class WechatPay(Gateway):
    code = "wechat"

    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        serial_no: str,
        private_key: str,
        platform_public_key: str,
        platform_serial: str,
        apiv3_key: str,
        platform_public_key_previous: str = "",
        platform_serial_previous: str = "",
        api: str = API,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.time,
    ):
        if not (mchid and appid and serial_no and private_key and platform_public_key):
            raise GatewayError("not_configured", "微信支付未配置商户号、AppID、证书或公钥")
        if len((apiv3_key or "").encode()) != 32:
            raise GatewayError("not_configured", "APIv3 密钥必须是32字节")
        self.mchid, self.appid, self.serial_no = mchid, appid, serial_no
        self.private_key = load_private_key(pem_from(private_key))
        self.platform_key = load_public_key(pem_from(platform_public_key))
        self.platform_serial = platform_serial
        # serial → key: the current one and, during a rotation, the one being retired
        self.platform_keys = {platform_serial: self.platform_key} if platform_serial else {}
        if platform_public_key_previous:
            if not (platform_serial and platform_serial_previous):
                raise GatewayError("not_configured", "轮换期间两个平台公钥都须配置序列号")
            if platform_serial_previous == platform_serial:
                raise GatewayError("not_configured", "新旧平台公钥的序列号相同")
            self.platform_keys[platform_serial_previous] = load_public_key(
                pem_from(platform_public_key_previous)
            )
        self.apiv3_key = apiv3_key.encode()
        self.api = api.rstrip("/")
        self.transport = transport or _urllib_transport
        self.clock = clock

    # ------------------------------------------------------------ signing

    def authorization(self, method: str, url: str, body: str) -> str:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        timestamp = str(int(self.clock()))
        nonce = secrets.token_hex(16)
        message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n"
        signature = rsa_sign(self.private_key, message)
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.mchid}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{timestamp}",serial_no="{self.serial_no}"'
        )

    def verify(self, headers: dict[str, str], body: bytes) -> None:
        """Checks the Wechatpay-* signature of a response or notification."""
        h = _lower(headers)
        timestamp = h.get("wechatpay-timestamp", "")
        nonce = h.get("wechatpay-nonce", "")
        signature = h.get("wechatpay-signature", "")
        serial = h.get("wechatpay-serial", "")
        if not (timestamp and nonce and signature):
            raise GatewayError("bad_signature", "缺少微信支付签名头")
        key = self.platform_keys.get(serial) if self.platform_keys else self.platform_key
        if key is None:
            known = "、".join(self.platform_keys)
            raise GatewayError(
                "bad_signature", f"未知的平台证书序列号 {serial[:64] or '（无）'}，已配置：{known}"
            )
        if not timestamp.isdigit() or abs(self.clock() - int(timestamp)) > MAX_SKEW:
            raise GatewayError("bad_signature", "签名时间戳过期")
        try:
            text = body.decode()
        except UnicodeDecodeError:
            raise GatewayError("malformed", "报文不是 UTF-8") from None
        if not rsa_verify(key, f"{timestamp}\n{nonce}\n{text}\n", signature):
            raise GatewayError("bad_signature", "微信支付签名验证失败")

    def decrypt(self, resource: dict) -> dict:
        try:
            if resource.get("algorithm") != "AEAD_AES_256_GCM":
                raise GatewayError("malformed", "不支持的加密算法")
            plain = AESGCM(self.apiv3_key).decrypt(
                resource["nonce"].encode(),
                base64.b64decode(resource["ciphertext"]),
                (resource.get("associated_data") or "").encode(),
            )
            return json.loads(plain)
        except (KeyError, TypeError, ValueError, AttributeError, InvalidTag):
            raise GatewayError("bad_signature", "通知内容解密失败") from None

    # ------------------------------------------------------------ the gateway

    def start(self, order: OrderInfo) -> Start:
        """Places an H5 order and returns its h5_url (opens WeChat's cashier)."""
        body = json.dumps(
            {
                "appid": self.appid,
                "mchid": self.mchid,
                "description": order.description[:127],
                "out_trade_no": order.out_trade_no,
                "notify_url": order.notify_url,
                "amount": {"total": int(order.amount * 100), "currency": "CNY"},
                "scene_info": {"payer_client_ip": order.client_ip, "h5_info": {"type": "Wap"}},
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        url = self.api + H5_PATH
        headers = {
            "Authorization": self.authorization("POST", url, body),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        status, resp_headers, resp_body = self.transport("POST", url, headers, body.encode())
        if status != 200:
            raise GatewayError("malformed", f"微信支付下单失败 HTTP {status}")
        self.verify(resp_headers, resp_body)
        data = json.loads(resp_body)
        if "h5_url" not in data:
            raise GatewayError("malformed", "微信支付下单应答缺少 h5_url")
        return Start(redirect_url=data["h5_url"], raw=data)

    def parse_notification(self, headers: dict[str, str], body: bytes) -> Notification:
        self.verify(headers, body)
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
        except (ValueError, KeyError, TypeError):
            raise GatewayError("malformed", "通知报文无效") from None
        tx = self.decrypt(resource)
        try:
            if tx.get("mchid") != self.mchid or tx.get("appid") != self.appid:
                raise GatewayError("bad_signature", "商户号或 AppID 不符")
            total = tx["amount"]["total"]
            if not isinstance(total, int) or isinstance(total, bool):
                raise GatewayError("malformed", "金额格式无效")
            return Notification(
                out_trade_no=str(tx["out_trade_no"]),
                amount=Decimal(total) / 100,
                trade_no=str(tx.get("transaction_id", "")),
                success=tx.get("trade_state") == "SUCCESS",
            )
        except (KeyError, TypeError):
            raise GatewayError("malformed", "通知内容缺少字段") from None

    def ack(self, ok: bool, message: str = "") -> Ack:
        if ok:
            return Ack(204, "application/json", b"")
        body = json.dumps({"code": "FAIL", "message": message or "失败"}, ensure_ascii=False)
        return Ack(400, "application/json", body.encode())

    # ------------------------------------------------------------ refunds

    def _call(self, method: str, path: str, body: str = "") -> tuple[int, dict, bytes]:
        url = self.api + path
        headers = {
            "Authorization": self.authorization(method, url, body),
            "Accept": "application/json",
        }
        if body:
            headers["Content-Type"] = "application/json"
        try:
            return self.transport(method, url, headers, body.encode())
        except OSError as exc:  # network: nobody knows whether WeChat Pay acted on it
            raise GatewayError("unavailable", f"微信支付无应答：{exc}") from None

    def _refund_answer(self, out_refund_no: str, status: int, headers: dict, body: bytes):
        if status >= 500:
            raise GatewayError("unavailable", f"微信支付暂不可用 HTTP {status}")
        if status != 200:
            # a refusal (e.g. NOT_ENOUGH, INVALID_REQUEST): nothing was refunded
            try:
                err = json.loads(body)
                message = f"{err.get('code', '')} {err.get('message', '')}".strip()
            except (ValueError, AttributeError):
                message = ""
            return RefundResult(
                out_refund_no, FAILED, detail=f"微信支付拒绝退款 HTTP {status} {message}"[:300]
            )
        self.verify(headers, body)
        try:
            data = json.loads(body)
            code = data["status"]
            refund = data["amount"]["refund"]
            if not isinstance(refund, int) or isinstance(refund, bool):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise GatewayError("malformed", "微信支付退款应答缺少字段") from None
        if code not in REFUND_STATES:
            raise GatewayError("malformed", f"未知的退款状态 {code}")
        if data.get("out_refund_no") != out_refund_no:
            raise GatewayError("malformed", "退款应答的退款单号不符")
        return RefundResult(
            out_refund_no,
            REFUND_STATES[code],
            gateway_refund_id=str(data.get("refund_id", ""))[:64],
            amount=Decimal(refund) / 100,
            detail=REFUND_DETAIL.get(code, ""),
        )

    def refund(self, info: RefundInfo) -> RefundResult:
        body = json.dumps(
            {
                "out_trade_no": info.out_trade_no,
                "out_refund_no": info.out_refund_no,
                "reason": info.reason[:80],
                "notify_url": info.notify_url,
                "amount": {
                    "refund": fen(info.amount),
                    "total": fen(info.total),
                    "currency": "CNY",
                },
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        status, headers, resp = self._call("POST", REFUND_PATH, body)
        return self._refund_answer(info.out_refund_no, status, headers, resp)

    def refund_query(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult:
        status, headers, resp = self._call("GET", f"{REFUND_PATH}/{out_refund_no}")
        if status == 404:
            return RefundResult(
                out_refund_no, FAILED, detail="微信支付无此退款（未受理），可重新发起"
            )
        return self._refund_answer(out_refund_no, status, headers, resp)

    def parse_refund_notification(self, headers: dict[str, str], body: bytes) -> RefundResult:
        self.verify(headers, body)
        try:
            envelope = json.loads(body)
            event = str(envelope["event_type"])
            resource = envelope["resource"]
        except (ValueError, KeyError, TypeError):
            raise GatewayError("malformed", "退款通知报文无效") from None
        if not event.startswith("REFUND."):
            raise GatewayError("malformed", f"不是退款通知：{event}")
        data = self.decrypt(resource)
        try:
            if data.get("mchid") != self.mchid:
                raise GatewayError("bad_signature", "商户号不符")
            code = data["refund_status"]
            refund = data["amount"]["refund"]
            if not isinstance(refund, int) or isinstance(refund, bool):
                raise GatewayError("malformed", "金额格式无效")
            if code not in REFUND_STATES:
                raise GatewayError("malformed", f"未知的退款状态 {code}")
            return RefundResult(
                str(data["out_refund_no"]),
                REFUND_STATES[code],
                gateway_refund_id=str(data.get("refund_id", ""))[:64],
                amount=Decimal(refund) / 100,
                detail=REFUND_DETAIL.get(code, ""),
            )
        except (KeyError, TypeError, AttributeError):
            raise GatewayError("malformed", "退款通知内容缺少字段") from None
