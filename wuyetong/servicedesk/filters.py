"""The console's case list filters. Choice lists (communities, types) are scoped to the
request's user, so a filter can neither reveal nor select another company's rows."""

from __future__ import annotations

import django_filters as df
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import get_access
from wuyetong.orgs.models import Community

from .choices import CaseKind, CaseState, Urgency
from .models import CLOSED_STATES, CaseType


def _user(request):
    return getattr(request, "user", None)


def overdue_q(now) -> Q:
    """Breached (recorded by the SLA scan) or past a deadline the scan has not reached yet:
    not accepted after the response deadline, not completed after the resolution one."""
    open_ = ~Q(state__in=CLOSED_STATES)
    return (
        Q(response_breached_at__isnull=False)
        | Q(resolution_breached_at__isnull=False)
        | (open_ & Q(accepted_at__isnull=True, response_due_at__lt=now))
        | (open_ & Q(completed_at__isnull=True, resolution_due_at__lt=now))
    )


class DateInput(forms.DateInput):
    input_type = "date"


class CaseFilter(df.FilterSet):
    q = df.CharFilter(method="search", label=_("工单号/报事人/电话"))
    kind = df.ChoiceFilter(choices=CaseKind.choices, empty_label=_("全部类别"), label=_("类别"))
    state = df.ChoiceFilter(choices=CaseState.choices, empty_label=_("全部状态"), label=_("状态"))
    case_type = df.ModelChoiceFilter(
        queryset=CaseType.objects.none(),
        empty_label=_("全部类型"),
        label=_("类型"),
        method="by_type",
    )
    community = df.ModelChoiceFilter(
        queryset=Community.objects.none(), empty_label=_("全部小区"), label=_("小区")
    )
    urgency = df.ChoiceFilter(
        choices=Urgency.choices, empty_label=_("全部紧急程度"), label=_("紧急程度")
    )
    view = df.ChoiceFilter(
        choices=[
            ("open", _("未办结")),
            ("pool", _("待派单(工单池)")),
            ("mine", _("派给我的")),
            ("overdue", _("已超时")),
            ("overdue_open", _("超时未办结")),
            ("mine_open", _("我的未办结")),
        ],
        empty_label=_("全部工单"),
        label=_("范围"),
        method="by_view",
    )
    date_from = df.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label=_("提交起"), widget=DateInput
    )
    date_to = df.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", label=_("提交止"), widget=DateInput
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = _user(request)
        access = get_access(user)
        self.filters["community"].queryset = Community.objects.for_user(user, "view").order_by(
            "code"
        )
        self.filters["case_type"].queryset = CaseType.objects.filter(
            company_id=access.company_id or 0
        ).order_by("kind", "sort", "pk")
        self.employee_id = access.employee_id

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(reporter__name__icontains=value)
            | Q(reporter__phone__contains=value)
        )

    def by_type(self, queryset, name, value):
        # A parent type finds the cases filed under its children too.
        return queryset.filter(Q(case_type=value) | Q(case_type__parent=value))

    def by_view(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        if value == "pool":
            return queryset.filter(
                state__in=(CaseState.SUBMITTED, CaseState.REOPENED), assignee__isnull=True
            )
        if value == "mine":
            return queryset.filter(assignee_id=self.employee_id or 0)
        if value == "overdue":
            return queryset.filter(overdue_q(timezone.now()))
        if value == "mine_open":
            return queryset.open().filter(assignee_id=self.employee_id or 0)
        if value == "overdue_open":
            return queryset.open().filter(overdue_q(timezone.now()))
        return queryset
