"""Web pages of the .xlsx import (C3): upload → preview (every error, or counts and a sample)
→ confirm → summary. The rules are in services/imports.py; these views only translate."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.core.views import ModulePermissionMixin, form_error_from
from wuyetong.estates.services import imports as svc

ERRORS_SHOWN = 2000
RESULT_SESSION_KEY = "estates_import_result"
COUNT_LABELS = {
    "structure": [
        ("buildings", _("新增楼栋")),
        ("units", _("新增单元")),
        ("houses", _("新增房屋")),
    ],
    "owners": [
        ("residents", _("新增住户")),
        ("residents_existing", _("沿用已有住户")),
        ("occupancies", _("新增房屋绑定")),
        ("houses", _("涉及房屋")),
    ],
}
KIND_CHOICES = [
    ("structure", _("房屋（楼栋 / 单元 / 房屋）")),
    ("owners", _("住户（业主 / 家庭成员 / 租户）")),
]


class ImportUploadForm(forms.Form):
    # A plain integer, not a ModelChoiceField: a community outside the user's scope must
    # answer 404 from the service, not "invalid choice".
    community = forms.IntegerField(label=_("小区"), widget=forms.Select)
    kind = forms.ChoiceField(
        label=_("导入类型"), choices=KIND_CHOICES, widget=forms.RadioSelect, initial="structure"
    )
    file = forms.FileField(
        label=_("Excel 文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(".xlsx 格式，不超过 %(mb)s MB、%(rows)s 行") % {
            "mb": svc.MAX_BYTES // 1024 // 1024,
            "rows": svc.MAX_ROWS,
        }
        self.fields["community"].widget.choices = [
            (c.pk, f"{c.name}（{c.code}）") for c in communities
        ]
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk


def _counts(kind: str, counts: dict) -> list[tuple[str, int]]:
    return [(str(label), counts.get(key, 0)) for key, label in COUNT_LABELS[kind]]


def _page(request, form, invalid: svc.ImportInvalid | None = None):
    history = svc.import_history(request.user)
    for entry in history:
        labels = _counts(entry["kind"], entry["counts"]) if entry["kind"] in COUNT_LABELS else []
        entry["summary"] = "，".join(f"{label} {n}" for label, n in labels)
    ctx = {"form": form, "history": history}
    if invalid is not None:
        ctx.update(
            invalid=invalid,
            errors=invalid.row_errors[:ERRORS_SHOWN],
            errors_hidden=max(len(invalid.row_errors) - ERRORS_SHOWN, 0),
        )
    return render(request, "estates/import.html", ctx)


def _raise_http(exc: ApplicationError) -> None:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if isinstance(exc, PermissionDenied):
        raise DjangoPermissionDenied(exc.message)


class ImportView(ModulePermissionMixin, View):
    """The upload form; a POST validates the file and shows the preview or every error."""

    permission = "estates.add"

    def _form(self, data=None, files=None):
        communities = list(svc.import_communities(self.request.user))
        return ImportUploadForm(data, files, communities=communities)

    def get(self, request):
        form = self._form()
        if request.GET.get("kind") in svc.KINDS:
            form.initial["kind"] = request.GET["kind"]
        return _page(request, form)

    def post(self, request):
        form = self._form(request.POST, request.FILES)
        if not form.is_valid():
            return _page(request, form)
        try:
            preview = svc.estate_import_preview(
                actor=request.user,
                community_id=form.cleaned_data["community"],
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except svc.ImportInvalid as exc:
            return _page(request, form, exc)
        except ApplicationError as exc:
            _raise_http(exc)
            form_error_from(form, exc)
            return _page(request, form)
        return render(
            request,
            "estates/import_preview.html",
            {
                "preview": preview,
                "counts": _counts(preview.kind, preview.counts),
            },
        )


class ImportConfirmView(ModulePermissionMixin, View):
    """Commits a previewed file (validated again) and redirects to the summary."""

    permission = "estates.add"

    def post(self, request):
        try:
            result = svc.estate_import_commit(
                actor=request.user, token=request.POST.get("token", "")
            )
        except svc.ImportInvalid as exc:
            form = ImportUploadForm(communities=list(svc.import_communities(request.user)))
            messages.error(
                request, gettext("自预览以来数据已发生变化，文件未通过复核，未导入任何数据。")
            )
            return _page(request, form, exc)
        except ApplicationError as exc:
            _raise_http(exc)
            messages.error(request, exc.message)
            return redirect("estates:import")
        request.session[RESULT_SESSION_KEY] = {
            "kind": result.kind,
            "kind_label": result.kind_label,
            "community": result.community.name,
            "filename": result.filename,
            "rows": result.rows,
            "counts": result.counts,
            "seconds": round(result.seconds, 2),
        }
        return redirect("estates:import_result")


class ImportResultView(ModulePermissionMixin, View):
    permission = "estates.add"

    def get(self, request):
        result = request.session.pop(RESULT_SESSION_KEY, None)
        if not result:
            return redirect("estates:import")
        return render(
            request,
            "estates/import_result.html",
            {
                "result": result,
                "counts": _counts(result["kind"], result["counts"]),
            },
        )


class ImportTemplateView(ModulePermissionMixin, View):
    permission = "estates.add"

    def get(self, request, kind: str):
        try:
            filename, data = svc.estate_import_template(kind)
        except ApplicationError:
            raise Http404(gettext("模板不存在")) from None
        return _xlsx(filename, data)


class ImportErrorReportView(ModulePermissionMixin, View):
    """The rejected file back, with bad cells marked red and a 错误说明 column."""

    permission = "estates.add"

    def get(self, request):
        try:
            filename, data = svc.estate_import_error_report(
                actor=request.user, token=request.GET.get("token", "")
            )
        except ApplicationError as exc:
            _raise_http(exc)
            messages.error(request, exc.message)
            return redirect("estates:import")
        return _xlsx(filename, data)


def _xlsx(filename: str, data: bytes) -> HttpResponse:
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


urlpatterns = [
    path("import/", ImportView.as_view(), name="import"),
    path("import/confirm/", ImportConfirmView.as_view(), name="import_confirm"),
    path("import/result/", ImportResultView.as_view(), name="import_result"),
    path("import/errors.xlsx", ImportErrorReportView.as_view(), name="import_errors"),
    path("import/template/<str:kind>.xlsx", ImportTemplateView.as_view(), name="import_template"),
]
