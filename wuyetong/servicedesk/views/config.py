"""Configuration pages of the service desk: the type tree, SLA rules, workers on duty for
round-robin, and the company's return-visit settings. Reading needs servicedesk.view; the
services decide who may change what (types, rules and settings: the HQ admin; duty cards:
the desk) and their refusals are shown on the form."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.exceptions import PermissionDenied as ServicePermissionDenied
from wuyetong.core.views import ModulePermissionMixin, form_error_from

from .. import selectors, services
from ..choices import CaseKind, Urgency
from ..services.scans import DEFAULT_AUTO_CLOSE_DAYS, DEFAULT_RETURN_VISIT_DAYS

# --- forms: input only; the services check the rules --------------------------------------


class TypeCreateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=CaseKind.choices)
    parent = forms.TypedChoiceField(
        label=gettext_lazy("上级类型"), coerce=int, required=False, empty_value=None
    )
    name = forms.CharField(label=gettext_lazy("类型名称"), required=False, max_length=50)
    sort = forms.IntegerField(label=gettext_lazy("排序"), min_value=0, max_value=999, initial=0)

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("（顶级）"))] + [
            (
                t.pk,
                f"{t.get_kind_display()} · {t.parent.name + ' / ' if t.parent_id else ''}{t.name}",
            )
            for t in types
        ]


class TypeUpdateForm(forms.Form):
    case_type = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("类型名称"), required=False, max_length=50)
    sort = forms.IntegerField(label=gettext_lazy("排序"), min_value=0, max_value=999)


class TypeToggleForm(forms.Form):
    case_type = forms.IntegerField(widget=forms.HiddenInput)
    is_active = forms.BooleanField(required=False, widget=forms.HiddenInput)


class HoursField(forms.CharField):
    """Hours typed as a number (0.5 = 30 minutes), cleaned to whole minutes."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        try:
            hours = Decimal(str(value).strip())
        except InvalidOperation:
            raise forms.ValidationError(_("请输入小时数，例如 0.5 或 24")) from None
        if not hours.is_finite() or hours <= 0:
            raise forms.ValidationError(_("请输入小时数，例如 0.5 或 24"))
        return int((hours * 60).to_integral_value())


class SlaForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=CaseKind.choices)
    case_type = forms.TypedChoiceField(
        label=gettext_lazy("类型"), coerce=int, required=False, empty_value=None
    )
    urgency = forms.ChoiceField(label=gettext_lazy("紧急程度"), choices=Urgency.choices)
    response = HoursField(label=gettext_lazy("响应时限(小时)"), required=False, max_length=10)
    resolution = HoursField(label=gettext_lazy("解决时限(小时)"), required=False, max_length=10)
    warn_before_minutes = forms.IntegerField(
        label=gettext_lazy("提前预警(分钟)"), min_value=0, initial=0
    )
    bureau_on_breach = forms.BooleanField(label=gettext_lazy("超时报房管部门"), required=False)
    bureau_on_bad_rating = forms.BooleanField(label=gettext_lazy("差评报房管部门"), required=False)

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_type"].choices = [("", _("（该类别默认）"))] + [
            (t.pk, f"{t.get_kind_display()} · {t.name}") for t in types
        ]


class WorkerForm(forms.Form):
    employee = forms.TypedChoiceField(label=gettext_lazy("员工"), coerce=int)
    case_types = forms.TypedMultipleChoiceField(
        label=gettext_lazy("负责类型"), coerce=int, required=False
    )
    on_duty = forms.BooleanField(label=gettext_lazy("在岗"), required=False, initial=True)

    def __init__(self, *args, employees=(), types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].choices = [("", _("选择员工"))] + [
            (e.pk, f"{e.user.name}（{e.org_unit.name}）") for e in employees
        ]
        self.fields["case_types"].choices = [
            (t.pk, t.name) for t in types if t.kind == CaseKind.REPAIR and t.is_active
        ]
        self.fields["case_types"].widget.attrs["size"] = 8


class SettingsForm(forms.Form):
    return_visit_days = forms.IntegerField(
        label=gettext_lazy("未评价自动回访(天)"),
        help_text=gettext_lazy("完成后业主未评价，满该天数由系统回访"),
    )
    auto_close_days = forms.IntegerField(
        label=gettext_lazy("自动关闭(天)"),
        help_text=gettext_lazy("评价或回访后满该天数自动关闭（投诉须有书面答复）"),
    )


# --- pages ----------------------------------------------------------------------------------


class ConfigPage(ModulePermissionMixin, View):
    """A page of small forms, each posted with its `action`; `actions` maps it to (form class,
    service call taking the actor and the cleaned data)."""

    permission = "servicedesk.view"
    template_name = ""
    title: Any = ""
    actions: dict[str, tuple[type[forms.Form], Any]] = {}

    def form_kwargs(self) -> dict:
        return {}

    def context(self, bound: dict[str, forms.Form]) -> dict:
        return {}

    def forms_for(self, bound: dict[str, forms.Form]) -> dict[str, forms.Form]:
        kwargs = self.form_kwargs()
        return {
            name: bound.get(name) or form_class(prefix=name, **self._kwargs_for(form_class, kwargs))
            for name, (form_class, _call) in self.actions.items()
        }

    @staticmethod
    def _kwargs_for(form_class, kwargs: dict) -> dict:
        params = form_class.__init__.__code__.co_varnames
        return {k: v for k, v in kwargs.items() if k in params}

    def render_page(self, request, bound: dict[str, forms.Form], status: int = 200):
        ctx = {"title": self.title, "forms": self.forms_for(bound), **self.context(bound)}
        return render(request, self.template_name, ctx, status=status)

    def get(self, request):
        return self.render_page(request, {})

    def post(self, request):
        name = request.POST.get("action", "")
        if name not in self.actions:
            raise Http404
        form_class, call = self.actions[name]
        form = form_class(
            request.POST, prefix=name, **self._kwargs_for(form_class, self.form_kwargs())
        )
        status = 400
        if form.is_valid():
            try:
                call(request.user, form.cleaned_data)
            except ApplicationError as exc:
                form_error_from(form, exc)
                if isinstance(exc, ServicePermissionDenied):
                    # Its form may not be on the page for this user: say it at the top.
                    messages.error(request, exc.message)
                    status = 403
            else:
                messages.success(request, _("已保存"))
                return redirect(request.path)
        return self.render_page(request, {name: form}, status=status)


def _type_create(user, d):
    services.case_type_create(
        actor=user, kind=d["kind"], name=d["name"], parent_id=d["parent"], sort=d["sort"]
    )


def _type_update(user, d):
    services.case_type_update(
        actor=user, case_type_id=d["case_type"], name=d["name"], sort=d["sort"]
    )


def _type_toggle(user, d):
    services.case_type_update(actor=user, case_type_id=d["case_type"], is_active=d["is_active"])


class TypeTree(ConfigPage):
    title = gettext_lazy("工单类型")
    template_name = "servicedesk/console/config_types.html"
    actions = {
        "create": (TypeCreateForm, _type_create),
        "update": (TypeUpdateForm, _type_update),
        "toggle": (TypeToggleForm, _type_toggle),
    }

    def form_kwargs(self) -> dict:
        if not hasattr(self, "_types"):
            self._types = list(selectors.case_type_tree(user=self.request.user))
        return {"types": self._types}

    def context(self, bound) -> dict:
        types = self.form_kwargs()["types"]
        children: dict[int | None, list] = {}
        for t in types:
            children.setdefault(t.parent_id, []).append(t)

        def walk(parent_id, depth):
            for t in children.get(parent_id, []):
                yield {"node": t, "depth": depth}
                yield from walk(t.pk, depth + 1)

        failed = bound.get("update") or bound.get("toggle")
        failed_id = failed.data.get(f"{failed.prefix}-case_type") if failed else None
        trees = []
        for kind, label in CaseKind.choices:
            rows = [r for r in walk(None, 0) if r["node"].kind == kind]
            for r in rows:
                r["failed"] = failed if str(r["node"].pk) == str(failed_id) else None
                typed = r["failed"] and r["failed"].data.get("update-name")
                r["name"] = typed if typed is not None and typed is not False else r["node"].name
            trees.append({"label": label, "rows": rows})
        return {"trees": trees, "can_change": _can_configure(self.access)}


def _can_configure(access) -> bool:
    # The services' rule (config._config_company): a company-wide role with approve.
    return access.can("servicedesk.approve") and access.org_unit_ids is None


def _sla_save(user, d):
    services.sla_rule_save(
        actor=user,
        kind=d["kind"],
        urgency=d["urgency"],
        case_type_id=d["case_type"],
        response_minutes=d["response"],
        resolution_minutes=d["resolution"],
        warn_before_minutes=d["warn_before_minutes"],
        bureau_on_breach=d["bureau_on_breach"],
        bureau_on_bad_rating=d["bureau_on_bad_rating"],
    )


class SlaRules(ConfigPage):
    title = gettext_lazy("时效规则")
    template_name = "servicedesk/console/config_sla.html"
    actions = {"save": (SlaForm, _sla_save)}

    def form_kwargs(self) -> dict:
        return {
            "types": [t for t in selectors.case_type_tree(user=self.request.user) if t.is_active]
        }

    def context(self, bound) -> dict:
        rules = [
            {
                "rule": r,
                "response": _hours(r.response_minutes),
                "resolution": _hours(r.resolution_minutes),
            }
            for r in selectors.sla_rule_list(user=self.request.user)
        ]
        return {"rules": rules, "can_change": _can_configure(self.access)}


def _hours(minutes: int) -> str:
    return f"{Decimal(minutes) / 60:.2f}".rstrip("0").rstrip(".")


def _worker_save(user, d):
    services.case_worker_save(
        actor=user, employee_id=d["employee"], case_type_ids=d["case_types"], on_duty=d["on_duty"]
    )


class Workers(ConfigPage):
    title = gettext_lazy("维修人员与值班")
    template_name = "servicedesk/console/config_workers.html"
    actions = {"save": (WorkerForm, _worker_save)}

    def form_kwargs(self) -> dict:
        user = self.request.user
        return {
            "employees": selectors.case_worker_candidates(user=user),
            "types": list(selectors.case_type_tree(user=user)),
        }

    def context(self, bound) -> dict:
        return {
            "workers": list(selectors.case_worker_list(user=self.request.user)),
            "can_change": self.access.can("servicedesk.add"),
        }


def _settings_save(user, d):
    services.company_settings_save(
        actor=user,
        return_visit_days=d["return_visit_days"],
        auto_close_days=d["auto_close_days"],
    )


class CompanySettings(ConfigPage):
    title = gettext_lazy("工单设置")
    template_name = "servicedesk/console/config_settings.html"
    actions = {"save": (SettingsForm, _settings_save)}

    def forms_for(self, bound):
        if "save" in bound:
            return {"save": bound["save"]}
        current = selectors.company_servicedesk_settings(user=self.request.user)
        initial = {
            "return_visit_days": current.get("return_visit_days", DEFAULT_RETURN_VISIT_DAYS),
            "auto_close_days": current.get("auto_close_days", DEFAULT_AUTO_CLOSE_DAYS),
        }
        return {"save": SettingsForm(prefix="save", initial=initial)}

    def context(self, bound) -> dict:
        return {"can_change": _can_configure(self.access)}
