"""Billing, collecting side: late-fee rules and waivers, discount rules and vacancy relief,
refunds through approval, invoice requests, the cashier's daily close, online payment orders
and every gateway notification received, receipt prints, and the counters that number refund
and invoice documents. Money moves only through ledger entries (models.LedgerEntry)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import CommunityScopedQuerySet
from wuyetong.core.money import MoneyField
from wuyetong.estates.models import House
from wuyetong.orgs.models import Community, Company

from .choices import (
    DiscountKind,
    DocKind,
    Gateway,
    InvoiceState,
    NoticeResult,
    OrderState,
    PayMethod,
    RefundState,
    ReliefState,
)

USER = settings.AUTH_USER_MODEL
RATE: dict = {"max_digits": 8, "decimal_places": 6}
PERCENT: dict = {"max_digits": 5, "decimal_places": 2}

__all__ = [
    "DailyClose",
    "DiscountRule",
    "DocumentCounter",
    "GatewayNotice",
    "InvoiceRequest",
    "LateFeeRule",
    "LateFeeWaiver",
    "PaymentOrder",
    "ReceiptPrint",
    "RefundRequest",
    "RulesVersion",
    "VacancyRelief",
]


class CollectQuerySet(CommunityScopedQuerySet):
    permission_module = "billing"


class LateFeeRule(models.Model):
    """A community's late fee (滞纳金): `daily_rate` of the overdue amount per day after
    `grace_days` past the due date, capped at `cap_percent` of that amount when set."""

    community = models.OneToOneField(
        Community, on_delete=models.PROTECT, related_name="late_fee_rule", verbose_name=_("小区")
    )
    enabled = models.BooleanField(_("启用"), default=True)
    daily_rate = models.DecimalField(_("日费率"), **RATE)
    grace_days = models.PositiveSmallIntegerField(_("宽限天数"), default=0)
    cap_percent = models.DecimalField(_("上限(欠费的%)"), null=True, blank=True, **PERCENT)
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = CollectQuerySet.as_manager()

    class Meta:
        verbose_name = _("滞纳金规则")
        verbose_name_plural = _("滞纳金规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(daily_rate__gte=0, daily_rate__lte=Decimal("0.01")),
                name="latefeerule_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(cap_percent__isnull=True) | Q(cap_percent__gt=0, cap_percent__lte=100),
                name="latefeerule_cap_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.daily_rate}"

    @property
    def rate_percent(self) -> str:
        """The daily rate as a clerk writes it: 0.000300 → "0.03"."""
        return f"{(self.daily_rate * 100).normalize():f}"


class LateFeeWaiver(models.Model):
    """The late fee of one bill waived (减免) by someone allowed to, with the reason. The bill
    then accrues no late fee; the waiver is kept, never deleted."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    bill = models.OneToOneField(
        "billing.Bill", on_delete=models.PROTECT, related_name="late_fee_waiver"
    )
    reason = models.CharField(_("减免原因"), max_length=200)
    waived_amount = MoneyField(_("减免时滞纳金"), default=Decimal("0"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CollectQuerySet.as_manager()

    class Meta:
        verbose_name = _("滞纳金减免")
        verbose_name_plural = _("滞纳金减免")

    def __str__(self) -> str:
        return f"{self.bill_id} {self.reason}"


class DiscountRule(models.Model):
    """A community's discount: paying `min_months` or more ahead gives `percent` off or the
    last `free_months` free; a fixed reduction takes `amount` off a payment. Optionally only
    when the house has no arrears left (无欠费)."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="discount_rules", verbose_name=_("小区")
    )
    fee_item = models.ForeignKey(
        "billing.FeeItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("收费项目"),
    )
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("优惠方式"), max_length=16, choices=DiscountKind.choices)
    min_months = models.PositiveSmallIntegerField(_("预缴月数"), default=0)
    percent = models.DecimalField(_("折扣(%)"), default=Decimal("0"), **PERCENT)
    free_months = models.PositiveSmallIntegerField(_("赠送月数"), default=0)
    amount = MoneyField(_("减免金额"), default=Decimal("0"))
    require_no_arrears = models.BooleanField(_("须无欠费"), default=False)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CollectQuerySet.as_manager()

    class Meta:
        verbose_name = _("优惠规则")
        verbose_name_plural = _("优惠规则")
        ordering = ["community_id", "-min_months", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100, amount__gte=0),
                name="discountrule_figures_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VacancyRelief(models.Model):
    """空置优惠: a percentage off a vacant house's periodic bills over a span of months,
    requested by staff and applied only once approved by someone with billing.approve."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="vacancy_reliefs", verbose_name=_("房屋")
    )
    fee_item = models.ForeignKey(
        "billing.FeeItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("收费项目")
    )
    start = models.DateField(_("开始月份"))
    end = models.DateField(_("结束月份"))
    percent = models.DecimalField(_("优惠(%)"), **PERCENT)
    reason = models.CharField(_("申请理由"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=10, choices=ReliefState.choices, default=ReliefState.PENDING
    )
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    objects = CollectQuerySet.as_manager()

    class Meta:
        verbose_name = _("空置优惠")
        verbose_name_plural = _("空置优惠")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0, percent__lte=100), name="vacancyrelief_percent_range"
            ),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="vacancy_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.house} {self.percent}%"


class RulesVersion(models.Model):
    """A token renewed in the same transaction as every change to a community's collecting
    rules (late-fee rule, discount rules, vacancy relief). Quotes cache the rules under
    (community, token): a change makes a new key, so every process of every deployment reads
    the new rules at once and no cache entry needs deleting. A random token, not a counter:
    a rolled-back change can never hand its key to a later one."""

    community = models.OneToOneField(
        Community,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="billing_rules_version",
    )
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("收费规则版本")
        verbose_name_plural = _("收费规则版本")

    def __str__(self) -> str:
        return f"{self.community_id}@{self.token}"


class DocumentCounter(models.Model):
    """Gap-free numbering of refund slips and invoices per community, locked like receipts."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=DocKind.choices)
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("单据号计数")
        verbose_name_plural = _("单据号计数")
        constraints = [
            models.UniqueConstraint(fields=["community", "kind"], name="doccounter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.kind} #{self.last_seq}"


class RefundRequest(models.Model):
    """A request to refund bills of one payment (退款). Approval reverses those bills and
    refunds the money, both as ledger entries, and numbers a refund slip; a rejection keeps
    the request with the reason. Nothing is edited in place afterwards."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="refund_requests")
    payment = models.ForeignKey(
        "billing.Payment", on_delete=models.PROTECT, related_name="refund_requests"
    )
    bills = models.ManyToManyField("billing.Bill", related_name="refund_requests")
    amount = MoneyField(_("退款金额"))
    method = models.CharField(_("退款方式"), max_length=10, choices=PayMethod.choices)
    reason = models.CharField(_("退款原因"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=10, choices=RefundState.choices, default=RefundState.PENDING
    )
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    refund_seq = models.PositiveIntegerField(null=True, blank=True)
    refund_no = models.CharField(_("退款单号"), max_length=40, blank=True)

    objects = CollectQuerySet.as_manager()

    class Meta:
        verbose_name = _("退款申请")
        verbose_name_plural = _("退款申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["community", "refund_seq"],
                condition=Q(refund_seq__isnull=False),
                name="refund_unique_seq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.refund_no or self.pk} {self.amount}"


class InvoiceRequest(models.Model):
    """发票申请 for one payment: title, tax number, e-mail → reviewed → issued (number, PDF)
    → sent by e-mail."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="invoice_requests")
    payment = models.ForeignKey(
        "billing.Payment", on_delete=models.PROTECT, related_name="invoice_requests"
    )
    title = models.CharField(_("发票抬头"), max_length=100)
    tax_no = models.CharField(_("税号"), max_length=20, blank=True)
    email = models.EmailField(_("接收邮箱"))
    amount = MoneyField(_("开票金额"))
    state = models.CharField(
        _("状态"), max_length=10, choices=InvoiceState.choices, default=InvoiceState.REQUESTED
    )
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    invoice_seq = models.PositiveIntegerField(null=True, blank=True)
    invoice_no = models.CharField(_("发票号码"), max_length=40, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = CollectQuerySet.as_manager()

    class Meta:
        verbose_name = _("发票申请")
        verbose_name_plural = _("发票申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # one live request per payment; a rejected one may be asked again
            models.UniqueConstraint(
                fields=["payment"], condition=~Q(state="rejected"), name="invoice_one_per_payment"
            ),
            models.UniqueConstraint(
                fields=["community", "invoice_seq"],
                condition=Q(invoice_seq__isnull=False),
                name="invoice_unique_seq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_no or self.pk} {self.title}"


class DailyClose(models.Model):
    """A cashier's day closed (日结): the totals by method as counted at closing. Once a day
    is closed the cashier takes no more payments dated that day."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    cashier = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    count = models.PositiveIntegerField(_("笔数"))
    total = MoneyField(_("合计"))
    by_method = models.JSONField(_("按方式"), default=dict)
    payment_ids = models.JSONField(default=list)
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("日结")
        verbose_name_plural = _("日结")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cashier", "day"], name="dailyclose_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.cashier_id} {self.day}"


class PaymentOrder(models.Model):
    """An owner's online payment: the bills chosen and the amount quoted, sent to a gateway.
    A success notification records one Payment; repeats find it already paid."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="payment_orders")
    out_trade_no = models.CharField(_("商户订单号"), max_length=32, unique=True)
    gateway = models.CharField(_("支付渠道"), max_length=10, choices=Gateway.choices)
    method = models.CharField(_("支付方式"), max_length=10, choices=PayMethod.choices)
    amount = MoneyField(_("金额"))
    bill_ids = models.JSONField(default=list)
    quote = models.JSONField(default=dict)
    state = models.CharField(
        _("状态"), max_length=10, choices=OrderState.choices, default=OrderState.CREATED
    )
    payment = models.OneToOneField(
        "billing.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="order"
    )
    gateway_trade_no = models.CharField(_("渠道交易号"), max_length=64, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    objects = CollectQuerySet.as_manager()

    class Meta:
        verbose_name = _("在线支付订单")
        verbose_name_plural = _("在线支付订单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.out_trade_no


class GatewayNotice(models.Model):
    """Every payment notification received, verified or not, with what was done with it:
    the log the reconciliation report reads."""

    gateway = models.CharField(_("支付渠道"), max_length=10, choices=Gateway.choices)
    order = models.ForeignKey(
        PaymentOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    out_trade_no = models.CharField(max_length=64, blank=True)
    amount = MoneyField(_("通知金额"), null=True, blank=True)
    result = models.CharField(_("处理结果"), max_length=16, choices=NoticeResult.choices)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = CollectQuerySet.as_manager()

    class Meta:
        verbose_name = _("支付通知")
        verbose_name_plural = _("支付通知")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.gateway} {self.out_trade_no} {self.result}"


class ReceiptPrint(models.Model):
    """Each time a receipt PDF is produced: the first is the original, later ones say 补打."""

    payment = models.ForeignKey("billing.Payment", on_delete=models.PROTECT, related_name="prints")
    printed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    printed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("收据打印")
        verbose_name_plural = _("收据打印")

    def __str__(self) -> str:
        return f"{self.payment_id} {self.printed_at}"
