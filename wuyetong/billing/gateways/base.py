"""The payment gateway interface: start a payment for an order, read and verify a payment
notification, and answer it the way the gateway expects; send a refund back to the payer
(原路退回), query it, and read a refund notification.

Adapters: WeChat Pay API v3 (wechat.py), Alipay open platform with RSA2 (alipay.py), and a
sandbox (sandbox.py) that signs its notifications with a local key and whose "bank" is a page
of this server. Keys come from the environment (settings.PAYMENT_GATEWAYS)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from decimal import Decimal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class GatewayError(Exception):
    """A notification or response that cannot be trusted or read. `reason` is one of
    bad_signature / malformed / not_configured / unavailable (no usable answer: the outcome
    of what was asked is unknown)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail or reason


@dataclass(frozen=True)
class OrderInfo:
    """What an adapter needs of an order."""

    out_trade_no: str
    amount: Decimal
    description: str
    notify_url: str
    return_url: str
    client_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class Start:
    """Where to send the payer: a URL to open (the gateway's cashier page)."""

    redirect_url: str
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    """A verified notification: the order, the amount paid, the gateway's trade number."""

    out_trade_no: str
    amount: Decimal
    trade_no: str
    success: bool


@dataclass(frozen=True)
class Ack:
    status: int
    content_type: str
    body: bytes


# What a gateway said about a refund, in our words (choices.RouteState without "offline").
PROCESSING, SUCCEEDED, FAILED, CLOSED = "processing", "succeeded", "failed", "closed"


@dataclass(frozen=True)
class RefundInfo:
    """A refund to send back through the gateway that took the payment."""

    out_trade_no: str
    out_refund_no: str
    amount: Decimal  # what goes back now
    total: Decimal  # what the order paid
    reason: str
    notify_url: str


@dataclass(frozen=True)
class RefundResult:
    """A verified answer, query result or notification about one refund. `amount` is None
    when the gateway did not say."""

    out_refund_no: str
    state: str
    gateway_refund_id: str = ""
    amount: Decimal | None = None
    detail: str = ""


def fen(amount: Decimal) -> int:
    """Yuan to fen, refusing anything finer than a fen (never rounded away)."""
    value = amount * 100
    if value != value.to_integral_value():
        raise GatewayError("malformed", f"金额 {amount} 不是整分")
    return int(value)


class Gateway:
    code = ""

    def refund(self, info: RefundInfo) -> RefundResult:  # pragma: no cover - interface
        raise NotImplementedError

    def refund_query(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult:
        raise NotImplementedError  # pragma: no cover - interface

    def parse_refund_notification(self, headers: dict[str, str], body: bytes) -> RefundResult:
        raise NotImplementedError  # pragma: no cover - interface

    def start(self, order: OrderInfo) -> Start:  # pragma: no cover - interface
        raise NotImplementedError

    def parse_notification(self, headers: dict[str, str], body: bytes) -> Notification:
        raise NotImplementedError  # pragma: no cover - interface

    def ack(self, ok: bool, message: str = "") -> Ack:  # pragma: no cover - interface
        raise NotImplementedError


# ---------------------------------------------------------------- RSA helpers


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise GatewayError("not_configured", f"私钥无法读取: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise GatewayError("not_configured", "私钥不是 RSA 密钥")
    return key


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """An RSA public key from a PEM public key or an X.509 certificate (WeChat Pay's platform
    certificate)."""
    data = pem.encode()
    key: object
    try:
        if b"CERTIFICATE" in data:
            from cryptography import x509

            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise GatewayError("not_configured", f"公钥无法读取: {exc}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise GatewayError("not_configured", "公钥不是 RSA 密钥")
    return key


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    """SHA256withRSA (PKCS#1 v1.5), base64: the signature both WeChat Pay v3 and Alipay RSA2
    use."""
    return base64.b64encode(
        key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()


def rsa_verify(key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (ValueError, TypeError):
        return False
    try:
        key.verify(raw, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def pem_from(value: str) -> str:
    """Environment variables hold PEM text, with literal \\n when set on one line."""
    return (value or "").replace("\\n", "\n").strip()
