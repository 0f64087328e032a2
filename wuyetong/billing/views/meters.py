"""Meter reading (抄表): the readings list, the keyboard grid for a building, the staff phone
page (one house at a time), and the .xlsx import (upload → every bad cell, or a preview →
confirm). All of them save through meter_readings_save; bills come from the month's run."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import parse_pk
from wuyetong.core.views import ModulePermissionMixin, form_error_from

from .. import filters
from .. import selectors_ops as sel
from ..choices import ReadingSource
from ..forms.meters import ReadingImportForm, ReadingScopeForm
from ..models import FeeItem
from ..services import reading_import as imports
from ..services.readings import ReadingInput, ReadingsInvalid, meter_readings_save
from .base import Col, ListPage, house_text, raise_http

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MeterReadingList(ListPage):
    title = _("抄表读数")
    selector = sel.meter_reading_list
    filterset_class = filters.MeterReadingFilter
    extra_links = [
        (_("Excel导入"), "billing:reading_import", "billing.add"),
        (_("手机抄表"), "billing:reading_phone", "billing.add"),
        (_("抄表录入"), "billing:reading_grid", "billing.add"),
    ]
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("房屋"), lambda o: house_text(o.house)),
        Col(_("表类型"), lambda o: o.fee_item.name),
        Col(_("抄表月份"), lambda o: f"{o.period:%Y-%m}", order="period"),
        Col(_("上次读数"), lambda o: o.previous_reading.normalize(), num=True),
        Col(_("本次读数"), lambda o: o.current_reading.normalize(), num=True),
        Col(_("用量"), lambda o: o.usage.normalize(), num=True, order="usage"),
        Col(_("换表"), lambda o: o.meter_changed),
        Col(_("抄表日期"), lambda o: o.read_on),
        Col(_("录入方式"), lambda o: o.get_source_display()),
        Col(
            _("账单"),
            lambda o: (
                f"{o.bill.amount}元 {o.bill.get_state_display()}" if o.bill_id else _t("未出账")
            ),
        ),
    ]


def _scope(request, data):
    form = ReadingScopeForm(data, communities=sel.billing_communities(request.user, "add"))
    return form, (form.cleaned_data if data is not None and form.is_valid() else None)


def _rows_from_post(post, grid) -> list[ReadingInput]:
    """The grid's typed rows: only houses with something typed in 本次读数."""
    rows = []
    for row in grid:
        pk = row.house.pk
        current = post.get(f"current_{pk}", "").strip()
        if not current:
            continue
        rows.append(
            ReadingInput(
                house_id=pk,
                current=current,
                previous=post.get(f"previous_{pk}", "").strip() or None,
                meter_changed=post.get(f"changed_{pk}") == "1",
                old_meter_final=post.get(f"old_{pk}", "").strip() or None,
            )
        )
    return rows


class ReadingGrid(ModulePermissionMixin, View):
    """A building's houses in one table: type 本次读数 and press Enter to go to the next
    house; usage is shown as you type; Save checks every row and saves all or none."""

    permission = "billing.add"

    def render(self, request, form, scope, grid=None, typed=None, problems=None, status=200):
        typed, problems = typed or {}, problems or {}
        rows = [
            {
                "row": row,
                "typed": typed.get(row.house.pk),
                "problems": problems.get(row.house.pk, []),
            }
            for row in grid or []
        ]
        return render(
            request,
            "billing/reading_grid.html",
            {"form": form, "scope": scope, "grid": grid, "rows": rows},
            status=status,
        )

    def _grid(self, scope):
        return sel.reading_grid(
            building=scope["building"], fee_item=scope["fee_item"], period=scope["period"]
        )

    def get(self, request):
        bound = bool(request.GET)
        form, scope = _scope(request, request.GET if bound else None)
        grid = self._grid(scope) if scope else None
        return self.render(request, form, scope, grid, status=400 if bound and not scope else 200)

    def post(self, request):
        form, scope = _scope(request, request.POST)
        if scope is None:
            return self.render(request, form, None, status=400)
        grid = self._grid(scope)
        rows = _rows_from_post(request.POST, grid)
        typed = {
            r.house_id: {
                "current": r.current,
                "previous": r.previous or "",
                "changed": r.meter_changed,
                "old": r.old_meter_final or "",
            }
            for r in rows
        }
        try:
            if not rows:
                raise ApplicationError(_t("请至少填写一户的本次读数"), field="rows")
            result = meter_readings_save(
                actor=request.user,
                community=scope["community"],
                fee_item=scope["fee_item"],
                period=scope["period"],
                rows=rows,
                source=ReadingSource.GRID,
            )
        except ReadingsInvalid as exc:
            problems: dict[int, list[str]] = {}
            for p in exc.problems:
                problems.setdefault(int(p.ref), []).append(p.message)
            messages.error(request, exc.message)
            return self.render(request, form, scope, grid, typed, problems, status=400)
        except ApplicationError as exc:
            raise_http(exc)
            messages.error(request, exc.message)
            return self.render(request, form, scope, grid, typed, status=400)
        messages.success(
            request,
            _t("已保存：新增 %(c)s 户，修改 %(u)s 户，未变 %(n)s 户")
            % {"c": result.created, "u": result.updated, "n": result.unchanged},
        )
        query = urlencode(
            {
                "community": scope["community"].pk,
                "building": scope["building"].pk,
                "fee_item": scope["fee_item"].pk,
                "period": f"{scope['period']:%Y-%m}",
            }
        )
        return redirect(f"{reverse('billing:reading_grid')}?{query}")


class ReadingPhone(ModulePermissionMixin, View):
    """The meter reader's phone page: choose the round, then one house at a time with a big
    number field; saving goes to the next house not yet read."""

    permission = "billing.add"

    def get(self, request):
        return self.page(request, request.GET or None, house=request.GET.get("house"))

    def page(self, request, data, *, house=None, error=None, typed=None, status=200):
        form, scope = _scope(request, data)
        grid = sel.reading_grid(**_grid_args(scope)) if scope else None
        current = None
        if grid:
            wanted = parse_pk(house)
            current = next((r for r in grid if r.house.pk == wanted), None) or next(
                (r for r in grid if r.reading is None), None
            )
        done = sum(1 for r in grid if r.reading is not None) if grid else 0
        return render(
            request,
            "billing/reading_phone.html",
            {
                "form": form,
                "scope": scope,
                "grid": grid,
                "row": current,
                "done": done,
                "error": error,
                "typed": typed or {},
                "query": _query(scope) if scope else "",
            },
            status=status,
        )

    def post(self, request):
        _form, scope = _scope(request, request.POST)
        if scope is None:
            return redirect("billing:reading_phone")
        pk = parse_pk(request.POST.get("house"))
        row = ReadingInput(
            house_id=pk or 0,
            current=request.POST.get("current", "").strip(),
            previous=request.POST.get("previous", "").strip() or None,
            meter_changed=request.POST.get("changed") == "1",
            old_meter_final=request.POST.get("old", "").strip() or None,
        )
        try:
            meter_readings_save(
                actor=request.user,
                community=scope["community"],
                fee_item=scope["fee_item"],
                period=scope["period"],
                rows=[row],
                source=ReadingSource.PHONE,
            )
        except ApplicationError as exc:
            raise_http(exc)
            message = (
                "；".join(p.message for p in exc.problems)
                if isinstance(exc, ReadingsInvalid)
                else exc.message
            )
            return self.page(
                request, request.POST, house=pk, error=message, typed=request.POST, status=400
            )
        messages.success(request, _t("已保存"))
        return redirect(f"{reverse('billing:reading_phone')}?{_query(scope)}")


def _grid_args(scope):
    return {"building": scope["building"], "fee_item": scope["fee_item"], "period": scope["period"]}


def _query_dict(scope) -> dict[str, str]:
    return {
        "community": str(scope["community"].pk),
        "building": str(scope["building"].pk),
        "fee_item": str(scope["fee_item"].pk),
        "period": f"{scope['period']:%Y-%m}",
    }


def _query(scope) -> str:
    return urlencode(_query_dict(scope))


# ---------------------------------------------------------------- import


def _import_form(request, data=None, files=None):
    communities = sel.billing_communities(request.user, "add")
    items = FeeItem.objects.for_user(request.user, "view").filter(kind="metered", is_active=True)
    return ReadingImportForm(data, files, communities=communities, fee_items=items)


class ReadingImport(ModulePermissionMixin, View):
    permission = "billing.add"

    def page(self, request, form, invalid=None, status=200):
        return render(
            request,
            "billing/reading_import.html",
            {
                "form": form,
                "invalid": invalid,
                "errors": invalid.row_errors[:2000] if invalid else [],
            },
            status=status,
        )

    def get(self, request):
        return self.page(request, _import_form(request))

    def post(self, request):
        form = _import_form(request, request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form, status=400)
        try:
            preview = imports.reading_import_preview(
                actor=request.user,
                community=form.cleaned_data["community"],
                fee_item=form.cleaned_data["fee_item"],
                period=form.cleaned_data["period"],
                upload=form.cleaned_data["file"],
            )
        except imports.ReadingImportInvalid as exc:
            return self.page(request, form, exc, status=400)
        except ApplicationError as exc:
            raise_http(exc)
            form_error_from(form, exc)
            return self.page(request, form, status=400)
        return render(request, "billing/reading_import_preview.html", {"preview": preview})


class ReadingImportConfirm(ModulePermissionMixin, View):
    permission = "billing.add"

    def post(self, request):
        try:
            info, result = imports.reading_import_commit(
                actor=request.user, token=request.POST.get("token", "")
            )
        except imports.ReadingImportInvalid as exc:
            messages.error(request, _t("自预览以来数据已变化，文件未通过复核，未导入任何读数。"))
            return ReadingImport().page(request, _import_form(request), exc, status=400)
        except ApplicationError as exc:
            raise_http(exc)
            messages.error(request, exc.message)
            return redirect("billing:reading_import")
        messages.success(
            request,
            _t("已导入 %(file)s：新增 %(c)s 条，修改 %(u)s 条读数")
            % {"file": info.filename, "c": result.created, "u": result.updated},
        )
        query = urlencode(
            {
                "community": info.community.pk,
                "fee_item": info.fee_item.pk,
                "period": f"{info.period:%Y-%m}",
            }
        )
        return redirect(f"{reverse('billing:reading_list')}?{query}")


def _xlsx(filename: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class ReadingImportTemplate(ModulePermissionMixin, View):
    permission = "billing.add"

    def get(self, request):
        return _xlsx(*imports.reading_import_template())


class ReadingImportErrors(ModulePermissionMixin, View):
    permission = "billing.add"

    def get(self, request):
        try:
            filename, data = imports.reading_import_error_report(
                actor=request.user, token=request.GET.get("token", "")
            )
        except ApplicationError as exc:
            raise_http(exc)
            messages.error(request, exc.message)
            return redirect("billing:reading_import")
        return _xlsx(filename, data)


urlpatterns = [
    path("readings/", MeterReadingList.as_view(), name="reading_list"),
    path("readings/grid/", ReadingGrid.as_view(), name="reading_grid"),
    path("readings/import/", ReadingImport.as_view(), name="reading_import"),
    path("readings/import/confirm/", ReadingImportConfirm.as_view(), name="reading_import_confirm"),
    path("readings/import/template.xlsx", ReadingImportTemplate.as_view(), name="reading_template"),
    path("readings/import/errors.xlsx", ReadingImportErrors.as_view(), name="reading_errors"),
    path("m/readings/", ReadingPhone.as_view(), name="reading_phone"),
]
