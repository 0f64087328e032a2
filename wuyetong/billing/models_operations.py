"""Billing operations around the money core: meter readings (抄表), shared meters (公摊表) and
their readings, bill-run jobs (a run committed in the background with its progress), and the
record of every arrears reminder (催缴). Imported by models.py, so Django sees them as models
of the billing app."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import CommunityScopedQuerySet
from wuyetong.core.money import MoneyField
from wuyetong.estates.models import Building, House
from wuyetong.orgs.models import Community

from .choices import DunningChannel, DunningStatus, JobState, ReadingSource, SharedBasis

QUANTITY: dict[str, Any] = {"max_digits": 14, "decimal_places": 4}
PRICE: dict[str, Any] = {"max_digits": 12, "decimal_places": 4}
USER = settings.AUTH_USER_MODEL


class OpsQuerySet(CommunityScopedQuerySet):
    permission_module = "billing"


class MeterReading(models.Model):
    """One month's reading of a house's meter of one metered fee item (水费, 电费, 燃气费).
    The previous reading is the last one entered for that meter; usage is their difference,
    or, when the meter was changed, what the old meter ran up to its final reading plus the
    new meter's reading. Editable until billed; its bill is then fixed."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="meter_readings", verbose_name=_("房屋")
    )
    fee_item = models.ForeignKey(
        "billing.FeeItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("表类型")
    )
    period = models.DateField(_("抄表月份"))
    previous_reading = models.DecimalField(_("上次读数"), **QUANTITY)
    current_reading = models.DecimalField(_("本次读数"), **QUANTITY)
    meter_changed = models.BooleanField(_("换表"), default=False)
    old_meter_final = models.DecimalField(_("旧表止数"), null=True, blank=True, **QUANTITY)
    usage = models.DecimalField(_("用量"), **QUANTITY)
    read_on = models.DateField(_("抄表日期"))
    source = models.CharField(_("录入方式"), max_length=10, choices=ReadingSource.choices)
    bill = models.OneToOneField(
        "billing.Bill",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meter_reading",
        verbose_name=_("账单"),
    )
    entered_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OpsQuerySet.as_manager()

    class Meta:
        verbose_name = _("抄表读数")
        verbose_name_plural = _("抄表读数")
        ordering = ["house_id", "fee_item_id", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["house", "fee_item", "period"], name="meterreading_once_per_month"
            ),
            models.CheckConstraint(
                condition=Q(meter_changed=True) | Q(current_reading__gte=F("previous_reading")),
                name="meterreading_not_backwards",
            ),
            models.CheckConstraint(condition=Q(usage__gte=0), name="meterreading_usage_positive"),
        ]
        indexes = [
            models.Index(fields=["community", "period"], name="meterreading_comm_period_idx")
        ]

    def __str__(self) -> str:
        return f"{self.house_id} {self.period:%Y-%m} {self.current_reading}"


class SharedMeter(models.Model):
    """A shared meter (公摊表: corridor lights, lifts, pumps) whose usage × price is split over
    the houses it serves — of some buildings or of the whole community — by 建筑面积 or per
    household. Unsold houses never share."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    fee_item = models.ForeignKey(
        "billing.FeeItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("收费项目")
    )
    name = models.CharField(_("公摊表名称"), max_length=50)
    basis = models.CharField(_("分摊方式"), max_length=10, choices=SharedBasis.choices)
    unit_price = models.DecimalField(_("单价(元/单位)"), **PRICE)
    buildings = models.ManyToManyField(
        Building, blank=True, related_name="+", verbose_name=_("服务楼栋")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OpsQuerySet.as_manager()

    class Meta:
        verbose_name = _("公摊表")
        verbose_name_plural = _("公摊表")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="sharedmeter_unique_name"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="sharedmeter_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SharedMeterReading(models.Model):
    """A month's reading of a shared meter and the allocation (公摊) it produced."""

    meter = models.ForeignKey(
        SharedMeter, on_delete=models.PROTECT, related_name="readings", verbose_name=_("公摊表")
    )
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("月份"))
    previous_reading = models.DecimalField(_("上次读数"), **QUANTITY)
    current_reading = models.DecimalField(_("本次读数"), **QUANTITY)
    usage = models.DecimalField(_("用量"), **QUANTITY)
    unit_price = models.DecimalField(_("单价"), **PRICE)
    amount = MoneyField(_("公摊总额"))
    allocation = models.OneToOneField(
        "billing.SharedAllocation",
        on_delete=models.PROTECT,
        related_name="reading",
        verbose_name=_("分摊"),
    )
    entered_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OpsQuerySet.as_manager()

    class Meta:
        verbose_name = _("公摊表读数")
        verbose_name_plural = _("公摊表读数")
        ordering = ["meter_id", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["meter", "period"], name="sharedreading_once_a_month"),
            models.CheckConstraint(
                condition=Q(current_reading__gte=F("previous_reading")),
                name="sharedreading_not_backwards",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.period:%Y-%m}"


class BillRunJob(models.Model):
    """A bill run committed in the background (a Celery task; in-process in the embedded
    mode): what was asked, its state, and what it made. At most one waiting or running job
    per community and month, so a double click queues one."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    period = models.DateField(_("账期"))
    state = models.CharField(
        _("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    planned = models.PositiveIntegerField(_("预计账单数"), default=0)
    created_count = models.PositiveIntegerField(_("新生成账单数"), default=0)
    created_amount = MoneyField(_("新生成金额"), default=Decimal("0"))
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OpsQuerySet.as_manager()

    class Meta:
        verbose_name = _("出账任务")
        verbose_name_plural = _("出账任务")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "period"],
                condition=Q(state__in=["queued", "running"]),
                name="billrunjob_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.period:%Y-%m} {self.state}"


class DunningRecord(models.Model):
    """One reminder of arrears (催缴) sent to a house: by in-app message, SMS or a printed
    notice, with the arrears as they stood when it was sent. Reminders only: arrears never
    cut water, power, heating or gas (民法典 第944条)."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="dunning_records", verbose_name=_("房屋")
    )
    channel = models.CharField(_("方式"), max_length=10, choices=DunningChannel.choices)
    status = models.CharField(_("结果"), max_length=12, choices=DunningStatus.choices)
    batch = models.CharField(_("批次"), max_length=32, db_index=True)
    notice_no = models.CharField(_("通知书编号"), max_length=40, blank=True)
    owed = MoneyField(_("欠费金额"))
    bill_count = models.PositiveIntegerField(_("欠费账单数"))
    oldest_due = models.DateField(_("最早应缴日期"))
    recipient = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient_name = models.CharField(_("接收人"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    text = models.CharField(_("内容"), max_length=500)
    # the overdue bills as they stood: [fee item, period "YYYY-MM", due date, outstanding]
    lines = models.JSONField(_("欠费明细"), default=list, blank=True)
    sent_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True, db_index=True)

    objects = OpsQuerySet.as_manager()

    class Meta:
        verbose_name = _("催缴记录")
        verbose_name_plural = _("催缴记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(owed__gt=0), name="dunning_owed_positive"),
        ]
        indexes = [models.Index(fields=["house", "created_at"], name="dunning_house_idx")]

    def __str__(self) -> str:
        return f"{self.house_id} {self.get_channel_display()} {self.owed}"
