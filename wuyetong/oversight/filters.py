"""The one parser of a statistics question — which months, district, company, community and
kind, and (for a drill-down) which figure. The dashboard page, the list of the cases behind a
figure and the API all read their parameters through these FilterSets, so a figure and the
list it links to can never disagree about what was asked.

Choices are scoped: a bureau picks among the districts, companies and communities of its
jurisdiction, a company's staff among the communities of their data scope."""

from __future__ import annotations

import re
from datetime import date

import django_filters as df
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from wuyetong.servicedesk import stats
from wuyetong.servicedesk.choices import CaseKind

_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


class MonthField(forms.Field):
    """A month typed as YYYY-MM (what <input type="month"> sends); cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": "[0-9]{4}-[0-9]{2}"})
    default_error_messages = {"invalid": _("请输入有效的月份，例如 2025-03")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        match = _MONTH.fullmatch(str(value).strip())
        if not match or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(match[1]), int(match[2]), 1)

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, date) else value


@extend_schema_field(OpenApiTypes.STR)
class MonthFilter(df.Filter):
    field_class = MonthField


class FigureForm(forms.Form):
    def clean(self):
        data = super().clean()
        first, last = data.get("month_from"), data.get("month_to")
        if first and last:
            if first > last:
                self.add_error("month_to", _("结束月份不能早于起始月份"))
            elif (last.year - first.year) * 12 + last.month - first.month >= stats.MAX_MONTHS:
                self.add_error("month_to", _("一次最多统计%(n)s个月") % {"n": stats.MAX_MONTHS})
        return data


def _keep(queryset, name, value):
    """Every parameter is applied together in `filter_queryset`."""
    return queryset


class CompanyFigureFilter(df.FilterSet):
    """A company's own figures: months, community, kind, and the figure to list."""

    month_from = MonthFilter(label=_("起始月份"), method=_keep)
    month_to = MonthFilter(label=_("结束月份"), method=_keep)
    district = df.ModelChoiceFilter(
        queryset=None, label=_("区县"), empty_label=_("全部区县"), method=_keep
    )
    company = df.ModelChoiceFilter(
        queryset=None,
        label=_("物业公司"),
        empty_label=_("全部物业公司"),
        method=_keep,
    )
    community = df.ModelChoiceFilter(
        queryset=None,
        label=_("小区"),
        empty_label=_("全部小区"),
        method=_keep,
    )
    kind = df.ChoiceFilter(
        choices=CaseKind.choices, label=_("类别"), empty_label=_("报修和投诉"), method=_keep
    )
    metric = df.ChoiceFilter(
        choices=list(stats.METRIC_LABELS.items()),
        label=_("指标"),
        empty_label=None,
        method=_keep,
    )

    class Meta:
        form = FigureForm

    hidden: tuple[str, ...] = ("district", "company")  # not asked on a company's pages
    community_hidden = False

    @staticmethod
    def scope_for(user) -> stats.Scope | None:
        return stats.company_scope(user)

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        # Always bound: without months in the query, the last six months.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        first, last = stats.default_months()
        if not data.get("month_from"):
            data["month_from"] = f"{first:%Y-%m}"
        if not data.get("month_to"):
            data["month_to"] = f"{last:%Y-%m}"
        self.scope = self.scope_for(getattr(request, "user", None))
        if queryset is None:  # the dashboards ask for figures, not for a list
            queryset = (self.scope or stats.Scope.empty()).cases()
        super().__init__(data, queryset, request=request, **kwargs)
        for name in self.hidden:
            self.filters.pop(name, None)
        for name, choices in stats.scope_choices(self.scope).items():
            if name in self.filters:
                self.filters[name].queryset = choices
        if self.community_hidden:
            # Thousands of communities make no usable menu: the community is chosen by
            # clicking its row in the dashboard, and travels as a hidden id.
            self.filters["community"].extra["widget"] = forms.HiddenInput

    def filter_queryset(self, queryset):
        if self.scope is None or not self.form.is_valid():
            return queryset.none()
        metric = self.form.cleaned_data.get("metric") or "received"
        return stats.cases_behind(queryset, self.figure_query(), metric)

    def figure_query(self) -> stats.FigureQuery:
        """The question as the statistics read it (call after the form is valid)."""
        data = self.form.cleaned_data
        return stats.FigureQuery(
            first=data["month_from"],
            last=data["month_to"],
            district_id=getattr(data.get("district"), "pk", None),
            company_id=getattr(data.get("company"), "pk", None),
            community_id=getattr(data.get("community"), "pk", None),
            kind=data.get("kind") or None,
        )

    def params(self) -> dict[str, str]:
        """The valid question as query parameters, to build links that ask the same."""
        out = {}
        for name, value in self.form.cleaned_data.items():
            if name == "metric" or value in (None, ""):
                continue
            out[name] = (
                f"{value:%Y-%m}" if isinstance(value, date) else str(getattr(value, "pk", value))
            )
        return out


class BureauFigureFilter(CompanyFigureFilter):
    """A bureau's jurisdiction: every company, by district, company and community."""

    hidden = ()
    community_hidden = True

    @staticmethod
    def scope_for(user) -> stats.Scope | None:
        return stats.bureau_scope(user)
