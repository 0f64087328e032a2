"""The statistics tables as the pages and the Excel files show them: one list of figure
columns, three ways to key a row (month, company, community), and for every number the link
to the cases behind it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wuyetong.servicedesk.stats import FigureRow, Figures


@dataclass(frozen=True)
class FigureCol:
    """A figure column; `metric` names the drill-down list its numbers open (with `kind`
    narrowing it, for the satisfaction rate of repairs or of complaints)."""

    label: str | Promise
    value: Callable[[Figures], Any]
    metric: str = ""
    kind: str = ""


FIGURE_COLS: list[FigureCol] = [
    FigureCol(_("受理"), lambda f: f.received, "received"),
    FigureCol(_("接单"), lambda f: f.accepted, "accepted"),
    FigureCol(_("接单率%"), lambda f: f.acceptance_rate),
    FigureCol(_("办结"), lambda f: f.resolved, "resolved"),
    FigureCol(_("办结率%"), lambda f: f.resolution_rate),
    FigureCol(_("平均响应(分钟)"), lambda f: f.avg_response_minutes),
    FigureCol(_("平均办结(小时)"), lambda f: f.avg_resolution_hours),
    FigureCol(_("超时"), lambda f: f.overdue, "overdue"),
    FigureCol(_("升级"), lambda f: f.escalated, "escalated"),
    FigureCol(_("被催办"), lambda f: f.urged, "urged"),
    FigureCol(_("差评"), lambda f: f.bad, "bad"),
    FigureCol(_("报修好评率%"), lambda f: f.repair_satisfaction_rate, "rated", "repair"),
    FigureCol(_("投诉好评率%"), lambda f: f.complaint_satisfaction_rate, "rated", "complaint"),
]

# by -> [(label, value of the row's key)]
KEY_COLS: dict[str, list[tuple[str | Promise, Callable[[FigureRow], Any]]]] = {
    "month": [(_("月份"), lambda r: f"{r.month:%Y-%m}")],
    "company": [(_("物业公司"), lambda r: r.company__name)],
    "community": [
        (_("小区"), lambda r: r.community__name),
        (_("区县"), lambda r: r.community__district__name),
        (_("物业公司"), lambda r: r.company__name),
    ],
}
TABLE_TITLES = {
    "company": _("按物业公司"),
    "community": _("按小区"),
    "month": _("按月份"),
}


def narrowing(row: FigureRow, by: str) -> dict[str, str]:
    """The parameters that narrow a question to one row of a table."""
    if by == "month":
        month = f"{row.month:%Y-%m}"
        return {"month_from": month, "month_to": month}
    if by == "company":
        return {"company": str(row.company_id)}
    if by == "community":
        return {"community": str(row.community_id), "company": str(row.company_id)}
    return {}


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


class Linker:
    """Builds the drill-down URL of a figure: the page's question, narrowed to a row, plus
    the figure's condition. A row's question is encoded once for all its figures."""

    def __init__(self, list_url: str, params: dict[str, str]):
        self.list_url, self.params = list_url, params
        self._encoded: dict[tuple, tuple[str, str]] = {}

    def __call__(self, col: FigureCol, value: Any, narrow: dict[str, str]) -> str:
        return self.to(col.metric, value, kind=col.kind, narrow=narrow)

    def to(
        self, metric: str, count: Any, *, kind: str = "", narrow: dict | None = None, **_ignored
    ) -> str:
        """The list of the `count` cases behind a figure ("" when there is none to list)."""
        if not metric or not count:
            return ""
        key = tuple(sorted((narrow or {}).items()))
        if key not in self._encoded:
            params = {**self.params, **(narrow or {})}
            asked = params.pop("kind", "")
            self._encoded[key] = (f"{self.list_url}?{urlencode(params)}", asked)
        base, asked = self._encoded[key]
        if kind and asked and asked != kind:
            return ""  # a repair rate on a page about complaints: nothing behind it
        kind = kind or asked
        return f"{base}&metric={metric}&kind={kind}" if kind else f"{base}&metric={metric}"


def cells(figures: Figures, link: Linker, narrow: dict[str, str]) -> list[dict]:
    out = []
    for col in FIGURE_COLS:
        value = col.value(figures)
        out.append({"text": _text(value), "url": link(col, value, narrow), "num": True})
    return out


def _tds(keys: list[str], figures: list[dict]) -> SafeString:
    """One table row's cells as escaped HTML: a big table renders in a fraction of the time
    the same loops take in the template language."""
    parts = [format_html("<td>{}</td>", k) for k in keys]
    for c in figures:
        if c["url"]:
            parts.append(
                format_html('<td class="num"><a href="{}">{}</a></td>', c["url"], c["text"])
            )
        else:
            parts.append(format_html('<td class="num">{}</td>', c["text"]))
    return mark_safe("".join(parts))  # every part escaped by format_html


def html_table(by: str, rows: Iterable[FigureRow], link: Linker, total: Figures | None) -> dict:
    """Headers and rows of a figure table for templates/oversight/_figure_table.html."""
    keys = KEY_COLS[by]
    body = [
        _tds([_text(value(r)) for _label, value in keys], cells(r.figures, link, narrowing(r, by)))
        for r in rows
    ]
    return {
        "by": by,
        "title": TABLE_TITLES[by],
        "key_headers": [label for label, _value in keys],
        "headers": [c.label for c in FIGURE_COLS],
        "rows": body,
        "total": _tds([], cells(total, link, {})) if total is not None else None,
        "key_span": len(keys),
    }


def _excel(value: Any) -> Any:
    return "" if value is None else value


def excel_rows(by: str, rows: Iterable[FigureRow], total: Figures | None):
    """Headers, then the rows as numbers (rates and averages as Decimal), then 合计."""
    keys = KEY_COLS[by]
    headers = [str(label) for label, _value in keys] + [str(c.label) for c in FIGURE_COLS]
    data: list[list[Any]] = [
        [value(r) for _label, value in keys] + [_excel(c.value(r.figures)) for c in FIGURE_COLS]
        for r in rows
    ]
    if total is not None:
        data.append(
            [gettext("合计")]
            + [""] * (len(keys) - 1)
            + [_excel(c.value(total)) for c in FIGURE_COLS]
        )
    return headers, data


def percent(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None
