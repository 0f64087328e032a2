"""资源统计: houses by state, occupancy, parking and vehicles per community (C3 reports)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from wuyetong.core.excel import xlsx_response
from wuyetong.core.views import ModulePermissionMixin

from .. import selectors
from ..choices import HouseState, SpaceState


class ResourceReport(ModulePermissionMixin, View):
    permission = "estates.view"

    def get(self, request):
        rows = selectors.resource_report(request.user)
        totals = _totals(rows)
        if request.GET.get("export") == "xlsx":
            if not self.access.can("estates.export"):
                raise PermissionDenied
            return self.export(rows + ([totals] if rows else []))
        return render(
            request,
            "estates/resource_report.html",
            {
                "rows": rows,
                "totals": totals,
                "house_states": HouseState.choices,
                "space_states": SpaceState.choices,
                "can_export": self.access.can("estates.export"),
                "sees_residents": self.access.can("residents.view"),
            },
        )

    def export(self, rows):
        headers = [
            _("小区"),
            _("房屋"),
            _("建筑面积(㎡)"),
            *[str(label) for label in HouseState.labels],
            _("入住率(%)"),
            _("在住人数"),
            *[_("车位%(state)s") % {"state": label} for label in SpaceState.labels],
            _("车辆"),
            _("商铺"),
        ]
        data = (
            [
                r["community"].name if r["community"] else _("合计"),
                r["houses"],
                r["area"],
                *[r["states"][v] for v in HouseState.values],
                r["occupancy_rate"],
                r["residents"],
                *[r["spaces"][v] for v in SpaceState.values],
                r["vehicles"],
                r["shops"],
            ]
            for r in rows
        )
        return xlsx_response(_("资源统计"), headers, data)


def _totals(rows: list[dict]) -> dict:
    total: dict[str, Any] = {
        "community": None,
        "houses": 0,
        "area": 0,
        "states": dict.fromkeys(HouseState.values, 0),
        "residents": 0,
        "spaces": dict.fromkeys(SpaceState.values, 0),
        "vehicles": 0,
        "shops": 0,
    }
    for r in rows:
        for key in ("houses", "area", "vehicles", "shops"):
            total[key] += r[key]
        if r["residents"] is None:
            total["residents"] = None
        elif total["residents"] is not None:
            total["residents"] += r["residents"]
        for v in HouseState.values:
            total["states"][v] += r["states"][v]
        for v in SpaceState.values:
            total["spaces"][v] += r["spaces"][v]
    lived = total["states"][HouseState.OCCUPIED] + total["states"][HouseState.RENTED]
    total["occupancy_rate"] = round(lived * 100 / total["houses"], 1) if total["houses"] else None
    return total


urlpatterns = [path("report/", ResourceReport.as_view(), name="resource_report")]
