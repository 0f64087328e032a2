"""公摊 pages: shared meters (set up), and a month's reading → preview of the split → confirm,
which bills every house its share (largest remainder, parts add up to the total)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.views import ModulePermissionMixin, form_error_from

from .. import filters
from .. import selectors_ops as sel
from ..forms.shared import SharedMeterForm, SharedReadingForm
from ..models import FeeItem
from ..services import shared_meters as svc
from .base import Col, FormPage, ListPage, raise_http, url


class SharedMeterList(ListPage):
    title = _("公摊表")
    selector = sel.shared_meter_list
    filterset_class = filters.SharedMeterFilter
    create_url = "billing:shared_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("公摊表"), lambda o: o.name, link=url("billing:shared_detail"), order="name"),
        Col(_("收费项目"), lambda o: o.fee_item.name),
        Col(_("分摊方式"), lambda o: o.get_basis_display()),
        Col(_("单价(元)"), lambda o: o.unit_price.normalize(), num=True),
        Col(
            _("服务楼栋"),
            lambda o: "、".join(b.name for b in o.buildings.all()) or _t("全小区"),
        ),
        Col(_("已分摊月数"), lambda o: o.reading_count, num=True),
        Col(_("启用"), lambda o: o.is_active),
    ]


class _MeterForm:
    def get_form(self, data=None):
        user = self.request.user  # type: ignore[attr-defined]
        form = SharedMeterForm(
            data,
            instance=self.object,  # type: ignore[attr-defined]
            communities=sel.billing_communities(user, "change"),
            fee_items=FeeItem.objects.for_user(user, "change").filter(
                is_active=True, kind__in=["metered", "periodic"]
            ),
            initial={"community": self.request.GET.get("community")},  # type: ignore[attr-defined]
        )
        return form


class SharedMeterCreate(_MeterForm, FormPage):
    title = _("新增公摊表")
    cancel_url = "billing:shared_list"
    template_name = "billing/shared_form.html"

    def perform(self, form):
        data = form.service_data()
        return svc.shared_meter_create(actor=self.request.user, **data)

    def success_url(self, obj) -> str:
        return reverse("billing:shared_detail", args=[obj.pk])


class SharedMeterEdit(_MeterForm, FormPage):
    title = _("修改公摊表")
    template_name = "billing/shared_form.html"

    def get_object(self):
        return sel.shared_meter_get(self.request.user, self.kwargs["pk"], "change")

    def get_cancel_url(self) -> str:
        return reverse("billing:shared_detail", args=[self.object.pk])

    def perform(self, form):
        data = form.service_data()
        data.pop("community")
        return svc.shared_meter_update(actor=self.request.user, meter=self.object, **data)

    def success_url(self, obj) -> str:
        return reverse("billing:shared_detail", args=[obj.pk])


class SharedMeterDetail(ModulePermissionMixin, View):
    """The meter, its months so far, and the form for this month's reading: 预览分摊 shows
    the total and each house's share; 确认分摊 bills them."""

    permission = "billing.view"

    def render(self, request, meter, form=None, preview=None, status=200):
        can_read = self.access.can("billing.add")
        return render(
            request,
            "billing/shared_detail.html",
            {
                "meter": meter,
                "readings": sel.shared_reading_list(meter),
                "houses": svc.meter_houses(meter).count(),
                "can_read": can_read and meter.is_active,
                "can_change": self.access.can("billing.change"),
                "form": form or SharedReadingForm(),
                "preview": preview,
                "bills_url": reverse("billing:bill_list"),
            },
            status=status,
        )

    def get(self, request, pk):
        return self.render(request, sel.shared_meter_get(request.user, pk))

    def post(self, request, pk):
        if not self.access.can("billing.add"):
            raise PermissionDenied
        meter = sel.shared_meter_get(request.user, pk, "add")
        form = SharedReadingForm(request.POST)
        if not form.is_valid():
            return self.render(request, meter, form, status=400)
        data = form.cleaned_data
        args = {
            "actor": request.user,
            "meter": meter,
            "period": data["period"],
            "current_reading": data["current_reading"],
            "previous_reading": data["previous_reading"] or None,
            "due_date": data["due_date"],
        }
        try:
            if request.POST.get("confirm") == "1":
                reading = svc.shared_meter_read(**args)
            else:
                preview = svc.shared_meter_preview(**args)
                return self.render(request, meter, form, preview)
        except ApplicationError as exc:
            raise_http(exc)
            form_error_from(form, exc)
            return self.render(request, meter, form, status=400)
        messages.success(
            request,
            _t("已分摊 %(m)s：总额 %(t)s 元，%(n)s 户")
            % {
                "m": f"{reading.period:%Y-%m}",
                "t": reading.amount,
                "n": reading.allocation.bills.count(),
            },
        )
        return redirect("billing:shared_detail", pk=meter.pk)


urlpatterns = [
    path("shared/", SharedMeterList.as_view(), name="shared_list"),
    path("shared/new/", SharedMeterCreate.as_view(), name="shared_create"),
    path("shared/<str:pk>/", SharedMeterDetail.as_view(), name="shared_detail"),
    path("shared/<str:pk>/edit/", SharedMeterEdit.as_view(), name="shared_edit"),
]
