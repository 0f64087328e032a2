"""Service desk (C6): repair requests and complaints, from report to rating, with SLA rules,
escalation, bureau urging and paid-repair charges."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import Access
from wuyetong.core.files import unguessable_name
from wuyetong.core.models import CommunityScopedQuerySet, ScopedQuerySet, TimeStampedModel
from wuyetong.estates.models import House
from wuyetong.orgs.models import Bureau, Community, Company, Employee, OrgUnit

from .choices import (
    CaseKind,
    CaseScope,
    CaseState,
    EscalationLevel,
    EventKind,
    PhotoStage,
    QuoteState,
    Rating,
    Urgency,
)

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class CompanyConfigQuerySet(ScopedQuerySet):
    """Company-wide configuration rows of the service desk."""

    permission_module = "servicedesk"

    def scope(self, access: Access) -> models.QuerySet:
        if access.company_id is None:
            return self.none()
        return self.filter(company_id=access.company_id)


class CaseType(TimeStampedModel):
    """A node of a company's case type tree (水电 → 漏水 …), separate trees for repairs and
    complaints. Owners pick a leaf or a node when they report."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="case_types")
    kind = models.CharField(_("类别"), max_length=10, choices=CaseKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级类型"),
    )
    name = models.CharField(_("类型名称"), max_length=50)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = CompanyConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单类型")
        verbose_name_plural = _("工单类型")
        ordering = ["kind", "sort", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "parent", "name"], name="casetype_unique_name"
            ),
            models.UniqueConstraint(
                fields=["company", "kind", "name"],
                condition=Q(parent__isnull=True),
                name="casetype_unique_root_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SlaRule(TimeStampedModel):
    """Deadlines for one case type (or, with no type, every type of a kind) at one urgency:
    minutes to respond (accept) and to resolve (complete), when to warn, and whether a breach
    or a 差评 also goes into the housing bureau's queue."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="sla_rules")
    kind = models.CharField(_("类别"), max_length=10, choices=CaseKind.choices)
    case_type = models.ForeignKey(
        CaseType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_rules",
        verbose_name=_("工单类型"),
    )
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices)
    response_minutes = models.PositiveIntegerField(
        _("响应时限(分钟)"), validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("解决时限(分钟)"), validators=[MinValueValidator(1)]
    )
    warn_before_minutes = models.PositiveIntegerField(_("提前预警(分钟)"), default=0)
    bureau_on_breach = models.BooleanField(_("超时报房管部门"), default=False)
    bureau_on_bad_rating = models.BooleanField(_("差评报房管部门"), default=False)

    objects = CompanyConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("时效规则")
        verbose_name_plural = _("时效规则")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "case_type", "urgency"],
                condition=Q(case_type__isnull=False),
                name="slarule_unique_type_urgency",
            ),
            models.UniqueConstraint(
                fields=["company", "kind", "urgency"],
                condition=Q(case_type__isnull=True),
                name="slarule_unique_default",
            ),
            models.CheckConstraint(
                condition=Q(resolution_minutes__gte=models.F("response_minutes")),
                name="slarule_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_type or self.get_kind_display()} · {self.get_urgency_display()}"


class CaseWorker(TimeStampedModel):
    """A repair worker's duty card: which case types they handle and whether they are on duty
    now. Round-robin dispatch rotates among on-duty cards of the case's project by
    `last_assigned_at`."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="case_workers")
    employee = models.OneToOneField(
        Employee, on_delete=models.CASCADE, related_name="case_worker", verbose_name=_("员工")
    )
    case_types = models.ManyToManyField(
        CaseType, related_name="workers", blank=True, verbose_name=_("负责类型")
    )
    on_duty = models.BooleanField(_("在岗"), default=True)
    last_assigned_at = models.DateTimeField(_("上次派单"), null=True, blank=True)

    objects = CompanyConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("维修人员")
        verbose_name_plural = _("维修人员")

    def __str__(self) -> str:
        return str(self.employee)


class CaseNumberSequence(models.Model):
    """Per company and day counter behind gap-free case numbers (BX20261123-0001)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "day"], name="casenumber_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.day} {self.last}"


class CaseQuerySet(CommunityScopedQuerySet):
    permission_module = "servicedesk"

    def open(self) -> models.QuerySet:
        return self.exclude(state__in=CLOSED_STATES)


CLOSED_STATES = (CaseState.CLOSED, CaseState.CANCELLED)
HANDLED_STATES = [
    CaseState.DISPATCHED,
    CaseState.ACCEPTED,
    CaseState.ON_SITE,
    CaseState.IN_PROGRESS,
    CaseState.PAUSED,
]


class Case(TimeStampedModel):
    """A repair request (报修) or a complaint (投诉) of one owner in one community. The state
    changes only through services, each writing a CaseEvent."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="cases")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="cases", verbose_name=_("小区")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=CaseKind.choices)
    number = models.CharField(_("工单号"), max_length=30)
    case_type = models.ForeignKey(
        CaseType, on_delete=models.PROTECT, related_name="cases", verbose_name=_("类型")
    )
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("房屋"),
    )
    place = models.CharField(_("公共区域位置"), max_length=100, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reported_cases",
        verbose_name=_("报事人"),
    )
    urgency = models.CharField(
        _("维修程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    scope = models.CharField(
        _("范围"), max_length=10, choices=CaseScope.choices, default=CaseScope.INDOOR
    )
    appointment_at = models.DateTimeField(_("预约时间"), null=True, blank=True)
    description = models.TextField(_("描述"), max_length=2000)
    # Set by the client once per report form, so a double tap or a retried request after a
    # lost response records one case.
    client_token = models.CharField(max_length=64, blank=True, editable=False)
    reason = models.CharField(_("投诉原因"), max_length=200, blank=True)
    expected_at = models.DateTimeField(_("期望处理时间"), null=True, blank=True)

    state = models.CharField(
        _("状态"), max_length=16, choices=CaseState.choices, default=CaseState.SUBMITTED
    )
    state_changed_at = models.DateTimeField(_("状态变更时间"))
    assignee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("处理人"),
    )
    pause_reason = models.CharField(_("暂停原因"), max_length=200, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重开次数"), default=0)

    submitted_at = models.DateTimeField(_("提交时间"))
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    sla_rule = models.ForeignKey(
        SlaRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    response_due_at = models.DateTimeField(_("响应期限"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("解决期限"), null=True, blank=True)
    response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    response_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    response_breached_at = models.DateTimeField(_("响应超时"), null=True, blank=True)
    resolution_breached_at = models.DateTimeField(_("解决超时"), null=True, blank=True)

    escalation_level = models.PositiveSmallIntegerField(
        _("升级层级"), choices=EscalationLevel.choices, default=EscalationLevel.PROJECT
    )
    escalated_to = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalated_cases",
        verbose_name=_("升级至"),
    )
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="queued_cases",
        verbose_name=_("房管部门"),
    )
    bureau_queued_at = models.DateTimeField(_("报房管部门时间"), null=True, blank=True)

    rating = models.CharField(_("评价"), max_length=6, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("评价内容"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    return_visit_note = models.CharField(_("回访记录"), max_length=500, blank=True)
    reply = models.TextField(_("书面答复"), max_length=2000, blank=True)

    quote_amount = models.DecimalField(_("报价"), null=True, blank=True, **MONEY)
    quote_note = models.CharField(_("报价说明"), max_length=200, blank=True)
    quote_state = models.CharField(
        _("报价状态"),
        max_length=10,
        choices=QuoteState.choices,
        blank=True,
        default=QuoteState.NONE,
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="case_unique_number"),
            models.UniqueConstraint(
                fields=["reporter", "client_token"],
                condition=~Q(client_token=""),
                name="case_unique_client_token",
            ),
            models.CheckConstraint(
                condition=Q(house__isnull=False) | ~Q(place=""), name="case_has_place"
            ),
            models.CheckConstraint(
                condition=Q(quote_amount__isnull=True) | Q(quote_amount__gt=0),
                name="case_quote_positive",
            ),
            models.CheckConstraint(
                condition=Q(state__in=CaseState.values), name="case_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(rating__in=["", *Rating.values]), name="case_rating_valid"
            ),
            # Someone is always responsible while the case is being handled.
            models.CheckConstraint(
                condition=~Q(state__in=HANDLED_STATES) | Q(assignee__isnull=False),
                name="case_handled_has_assignee",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "state"], name="case_community_state_idx"),
            models.Index(fields=["reporter", "-submitted_at"], name="case_reporter_idx"),
            models.Index(fields=["state", "response_due_at"], name="case_state_response_idx"),
            models.Index(fields=["state", "resolution_due_at"], name="case_state_resolution_idx"),
            # The dashboards' drill-down lists: cases of a range of months.
            models.Index(fields=["submitted_at"], name="case_submitted_idx"),
            # The bureau's count of open cases in its queue, among years of closed ones.
            models.Index(
                fields=["bureau"],
                condition=~Q(state__in=CLOSED_STATES),
                name="case_bureau_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def place_label(self) -> str:
        return self.place or (str(self.house) if self.house_id else "")


class CaseEvent(models.Model):
    """One line of a case's timeline: a transition or another happening (warning, escalation,
    urge …) with actor (None for the system), time and note. Never edited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("动作"), max_length=30, blank=True)
    from_state = models.CharField(max_length=16, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=CaseState.choices, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单事件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action or self.kind}"


def photo_path(instance, filename: str) -> str:
    # A photo of someone's home must not be reachable from its upload name (core.files).
    return unguessable_name("servicedesk", filename)


class CasePhoto(models.Model):
    """A photo of a case: taken by the owner when reporting, or by the worker on completion.
    Type and size are checked by the service before saving."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("阶段"), max_length=12, choices=PhotoStage.choices)
    image = models.FileField(_("照片"), upload_to=photo_path, max_length=200)
    content_type = models.CharField(max_length=30)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工单照片")
        verbose_name_plural = _("工单照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name or ""


class CaseUrge(models.Model):
    """A housing bureau's urging (催办) of a case, and the company's written answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="urges")
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="case_urges")
    urged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("催办意见"), max_length=500)
    urged_at = models.DateTimeField(_("催办时间"))
    answer = models.TextField(_("答复"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("催办")
        verbose_name_plural = _("催办")
        ordering = ["-urged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.urged_at:%Y-%m-%d}"


class CaseCharge(models.Model):
    """A paid repair's charge, created when the owner accepts the quote. A simple record that
    the billing app turns into a bill once it exists; never deleted."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="case_charges")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="charge")
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, null=True, blank=True, related_name="case_charges"
    )
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("金额"), **MONEY)
    description = models.CharField(_("说明"), max_length=200)
    handed_to_billing = models.BooleanField(_("已转账单"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("有偿维修费用")
        verbose_name_plural = _("有偿维修费用")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="casecharge_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.amount}"


class CaseMonthStat(models.Model):
    """The dashboard figures of one company's cases of one kind in one community, for the
    month they were submitted in (local time): received, accepted, resolved, overdue,
    escalated, urged, rated, 好/差, and the summed response and resolution times. The bureau's
    and the company's dashboards add these rows up instead of scanning every case.

    Exact by construction: whenever a service records an event that can change a figure, the
    row of that case's month is recomputed from the cases under the row's lock (never
    incremented), and `rollup.rebuild` recomputes every row in bulk."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))
    kind = models.CharField(_("类别"), max_length=10, choices=CaseKind.choices)
    received = models.PositiveIntegerField(_("受理"), default=0)
    accepted = models.PositiveIntegerField(_("已接单"), default=0)
    resolved = models.PositiveIntegerField(_("已办结"), default=0)
    overdue = models.PositiveIntegerField(_("超时"), default=0)
    escalated = models.PositiveIntegerField(_("升级"), default=0)
    urged = models.PositiveIntegerField(_("被催办"), default=0)
    rated = models.PositiveIntegerField(_("已评价"), default=0)
    good = models.PositiveIntegerField(_("好评"), default=0)
    bad = models.PositiveIntegerField(_("差评"), default=0)
    # Sums over the accepted (resolved) cases, so an average over any months and communities
    # is one division: total / accepted (resolved).
    response_total = models.DurationField(default=timedelta(0))
    resolution_total = models.DurationField(default=timedelta(0))

    class Meta:
        verbose_name = _("工单月度统计")
        verbose_name_plural = _("工单月度统计")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "month", "kind", "company"], name="casemonthstat_unique"
            )
        ]
        indexes = [models.Index(fields=["month", "community"], name="casemonthstat_month_idx")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.month:%Y-%m} {self.kind}"
