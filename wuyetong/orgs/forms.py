"""Web forms: they parse input only; the services decide what is allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import ACTIONS, Access

from .choices import DataScope, OrgKind
from .models import City, Department, District, OrgUnit, Position, Role
from .permissions import EXTRA_PERMISSIONS, MODULE_LABELS, ROLE_TEMPLATES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _f(form: forms.Form, name: str) -> Any:
    """A bound form's field, typed loosely so its queryset / choices can be narrowed."""
    return form.fields[name]


class NameForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)


class OrgUnitCreateForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("上级组织"), queryset=OrgUnit.objects.none(), empty_label=_("请选择")
    )
    kind = forms.ChoiceField(
        label=_("层级"),
        choices=[(OrgKind.REGION, OrgKind.REGION.label), (OrgKind.PROJECT, OrgKind.PROJECT.label)],
    )
    name = forms.CharField(label=_("名称"), max_length=100)

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        _f(self, "parent").queryset = (
            OrgUnit.objects.for_access(access, "add").exclude(kind=OrgKind.PROJECT).order_by("path")
        )


class OrgUnitMoveForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("新上级组织"), queryset=OrgUnit.objects.none(), empty_label=_("请选择")
    )

    def __init__(self, *args, access: Access, unit: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        _f(self, "parent").queryset = (
            OrgUnit.objects.for_access(access, "change")
            .exclude(kind=OrgKind.PROJECT)
            .exclude(path__startswith=unit.path)
            .order_by("path")
        )


class DepartmentCreateForm(forms.Form):
    org_unit = forms.ModelChoiceField(
        label=_("所属组织"), queryset=OrgUnit.objects.none(), empty_label=_("请选择")
    )
    name = forms.CharField(label=_("部门名称"), max_length=50)

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        _f(self, "org_unit").queryset = OrgUnit.objects.for_access(access, "add").order_by("path")


class EmployeeFieldsForm(forms.Form):
    org_unit = forms.ModelChoiceField(
        label=_("所属组织"), queryset=OrgUnit.objects.none(), empty_label=_("请选择")
    )
    department = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.none(), required=False, empty_label=_("（无）")
    )
    position = forms.ModelChoiceField(
        label=_("岗位"), queryset=Position.objects.none(), required=False, empty_label=_("（无）")
    )
    employee_no = forms.CharField(label=_("工号"), max_length=30)
    hired_on = forms.DateField(
        label=_("入职日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, access: Access, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        _f(self, "org_unit").queryset = OrgUnit.objects.for_access(access, action).order_by("path")
        _f(self, "department").queryset = (
            Department.objects.for_access(access, "view")
            .select_related("org_unit")
            .order_by("org_unit__path", "name")
        )
        _f(self, "department").label_from_instance = lambda d: f"{d.org_unit.name} / {d.name}"
        _f(self, "position").queryset = Position.objects.for_access(access, "view").order_by("name")


class EmployeeCreateForm(EmployeeFieldsForm):
    phone = forms.CharField(
        label=_("手机号"), max_length=11, help_text=_("手机号即登录账号；已注册的用户将直接关联")
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    field_order = ["phone", "name", "org_unit", "department", "position", "employee_no", "hired_on"]


class EmployeeRolesForm(forms.Form):
    roles = forms.ModelMultipleChoiceField(
        label=_("角色"),
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, company_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        _f(self, "roles").queryset = Role.objects.filter(company_id=company_id).order_by("name")


def template_choices() -> list[tuple[str, str]]:
    return [(code, spec["name"]) for code, spec in ROLE_TEMPLATES.items()] + [
        ("", gettext("空白角色（自行配置）"))
    ]


class RoleCreateForm(forms.Form):
    template = forms.ChoiceField(
        label=_("角色模板"), choices=template_choices, required=False, initial="project_manager"
    )
    name = forms.CharField(
        label=_("角色名称"), max_length=50, required=False, help_text=_("留空则使用模板名称")
    )


class RoleMatrixForm(forms.Form):
    """Name, scope, and the module × action grid; only modules granted to the company."""

    name = forms.CharField(label=_("角色名称"), max_length=50)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    data_scope = forms.ChoiceField(label=_("数据范围"), choices=DataScope.choices)
    permissions = forms.MultipleChoiceField(
        label=_("权限"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, modules: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.modules = [m for m in MODULE_LABELS if m in set(modules)]
        choices: list[tuple[str, StrOrPromise]] = [
            (f"{m}.{a}", f"{m}.{a}") for m in self.modules for a in ACTIONS
        ]
        choices += [
            (p, label) for p, label in EXTRA_PERMISSIONS.items() if p.split(".")[0] in self.modules
        ]
        _f(self, "permissions").choices = choices

    def grid(self) -> list[dict]:
        """Rows for the template: one per module, a cell per action with its checked state."""
        checked = set(self["permissions"].value() or [])
        rows = []
        for m in self.modules:
            cells = [{"code": f"{m}.{a}", "checked": f"{m}.{a}" in checked} for a in ACTIONS]
            extras = [
                {"code": p, "label": label, "checked": p in checked}
                for p, label in EXTRA_PERMISSIONS.items()
                if p.split(".")[0] == m
            ]
            rows.append({"module": m, "label": MODULE_LABELS[m], "cells": cells, "extras": extras})
        return rows


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("approve", _("通过")), ("reject", _("驳回"))]
    )
    reason = forms.CharField(
        label=_("驳回原因"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CompanyReviewForm(ReviewForm):
    modules = forms.MultipleChoiceField(
        label=_("开通模块"),
        choices=list(MODULE_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("审核通过时一并开通"),
    )


class ModulesForm(forms.Form):
    modules = forms.MultipleChoiceField(
        label=_("开通模块"),
        choices=list(MODULE_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class BureauCreateForm(forms.Form):
    name = forms.CharField(label=_("部门名称"), max_length=100)
    city = forms.ModelChoiceField(
        label=_("城市"), queryset=City.objects.order_by("code"), empty_label=_("请选择")
    )
    district = forms.ModelChoiceField(
        label=_("区县"),
        queryset=District.objects.select_related("city").order_by("code"),
        required=False,
        empty_label=_("（全市）"),
        help_text=_("留空为市级房管部门，监管全市小区"),
    )


class CompanyAdminForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号"), max_length=11, help_text=_("即登录账号；已注册的用户将直接关联")
    )
    name = forms.CharField(label=_("姓名"), max_length=50)


class BureauMemberForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=11)
    name = forms.CharField(
        label=_("姓名"), max_length=50, required=False, help_text=_("新用户必填")
    )
    title = forms.CharField(label=_("职务"), max_length=50, required=False)
