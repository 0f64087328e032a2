"""Imported gateway statements (对账单) and what each of their rows matched: the second half of
reconciliation, beside the notification log (GatewayNotice). An import is a company's; its
rows are attributed to a community through the order they name, so a project clerk sees only
their communities' rows. Kept as imported: nothing here is edited afterwards."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import Access
from wuyetong.core.models import ScopedQuerySet
from wuyetong.core.money import MoneyField
from wuyetong.orgs.models import Community, Company

from .choices import Gateway

USER = settings.AUTH_USER_MODEL

__all__ = ["StatementImport", "StatementLine", "StatementResult"]


class StatementResult(models.TextChoices):
    MATCHED = "matched", _("一致")
    UNKNOWN_ORDER = "unknown", _("渠道有、系统无此订单")
    NOT_RECORDED = "unrecorded", _("渠道已收款、系统未入账")
    AMOUNT = "amount", _("金额不符")
    DUPLICATE = "duplicate", _("渠道重复收款")
    NOT_IN_STATEMENT = "missing", _("系统已入账、渠道无记录")
    REFUND_UNKNOWN = "refund_unknown", _("渠道有退款、系统无退款记录")
    REFUND_STATE = "refund_state", _("退款状态不符")


class LineKind(models.TextChoices):
    PAY = "pay", _("收款")
    REFUND = "refund", _("退款")
    SYSTEM = "system", _("系统记录")


class StatementImportQuerySet(ScopedQuerySet):
    permission_module = "billing"

    def scope(self, access: Access) -> models.QuerySet:
        if access.company_id is None:
            return self.none()
        return self.filter(company_id=access.company_id)


class StatementLineQuerySet(ScopedQuerySet):
    """A row with a community is seen by staff of that community; a row naming no known order
    cannot be attributed, so every billing viewer of the importing company sees it (it holds
    an order number and an amount, nobody's name)."""

    permission_module = "billing"

    def scope(self, access: Access) -> models.QuerySet:
        if access.company_id is None:
            return self.none()
        qs = self.filter(statement__company_id=access.company_id)
        if access.community_ids is not None:
            qs = qs.filter(Q(community_id__in=access.community_ids) | Q(community__isnull=True))
        return qs


class StatementImport(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    gateway = models.CharField(_("支付渠道"), max_length=10, choices=Gateway.choices)
    date_from = models.DateField(_("账单日期自"))
    date_to = models.DateField(_("账单日期至"))
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    # What the file says (the company's rows only) and what we recorded for the same days.
    pay_count = models.PositiveIntegerField(_("渠道收款笔数"), default=Decimal("0"))
    pay_total = MoneyField(_("渠道收款金额"), default=Decimal("0"))
    refund_count = models.PositiveIntegerField(_("渠道退款笔数"), default=Decimal("0"))
    refund_total = MoneyField(_("渠道退款金额"), default=Decimal("0"))
    fee_total = MoneyField(_("渠道手续费"), default=Decimal("0"))
    system_count = models.PositiveIntegerField(_("系统入账笔数"), default=Decimal("0"))
    system_total = MoneyField(_("系统入账金额"), default=Decimal("0"))
    problem_count = models.PositiveIntegerField(_("差异笔数"), default=Decimal("0"))
    other_company_count = models.PositiveIntegerField(default=Decimal("0"))

    objects = StatementImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("对账单")
        verbose_name_plural = _("对账单")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "gateway", "sha256"], name="statement_once_per_file"
            ),
            models.CheckConstraint(
                condition=Q(date_to__gte=models.F("date_from")), name="statement_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_gateway_display()} {self.date_from}–{self.date_to}"


class StatementLine(models.Model):
    statement = models.ForeignKey(StatementImport, on_delete=models.PROTECT, related_name="lines")
    row = models.PositiveIntegerField(_("文件行号"), null=True, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=LineKind.choices)
    time = models.DateTimeField(_("交易时间"))
    trade_no = models.CharField(_("渠道交易号"), max_length=64, blank=True)
    out_trade_no = models.CharField(_("商户订单号"), max_length=64)
    out_refund_no = models.CharField(_("商户退款单号"), max_length=64, blank=True)
    amount = MoneyField(_("渠道金额"), null=True, blank=True)
    fee = MoneyField(_("手续费"), default=Decimal("0"))
    system_amount = MoneyField(_("系统金额"), null=True, blank=True)
    result = models.CharField(_("核对结果"), max_length=16, choices=StatementResult.choices)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    order = models.ForeignKey(
        "billing.PaymentOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = StatementLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("对账单明细")
        verbose_name_plural = _("对账单明细")
        ordering = ["statement", "row", "id"]
        indexes = [models.Index(fields=["out_trade_no"])]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.result}"
