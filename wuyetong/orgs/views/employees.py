"""员工: list, create, edit, roles, 离职/复职."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wuyetong.core.excel import xlsx_response
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.masking import mask_phone
from wuyetong.core.views import htmx_template, paginate

from .. import selectors, services
from ..filters import EmployeeFilter
from ..forms import EmployeeCreateForm, EmployeeFieldsForm, EmployeeRolesForm
from ..models import Employee
from .common import current_company, querystring_without_page, require, run_service, staff_required


@require_http_methods(["GET"])
@staff_required("org.view")
def employee_list(request):
    access = request.access
    filterset = EmployeeFilter(
        request.GET or None, queryset=selectors.employee_list(access), request=request
    )
    page = paginate(request, filterset.qs)
    template = htmx_template(request, "orgs/employee_list.html", "orgs/_employee_table.html")
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page": page,
            "qs": querystring_without_page(request),
            "tab": "employees",
        },
    )


@require_http_methods(["GET"])
@staff_required("org.export")
def employee_export(request):
    """The filtered employee list as .xlsx; whole phone numbers only for org.change holders."""
    access = request.access
    filterset = EmployeeFilter(
        request.GET or None, queryset=selectors.employee_list(access), request=request
    )
    show_phone = access.can("org.change")
    headers = [
        _("工号"),
        _("姓名"),
        _("手机号"),
        _("组织"),
        _("部门"),
        _("岗位"),
        _("角色"),
        _("入职日期"),
        _("状态"),
    ]
    rows = (
        [
            e.employee_no,
            e.user.name,
            e.user.phone if show_phone else mask_phone(e.user.phone),
            e.org_unit.name,
            e.department.name if e.department else "",
            e.position.name if e.position else "",
            "、".join(r.name for r in e.roles.all()),
            e.hired_on,
            _("在职") if e.is_active else _("离职"),
        ]
        for e in filterset.qs
    )
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return xlsx_response(
        _("员工_%(stamp)s.xlsx") % {"stamp": stamp},
        headers,
        rows,
        sheet_title=_("员工"),
        widths=[12, 12, 14, 16, 14, 14, 30, 12, 8],
    )


@require_http_methods(["GET", "POST"])
@staff_required("org.add")
def employee_create(request):
    form = EmployeeCreateForm(request.POST or None, access=request.access, action="add")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            form,
            lambda: services.employee_create(
                actor=request.user,
                company=current_company(request),
                phone=d["phone"],
                name=d["name"],
                org_unit=d["org_unit"],
                department=d["department"],
                position=d["position"],
                employee_no=d["employee_no"],
                hired_on=d["hired_on"],
            ),
            _("已新增员工「%(name)s」") % {"name": d["name"]},
            lambda e: reverse("orgs:employee_detail", args=[e.pk]),
        )
        if done:
            return done
    return render(request, "orgs/employee_form.html", {"form": form, "tab": "employees"})


def _employee(request, pk: int, action: str = "view") -> Employee:
    qs = selectors.employee_list(request.access, action)
    return get_object_or_404(qs, pk=pk)


@require_http_methods(["GET", "POST"])
@staff_required("org.view")
def employee_detail(request, pk: int):
    access = request.access
    employee = _employee(request, pk)
    edit_form = None
    if access.can("org.change"):
        initial = {
            "org_unit": employee.org_unit_id,
            "department": employee.department_id,
            "position": employee.position_id,
            "employee_no": employee.employee_no,
            "hired_on": employee.hired_on,
        }
        edit_form = EmployeeFieldsForm(
            request.POST or None, initial=initial, access=access, action="change"
        )
    if request.method == "POST":
        require(request, "org.change")
        employee = _employee(request, pk, "change")
        assert edit_form is not None  # built above whenever org.change is held
        if edit_form.is_valid():
            d = edit_form.cleaned_data
            done = run_service(
                request,
                edit_form,
                lambda: services.employee_update(
                    actor=request.user,
                    employee=employee,
                    org_unit=d["org_unit"],
                    department=d["department"],
                    position=d["position"],
                    employee_no=d["employee_no"],
                    hired_on=d["hired_on"],
                ),
                _("已保存"),
                reverse("orgs:employee_detail", args=[employee.pk]),
            )
            if done:
                return done
    roles_form = None
    if access.can("roles.change"):
        roles_form = EmployeeRolesForm(
            initial={"roles": [r.pk for r in employee.roles.all()]}, company_id=employee.company_id
        )
    return render(
        request,
        "orgs/employee_detail.html",
        {
            "employee": employee,
            "edit_form": edit_form,
            "roles_form": roles_form,
            "tab": "employees",
        },
    )


@require_POST
@staff_required("roles.change")
def employee_roles(request, pk: int):
    employee = _employee(request, pk, "view")
    form = EmployeeRolesForm(request.POST, company_id=employee.company_id)
    if form.is_valid():
        try:
            services.employee_assign_roles(
                actor=request.user, employee=employee, roles=list(form.cleaned_data["roles"])
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("角色已更新"))
    else:
        messages.error(request, _("所选角色无效"))
    return redirect("orgs:employee_detail", pk=employee.pk)


@require_POST
@staff_required("org.change")
def employee_set_active(request, pk: int):
    employee = _employee(request, pk, "change")
    active = request.POST.get("active") == "1"
    try:
        services.employee_set_active(actor=request.user, employee=employee, active=active)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已复职") if active else _("已办理离职"))
    return redirect("orgs:employee_detail", pk=employee.pk)
