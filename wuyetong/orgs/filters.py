"""FilterSets shared by the web lists and the API lists. Choices that name tenant rows are
scoped to the requesting user, so a filter can never reveal another company's data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters as df
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import get_access

from .choices import ApprovalStatus, OpAction
from .models import (
    Community,
    Company,
    Department,
    District,
    Employee,
    Merchant,
    OperationLog,
    OrgUnit,
    Position,
    Role,
)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _access(request):
    return get_access(getattr(request, "user", None))


def _units(request):
    return (
        OrgUnit.objects.for_access(_access(request)).order_by("path")
        if request
        else OrgUnit.objects.none()
    )


def _departments(request):
    return Department.objects.for_access(_access(request)) if request else Department.objects.none()


def _positions(request):
    return Position.objects.for_access(_access(request)) if request else Position.objects.none()


def _roles(request):
    # Filtering employees by role needs only org.view, so roles are scoped by company here.
    access = _access(request) if request else None
    if access is None or access.company_id is None:
        return Role.objects.none()
    return Role.objects.filter(company_id=access.company_id).order_by("name")


class EmployeeFilter(df.FilterSet):
    q = df.CharFilter(method="search", label=_("姓名/手机号/工号"))
    org_unit = df.ModelChoiceFilter(
        queryset=_units, method="in_subtree", label=_("组织"), empty_label=_("全部")
    )
    department = df.ModelChoiceFilter(queryset=_departments, label=_("部门"), empty_label=_("全部"))
    position = df.ModelChoiceFilter(queryset=_positions, label=_("岗位"), empty_label=_("全部"))
    role = df.ModelChoiceFilter(
        queryset=_roles, field_name="roles", label=_("角色"), empty_label=_("全部")
    )
    is_active = df.BooleanFilter(
        label=_("状态"),
        widget=forms.Select(choices=[("", _("全部")), ("true", _("在职")), ("false", _("离职"))]),
    )

    class Meta:
        model = Employee
        fields = ["q", "org_unit", "department", "position", "role", "is_active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(user__name__icontains=value)
            | Q(user__phone__contains=value)
            | Q(employee_no__icontains=value)
        )

    def in_subtree(self, queryset, name, value):
        return queryset.filter(org_unit__path__startswith=value.path) if value else queryset


class DepartmentFilter(df.FilterSet):
    org_unit = df.ModelChoiceFilter(queryset=_units, label=_("组织"), empty_label=_("全部"))

    class Meta:
        model = Department
        fields = ["org_unit"]


class OperationLogFilter(df.FilterSet):
    actor = df.CharFilter(method="by_actor", label=_("操作人"))
    action = df.ChoiceFilter(choices=OpAction.choices, label=_("操作"), empty_label=_("全部"))
    object_type = df.ChoiceFilter(
        choices=[], method="by_type", label=_("对象类型"), empty_label=_("全部")
    )
    date_from = df.DateFilter(method="since", label=_("开始日期"), widget=DATE_INPUT)
    date_to = df.DateFilter(method="until", label=_("结束日期"), widget=DATE_INPUT)

    class Meta:
        model = OperationLog
        fields = ["actor", "action", "object_type", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["object_type"].extra["choices"] = object_type_choices()

    # Whole local days as a time range, so the (company, created_at) index does the work
    # instead of casting every row's timestamp to a date.
    def since(self, queryset, name, value: date):
        return queryset.filter(created_at__gte=_day_start(value))

    def until(self, queryset, name, value: date):
        return queryset.filter(created_at__lt=_day_start(value + timedelta(days=1)))

    def by_actor(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(actor__name__icontains=value) | Q(actor__phone__contains=value))

    def by_type(self, queryset, name, value: str):
        app_label, _sep, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)


def object_type_choices() -> list[tuple[str, str]]:
    """Logged object types, labelled with the model's Chinese name."""
    choices = []
    for ct in ContentType.objects.filter(app_label__in=["orgs", "estates", "accounts"]).order_by(
        "app_label", "model"
    ):
        model = ct.model_class()
        if model is None:
            continue
        choices.append((f"{ct.app_label}.{ct.model}", str(model._meta.verbose_name)))
    return choices


class ReviewFilter(df.FilterSet):
    q = df.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))
    status = df.ChoiceFilter(
        choices=ApprovalStatus.choices, label=_("审核状态"), empty_label=_("全部")
    )


class CompanyReviewFilter(ReviewFilter):
    class Meta:
        model = Company
        fields = ["q", "status"]


class CommunityReviewFilter(ReviewFilter):
    class Meta:
        model = Community
        fields = ["q", "status"]


class MerchantReviewFilter(ReviewFilter):
    class Meta:
        model = Merchant
        fields = ["q", "status"]


def _bureau_districts(request):
    access = _access(request) if request else None
    if access is None or not access.is_bureau:
        return District.objects.none()
    return (
        District.objects.filter(communities__pk__in=access.bureau_community_ids)
        .select_related("city")
        .distinct()
    )


class BureauCommunityFilter(df.FilterSet):
    q = df.CharFilter(method="search", label=_("小区/物业公司"))
    district = df.ModelChoiceFilter(
        queryset=_bureau_districts, label=_("区县"), empty_label=_("全部")
    )

    class Meta:
        model = Community
        fields = ["q", "district"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(company__name__icontains=value))
