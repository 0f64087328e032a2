"""Console pages for estates (C3): lists, forms, the house page. Thin: selectors read,
services write; rules live in services/resources.py. Residents: views/resources_people.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import parse_pk
from wuyetong.core.views import ModulePermissionMixin, form_error_from
from wuyetong.orgs.models import Community

from .. import filters, forms, selectors
from ..models import AdSpace, Building, House, ParkingLot, ParkingSpace, Shop, Unit, Vehicle, Venue
from ..services import resources as svc
from . import resources_people, resources_reports
from .resources_base import Col, FormPage, ListPage
from .resources_houses import HouseBatchState, HouseDetail, HouseMoveIn


def _url(name: str, attr: str = "pk"):
    return lambda o: reverse(name, args=[getattr(o, attr)])


def _house_url(o) -> str:
    return reverse("estates:house_detail", args=[o.house_id]) if o.house_id else ""


def _house_text(h) -> str:
    return f"{h.building.name}{h.unit.name}{h.room_no}" if h else ""


def _residents(h, relation: str | None = None) -> str:
    return "、".join(
        o.resident.name for o in h.current_occupancies if relation is None or o.relation == relation
    )


# ---------------------------------------------------------------- lists


class CommunityList(ListPage):
    title = _("小区")
    selector = selectors.community_list
    filterset_class = filters.CommunityFilter
    create_url = "estates:community_create"
    extra_links = [(_("资源统计"), "estates:resource_report", "estates.view")]
    columns = [
        Col(_("编码"), lambda o: o.code, order="code"),
        Col(_("小区名称"), lambda o: o.name, link=_url("estates:community_edit"), order="name"),
        Col(_("所属项目"), lambda o: o.project.name),
        Col(_("区县"), lambda o: o.district.name),
        Col(_("地址"), lambda o: o.address),
        Col(
            _("楼栋"),
            lambda o: o.building_count,
            num=True,
            link=lambda o: reverse("estates:building_list") + f"?community={o.pk}",
        ),
        Col(
            _("房屋"),
            lambda o: o.house_count,
            num=True,
            link=lambda o: reverse("estates:house_list") + f"?community={o.pk}",
        ),
        Col(_("总建筑面积(㎡)"), lambda o: o.total_area, num=True),
        Col(_("服务电话"), lambda o: o.service_phone),
        Col(_("审核状态"), lambda o: o.get_status_display(), tag=lambda o: o.status),
    ]


class BuildingList(ListPage):
    title = _("楼栋单元")
    selector = selectors.building_list
    filterset_class = filters.BuildingFilter
    create_url = "estates:building_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("楼栋"), lambda o: o.name, link=_url("estates:building_detail")),
        Col(_("地上层数"), lambda o: o.floors, num=True, order="floors"),
        Col(_("单元数"), lambda o: o.unit_count, num=True, order="unit_count"),
        Col(
            _("房屋数"),
            lambda o: o.house_count,
            num=True,
            link=lambda o: (
                reverse("estates:house_list") + f"?community={o.community_id}&building={o.pk}"
            ),
        ),
        Col(_("排序"), lambda o: o.sort, num=True),
    ]


HOUSE_COLUMNS = [
    Col(_("小区"), lambda o: o.community.name),
    Col(_("楼栋"), lambda o: o.building.name),
    Col(_("单元"), lambda o: o.unit.name),
    Col(_("房号"), lambda o: o.room_no, link=_url("estates:house_detail")),
    Col(_("楼层"), lambda o: o.floor, num=True, order="floor"),
    Col(_("用途"), lambda o: o.get_use_display()),
    Col(_("建筑面积(㎡)"), lambda o: o.building_area, num=True, order="building_area"),
    Col(_("套内面积(㎡)"), lambda o: o.inner_area, num=True, order="inner_area"),
    Col(_("收费系数"), lambda o: o.fee_coefficient, num=True, order="fee_coefficient"),
    Col(_("状态"), lambda o: o.get_state_display(), tag=lambda o: f"hs-{o.state}", order="state"),
    Col(_("交房日期"), lambda o: o.handover_date, order="handover_date"),
    Col(_("业主"), lambda o: _residents(o, "owner")),
    Col(_("在住人数"), lambda o: len(o.current_occupancies), num=True),
    Col(_("备注"), lambda o: o.notes, screen=False),
]


# A tuple, not a set: lazy labels compare equal in whatever language is active.
PEOPLE_COLUMNS = (_("业主"), _("在住人数"))


class HouseList(ListPage):
    title = _("房屋")
    selector = selectors.house_list
    filterset_class = filters.HouseFilter
    create_url = "estates:house_create"
    batch_form_class = forms.HouseBatchStateForm
    batch_url = "estates:house_batch_state"
    columns = HOUSE_COLUMNS

    def get_queryset(self):
        return selectors.house_list(self.request.user, with_residents=True)

    def get_columns(self):
        if self.access.can("residents.view"):
            return self.columns
        return [c for c in self.columns if c.label not in PEOPLE_COLUMNS]

    def batch_allowed(self) -> bool:
        return self.access.can("estates.change")


class ShopList(ListPage):
    title = _("商铺")
    selector = selectors.shop_list
    filterset_class = filters.ShopFilter
    create_url = "estates:shop_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("商铺编号"), lambda o: o.code, link=_url("estates:shop_edit"), order="code"),
        Col(_("名称"), lambda o: o.name),
        Col(_("建筑面积(㎡)"), lambda o: o.building_area, num=True, order="building_area"),
        Col(
            _("状态"), lambda o: o.get_state_display(), tag=lambda o: f"ss-{o.state}", order="state"
        ),
        Col(_("经营者"), lambda o: o.tenant_name),
        Col(_("联系电话"), lambda o: o.tenant_phone),
    ]


class SpaceList(ListPage):
    title = _("车位")
    selector = selectors.parking_space_list
    filterset_class = filters.ParkingSpaceFilter
    create_url = "estates:space_create"
    extra_links = [(_("车场"), "estates:lot_list", "estates.view")]
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("车场"), lambda o: o.lot.name),
        Col(_("车位编号"), lambda o: o.code, link=_url("estates:space_edit"), order="code"),
        Col(_("面积(㎡)"), lambda o: o.area, num=True, order="area"),
        Col(
            _("状态"), lambda o: o.get_state_display(), tag=lambda o: f"ps-{o.state}", order="state"
        ),
        Col(_("关联房屋"), lambda o: _house_text(o.house), link=_house_url),
        Col(_("租期至"), lambda o: o.rent_until, order="rent_until"),
    ]


class LotList(ListPage):
    title = _("车场")
    selector = selectors.parking_lot_list
    filterset_class = filters.ParkingLotFilter
    create_url = "estates:lot_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("车场名称"), lambda o: o.name, link=_url("estates:lot_edit")),
        Col(_("地下车场"), lambda o: o.underground),
        Col(
            _("车位数"),
            lambda o: o.space_count,
            num=True,
            link=lambda o: (
                reverse("estates:space_list") + f"?community={o.community_id}&lot={o.pk}"
            ),
        ),
    ]


class VehicleList(ListPage):
    title = _("车辆")
    selector = selectors.vehicle_list
    filterset_class = filters.VehicleFilter
    create_url = "estates:vehicle_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("车牌号"), lambda o: o.plate, link=_url("estates:vehicle_edit"), order="plate"),
        Col(_("品牌型号"), lambda o: o.brand),
        Col(_("颜色"), lambda o: o.color),
        Col(_("房屋"), lambda o: _house_text(o.house), link=_house_url),
        Col(_("车主"), lambda o: o.resident.name if o.resident else ""),
        Col(_("车位"), lambda o: str(o.space) if o.space else ""),
    ]


class VenueList(ListPage):
    title = _("场地")
    selector = selectors.venue_list
    filterset_class = filters.VenueFilter
    create_url = "estates:venue_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("场地名称"), lambda o: o.name, link=_url("estates:venue_edit")),
        Col(_("位置"), lambda o: o.location),
        Col(_("容纳人数"), lambda o: o.capacity, num=True, order="capacity"),
        Col(_("面积(㎡)"), lambda o: o.area, num=True, order="area"),
    ]


class AdSpaceList(ListPage):
    title = _("广告位")
    selector = selectors.adspace_list
    filterset_class = filters.AdSpaceFilter
    create_url = "estates:adspace_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("编号"), lambda o: o.code, link=_url("estates:adspace_edit")),
        Col(_("位置"), lambda o: o.location),
        Col(_("尺寸"), lambda o: o.size),
        Col(_("租用方"), lambda o: o.rented_to),
        Col(_("租期至"), lambda o: o.rent_until, order="rent_until"),
    ]


# ---------------------------------------------------------------- create / edit


def form_pages(
    model,
    form_cls,
    *,
    title: str | Promise,
    list_url: str,
    create,
    update,
    obj_kw: str,
    parent_kw: str = "",
):
    """A create page and an edit page for a simple community resource."""

    class Create(FormPage):
        permission = "estates.add"
        cancel_url = list_url

        def get_title(self):
            return gettext("新增%(title)s") % {"title": title}

        def get_form(self, data=None):
            return form_cls(
                data,
                user=self.request.user,
                community_id=parse_pk(self.request.GET.get("community", "")),
            )

        def perform(self, form):
            return create(actor=self.request.user, **form.service_data())

    class Edit(FormPage):
        permission = "estates.change"
        cancel_url = list_url
        form_class = form_cls

        def get_title(self):
            return gettext("编辑%(title)s：%(object)s") % {"title": title, "object": self.object}

        def get_object(self):
            return get_object_or_404(
                model.objects.for_user(self.request.user, "change"), pk=self.kwargs["pk"]
            )

        def perform(self, form):
            return update(actor=self.request.user, **{obj_kw: self.object}, **form.service_data())

    return Create.as_view(), Edit.as_view()


community_create, community_edit = form_pages(
    Community,
    forms.CommunityForm,
    title=_("小区"),
    list_url="estates:community_list",
    create=svc.community_create,
    update=svc.community_update,
    obj_kw="community",
)
building_create, building_edit = form_pages(
    Building,
    forms.BuildingForm,
    title=_("楼栋"),
    list_url="estates:building_list",
    create=svc.building_create,
    update=svc.building_update,
    obj_kw="building",
)
house_create, house_edit = form_pages(
    House,
    forms.HouseForm,
    title=_("房屋"),
    list_url="estates:house_list",
    create=svc.house_create,
    update=svc.house_update,
    obj_kw="house",
)
shop_create, shop_edit = form_pages(
    Shop,
    forms.ShopForm,
    title=_("商铺"),
    list_url="estates:shop_list",
    create=svc.shop_create,
    update=svc.shop_update,
    obj_kw="shop",
)
lot_create, lot_edit = form_pages(
    ParkingLot,
    forms.ParkingLotForm,
    title=_("车场"),
    list_url="estates:lot_list",
    create=svc.parking_lot_create,
    update=svc.parking_lot_update,
    obj_kw="lot",
)
space_create, space_edit = form_pages(
    ParkingSpace,
    forms.ParkingSpaceForm,
    title=_("车位"),
    list_url="estates:space_list",
    create=svc.parking_space_create,
    update=svc.parking_space_update,
    obj_kw="space",
)
vehicle_create, vehicle_edit = form_pages(
    Vehicle,
    forms.VehicleForm,
    title=_("车辆"),
    list_url="estates:vehicle_list",
    create=svc.vehicle_create,
    update=svc.vehicle_update,
    obj_kw="vehicle",
)
venue_create, venue_edit = form_pages(
    Venue,
    forms.VenueForm,
    title=_("场地"),
    list_url="estates:venue_list",
    create=svc.venue_create,
    update=svc.venue_update,
    obj_kw="venue",
)
adspace_create, adspace_edit = form_pages(
    AdSpace,
    forms.AdSpaceForm,
    title=_("广告位"),
    list_url="estates:adspace_list",
    create=svc.adspace_create,
    update=svc.adspace_update,
    obj_kw="adspace",
)


# ---------------------------------------------------------------- building page (units)


class BuildingDetail(ModulePermissionMixin, View):
    permission = "estates.view"

    def _render(self, request, building, form, status=200):
        units = selectors.unit_list(request.user).filter(building=building)
        return render(
            request,
            "estates/building_detail.html",
            {
                "building": building,
                "units": units,
                "form": form,
                "can_add": self.access.can("estates.add"),
                "can_change": self.access.can("estates.change"),
            },
            status=status,
        )

    def get(self, request, pk):
        building = get_object_or_404(selectors.building_list(request.user), pk=pk)
        return self._render(request, building, forms.UnitForm(user=request.user))

    def post(self, request, pk):
        """Adds a unit to the building."""
        if not self.access.can("estates.add"):
            raise PermissionDenied
        building = get_object_or_404(selectors.building_list(request.user, "add"), pk=pk)
        form = forms.UnitForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                unit = svc.unit_create(
                    actor=request.user, building=building, name=form.cleaned_data["name"]
                )
            except ApplicationError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, gettext("已新增%(name)s") % {"name": unit.name})
                return redirect("estates:building_detail", pk=building.pk)
        return self._render(request, building, form, status=400)


class UnitEdit(FormPage):
    permission = "estates.change"
    form_class = forms.UnitForm

    def get_object(self):
        return get_object_or_404(
            Unit.objects.for_user(self.request.user, "change").select_related("building"),
            pk=self.kwargs["pk"],
        )

    def get_title(self):
        return gettext("编辑单元：%(unit)s") % {"unit": self.object}

    def get_cancel_url(self):
        return reverse("estates:building_detail", args=[self.object.building_id])

    def perform(self, form):
        return svc.unit_update(actor=self.request.user, unit=self.object, **form.service_data())

    def success_url(self, obj):
        return self.get_cancel_url()


urlpatterns = [
    path("communities/", CommunityList.as_view(), name="community_list"),
    path("communities/new/", community_create, name="community_create"),
    path("communities/<int:pk>/edit/", community_edit, name="community_edit"),
    path("buildings/", BuildingList.as_view(), name="building_list"),
    path("buildings/new/", building_create, name="building_create"),
    path("buildings/<int:pk>/", BuildingDetail.as_view(), name="building_detail"),
    path("buildings/<int:pk>/edit/", building_edit, name="building_edit"),
    path("units/<int:pk>/edit/", UnitEdit.as_view(), name="unit_edit"),
    path("houses/", HouseList.as_view(), name="house_list"),
    path("houses/new/", house_create, name="house_create"),
    path("houses/state/", HouseBatchState.as_view(), name="house_batch_state"),
    path("houses/<int:pk>/", HouseDetail.as_view(), name="house_detail"),
    path("houses/<int:pk>/edit/", house_edit, name="house_edit"),
    path("houses/<int:pk>/move-in/", HouseMoveIn.as_view(), name="house_move_in"),
    path("shops/", ShopList.as_view(), name="shop_list"),
    path("shops/new/", shop_create, name="shop_create"),
    path("shops/<int:pk>/edit/", shop_edit, name="shop_edit"),
    path("parking/lots/", LotList.as_view(), name="lot_list"),
    path("parking/lots/new/", lot_create, name="lot_create"),
    path("parking/lots/<int:pk>/edit/", lot_edit, name="lot_edit"),
    path("parking/spaces/", SpaceList.as_view(), name="space_list"),
    path("parking/spaces/new/", space_create, name="space_create"),
    path("parking/spaces/<int:pk>/edit/", space_edit, name="space_edit"),
    path("vehicles/", VehicleList.as_view(), name="vehicle_list"),
    path("vehicles/new/", vehicle_create, name="vehicle_create"),
    path("vehicles/<int:pk>/edit/", vehicle_edit, name="vehicle_edit"),
    path("venues/", VenueList.as_view(), name="venue_list"),
    path("venues/new/", venue_create, name="venue_create"),
    path("venues/<int:pk>/edit/", venue_edit, name="venue_edit"),
    path("adspaces/", AdSpaceList.as_view(), name="adspace_list"),
    path("adspaces/new/", adspace_create, name="adspace_create"),
    path("adspaces/<int:pk>/edit/", adspace_edit, name="adspace_edit"),
    *resources_people.urlpatterns,
    *resources_reports.urlpatterns,
]
