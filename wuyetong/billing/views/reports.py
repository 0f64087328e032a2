"""Billing reports with charts and Excel export: collection rate (by community, building, fee
item, month), income (by pay method, cashier, community; per day), arrears ageing, prepaid
and deposit balances. Figures come from selectors_reports / selectors_arrears."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.excel import xlsx_response
from wuyetong.core.ids import parse_pk
from wuyetong.core.money import ZERO
from wuyetong.core.views import ModulePermissionMixin

from .. import selectors_arrears as arrears
from .. import selectors_ops as sel
from .. import selectors_reports as reports
from ..calc import add_months
from ..filters import parse_month

TABS = {
    "collection": _("收缴率"),
    "income": _("收入"),
    "ageing": _("欠费账龄"),
    "balances": _("预存与押金"),
}
COLLECTION_GROUPS = {
    "month": _("按月份"),
    "community": _("按小区"),
    "building": _("按楼栋"),
    "fee_item": _("按收费项目"),
}
INCOME_GROUPS = {"method": _("按支付方式"), "cashier": _("按收费员"), "community": _("按小区")}
BLUE, GREEN, ORANGE, RED = "#1664c0", "#137333", "#c2410c", "#c5221f"


def _f(value) -> float:
    """Chart data only: ECharts draws numbers. Tables and exports keep the Decimals."""
    return float(value) if value is not None else 0.0


def _collection_label(group: str, r: dict) -> str:
    if group == "month":
        return f"{r['period']:%Y-%m}"
    if group == "community":
        return r["community__name"]
    if group == "building":
        return f"{r['community__name']} {r['house__building__name']}"
    return r["fee_item__name"]


class ReportsPage(ModulePermissionMixin, View):
    permission = "billing.view"

    def get(self, request):
        q = request.GET
        tab = q.get("tab") if q.get("tab") in TABS else "collection"
        today = timezone.localdate()
        community = (
            sel.billing_communities(request.user)
            .filter(pk=parse_pk(q.get("community")) or 0)
            .first()
        )
        ctx = {
            "tab": tab,
            "tabs": [(k, v) for k, v in TABS.items()],
            "communities": sel.billing_communities(request.user),
            "community": community,
            "can_export": self.access.can("billing.export"),
        }
        cid = community.pk if community else None
        if tab == "collection":
            end = parse_month(q.get("end")) or today.replace(day=1)
            start = parse_month(q.get("start")) or add_months(end, -11)
            group = q.get("group") if q.get("group") in COLLECTION_GROUPS else "month"
            rows = reports.collection(
                request.user, group=group, start=start, end=end, community_id=cid
            )
            for r in rows:
                r["label"] = _collection_label(group, r)
            total = reports.collection_total(rows)
            headers = [
                "",
                "应收(元)",
                "优惠减免(元)",
                "实收(元)",
                "欠收(元)",
                "收缴率(%)",
                "账单数",
            ]
            headers[0] = str(COLLECTION_GROUPS[group]).removeprefix("按")
            table = [
                [
                    r["label"],
                    r["billed"],
                    r["discount"],
                    r["collected"],
                    r["outstanding"],
                    r["rate"],
                    r["bills"],
                ]
                for r in rows
            ]
            ctx.update(
                start=start,
                end=end,
                group=group,
                groups=list(COLLECTION_GROUPS.items()),
                rows=rows,
                total=total,
                chart=self.collection_chart(rows),
            )
            filename = f"收缴率-{start:%Y%m}-{end:%Y%m}"
        elif tab == "income":
            end = parse_date(q.get("end") or "") or today
            start = parse_date(q.get("start") or "") or end.replace(day=1)
            group = q.get("group") if q.get("group") in INCOME_GROUPS else "method"
            rows = reports.income(request.user, group=group, start=start, end=end, community_id=cid)
            days = reports.income_by_day(request.user, start=start, end=end, community_id=cid)
            cash = sum((r["total"] for r in rows if r["new_money"]), ZERO)
            refunded = reports.refunds(request.user, start=start, end=end, community_id=cid)
            headers = [
                str(INCOME_GROUPS[group]).removeprefix("按"),
                "收款合计(元)",
                "缴账单(元)",
                "预存(元)",
                "押金(元)",
                "笔数",
            ]
            table = [
                [r["label"], r["total"], r["bills"], r["prepay"], r["deposit"], r["count"]]
                for r in rows
            ]
            ctx.update(
                start=start,
                end=end,
                group=group,
                groups=list(INCOME_GROUPS.items()),
                rows=rows,
                cash=cash,
                refunded=refunded["returned"],
                refunded_to_prepaid=refunded["to_prepaid"],
                net=cash - refunded["returned"],
                chart=self.income_chart(rows),
                day_chart=self.day_chart(days),
            )
            filename = f"收入-{start:%Y%m%d}-{end:%Y%m%d}"
        elif tab == "ageing":
            as_of = parse_date(q.get("as_of") or "") or today
            level = "building" if community else "community"
            rows = list(arrears.arrears_by(request.user, level, as_of=as_of, community_id=cid))
            label = "house__building__name" if community else "community__name"
            key = arrears.GROUPS[level][0]
            fees, late_total = arrears.late_fees_by(
                request.user, level, as_of=as_of, community_id=cid
            )
            for r in rows:
                r["label"] = r[label]
                r["ages"] = [r[b.key] for b in arrears.BUCKETS]
                r["late_fee"] = fees.get(r[key], ZERO)
            totals = arrears.arrears_totals(request.user, as_of=as_of, community_id=cid)
            totals["late_fee"] = late_total
            headers = ["楼栋" if community else "小区"]
            headers += [f"{b.label}(元)" for b in arrears.BUCKETS]
            headers += ["合计(元)", "滞纳金(元)", "户数", "笔数"]
            table = [
                [r["label"], *r["ages"], r["total"], r["late_fee"], r["houses"], r["bills"]]
                for r in rows
            ]
            ctx.update(
                as_of=as_of,
                rows=rows,
                totals=totals,
                total_ages=[totals[b.key] for b in arrears.BUCKETS],
                buckets=arrears.BUCKETS,
                chart=self.ageing_chart(rows),
            )
            filename = f"欠费账龄-{as_of:%Y%m%d}"
        else:
            rows = reports.balances(request.user, community_id=cid)
            ledger = reports.ledger_balances(request.user, community_id=cid)
            for r in rows:
                book = ledger.get(r["community_id"], {"prepaid": ZERO, "deposit": ZERO})
                r["matches"] = book["prepaid"] == r["prepaid"] and book["deposit"] == r["deposit"]
            headers = ["小区", "预存余额(元)", "有预存户数", "押金余额(元)", "有押金户数"]
            table = [
                [
                    r["community__name"],
                    r["prepaid"],
                    r["prepaid_houses"],
                    r["deposit"],
                    r["deposit_houses"],
                ]
                for r in rows
            ]
            ctx.update(
                rows=rows,
                prepaid=sum((r["prepaid"] for r in rows), ZERO),
                deposit=sum((r["deposit"] for r in rows), ZERO),
                chart=self.balance_chart(rows),
            )
            filename = "预存与押金余额"
        if q.get("export") == "xlsx":
            if not self.access.can("billing.export"):
                raise PermissionDenied
            return xlsx_response(filename, headers, table, sheet_title=str(TABS[tab]))
        params = {k: v for k, v in q.items() if k not in ("export", "page")}
        ctx["export_url"] = "?" + urlencode({**params, "tab": tab, "export": "xlsx"})
        return render(request, "billing/reports.html", ctx)

    @staticmethod
    def collection_chart(rows) -> dict:
        return {
            "tooltip": {"trigger": "axis"},
            "legend": {"data": ["应收", "实收", "收缴率"]},
            "grid": {"left": 70, "right": 56, "top": 36, "bottom": 60},
            "xAxis": {
                "type": "category",
                "data": [r["label"] for r in rows],
                "axisLabel": {"rotate": 30 if len(rows) > 8 else 0},
            },
            "yAxis": [
                {"type": "value", "name": "元"},
                {"type": "value", "name": "%", "max": 100, "min": 0},
            ],
            "series": [
                {
                    "name": "应收",
                    "type": "bar",
                    "data": [_f(r["billed"]) for r in rows],
                    "itemStyle": {"color": "#9fc1ea"},
                },
                {
                    "name": "实收",
                    "type": "bar",
                    "data": [_f(r["collected"]) for r in rows],
                    "itemStyle": {"color": BLUE},
                },
                {
                    "name": "收缴率",
                    "type": "line",
                    "yAxisIndex": 1,
                    "data": [_f(r["rate"]) for r in rows],
                    "itemStyle": {"color": GREEN},
                },
            ],
        }

    @staticmethod
    def income_chart(rows) -> dict:
        return {
            "tooltip": {"trigger": "item", "formatter": "{b}: {c} 元 ({d}%)"},
            "series": [
                {
                    "type": "pie",
                    "radius": ["35%", "65%"],
                    "data": [{"name": r["label"], "value": _f(r["total"])} for r in rows],
                }
            ],
        }

    @staticmethod
    def day_chart(days) -> dict:
        return {
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 70, "right": 16, "top": 20, "bottom": 28},
            "xAxis": {"type": "category", "data": [f"{d['day']:%m-%d}" for d in days]},
            "yAxis": {"type": "value", "name": "元"},
            "series": [
                {
                    "type": "bar",
                    "data": [_f(d["total"]) for d in days],
                    "itemStyle": {"color": BLUE},
                }
            ],
        }

    @staticmethod
    def ageing_chart(rows) -> dict:
        colors = ["#8a94a0", "#d97706", ORANGE, RED]
        return {
            "tooltip": {"trigger": "axis"},
            "legend": {"data": [b.label for b in arrears.BUCKETS]},
            "grid": {"left": 70, "right": 16, "top": 36, "bottom": 28},
            "xAxis": {"type": "category", "data": [r["label"] for r in rows]},
            "yAxis": {"type": "value", "name": "元"},
            "series": [
                {
                    "name": b.label,
                    "type": "bar",
                    "stack": "age",
                    "data": [_f(r[b.key]) for r in rows],
                    "itemStyle": {"color": colors[i]},
                }
                for i, b in enumerate(arrears.BUCKETS)
            ],
        }

    @staticmethod
    def balance_chart(rows) -> dict:
        return {
            "tooltip": {"trigger": "axis"},
            "legend": {"data": ["预存", "押金"]},
            "grid": {"left": 70, "right": 16, "top": 36, "bottom": 28},
            "xAxis": {"type": "category", "data": [r["community__name"] for r in rows]},
            "yAxis": {"type": "value", "name": "元"},
            "series": [
                {
                    "name": "预存",
                    "type": "bar",
                    "data": [_f(r["prepaid"]) for r in rows],
                    "itemStyle": {"color": BLUE},
                },
                {
                    "name": "押金",
                    "type": "bar",
                    "data": [_f(r["deposit"]) for r in rows],
                    "itemStyle": {"color": GREEN},
                },
            ],
        }


urlpatterns = [path("reports/", ReportsPage.as_view(), name="reports")]
