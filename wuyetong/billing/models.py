"""Billing (C4): fee items and standards, assignments, bill runs, bills, payments with
gapless receipt numbers, and the append-only ledger every movement of money is written to.

Sign convention of the ledger: amounts are seen from the house. A bill or a late fee is
negative (the house owes more), a payment, discount or reversal positive; a prepayment adds to
the prepaid account, using it takes from it. Each account's balance is the sum of its entries.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.db.models.lookups import Exact, LessThanOrEqual

from wuyetong.core.models import CommunityScopedQuerySet, ScopedQuerySet, TimeStampedModel
from wuyetong.core.money import MoneyField
from wuyetong.estates.models import House, ParkingSpace, Vehicle
from wuyetong.orgs.models import Community, Company

from .choices import (
    KIND_ACCOUNT,
    BillRunState,
    BillState,
    ChargeMethod,
    ChargeTarget,
    FeeKind,
    LedgerAccount,
    LedgerKind,
    PaymentPurpose,
    PayMethod,
    PayTiming,
    Rounding,
    SharedBasis,
)

PRICE: dict[str, Any] = {"max_digits": 12, "decimal_places": 4}
QUANTITY: dict[str, Any] = {"max_digits": 14, "decimal_places": 4}
USER = settings.AUTH_USER_MODEL


class FeeItemQuerySet(ScopedQuerySet):
    permission_module = "billing"

    def scope(self, access):
        if access.company_id is None:
            return self.none()
        return self.filter(company_id=access.company_id)


class BillingQuerySet(CommunityScopedQuerySet):
    permission_module = "billing"


class FeeItem(TimeStampedModel):
    """A kind of charge a company collects (物业费, 水费, 车位管理费, 装修押金 …)."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="fee_items", verbose_name="物业公司"
    )
    name = models.CharField("收费项目", max_length=30)
    kind = models.CharField("类型", max_length=10, choices=FeeKind.choices)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    objects = FeeItemQuerySet.as_manager()

    class Meta:
        verbose_name = "收费项目"
        verbose_name_plural = "收费项目"
        ordering = ["company_id", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="feeitem_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class FeeStandard(TimeStampedModel):
    """How a fee item is charged in one community: the formula, its prices, the cycle and the
    dates it applies. Bills copy the figures they used, so changing a standard never changes a
    bill already issued."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="fee_standards", verbose_name="小区"
    )
    fee_item = models.ForeignKey(
        FeeItem, on_delete=models.PROTECT, related_name="standards", verbose_name="收费项目"
    )
    name = models.CharField("标准名称", max_length=50)
    method = models.CharField("计费方式", max_length=16, choices=ChargeMethod.choices)
    target = models.CharField(
        "收费对象", max_length=10, choices=ChargeTarget.choices, default=ChargeTarget.HOUSE
    )
    unit_price = models.DecimalField("单价", default=Decimal("0"), **PRICE)
    fixed_amount = MoneyField("固定金额/附加", default=Decimal("0"))
    tiers = models.JSONField("阶梯价格", default=list, blank=True)
    tiers_yearly = models.BooleanField("阶梯按年累计", default=False)
    cycle_months = models.PositiveSmallIntegerField(
        "计费周期(月)", choices=[(1, "月"), (3, "季"), (6, "半年"), (12, "年")], default=1
    )
    timing = models.CharField(
        "收费时点", max_length=10, choices=PayTiming.choices, default=PayTiming.PREPAID
    )
    due_day = models.PositiveSmallIntegerField("缴费日", default=15)
    rounding = models.CharField(
        "舍入规则", max_length=16, choices=Rounding.choices, default=Rounding.HALF_UP
    )
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = BillingQuerySet.as_manager()

    class Meta:
        verbose_name = "收费标准"
        verbose_name_plural = "收费标准"
        ordering = ["community_id", "fee_item_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="feestandard_unique_name"),
            models.CheckConstraint(
                condition=Q(cycle_months__in=[1, 3, 6, 12]), name="feestandard_cycle_valid"
            ),
            models.CheckConstraint(
                condition=Q(due_day__gte=1, due_day__lte=28), name="feestandard_due_day_valid"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, fixed_amount__gte=0),
                name="feestandard_prices_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="feestandard_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FeeAssignment(models.Model):
    """A standard attached to one chargeable object (a house, or a space or vehicle billed to
    its house) from its billing start date (计费起始)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    standard = models.ForeignKey(
        FeeStandard, on_delete=models.PROTECT, related_name="assignments", verbose_name="收费标准"
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="fee_assignments", verbose_name="缴费房屋"
    )
    parking_space = models.ForeignKey(
        ParkingSpace, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # "house:12", "space:5", "vehicle:3": one assignment per object and standard.
    target_key = models.CharField(max_length=30, editable=False)
    start_date = models.DateField("计费起始")
    end_date = models.DateField("计费截止", null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BillingQuerySet.as_manager()

    class Meta:
        verbose_name = "收费标准关联"
        verbose_name_plural = "收费标准关联"
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "target_key"], name="feeassignment_unique_target"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="feeassignment_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard} · {self.target_key}"


class BillRun(models.Model):
    """One fee item's bills for one community and month. At most one live run per (community,
    fee item, period): running the period again finds it and adds only what is missing."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="bill_runs", verbose_name="小区"
    )
    fee_item = models.ForeignKey(FeeItem, on_delete=models.PROTECT, related_name="bill_runs")
    period = models.DateField("账期(月初)")
    state = models.CharField(
        "状态", max_length=10, choices=BillRunState.choices, default=BillRunState.PREVIEW
    )
    bill_count = models.PositiveIntegerField("账单数", default=0)
    total_amount = MoneyField("合计", default=Decimal("0"))
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    objects = BillingQuerySet.as_manager()

    class Meta:
        verbose_name = "账单批次"
        verbose_name_plural = "账单批次"
        ordering = ["-period", "fee_item_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "fee_item", "period"],
                condition=~Q(state="voided"),
                name="billrun_one_live_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.fee_item} {self.period:%Y-%m}"


class SharedAllocation(models.Model):
    """公摊: one shared meter's charge for a period, split over houses by area or per
    household; its bills carry each house's share."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    fee_item = models.ForeignKey(FeeItem, on_delete=models.PROTECT, related_name="+")
    meter = models.CharField("公摊表", max_length=50)
    period_start = models.DateField("开始日期")
    period_end = models.DateField("结束日期")
    basis = models.CharField("分摊方式", max_length=10, choices=SharedBasis.choices)
    usage = models.DecimalField("总用量", null=True, blank=True, **QUANTITY)
    total_amount = MoneyField("分摊总额")
    weight_total = models.DecimalField("分摊基数合计", **QUANTITY)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BillingQuerySet.as_manager()

    class Meta:
        verbose_name = "公摊分摊"
        verbose_name_plural = "公摊分摊"
        constraints = [
            models.UniqueConstraint(
                fields=["community", "fee_item", "meter", "period_start"],
                name="sharedallocation_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter} {self.period_start:%Y-%m}"


def _settleable():
    """amount − discount, rounded to the fen inside the database: SQLite keeps decimals as
    binary floats, where 179.43 − 2.95 is not 176.48 (PostgreSQL's numeric is exact)."""
    return Round(F("amount") - F("discount_amount"), 2)


class Bill(models.Model):
    """A charge to a house. Its figures (quantity, price, amount, calculation) are fixed when
    issued; afterwards only its state and paid amount move, and a bill is voided or reversed,
    never edited or deleted."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="bills", verbose_name="小区"
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="bills", verbose_name="房屋"
    )
    fee_item = models.ForeignKey(
        FeeItem, on_delete=models.PROTECT, related_name="bills", verbose_name="收费项目"
    )
    standard = models.ForeignKey(
        FeeStandard, on_delete=models.PROTECT, null=True, blank=True, related_name="bills"
    )
    assignment = models.ForeignKey(
        FeeAssignment, on_delete=models.PROTECT, null=True, blank=True, related_name="bills"
    )
    bill_run = models.ForeignKey(
        BillRun, on_delete=models.PROTECT, null=True, blank=True, related_name="bills"
    )
    shared_allocation = models.ForeignKey(
        SharedAllocation, on_delete=models.PROTECT, null=True, blank=True, related_name="bills"
    )
    # a late fee (滞纳金) is a bill of its own, charged on the overdue bill it names
    late_fee_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="late_fees"
    )
    period = models.DateField("账期(周期首月)")
    period_start = models.DateField("计费开始")
    period_end = models.DateField("计费结束")
    due_date = models.DateField("应缴日期")
    quantity = models.DecimalField("数量", **QUANTITY)
    unit_price = models.DecimalField("单价", **PRICE)
    amount = MoneyField("应收金额")
    paid_amount = MoneyField("已收金额", default=Decimal("0"))
    # discounts granted when the bill was paid (ledger kind "discount"); they settle the
    # bill like a payment but are no money received
    discount_amount = MoneyField("优惠金额", default=Decimal("0"))
    calculation = models.CharField("计算过程", max_length=500)
    state = models.CharField(
        "状态", max_length=10, choices=BillState.choices, default=BillState.UNPAID
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    # set on one-off bills only: a repeated submission returns the bill already written
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = BillingQuerySet.as_manager()

    class Meta:
        verbose_name = "账单"
        verbose_name_plural = "账单"
        ordering = ["house_id", "period_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "period"],
                condition=Q(assignment__isnull=False) & ~Q(state__in=["voided", "reversed"]),
                name="bill_once_per_assignment_period",
            ),
            models.UniqueConstraint(
                fields=["shared_allocation", "house"],
                condition=Q(shared_allocation__isnull=False),
                name="bill_once_per_shared_house",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="bill_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(
                    LessThanOrEqual(Round(F("paid_amount"), 2), _settleable()),
                    paid_amount__gte=0,
                    discount_amount__gte=0,
                ),
                name="bill_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="bill_period_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(Exact(Round(F("paid_amount"), 2), _settleable())),
                name="bill_paid_means_settled",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["unpaid", "voided"]) | Q(paid_amount=0, discount_amount=0),
                name="bill_unpaid_has_no_payment",
            ),
        ]
        indexes = [
            models.Index(fields=["house", "state"], name="bill_house_state_idx"),
            models.Index(fields=["community", "period"], name="bill_community_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.fee_item} {self.period_start:%Y-%m} {self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount - self.discount_amount


class ReceiptCounter(models.Model):
    """The last receipt number used by a community. Locked with select_for_update while a
    payment is written, so numbers are consecutive with no gaps (a rolled-back payment rolls
    the counter back with it)."""

    community = models.OneToOneField(
        Community, on_delete=models.PROTECT, related_name="receipt_counter"
    )
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "收据号计数"
        verbose_name_plural = "收据号计数"

    def __str__(self) -> str:
        return f"{self.community} #{self.last_seq}"


class Payment(models.Model):
    """Money received (or drawn from the prepaid balance) with its numbered receipt (收据).
    The idempotency key makes a repeated submission or callback record one payment."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="payments", verbose_name="小区"
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="payments", verbose_name="房屋"
    )
    purpose = models.CharField("用途", max_length=10, choices=PaymentPurpose.choices)
    method = models.CharField("支付方式", max_length=10, choices=PayMethod.choices)
    amount = MoneyField("金额")
    receipt_seq = models.PositiveIntegerField("收据序号")
    receipt_no = models.CharField("收据号", max_length=40)
    idempotency_key = models.CharField(max_length=64, unique=True)
    cashier = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField("备注", max_length=200, blank=True)
    # cash handed over at the desk (the change given is tendered − amount)
    tendered = MoneyField("实收现金", null=True, blank=True)
    paid_at = models.DateTimeField("收款时间", auto_now_add=True, db_index=True)

    objects = BillingQuerySet.as_manager()

    class Meta:
        verbose_name = "收款"
        verbose_name_plural = "收款"
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "receipt_seq"], name="payment_unique_receipt_seq"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_no} {self.amount}"


class LedgerQuerySet(BillingQuerySet):
    """The ledger is append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("ledger entries are never updated")

    def delete(self):  # type: ignore[override]
        raise TypeError("ledger entries are never deleted")


class LedgerEntry(models.Model):
    """One movement of a house's money on one account (应收 / 预存 / 押金). Append-only:
    a mistake is corrected by a reversing entry, never by editing."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="ledger_entries")
    account = models.CharField("账户", max_length=10, choices=LedgerAccount.choices)
    kind = models.CharField("类型", max_length=16, choices=LedgerKind.choices)
    amount = MoneyField("金额")
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    fee_item = models.ForeignKey(
        FeeItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # set on deposit refunds (which have no Payment row): a repeated submission refunds once
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = "台账分录"
        verbose_name_plural = "台账分录"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(
                condition=(
                    Q(
                        account=LedgerAccount.RECEIVABLE,
                        kind__in=[
                            k for k, a in KIND_ACCOUNT.items() if a == LedgerAccount.RECEIVABLE
                        ],
                    )
                    | Q(
                        account=LedgerAccount.PREPAID,
                        kind__in=[k for k, a in KIND_ACCOUNT.items() if a == LedgerAccount.PREPAID],
                    )
                    | Q(
                        account=LedgerAccount.DEPOSIT,
                        kind__in=[k for k, a in KIND_ACCOUNT.items() if a == LedgerAccount.DEPOSIT],
                    )
                ),
                name="ledger_kind_matches_account",
            ),
        ]
        indexes = [models.Index(fields=["house", "account"], name="ledger_house_account_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("ledger entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("ledger entries are never deleted")


class PrepaidBalance(models.Model):
    """A house's prepaid (预存) and deposit (押金) balances, cached from its ledger and changed
    only under a row lock together with the entries that move them."""

    house = models.OneToOneField(House, on_delete=models.PROTECT, related_name="prepaid")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    balance = MoneyField("预存余额", default=Decimal("0"))
    deposit_held = MoneyField("押金余额", default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = BillingQuerySet.as_manager()

    class Meta:
        verbose_name = "预存余额"
        verbose_name_plural = "预存余额"
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0, deposit_held__gte=0),
                name="prepaid_balances_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.house} {self.balance}"


# Models of meter reading, 公摊 meters, bill-run jobs and dunning live in their own module.
# The collecting side (desk, discounts, late fees, refunds, invoices, online payment) lives in
# its own module so the two halves of billing can grow without crowding one file.
from .collect_models import *  # noqa: E402, F403
from .models_operations import (  # noqa: E402, F401
    BillRunJob,
    DunningRecord,
    MeterReading,
    SharedMeter,
    SharedMeterReading,
)
from .refund_models import GatewayRefund, GatewayRefundEvent  # noqa: E402, F401
from .statement_models import StatementImport, StatementLine  # noqa: E402, F401
