"""Console pages of statement reconciliation (对账单): the import form on the reconciliation
report, an import's rows with what each matched, and the demo bank's statement download."""

from __future__ import annotations

import datetime as dt

import django_filters as df
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import lookup_pk
from wuyetong.core.views import ModulePermissionMixin, form_error_from
from wuyetong.web import pages
from wuyetong.web.pages import Col

from ..choices import Gateway
from ..gateways.statements import MAX_BYTES
from ..services import online as online_services
from ..services import statements as services
from ..statement_models import LineKind, StatementImport, StatementLine, StatementResult

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatementForm(forms.Form):
    gateway = forms.ChoiceField(label=gettext_lazy("支付渠道"), choices=Gateway.choices)
    date_from = forms.DateField(label=gettext_lazy("账单日期"), widget=DATE)
    date_to = forms.DateField(label=gettext_lazy("至"), required=False, widget=DATE)
    file = forms.FileField(
        label=gettext_lazy("对账单文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.zip,.txt"}),
    )


def can_import(access) -> bool:
    return access.company_id is not None and access.can("billing.approve")


def _sandbox_on() -> bool:
    gateways: dict = settings.PAYMENT_GATEWAYS
    return bool(gateways.get("sandbox", {}).get("enabled"))


def report(request, access, form: StatementForm | None = None, status: int = 200):
    """The reconciliation report: the differences, the import form and recent imports."""
    rows = online_services.reconciliation(user=request.user)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    if form is None and can_import(access):
        form = StatementForm(initial={"gateway": Gateway.WECHAT, "date_from": yesterday})
    context = {
        "rows": rows,
        "form": form,
        "imports": StatementImport.objects.for_access(access, "view").select_related("uploaded_by")[
            :20
        ],
        "sandbox_days": [yesterday, yesterday + dt.timedelta(days=1)]
        if _sandbox_on() and access.company_id
        else [],
    }
    return render(request, "billing/reconciliation.html", context, status=status)


class StatementImportView(ModulePermissionMixin, View):
    permission = "billing.approve"

    def post(self, request):
        if not can_import(self.access):
            raise PermissionDenied()
        form = StatementForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                form.add_error("file", _("对账单文件过大（超过 20 MB）"))
            else:
                try:
                    statement = services.statement_import(
                        actor=request.user,
                        gateway=form.cleaned_data["gateway"],
                        date_from=form.cleaned_data["date_from"],
                        date_to=form.cleaned_data["date_to"] or form.cleaned_data["date_from"],
                        file_name=upload.name,
                        data=upload.read(),
                    )
                except ApplicationError as exc:
                    form_error_from(form, exc)
                else:
                    return redirect("billing:statement_detail", pk=statement.pk)
        return report(request, self.access, form, status=400)


class LineFilter(df.FilterSet):
    result = df.ChoiceFilter(
        label=gettext_lazy("核对结果"),
        choices=[("problems", gettext_lazy("只看差异")), *StatementResult.choices],
        empty_label=gettext_lazy("全部"),
        method="filter_result",
    )
    kind = df.ChoiceFilter(
        label=gettext_lazy("类型"), choices=LineKind.choices, empty_label=gettext_lazy("全部类型")
    )
    q = df.CharFilter(label=gettext_lazy("订单号/交易号"), method="filter_q")

    class Meta:
        model = StatementLine
        fields = ["result", "kind", "q"]

    def filter_result(self, queryset, name, value):
        if value == "problems":
            return queryset.exclude(result=StatementResult.MATCHED)
        return queryset.filter(result=value)

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()[:64]
        if not value:
            return queryset
        return queryset.filter(out_trade_no__icontains=value) | queryset.filter(
            trade_no__icontains=value
        )


def _money(value) -> str:
    return f"{value:.2f}" if value is not None else ""


def _tag(x: StatementLine) -> str:
    return "ok" if x.result == StatementResult.MATCHED else "rejected"


class StatementDetail(pages.ListPage):
    permission = "billing.view"
    export_permission = "billing.export"
    template_name = "billing/statement_detail.html"
    filterset_class = LineFilter
    per_page = 100
    columns = [
        Col(gettext_lazy("行号"), lambda x: x.row or "—", num=True, order="row"),
        Col(
            gettext_lazy("交易时间"),
            lambda x: timezone.localtime(x.time).strftime("%Y-%m-%d %H:%M:%S"),
            order="time",
        ),
        Col(gettext_lazy("类型"), lambda x: x.get_kind_display()),
        Col(gettext_lazy("商户订单号"), lambda x: x.out_trade_no),
        Col(gettext_lazy("渠道交易号"), lambda x: x.trade_no),
        Col(gettext_lazy("小区"), lambda x: x.community.name if x.community else "—"),
        Col(gettext_lazy("渠道金额"), lambda x: _money(x.amount), num=True, order="amount"),
        Col(gettext_lazy("系统金额"), lambda x: _money(x.system_amount), num=True),
        Col(gettext_lazy("手续费"), lambda x: _money(x.fee), num=True),
        Col(gettext_lazy("核对结果"), lambda x: x.get_result_display(), tag=_tag),
        Col(gettext_lazy("说明"), lambda x: x.detail),
    ]

    def dispatch(self, request, *args, **kwargs):
        self.pk = kwargs.get("pk")
        return super().dispatch(request, *args, **kwargs)

    def statement(self) -> StatementImport:
        if not hasattr(self, "_statement"):
            self._statement = get_object_or_404(
                StatementImport.objects.for_user(self.request.user, "view").select_related(
                    "uploaded_by"
                ),
                pk=lookup_pk(self.pk),
            )
        return self._statement

    @property
    def title(self):  # type: ignore[override]
        s = self.statement()
        return _("%(gateway)s对账单 %(start)s 至 %(end)s") % {
            "gateway": s.get_gateway_display(),
            "start": s.date_from,
            "end": s.date_to,
        }

    def get_queryset(self):
        return (
            StatementLine.objects.for_user(self.request.user, "view")
            .filter(statement=self.statement())
            .select_related("community")
            .order_by("statement", "row", "id")
        )

    def extra_context(self) -> dict:
        s = self.statement()
        return {
            "s": s,
            "net": s.pay_total - s.refund_total - s.fee_total,
            "back_url": reverse("billing:reconciliation"),
        }


class SandboxStatement(ModulePermissionMixin, View):
    """The demo bank's statement of a day, to try the import with: only with the sandbox on."""

    permission = "billing.view"

    def get(self, request):
        if not _sandbox_on():
            raise Http404
        if self.access.company_id is None:
            raise PermissionDenied
        try:
            day = dt.date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            day = timezone.localdate() - dt.timedelta(days=1)
        data = services.sandbox_statement(user=request.user, day=day)
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="sandbox-{day:%Y%m%d}.csv"'
        return response
