"""角色: create from a template, edit the module × action matrix and data scope."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wuyetong.core.access import ACTIONS
from wuyetong.core.exceptions import ApplicationError

from .. import selectors, services
from ..forms import RoleCreateForm, RoleMatrixForm
from ..models import Role
from ..permissions import ACTION_LABELS, MODULE_LABELS
from .common import current_company, require, run_service, staff_required


@require_http_methods(["GET", "POST"])
@staff_required("roles.view")
def role_list(request):
    access = request.access
    form = RoleCreateForm(request.POST or None) if access.can("roles.add") else None
    if request.method == "POST":
        require(request, "roles.add")
        if form.is_valid():
            d = form.cleaned_data
            done = run_service(
                request,
                form,
                lambda: services.role_create_from_template(
                    actor=request.user,
                    company=current_company(request),
                    template=d["template"],
                    name=d["name"],
                ),
                _("角色已创建，请核对权限"),
                lambda role: reverse("orgs:role_edit", args=[role.pk]),
            )
            if done:
                return done
    roles = list(selectors.role_list(access))
    granted = set(current_company(request).modules or [])
    order = list(MODULE_LABELS)
    for role in roles:
        # Only what actually works: permissions of modules not granted stay dormant.
        role.effective = [p for p in role.permissions if p.split(".")[0] in granted]
        modules = sorted(
            {p.split(".")[0] for p in role.effective if p.split(".")[0] in MODULE_LABELS},
            key=order.index,
        )
        role.module_labels = [MODULE_LABELS[m] for m in modules]
    return render(request, "orgs/role_list.html", {"roles": roles, "form": form, "tab": "roles"})


@require_http_methods(["GET", "POST"])
@staff_required("roles.view")
def role_edit(request, pk: int):
    access = request.access
    role = get_object_or_404(selectors.role_list(access).select_related("company"), pk=pk)
    initial = {
        "name": role.name,
        "description": role.description,
        "data_scope": role.data_scope,
        "permissions": role.permissions,
    }
    form = RoleMatrixForm(request.POST or None, initial=initial, modules=role.company.modules or [])
    if request.method == "POST":
        require(request, "roles.change")
        if form.is_valid():
            d = form.cleaned_data
            done = run_service(
                request,
                form,
                lambda: services.role_update(
                    actor=request.user,
                    role=role,
                    name=d["name"],
                    permissions=d["permissions"],
                    data_scope=d["data_scope"],
                    description=d["description"],
                ),
                _("权限已保存"),
                reverse("orgs:role_edit", args=[role.pk]),
            )
            if done:
                return done
    return render(
        request,
        "orgs/role_edit.html",
        {
            "role": role,
            "form": form,
            "actions": [(a, ACTION_LABELS[a]) for a in ACTIONS],
            "can_change": access.can("roles.change"),
            "can_delete": access.can("roles.delete"),
            "tab": "roles",
        },
    )


@require_POST
@staff_required("roles.delete")
def role_delete(request, pk: int):
    role = get_object_or_404(Role.objects.for_access(request.access, "delete"), pk=pk)
    try:
        services.role_delete(actor=request.user, role=role)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("orgs:role_edit", pk=role.pk)
    messages.success(request, _("已删除角色「%(name)s」") % {"name": role.name})
    return redirect("orgs:role_list")
