"""The owner's report form (报修 / 投诉): what the phone sends, parsed into what `case_submit`
takes. The rules (own house, type of that company, photos, times) stay in the service; this
form only names the fields and turns text into ids and times, with messages naming the field."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import parse_pk
from wuyetong.estates.models import House

from .choices import CaseKind, CaseScope, Urgency
from .selectors import case_type_list

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
# Where a service's error goes on this form (the service names its own arguments).
SERVICE_FIELDS = {"house": "place", "community": "place", "place": "place_detail"}


def _required(message) -> dict:
    return {"required": message, "invalid_choice": message}


class ReportForm(forms.Form):
    place = forms.ChoiceField(label=_("报事位置"), error_messages=_required(_("请选择报事位置")))
    place_detail = forms.CharField(
        label=_("公共区域位置"),
        required=False,
        max_length=100,
        error_messages={"max_length": _("公共区域位置不能超过100个字")},
    )
    case_type = forms.ChoiceField(label=_("类型"), error_messages=_required(_("请选择类型")))
    urgency = forms.ChoiceField(
        label=_("维修程度"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
        error_messages=_required(_("请选择维修程度")),
    )
    scope = forms.ChoiceField(
        label=_("范围"),
        choices=CaseScope.choices,
        initial=CaseScope.INDOOR,
        widget=forms.RadioSelect,
        error_messages=_required(_("请选择户内或公区")),
    )
    appointment_at = forms.DateTimeField(
        label=_("预约上门时间"),
        required=False,
        widget=LOCAL,
        input_formats=LOCAL_FORMATS,
        error_messages={"invalid": _("请选择正确的预约时间")},
    )
    reason = forms.CharField(
        label=_("投诉原因"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("投诉原因不能超过200个字")},
    )
    expected_at = forms.DateTimeField(
        label=_("期望处理时间"),
        required=False,
        widget=LOCAL,
        input_formats=LOCAL_FORMATS,
        error_messages={"invalid": _("请选择正确的期望处理时间")},
    )
    description = forms.CharField(
        label=_("问题描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("请填写问题描述"),
            "max_length": _("问题描述不能超过2000个字"),
        },
    )
    client_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, kind: str, house_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        houses = list(
            House.objects.filter(pk__in=house_ids)
            .select_related("community__company", "building", "unit")
            .order_by("community__name", "building__sort", "unit__name", "room_no")
        )
        communities = {h.community_id: h.community for h in houses}
        self.fields["place"].choices = [  # type: ignore[attr-defined]
            ("", _("请选择")),
            *((f"h{h.pk}", f"{h.community.name} {h}") for h in houses),
            *((f"c{c.pk}", f"{c.name} · {_('公共区域')}") for c in communities.values()),
        ]
        companies = {c.company_id: c.company for c in communities.values()}
        several = len(companies) > 1
        options: list = [("", _("请选择"))]
        for company in companies.values():
            types = list(case_type_list(company_id=company.pk, kind=kind))
            known = {t.pk for t in types}
            children: dict = {}
            for t in types:
                children.setdefault(t.parent_id if t.parent_id in known else None, []).append(t)
            # Depth first, so each type's children follow it and the list reads as the tree.
            stack = [(t, "") for t in reversed(children.get(None, []))]
            while stack:
                t, prefix = stack.pop()
                label = f"{prefix}{t.name}"
                if several:
                    label = f"{label}（{company.short_name or company.name}）"
                options.append((str(t.pk), label))
                stack.extend((c, f"{prefix}{t.name} / ") for c in reversed(children.get(t.pk, [])))
        self.fields["case_type"].choices = options  # type: ignore[attr-defined]
        if kind == CaseKind.COMPLAINT:
            for name in ("urgency", "scope", "appointment_at"):
                del self.fields[name]
        else:
            for name in ("reason", "expected_at"):
                del self.fields[name]
        if not self.is_bound and not self.initial.get("client_token"):
            self.initial["client_token"] = uuid.uuid4().hex

    def service_arguments(self) -> dict:
        """The cleaned form as `case_submit`'s keyword arguments."""
        d = self.cleaned_data
        place = d["place"]
        target_id = parse_pk(place[1:])
        args = {
            "kind": self.kind,
            "case_type_id": parse_pk(d["case_type"]) or 0,
            "description": d["description"],
            "house_id": target_id if place.startswith("h") else None,
            "community_id": target_id if place.startswith("c") else None,
            "place": d["place_detail"] if place.startswith("c") else "",
            "client_token": d.get("client_token") or "",
        }
        if self.kind == CaseKind.REPAIR:
            args |= {
                "urgency": d["urgency"],
                "scope": CaseScope.PUBLIC if place.startswith("c") else d["scope"],
                "appointment_at": d.get("appointment_at"),
            }
        else:
            args |= {"reason": d.get("reason") or "", "expected_at": d.get("expected_at")}
        return args

    def add_service_error(self, exc: ApplicationError) -> None:
        """Show a service refusal under the field it concerns (or above the form)."""
        if not exc.errors:
            self.add_error(None, exc.message)
            return
        for field, messages in exc.errors.items():
            name = SERVICE_FIELDS.get(field, field)
            for message in messages:
                self.add_error(name if name in self.fields or name == "photos" else None, message)

    def add_error(self, field, error):
        if field == "photos":  # not a form field: the files come separately
            self.photo_errors = [*getattr(self, "photo_errors", []), str(error)]
            return
        super().add_error(field, error)
