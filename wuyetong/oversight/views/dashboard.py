"""The statistics dashboards: the bureau's over its jurisdiction (every company) and the
company's over its own communities — the same figures, tables, charts and Excel files, read
from the monthly table; every number links to the list of the cases behind it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wuyetong.core.excel import xlsx_response
from wuyetong.core.ids import parse_pk
from wuyetong.orgs import selectors as org_selectors
from wuyetong.servicedesk import stats

from .. import charts, tables
from ..filters import BureauFigureFilter, CompanyFigureFilter
from .common import BureauMixin, CompanyMixin

COMMUNITY_PAGE = 20
SORTS = [
    ("received", gettext_lazy("受理量")),
    ("overdue", gettext_lazy("超时")),
    ("escalated", gettext_lazy("升级")),
    ("bad", gettext_lazy("差评")),
    ("satisfaction", gettext_lazy("好评率(低→高)")),
    ("name", gettext_lazy("小区编码")),
]


def _kpis(total: stats.Figures, link: tables.Linker) -> list[dict[str, Any]]:
    """The headline cards; each count opens the cases behind it."""

    def rate(value) -> str:
        return "—" if value is None else f"{value}%"

    def num(value, unit: str) -> str:
        return "—" if value is None else f"{value} {unit}"

    def card(label: str, value: Any, metric: str = "", count: int = 0, **extra) -> dict:
        return {"label": label, "value": value, "url": link.to(metric, count, **extra), **extra}

    return [
        card(_("受理"), total.received, "received", total.received),
        card(
            _("接单率"),
            rate(total.acceptance_rate),
            "accepted",
            total.accepted,
            hint=_("接单 %(n)s") % {"n": total.accepted},
        ),
        card(
            _("办结率"),
            rate(total.resolution_rate),
            "resolved",
            total.resolved,
            hint=_("办结 %(n)s") % {"n": total.resolved},
        ),
        card(_("平均响应"), num(total.avg_response_minutes, _("分钟"))),
        card(_("平均办结"), num(total.avg_resolution_hours, _("小时"))),
        card(_("超时"), total.overdue, "overdue", total.overdue, warn=bool(total.overdue)),
        card(_("升级"), total.escalated, "escalated", total.escalated, warn=bool(total.escalated)),
        card(_("被催办"), total.urged, "urged", total.urged),
        card(
            _("报修好评率"),
            rate(total.repair_satisfaction_rate),
            "rated",
            total.repair_rated,
            kind="repair",
            hint=_("评价 %(n)s") % {"n": total.repair_rated},
        ),
        card(
            _("投诉好评率"),
            rate(total.complaint_satisfaction_rate),
            "rated",
            total.complaint_rated,
            kind="complaint",
            hint=_("评价 %(n)s") % {"n": total.complaint_rated},
        ),
        card(_("差评"), total.bad, "bad", total.bad, warn=bool(total.bad)),
    ]


def _page_number(request) -> int:
    number = parse_pk(request.GET.get("page", "1"))
    return min(number or 1, 100_000)


class DashboardBase(View):
    template_name = "oversight/dashboard.html"
    title: str | Promise = ""
    filterset_class: type[CompanyFigureFilter] = CompanyFigureFilter
    list_url = ""
    tables: tuple[str, ...] = ("community", "month")
    access: Any

    def export_allowed(self) -> bool:
        return True

    def extra_context(self, scope: stats.Scope) -> dict[str, Any]:
        return {"scope_label": org_selectors.company_name(self.access)}

    def get(self, request):
        filterset = self.filterset_class(request.GET, request=request)
        scope = filterset.scope
        if scope is None:
            raise PermissionDenied
        context: dict[str, Any] = {
            "title": self.title,
            "filter": filterset,
            "sorts": SORTS,
            "can_export": self.export_allowed(),
            **self.extra_context(scope),
        }
        if not filterset.form.is_valid():
            return render(request, self.template_name, context)
        query = filterset.figure_query()
        export = request.GET.get("export")
        if export is not None:
            return self.export(export, scope, query)
        link = tables.Linker(reverse(self.list_url), filterset.params())
        months, companies = stats.months_and_companies(scope, query)
        total = stats.add_up(months)
        context.update(
            query=query,
            total=total,
            kpis=_kpis(total, link),
            trend=charts.trend(months),
            params_qs=urlencode(filterset.params()),
        )
        blocks = []
        if "company" in self.tables:
            context["companies_chart"] = charts.companies(companies)
            blocks.append(tables.html_table("company", companies, link, total))
        if "community" in self.tables:
            order = request.GET.get("o", "")
            rows, number, lines = stats.community_page(
                scope, query, order=order, number=_page_number(request), per_page=COMMUNITY_PAGE
            )
            table = tables.html_table("community", rows, link, None)
            table["page"] = Paginator(range(lines), COMMUNITY_PAGE).page(number) if lines else None
            table["order"] = order if order in (*stats.ORDERS, "name") else "received"
            blocks.append(table)
        blocks.append(tables.html_table("month", months, link, total))
        context["tables"] = blocks
        return render(request, self.template_name, context)

    def export(self, by: str, scope: stats.Scope, query: stats.FigureQuery):
        if by not in (*self.tables, "month"):
            raise Http404
        if not self.export_allowed():
            raise PermissionDenied
        rows = stats.figure_list(scope, query, by=by, order=self.request.GET.get("o", ""))
        total = stats.add_up(rows)
        headers, data = tables.excel_rows(by, rows, total)
        name = _("工单统计_%(table)s_%(first)s至%(last)s") % {
            "table": tables.TABLE_TITLES[by],
            "first": f"{query.first:%Y-%m}",
            "last": f"{query.last:%Y-%m}",
        }
        return xlsx_response(name, headers, data, sheet_title=str(tables.TABLE_TITLES[by]))


class BureauDashboard(BureauMixin, DashboardBase):
    title = gettext_lazy("工单监管")
    filterset_class = BureauFigureFilter
    list_url = "oversight:bureau_case_list"
    tables = ("company", "community", "month")

    def extra_context(self, scope: stats.Scope) -> dict[str, Any]:
        return {
            "scope_label": scope.label,
            "queue_open": scope.queue_open(),
            "queue_url": reverse("oversight:bureau_queue"),
        }


class CompanyDashboard(CompanyMixin, DashboardBase):
    title = gettext_lazy("工单统计")
    list_url = "oversight:company_case_list"

    def export_allowed(self) -> bool:
        return self.access.can("servicedesk.export")
