"""Billing setup pages: fee items, fee standards (with bulk attaching), attachments and a
community's billing settings. Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.views import ModulePermissionMixin, form_error_from
from wuyetong.estates.models import Building, House, ParkingSpace, Vehicle
from wuyetong.orgs.models import Company

from .. import filters
from .. import selectors_ops as sel
from ..choices import ChargeTarget
from ..forms import setup as forms
from ..models import FeeAssignment
from ..services import standards as svc
from .base import Col, FormPage, ListPage, house_text, raise_http, url


def _yuan(value) -> str:
    return f"{value:,.2f}"


class FeeItemList(ListPage):
    title = _("收费项目")
    selector = sel.fee_item_list
    filterset_class = filters.FeeItemFilter
    create_url = "billing:fee_item_create"
    extra_links = [(_("添加常用收费项目"), "billing:fee_item_defaults", "billing.change")]
    columns = [
        Col(_("排序"), lambda o: o.sort, num=True, order="sort"),
        Col(_("收费项目"), lambda o: o.name, link=url("billing:fee_item_edit"), order="name"),
        Col(_("类型"), lambda o: o.get_kind_display()),
        Col(_("启用"), lambda o: o.is_active),
        Col(
            _("收费标准"),
            lambda o: o.standard_count,
            num=True,
            link=lambda o: reverse("billing:standard_list") + f"?fee_item={o.pk}",
        ),
    ]


class FeeItemCreate(FormPage):
    title = _("新增收费项目")
    form_class = forms.FeeItemForm
    cancel_url = "billing:fee_item_list"

    def perform(self, form):
        company = Company.objects.filter(pk=self.access.company_id).first()
        if company is None:
            raise ApplicationError(_t("只有物业公司员工可以设置收费项目"))
        return svc.fee_item_create(
            actor=self.request.user,
            company=company,
            name=form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            sort=form.cleaned_data["sort"],
        )


class FeeItemEdit(FormPage):
    title = _("修改收费项目")
    form_class = forms.FeeItemForm
    cancel_url = "billing:fee_item_list"

    def get_object(self):
        return sel.fee_item_get(self.request.user, self.kwargs["pk"], "change")

    def perform(self, form):
        return svc.fee_item_update(
            actor=self.request.user,
            item=self.object,
            name=form.cleaned_data["name"],
            sort=form.cleaned_data["sort"],
            is_active=form.cleaned_data["is_active"],
        )


class FeeItemDefaults(ModulePermissionMixin, View):
    """Adds the usual fee items of a residential community (those missing) in one step."""

    permission = "billing.change"

    def get(self, request):
        existing = set(sel.fee_item_list(request.user).values_list("name", flat=True))
        missing = [(n, k) for n, k in svc.DEFAULT_FEE_ITEMS if n not in existing]
        return render(request, "billing/fee_item_defaults.html", {"missing": missing})

    def post(self, request):
        company = Company.objects.filter(pk=self.access.company_id).first()
        if company is None:
            messages.error(request, _t("只有物业公司员工可以设置收费项目"))
            return redirect("billing:fee_item_list")
        before = sel.fee_item_list(request.user).count()
        items = svc.fee_items_ensure_defaults(actor=request.user, company=company)
        messages.success(request, _t("已添加 %(n)s 个常用收费项目") % {"n": len(items) - before})
        return redirect("billing:fee_item_list")


def _standard_price(o) -> str:
    if o.method in ("fixed", "one_off"):
        return f"{_yuan(o.fixed_amount)} 元"
    if o.tiers:
        return _t("阶梯 %(n)s 档") % {"n": len(o.tiers)}
    unit = "元/㎡·月" if o.method.startswith("area") else "元"
    text = f"{o.unit_price.normalize():f} {unit}"
    return text + (f" + {_yuan(o.fixed_amount)}元" if o.fixed_amount else "")


class FeeStandardList(ListPage):
    title = _("收费标准")
    selector = sel.fee_standard_list
    filterset_class = filters.FeeStandardFilter
    create_url = "billing:standard_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("收费项目"), lambda o: o.fee_item.name),
        Col(_("标准名称"), lambda o: o.name, link=url("billing:standard_detail"), order="name"),
        Col(_("计费方式"), lambda o: o.get_method_display()),
        Col(_("收费对象"), lambda o: o.get_target_display()),
        Col(_("价格"), _standard_price, num=True),
        Col(_("周期"), lambda o: dict(forms.CYCLES)[o.cycle_months]),
        Col(_("收费时点"), lambda o: o.get_timing_display()),
        Col(_("缴费日"), lambda o: o.due_day, num=True),
        Col(_("生效日期"), lambda o: o.effective_from, order="effective_from"),
        Col(_("失效日期"), lambda o: o.effective_to),
        Col(
            _("计费对象数"),
            lambda o: o.assignment_count,
            num=True,
            link=lambda o: reverse("billing:assignment_list") + f"?standard={o.pk}",
        ),
    ]


class _StandardFormMixin:
    form_class = forms.FeeStandardForm

    def get_form(self, data=None):
        user = self.request.user  # type: ignore[attr-defined]
        form = forms.FeeStandardForm(
            data,
            instance=self.object,  # type: ignore[attr-defined]
            communities=sel.billing_communities(user, "change"),
            fee_items=sel.fee_item_list(user, "change").filter(is_active=True),
        )
        community = self.request.GET.get("community")  # type: ignore[attr-defined]
        if data is None and self.object is None and community:  # type: ignore[attr-defined]
            form.initial["community"] = community
        return form


class FeeStandardCreate(_StandardFormMixin, FormPage):
    title = _("新增收费标准")
    cancel_url = "billing:standard_list"
    template_name = "billing/standard_form.html"

    def perform(self, form):
        return svc.fee_standard_create(actor=self.request.user, **form.service_data())

    def success_url(self, obj) -> str:
        return reverse("billing:standard_detail", args=[obj.pk])


class FeeStandardEdit(_StandardFormMixin, FormPage):
    title = _("修改收费标准")
    template_name = "billing/standard_form.html"

    def get_object(self):
        return sel.fee_standard_get(self.request.user, self.kwargs["pk"], "change")

    def get_cancel_url(self) -> str:
        return reverse("billing:standard_detail", args=[self.object.pk])

    def perform(self, form):
        return svc.fee_standard_update(
            actor=self.request.user, standard=self.object, **form.service_data()
        )

    def success_url(self, obj) -> str:
        return reverse("billing:standard_detail", args=[obj.pk])


def _assign_choices(standard):
    community = standard.community
    if standard.target == ChargeTarget.HOUSE:
        buildings = list(Building.objects.filter(community=community).order_by("sort", "name"))
        houses = list(
            House.objects.filter(community=community)
            .select_related("building", "unit")
            .order_by("building__sort", "building__name", "unit__name", "floor", "room_no")
        )
        return {"buildings": buildings, "houses": houses}
    if standard.target == ChargeTarget.SPACE:
        return {
            "spaces": list(
                ParkingSpace.objects.filter(community=community, house__isnull=False)
                .select_related("lot")
                .order_by("lot__name", "code")
            )
        }
    return {
        "vehicles": list(
            Vehicle.objects.filter(community=community, house__isnull=False).order_by("plate")
        )
    }


class FeeStandardDetail(ModulePermissionMixin, View):
    """A standard's figures, where it is attached, and the form to attach it in bulk."""

    permission = "billing.view"

    def get(self, request, pk, form=None, result=None, status=200):
        standard = sel.fee_standard_get(request.user, pk)
        can_change = self.access.can("billing.change")
        choices = _assign_choices(standard) if can_change else {}
        by_building = (
            FeeAssignment.objects.filter(standard=standard, end_date__isnull=True)
            .values("house__building__name")
            .order_by("house__building__sort", "house__building__name")
        )
        context = {
            "standard": standard,
            "price": _standard_price(standard),
            "cycle": dict(forms.CYCLES)[standard.cycle_months],
            "by_building": by_building.annotate(n=Count("id")),
            "can_change": can_change,
            "form": form or (forms.AssignForm(**choices) if can_change else None),
            "houses_by_building": _group(choices.get("houses", [])),
            "result": result,
        }
        return render(request, "billing/standard_detail.html", context, status=status)

    def post(self, request, pk):
        if not self.access.can("billing.change"):
            raise PermissionDenied
        standard = sel.fee_standard_get(request.user, pk, "change")
        choices = _assign_choices(standard)
        form = forms.AssignForm(request.POST, **choices)
        if not form.is_valid():
            return self.get(request, pk, form=form, status=400)
        data = form.cleaned_data
        kwargs: dict = {"start_date": data["start_date"]}
        if standard.target == ChargeTarget.HOUSE:
            if data["houses"]:
                kwargs["houses"] = [h for h in choices["houses"] if h.pk in set(data["houses"])]
            if data["buildings"]:
                kwargs["building_ids"] = [int(b) for b in data["buildings"]]
            if data["uses"]:
                kwargs["house_uses"] = data["uses"]
        elif standard.target == ChargeTarget.SPACE:
            kwargs["spaces"] = [s for s in choices["spaces"] if s.pk in set(data["spaces"])]
        else:
            kwargs["vehicles"] = [v for v in choices["vehicles"] if v.pk in set(data["vehicles"])]
        try:
            result = svc.fee_assign(actor=request.user, standard=standard, **kwargs)
        except ApplicationError as exc:
            raise_http(exc)
            form_error_from(form, exc)
            return self.get(request, pk, form=form, status=400)
        messages.success(
            request,
            _t("已关联 %(n)s 个对象；%(a)s 个原已关联；%(s)s 个跳过")
            % {"n": len(result.created), "a": result.already, "s": len(result.skipped)},
        )
        return self.get(request, pk, result=result)


def _group(houses):
    groups: dict[str, list] = {}
    for h in houses:
        groups.setdefault(h.building.name, []).append(h)
    return list(groups.items())


class FeeAssignmentList(ListPage):
    title = _("计费对象")
    selector = sel.fee_assignment_list
    filterset_class = filters.FeeAssignmentFilter
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(
            _("房屋"),
            lambda o: house_text(o.house),
            link=lambda o: reverse("estates:house_detail", args=[o.house_id]),
        ),
        Col(
            _("车位/车辆"),
            lambda o: str(o.parking_space) if o.parking_space_id else (o.vehicle or ""),
        ),
        Col(_("收费项目"), lambda o: o.standard.fee_item.name),
        Col(
            _("收费标准"),
            lambda o: o.standard.name,
            link=lambda o: reverse("billing:standard_detail", args=[o.standard_id]),
        ),
        Col(_("计费起始"), lambda o: o.start_date, order="start_date"),
        Col(_("计费截止"), lambda o: o.end_date, order="end_date"),
        Col(
            _("操作"),
            lambda o: _t("截止计费") if o.end_date is None else "",
            link=lambda o: (
                reverse("billing:assignment_end", args=[o.pk]) if o.end_date is None else ""
            ),
            export=False,
        ),
    ]


class FeeAssignmentEnd(FormPage):
    form_class = forms.AssignmentEndForm
    cancel_url = "billing:assignment_list"
    success_message = _("已设置计费截止日期")

    def get_object(self):
        return sel.fee_assignment_get(self.request.user, self.kwargs["pk"], "change")

    def get_form(self, data=None):
        return forms.AssignmentEndForm(data)

    def get_title(self):
        return _t("截止计费：%(house)s · %(standard)s") % {
            "house": house_text(self.object.house),
            "standard": self.object.standard.name,
        }

    def perform(self, form):
        return svc.fee_assignment_end(
            actor=self.request.user,
            assignment=self.object,
            end_date=form.cleaned_data["end_date"],
        )

    def success_url(self, obj) -> str:
        return reverse("billing:assignment_list") + f"?standard={obj.standard_id}"


class BillingSettings(FormPage):
    """A community's billing rules: billing start after 交房, prepayment cap."""

    form_class = forms.BillingSettingsForm
    cancel_url = "billing:standard_list"
    success_message = _("收费设置已保存")

    def get_object(self):
        return sel.billing_community_get(self.request.user, self.kwargs["pk"], "change")

    def get_title(self):
        return _t("收费设置：%(name)s") % {"name": self.object.name}

    def get_form(self, data=None):
        settings = self.object.settings or {}
        return forms.BillingSettingsForm(
            data,
            initial={
                "billing_start": settings.get("billing_start", "next_month"),
                "prepay_cap_months": settings.get("prepay_cap_months"),
            },
        )

    def perform(self, form):
        return svc.billing_settings_update(
            actor=self.request.user, community=self.object, **form.cleaned_data
        )

    def success_url(self, obj) -> str:
        return reverse("billing:settings", args=[obj.pk])


class BillingSettingsIndex(ModulePermissionMixin, View):
    permission = "billing.change"

    def get(self, request):
        communities = list(sel.billing_communities(request.user, "change"))
        if len(communities) == 1:
            return redirect("billing:settings", pk=communities[0].pk)
        return render(request, "billing/settings_index.html", {"communities": communities})


urlpatterns = [
    path("items/", FeeItemList.as_view(), name="fee_item_list"),
    path("items/new/", FeeItemCreate.as_view(), name="fee_item_create"),
    path("items/defaults/", FeeItemDefaults.as_view(), name="fee_item_defaults"),
    path("items/<str:pk>/edit/", FeeItemEdit.as_view(), name="fee_item_edit"),
    path("standards/", FeeStandardList.as_view(), name="standard_list"),
    path("standards/new/", FeeStandardCreate.as_view(), name="standard_create"),
    path("standards/<str:pk>/", FeeStandardDetail.as_view(), name="standard_detail"),
    path("standards/<str:pk>/edit/", FeeStandardEdit.as_view(), name="standard_edit"),
    path("assignments/", FeeAssignmentList.as_view(), name="assignment_list"),
    path("assignments/<str:pk>/end/", FeeAssignmentEnd.as_view(), name="assignment_end"),
    path("settings/", BillingSettingsIndex.as_view(), name="settings_index"),
    path("settings/<str:pk>/", BillingSettings.as_view(), name="settings"),
]
