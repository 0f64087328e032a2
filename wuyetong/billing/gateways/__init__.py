"""Payment gateways, built from settings.PAYMENT_GATEWAYS (keys from the environment)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from .alipay import Alipay
from .base import (
    Ack,
    Gateway,
    GatewayError,
    Notification,
    OrderInfo,
    RefundInfo,
    RefundResult,
    Start,
)
from .sandbox import Sandbox
from .wechat import WechatPay

__all__ = [
    "Ack",
    "Alipay",
    "Gateway",
    "GatewayError",
    "Notification",
    "OrderInfo",
    "RefundInfo",
    "RefundResult",
    "Sandbox",
    "Start",
    "WechatPay",
    "enabled_gateways",
    "gateway_for",
]


def _config() -> dict:
    return getattr(settings, "PAYMENT_GATEWAYS", {}) or {}


def enabled_gateways() -> list[str]:
    """Gateways the owner may choose: the sandbox when enabled, and each real gateway whose
    keys are set."""
    cfg = _config()
    out = []
    if cfg.get("sandbox", {}).get("enabled"):
        out.append("sandbox")
    if cfg.get("wechat", {}).get("mchid"):
        out.append("wechat")
    if cfg.get("alipay", {}).get("app_id"):
        out.append("alipay")
    return out


def gateway_for(code: str) -> Gateway:
    """The adapter for a gateway code; GatewayError("not_configured") when it has no keys."""
    cfg = _config().get(code) or {}
    if code == "sandbox" and cfg.get("enabled"):
        return Sandbox(
            key=cfg.get("key", ""),
            page_url=lambda no: reverse("owner_billing:sandbox", args=[no]),
            refund_outcome=cfg.get("refund_outcome") or "succeeded",
        )
    if code == "wechat" and cfg.get("mchid"):
        return WechatPay(**{k: v for k, v in cfg.items() if k != "enabled"})
    if code == "alipay" and cfg.get("app_id"):
        return Alipay(**{k: v for k, v in cfg.items() if k != "enabled"})
    raise GatewayError("not_configured", f"支付渠道 {code} 未启用")
