"""Console pages for residents and their bindings to houses (C3 住户): list with masked
personal data, resident page with full history, move out, rebind."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.masking import mask_id_card, mask_phone
from wuyetong.core.views import ModulePermissionMixin, form_error_from

from .. import filters, forms, selectors
from ..services import resources as svc
from .resources_base import Col, FormPage, ListPage


def _houses(resident) -> str:
    return "；".join(
        gettext("%(house)s（%(relation)s）")
        % {
            "house": f"{o.house.community.name} {o.house.building.name}{o.house.unit.name}{o.house.room_no}",
            "relation": o.get_relation_display(),
        }
        for o in resident.current_occupancies
    )


def _gender(resident) -> str:
    return {"M": gettext("男"), "F": gettext("女")}.get(resident.gender, "")


class ResidentList(ListPage):
    title = _("住户档案")
    permission = "residents.view"
    export_permission = "residents.export"
    create_permission = "residents.add"
    create_url = "estates:resident_create"
    selector = selectors.resident_list
    filterset_class = filters.ResidentFilter

    def get_columns(self):
        # Phone and ID number are shown whole only to roles that need them (SPEC §4).
        sensitive = self.access.can("residents.view_sensitive")
        phone = (lambda o: o.phone) if sensitive else (lambda o: mask_phone(o.phone))
        id_card = (lambda o: o.id_card) if sensitive else (lambda o: mask_id_card(o.id_card))
        return [
            Col(
                gettext("姓名"),
                lambda o: o.name,
                link=lambda o: reverse("estates:resident_detail", args=[o.pk]),
                order="name",
            ),
            Col(gettext("性别"), _gender),
            Col(gettext("手机号"), phone),
            Col(gettext("身份证号"), id_card),
            Col(gettext("在住房屋"), _houses),
            Col(gettext("已注册"), lambda o: o.user_id is not None),
            Col(gettext("备注"), lambda o: o.notes),
        ]


class ResidentDetail(ModulePermissionMixin, View):
    permission = "residents.view"

    def get(self, request, pk, bind_form=None, status=200):
        resident = selectors.resident_get(request.user, pk)
        can_bind = self.access.can("residents.add") and self.access.can("estates.view")
        if can_bind and bind_form is None:
            bind_form = forms.ResidentBindForm(user=request.user)
        sensitive = self.access.can("residents.view_sensitive")
        history = list(selectors.resident_history(request.user, resident))
        return render(
            request,
            "estates/resident_detail.html",
            {
                "resident": resident,
                "phone": resident.phone if sensitive else mask_phone(resident.phone),
                "id_card": resident.id_card if sensitive else mask_id_card(resident.id_card),
                "history": history,
                "current": [o for o in history if o.end_date is None],
                "vehicles": selectors.resident_vehicles(request.user, resident),
                "can_change": self.access.can("residents.change"),
                "bind_form": bind_form if can_bind else None,
            },
            status=status,
        )

    def post(self, request, pk):
        """Binds this resident to a house (办理入住 from the resident's page)."""
        if not self.access.can("residents.add"):
            raise PermissionDenied
        resident = selectors.resident_get(request.user, pk)
        form = forms.ResidentBindForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                occupancy = svc.occupancy_move_in(
                    actor=request.user, resident=resident, **form.cleaned_data
                )
            except ApplicationError as exc:
                form_error_from(form, exc)
            else:
                messages.success(
                    request,
                    gettext("%(name)s 已入住 %(house)s")
                    % {"name": resident.name, "house": occupancy.house.label},
                )
                return redirect("estates:resident_detail", pk=resident.pk)
        return self.get(request, pk, bind_form=form, status=400)


class ResidentCreate(FormPage):
    permission = "residents.add"
    form_class = forms.ResidentForm
    title = _("新增住户")
    cancel_url = "estates:resident_list"

    def perform(self, form):
        return svc.resident_create(actor=self.request.user, **form.service_data())

    def success_url(self, obj):
        return reverse("estates:resident_detail", args=[obj.pk])


class ResidentEdit(ResidentCreate):
    permission = "residents.change"

    def get_object(self):
        return selectors.resident_get(self.request.user, self.kwargs["pk"], "change")

    def get_title(self):
        return gettext("编辑住户：%(name)s") % {"name": self.object.name}

    def get_form(self, data=None):
        form = super().get_form(data)
        if not self.access.can("residents.view_sensitive"):
            # Without the right to see them, the numbers never reach the browser and
            # cannot be changed here.
            form.fields["phone"].disabled = form.fields["id_card"].disabled = True
            form.initial["phone"] = mask_phone(self.object.phone)
            form.initial["id_card"] = mask_id_card(self.object.id_card)
        return form

    def perform(self, form):
        data = form.service_data()
        if not self.access.can("residents.view_sensitive"):
            data.pop("phone", None)
            data.pop("id_card", None)
        return svc.resident_update(actor=self.request.user, resident=self.object, **data)


class _OccupancyPage(FormPage):
    permission = "residents.change"
    template_name = "estates/occupancy_form.html"

    def get_object(self):
        occupancy = selectors.occupancy_get(self.request.user, self.kwargs["pk"], "change")
        self.back = self.request.GET.get("from") or self.request.POST.get("from") or "house"
        return occupancy

    def get_cancel_url(self):
        if self.back == "resident":
            return reverse("estates:resident_detail", args=[self.object.resident_id])
        return reverse("estates:house_detail", args=[self.object.house_id])

    def success_url(self, obj):
        return self.get_cancel_url()

    def context(self, form):
        return {**super().context(form), "occupancy": self.object, "back": self.back}


class OccupancyMoveOut(_OccupancyPage):
    success_message = _("已办理迁出，记录已保留在历史中")

    def get_title(self):
        return gettext("迁出：%(name)s（%(house)s）") % {
            "name": self.object.resident.name,
            "house": self.object.house.label,
        }

    def get_form(self, data=None):
        return forms.MoveOutForm(data, can_change_house=self.access.can("estates.change"))

    def perform(self, form):
        return svc.occupancy_move_out(
            actor=self.request.user, occupancy=self.object, **form.cleaned_data
        )


class OccupancyRebind(_OccupancyPage):
    success_message = _("已改绑到新房屋")

    def get_title(self):
        return gettext("改绑房屋：%(name)s（原 %(house)s）") % {
            "name": self.object.resident.name,
            "house": self.object.house.label,
        }

    def get_form(self, data=None):
        return forms.RebindForm(data, user=self.request.user, exclude_house=self.object.house)

    def perform(self, form):
        data = form.cleaned_data
        new = svc.occupancy_rebind(
            actor=self.request.user,
            occupancy=self.object,
            house=data["house"],
            date=data["date"],
            relation=data["relation"] or None,
            reason=data["reason"],
        )
        self.object = new
        return new


urlpatterns = [
    path("residents/", ResidentList.as_view(), name="resident_list"),
    path("residents/new/", ResidentCreate.as_view(), name="resident_create"),
    path("residents/<int:pk>/", ResidentDetail.as_view(), name="resident_detail"),
    path("residents/<int:pk>/edit/", ResidentEdit.as_view(), name="resident_edit"),
    path("occupancies/<int:pk>/move-out/", OccupancyMoveOut.as_view(), name="occupancy_move_out"),
    path("occupancies/<int:pk>/rebind/", OccupancyRebind.as_view(), name="occupancy_rebind"),
]
