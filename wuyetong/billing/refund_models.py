"""Refunds sent back through the gateway that took the payment (原路退回): one row per
refund slip of an online payment, keyed by the out_refund_no the gateway knows it by, and
every step that changed it (sent, the gateway's answers, notifications, queries, a staff
retry, money paid another way), each with who and why. The ledger entries of the refund are
written once at approval (services.refunds); these rows follow the money out."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import CommunityScopedQuerySet
from wuyetong.core.money import MoneyField
from wuyetong.orgs.models import Community

from .choices import Gateway, PayMethod, RouteEvent, RouteState

USER = settings.AUTH_USER_MODEL

__all__ = ["GatewayRefund", "GatewayRefundEvent"]


class RouteQuerySet(CommunityScopedQuerySet):
    permission_module = "billing"


class GatewayRefund(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        "billing.PaymentOrder", on_delete=models.PROTECT, related_name="refunds"
    )
    request = models.OneToOneField(
        "billing.RefundRequest", on_delete=models.PROTECT, related_name="gateway_refund"
    )
    gateway = models.CharField(_("支付渠道"), max_length=10, choices=Gateway.choices)
    out_refund_no = models.CharField(_("商户退款单号"), max_length=64, unique=True)
    amount = MoneyField(_("退款金额"))
    state = models.CharField(
        _("退款状态"), max_length=10, choices=RouteState.choices, default=RouteState.PROCESSING
    )
    gateway_refund_id = models.CharField(_("渠道退款单号"), max_length=64, blank=True)
    error = models.CharField(_("失败原因"), max_length=300, blank=True)
    attempts = models.PositiveIntegerField(_("发起次数"), default=0)
    # where the gateway posts its result (built from the approving request's host)
    notify_url = models.CharField(max_length=300, blank=True)
    # the gateway reported the money back after staff had recorded paying it another way
    paid_twice = models.BooleanField(_("重复退款"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("最近发起"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # the owner was told the money is back (once)
    owner_told_at = models.DateTimeField(null=True, blank=True)

    objects = RouteQuerySet.as_manager()

    class Meta:
        verbose_name = _("原路退款")
        verbose_name_plural = _("原路退款")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="gateway_refund_positive"),
        ]
        indexes = [models.Index(fields=["state", "sent_at"], name="gwrefund_state_sent")]

    def __str__(self) -> str:
        return f"{self.out_refund_no} {self.amount} {self.state}"


class GatewayRefundEvent(models.Model):
    """One step of a gateway refund; `state` is the refund's state after it. Rows are only
    ever added."""

    refund = models.ForeignKey(GatewayRefund, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事件"), max_length=10, choices=RouteEvent.choices)
    state = models.CharField(_("退款状态"), max_length=10, choices=RouteState.choices)
    changed = models.BooleanField(_("改变状态"), default=False)
    actor = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(
        _("线下退款方式"), max_length=10, choices=PayMethod.choices, blank=True
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("原路退款记录")
        verbose_name_plural = _("原路退款记录")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.refund_id} {self.kind} {self.state}"
