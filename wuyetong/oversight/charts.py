"""ECharts options of the dashboards (drawn by static/js/charts.js from json_script data)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from wuyetong.servicedesk.stats import FigureRow

from .tables import percent

_GRID = {"left": 44, "right": 48, "top": 36, "bottom": 28, "containLabel": True}
_TOOLTIP = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
_RATE_AXIS = {
    "type": "value",
    "name": "%",
    "min": 0,
    "max": 100,
    "splitLine": {"show": False},
}


def trend(months: list[FigureRow]) -> dict[str, Any]:
    """Cases received and resolved per month (bars), overdue (line), 好评率 (line, right)."""
    return {
        "color": ["#2f6fba", "#35a46c", "#e0662f", "#b37feb"],
        "tooltip": _TOOLTIP,
        "legend": {"top": 0},
        "grid": _GRID,
        "xAxis": {"type": "category", "data": [f"{r.month:%Y-%m}" for r in months]},
        "yAxis": [{"type": "value", "minInterval": 1}, _RATE_AXIS],
        "series": [
            {"name": _("受理"), "type": "bar", "data": [r.received for r in months]},
            {"name": _("办结"), "type": "bar", "data": [r.resolved for r in months]},
            {"name": _("超时"), "type": "line", "data": [r.overdue for r in months]},
            {
                "name": _("好评率%"),
                "type": "line",
                "yAxisIndex": 1,
                "connectNulls": True,
                "data": [percent(r.satisfaction_rate) for r in months],
            },
        ],
    }


def companies(rows: list[FigureRow], limit: int = 12) -> dict[str, Any]:
    """The busiest companies side by side: received, overdue, escalated, and 好评率."""
    rows = rows[:limit]
    names = [r.company__short_name for r in rows]
    return {
        "color": ["#2f6fba", "#e0662f", "#c23531", "#35a46c"],
        "tooltip": _TOOLTIP,
        "legend": {"top": 0},
        "grid": {**_GRID, "bottom": 8},
        "xAxis": {
            "type": "category",
            "data": names,
            "axisLabel": {"interval": 0, "width": 90, "overflow": "truncate"},
        },
        "yAxis": [{"type": "value", "minInterval": 1}, _RATE_AXIS],
        "series": [
            {"name": _("受理"), "type": "bar", "data": [r.received for r in rows]},
            {"name": _("超时"), "type": "bar", "data": [r.overdue for r in rows]},
            {"name": _("升级"), "type": "bar", "data": [r.escalated for r in rows]},
            {
                "name": _("好评率%"),
                "type": "line",
                "yAxisIndex": 1,
                "data": [percent(r.satisfaction_rate) for r in rows],
            },
        ],
    }
