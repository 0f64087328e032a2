"""组织架构, 部门, 岗位: the company tree and what hangs on it."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wuyetong.core.exceptions import ApplicationError

from .. import selectors, services
from ..choices import OrgKind
from ..filters import DepartmentFilter
from ..forms import DepartmentCreateForm, NameForm, OrgUnitCreateForm, OrgUnitMoveForm
from ..models import Department, OrgUnit, Position
from .common import current_company, require, run_service, staff_required


@require_http_methods(["GET", "POST"])
@staff_required("org.view")
def orgunit_list(request):
    access = request.access
    form = None
    if access.can("org.add"):
        form = OrgUnitCreateForm(request.POST or None, access=access)
    if request.method == "POST":
        require(request, "org.add")
        if form.is_valid():
            d = form.cleaned_data
            done = run_service(
                request,
                form,
                lambda: services.org_unit_create(
                    actor=request.user,
                    company=current_company(request),
                    kind=d["kind"],
                    name=d["name"],
                    parent=d["parent"],
                ),
                _("已新增组织「%(name)s」") % {"name": d["name"]},
                reverse("orgs:orgunit_list"),
            )
            if done:
                return done
    units = selectors.org_unit_tree(access)
    return render(request, "orgs/orgunit_list.html", {"units": units, "form": form, "tab": "units"})


@require_http_methods(["GET", "POST"])
@staff_required("org.change")
def orgunit_rename(request, pk: int):
    unit = get_object_or_404(OrgUnit.objects.for_access(request.access, "change"), pk=pk)
    form = NameForm(request.POST or None, initial={"name": unit.name})
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request,
            form,
            lambda: services.org_unit_rename(
                actor=request.user, unit=unit, name=form.cleaned_data["name"]
            ),
            _("已保存"),
            reverse("orgs:orgunit_list"),
        )
        if done:
            return done
    move_form = None
    if unit.kind != OrgKind.HQ:
        move_form = OrgUnitMoveForm(
            access=request.access, unit=unit, initial={"parent": unit.parent_id}
        )
    return render(
        request,
        "orgs/orgunit_edit.html",
        {"form": form, "move_form": move_form, "unit": unit, "tab": "units"},
    )


@require_POST
@staff_required("org.change")
def orgunit_move(request, pk: int):
    unit = get_object_or_404(OrgUnit.objects.for_access(request.access, "change"), pk=pk)
    form = OrgUnitMoveForm(request.POST, access=request.access, unit=unit)
    if not form.is_valid():
        messages.error(request, _("请选择有效的上级组织"))
        return redirect("orgs:orgunit_rename", pk=pk)
    try:
        services.org_unit_move(actor=request.user, unit=unit, parent=form.cleaned_data["parent"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("orgs:orgunit_rename", pk=pk)
    messages.success(
        request,
        _("已将「%(unit)s」调整到「%(parent)s」之下")
        % {"unit": unit.name, "parent": form.cleaned_data["parent"].name},
    )
    return redirect("orgs:orgunit_list")


@require_http_methods(["GET", "POST"])
@staff_required("org.view")
def department_list(request):
    access = request.access
    form = (
        DepartmentCreateForm(request.POST or None, access=access) if access.can("org.add") else None
    )
    if request.method == "POST":
        require(request, "org.add")
        if form.is_valid():
            d = form.cleaned_data
            done = run_service(
                request,
                form,
                lambda: services.department_create(
                    actor=request.user, org_unit=d["org_unit"], name=d["name"]
                ),
                _("已新增部门「%(name)s」") % {"name": d["name"]},
                reverse("orgs:department_list"),
            )
            if done:
                return done
    filterset = DepartmentFilter(
        request.GET or None, queryset=selectors.department_list(access), request=request
    )
    return render(
        request,
        "orgs/department_list.html",
        {"departments": filterset.qs, "filter": filterset, "form": form, "tab": "departments"},
    )


def _rename(request, obj, rename, *, title: str, list_url: str, tab: str):
    """The rename page of a department or a position: `rename(name)` calls the service."""
    form = NameForm(request.POST or None, initial={"name": obj.name})
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request, form, lambda: rename(form.cleaned_data["name"]), _("已保存"), list_url
        )
        if done:
            return done
    return render(
        request,
        "orgs/rename.html",
        {"form": form, "title": title, "back": list_url, "tab": tab},
    )


@require_http_methods(["GET", "POST"])
@staff_required("org.change")
def department_rename(request, pk: int):
    dept = get_object_or_404(Department.objects.for_access(request.access, "change"), pk=pk)
    return _rename(
        request,
        dept,
        lambda name: services.department_rename(actor=request.user, department=dept, name=name),
        title=_("重命名部门：%(name)s") % {"name": dept.name},
        list_url=reverse("orgs:department_list"),
        tab="departments",
    )


@require_http_methods(["GET", "POST"])
@staff_required("org.view")
def position_list(request):
    access = request.access
    form = NameForm(request.POST or None) if access.can("org.add") else None
    if request.method == "POST":
        require(request, "org.add")
        if form.is_valid():
            name = form.cleaned_data["name"]
            done = run_service(
                request,
                form,
                lambda: services.position_create(
                    actor=request.user, company=current_company(request), name=name
                ),
                _("已新增岗位「%(name)s」") % {"name": name},
                reverse("orgs:position_list"),
            )
            if done:
                return done
    positions = selectors.position_list(access)
    return render(
        request,
        "orgs/position_list.html",
        {"positions": positions, "form": form, "tab": "positions"},
    )


@require_http_methods(["GET", "POST"])
@staff_required("org.change")
def position_rename(request, pk: int):
    position = get_object_or_404(Position.objects.for_access(request.access, "change"), pk=pk)
    return _rename(
        request,
        position,
        lambda name: services.position_rename(actor=request.user, position=position, name=name),
        title=_("重命名岗位：%(name)s") % {"name": position.name},
        list_url=reverse("orgs:position_list"),
        tab="positions",
    )


@require_POST
@staff_required("org.delete")
def department_delete(request, pk: int):
    dept = get_object_or_404(Department.objects.for_access(request.access, "delete"), pk=pk)
    try:
        services.department_delete(actor=request.user, department=dept)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除部门「%(name)s」") % {"name": dept.name})
    return redirect("orgs:department_list")


@require_POST
@staff_required("org.delete")
def position_delete(request, pk: int):
    position = get_object_or_404(Position.objects.for_access(request.access, "delete"), pk=pk)
    try:
        services.position_delete(actor=request.user, position=position)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除岗位「%(name)s」") % {"name": position.name})
    return redirect("orgs:position_list")
