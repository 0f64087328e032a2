"""The cases behind a figure (drill-down), the bureau's follow-up queue, and the bureau's
read-only case page with its one action: 催办 (urge). The bureau never handles a case: no
other action is offered here, and the service-desk endpoints refuse it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import django_filters as df
from django import forms
from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.ids import parse_pk
from wuyetong.core.masking import mask_phone
from wuyetong.core.views import form_error_from
from wuyetong.servicedesk import selectors, services, stats
from wuyetong.servicedesk.choices import CaseKind
from wuyetong.servicedesk.photos import photo_response
from wuyetong.servicedesk.services._common import ACTION_LABELS
from wuyetong.web.pages import Col, ListPage

from ..filters import BureauFigureFilter, CompanyFigureFilter
from .common import BureauMixin, CompanyMixin


def _at(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    if not start or not end:
        return None
    return int((end - start).total_seconds() // 60)


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if not start or not end:
        return None
    return round((end - start).total_seconds() / 3600, 1)


def _overdue(c) -> bool:
    return bool(c.response_breached_at or c.resolution_breached_at)


def _escalation(c) -> str:
    parts = []
    if c.escalation_level:
        parts.append(str(c.get_escalation_level_display()))
    if c.bureau_queued_at:
        parts.append(_("报房管"))
    return " · ".join(parts)


def _bureau_case_url(c) -> str:
    return reverse("oversight:bureau_case_detail", args=[c.pk])


def _company_case_url(c) -> str:
    # The company's own case page belongs to the service-desk console.
    try:
        return reverse("servicedesk:case_detail", args=[c.pk])
    except NoReverseMatch:
        return ""


def case_columns(link, *, company: bool) -> list[Col]:
    cols = [
        Col(gettext_lazy("工单号"), lambda c: c.number, link=link, order="number"),
        Col(gettext_lazy("类别"), lambda c: c.get_kind_display()),
        Col(gettext_lazy("类型"), lambda c: c.case_type.name),
        Col(gettext_lazy("小区"), lambda c: c.community.name),
    ]
    if company:
        cols.append(Col(gettext_lazy("物业公司"), lambda c: c.company.name))
    cols += [
        Col(gettext_lazy("状态"), lambda c: c.get_state_display(), tag=lambda c: f"cs-{c.state}"),
        Col(gettext_lazy("紧急程度"), lambda c: c.get_urgency_display()),
        Col(gettext_lazy("提交时间"), lambda c: _at(c.submitted_at), order="submitted_at"),
        Col(
            gettext_lazy("响应(分钟)"),
            lambda c: _minutes(c.submitted_at, c.accepted_at),
            num=True,
        ),
        Col(
            gettext_lazy("办结(小时)"),
            lambda c: _hours(c.submitted_at, c.completed_at),
            num=True,
        ),
        Col(
            gettext_lazy("超时"),
            lambda c: _("超时") if _overdue(c) else "",
            tag=lambda c: "cs-late" if _overdue(c) else "",
        ),
        Col(gettext_lazy("升级"), _escalation),
        Col(gettext_lazy("评价"), lambda c: c.get_rating_display() if c.rating else ""),
    ]
    return cols


class FigureCaseList(ListPage):
    """The cases behind a figure: same parameters as the dashboard plus `metric`."""

    permission = ""  # the persona mixin decides
    template_name = "oversight/case_list.html"
    per_page = 50
    dashboard_url = ""

    def export_allowed(self) -> bool:
        return True

    def extra_context(self) -> dict:
        metric = self.request.GET.get("metric") or "received"
        label = stats.METRIC_LABELS.get(metric, stats.METRIC_LABELS["received"])
        return {
            "title": _("工单明细 · %(figure)s") % {"figure": label},
            "back_url": reverse(self.dashboard_url),
            "back_label": _("返回统计"),
        }


class BureauCaseList(BureauMixin, FigureCaseList):
    title = gettext_lazy("工单明细")
    filterset_class = BureauFigureFilter
    selector = staticmethod(lambda user: selectors.bureau_case_list(user=user))
    columns = case_columns(_bureau_case_url, company=True)
    dashboard_url = "oversight:bureau_dashboard"


class CompanyCaseList(CompanyMixin, FigureCaseList):
    title = gettext_lazy("工单明细")
    filterset_class = CompanyFigureFilter
    selector = staticmethod(lambda user: selectors.staff_case_list(user=user))
    columns = case_columns(_company_case_url, company=False)
    dashboard_url = "oversight:company_dashboard"

    def export_allowed(self) -> bool:
        return self.access.can("servicedesk.export")


# --- the bureau's queue --------------------------------------------------------------------

QUEUE_VIEWS = [
    ("queued", gettext_lazy("报房管工单")),
    ("long_open", gettext_lazy("超72小时未办结")),
]


def _noop(queryset, name, value):
    return queryset


class QueueFilter(df.FilterSet):
    view = df.ChoiceFilter(  # chosen by the tabs above the list
        choices=QUEUE_VIEWS,
        label=gettext_lazy("范围"),
        empty_label=None,
        method=_noop,
        widget=forms.HiddenInput,
    )
    status = df.ChoiceFilter(
        choices=[("open", gettext_lazy("未办结")), ("all", gettext_lazy("全部"))],
        label=gettext_lazy("状态"),
        empty_label=None,
        method="by_status",
    )
    company = df.ModelChoiceFilter(
        queryset=None, label=gettext_lazy("物业公司"), empty_label=gettext_lazy("全部物业公司")
    )
    kind = df.ChoiceFilter(
        choices=CaseKind.choices, label=gettext_lazy("类别"), empty_label=gettext_lazy("全部类别")
    )
    number = df.CharFilter(lookup_expr="icontains", label=gettext_lazy("工单号"))

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        data.setdefault("view", "queued")
        data.setdefault("status", "open")
        super().__init__(data, queryset, request=request, **kwargs)
        scope = stats.bureau_scope(getattr(request, "user", None))
        self.filters["company"].queryset = stats.scope_choices(scope)["company"]

    def by_status(self, queryset, name, value):
        return queryset.open() if value == "open" else queryset


def _age(c) -> str:
    end = c.closed_at or timezone.now()
    delta = end - c.submitted_at
    days, hours = delta.days, delta.seconds // 3600
    return (
        _("%(d)s天%(h)s小时") % {"d": days, "h": hours} if days else _("%(h)s小时") % {"h": hours}
    )


class BureauQueue(BureauMixin, ListPage):
    """Escalated cases in the bureau's queue, and cases anywhere in its jurisdiction left
    open for over 72 hours: both may be urged."""

    permission = ""
    title = gettext_lazy("督办工单")
    template_name = "oversight/case_list.html"
    filterset_class = QueueFilter
    columns = [
        *case_columns(_bureau_case_url, company=True)[:6],
        Col(gettext_lazy("提交时间"), lambda c: _at(c.submitted_at), order="submitted_at"),
        Col(gettext_lazy("已历时"), _age),
        Col(gettext_lazy("升级"), _escalation),
        Col(gettext_lazy("报房管时间"), lambda c: _at(c.bureau_queued_at)),
        Col(gettext_lazy("催办"), lambda c: c.urge_count, num=True),
        Col(
            gettext_lazy("待答复"),
            lambda c: c.unanswered_count,
            num=True,
            tag=lambda c: "cs-late" if c.unanswered_count else "",
        ),
    ]

    def export_allowed(self) -> bool:
        return True

    def get_queryset(self):
        view = self.request.GET.get("view", "queued")
        return selectors.bureau_attention_list(user=self.request.user, view=view)

    def extra_context(self) -> dict:
        current = self.request.GET.get("view", "queued")
        return {
            "tabs": [
                {"label": label, "url": f"?view={key}", "active": key == current}
                for key, label in QUEUE_VIEWS
            ],
            "back_url": reverse("oversight:bureau_dashboard"),
            "back_label": _("工单监管"),
        }


# --- one case, read only -------------------------------------------------------------------


class UrgeForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("催办意见"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": gettext_lazy("写明要求和期限")}),
        error_messages={"required": gettext_lazy("请填写催办意见")},
    )


class BureauCaseDetail(BureauMixin, View):
    template_name = "oversight/case_detail.html"

    def get_case(self, pk: str):
        case_id = parse_pk(pk)
        try:
            return selectors.bureau_case_get(user=self.request.user, case_id=case_id or 0)
        except NotFound:
            raise Http404 from None

    def context(self, case, form: UrgeForm) -> dict[str, Any]:
        refusal = services.urge_refusal(case)
        events = list(selectors.case_timeline(case=case))
        for event in events:
            event.label = ACTION_LABELS.get(event.action) or event.get_kind_display()  # type: ignore[attr-defined]
        return {
            "case": case,
            "events": events,
            "photos": list(case.photos.all()),
            "urges": list(case.urges.all()),
            "reporter_phone": mask_phone(case.reporter.phone),
            "urge_refusal": refusal.message if refusal else "",
            "form": form,
            "overdue": _overdue(case),
            "escalation": _escalation(case),
            "open_for": timedelta(
                seconds=int((timezone.now() - case.submitted_at).total_seconds())
            ),
        }

    def get(self, request, pk: str):
        case = self.get_case(pk)
        return render(request, self.template_name, self.context(case, UrgeForm()))

    def post(self, request, pk: str):
        case = self.get_case(pk)
        form = UrgeForm(request.POST)
        if form.is_valid():
            try:
                services.bureau_urge(
                    official=request.user, case_id=case.pk, note=form.cleaned_data["note"]
                )
            except NotFound:
                raise Http404 from None
            except ApplicationError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("已催办，物业公司会立即收到"))
                return redirect("oversight:bureau_case_detail", pk=case.pk)
        return render(request, self.template_name, self.context(case, form), status=400)


class BureauCasePhoto(BureauCaseDetail):
    """A photo of a case in the bureau's jurisdiction, read-only like the case page."""

    def get(self, request, pk: str, photo_pk: str):  # type: ignore[override]
        return photo_response(self.get_case(pk), photo_pk)

    def post(self, request, *args, **kwargs):  # type: ignore[override]
        raise Http404
