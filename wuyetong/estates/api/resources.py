"""REST API for estates resources and residents (C3), under /api/v1/estates/.

Thin: lists read through the same selectors and FilterSets as the console; writes call the
same services. Module permission "estates" for resources, "residents" for people."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from wuyetong.core.api import HasModulePermission

from .. import filters, selectors
from ..services import resources as svc
from . import resources_serializers as s


class ResourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and update one kind of resource. Subclasses name the selector, the
    FilterSet and the services; `obj_kw` is the service's keyword for the object."""

    permission_classes = [IsAuthenticated, HasModulePermission]
    permission_module = "estates"
    selector: Any = None
    create_service: Any = None
    update_service: Any = None
    obj_kw = ""

    def get_queryset(self):
        scope_action = "change" if self.action in ("update", "partial_update") else "view"
        return type(self).selector(self.request.user, scope_action)

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = type(self).update_service(
            actor=self.request.user,
            **{self.obj_kw: serializer.instance},
            **serializer.validated_data,
        )


class CommunityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Communities of the caller's company. A new community waits for platform approval."""

    permission_classes = [IsAuthenticated, HasModulePermission]
    permission_module = "estates"
    serializer_class = s.CommunitySerializer
    filterset_class = filters.CommunityFilter

    def get_queryset(self):
        return selectors.community_list(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = svc.community_create(
            actor=self.request.user, **serializer.validated_data
        )


class BuildingViewSet(ResourceViewSet):
    serializer_class = s.BuildingSerializer
    filterset_class = filters.BuildingFilter
    selector = selectors.building_list
    create_service, update_service, obj_kw = svc.building_create, svc.building_update, "building"


class UnitViewSet(ResourceViewSet):
    serializer_class = s.UnitSerializer
    filterset_class = filters.UnitFilter
    selector = selectors.unit_list
    create_service, update_service, obj_kw = svc.unit_create, svc.unit_update, "unit"


class HouseViewSet(ResourceViewSet):
    serializer_class = s.HouseSerializer
    filterset_class = filters.HouseFilter
    selector = selectors.house_list
    create_service, update_service, obj_kw = svc.house_create, svc.house_update, "house"
    action_permissions = {"set_state": "change"}

    @extend_schema(request=s.HouseStateBatchSerializer, responses=s.HouseStateBatchResultSerializer)
    @action(detail=False, methods=["post"], url_path="set-state")
    def set_state(self, request):
        """Batch change of house state; all listed houses or none."""
        data = s.HouseStateBatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = svc.houses_set_state(
            actor=request.user,
            house_ids=data.validated_data["houses"],
            state=data.validated_data["state"],
        )
        return Response({"changed": changed})


class ShopViewSet(ResourceViewSet):
    serializer_class = s.ShopSerializer
    filterset_class = filters.ShopFilter
    selector = selectors.shop_list
    create_service, update_service, obj_kw = svc.shop_create, svc.shop_update, "shop"


class ParkingLotViewSet(ResourceViewSet):
    serializer_class = s.ParkingLotSerializer
    filterset_class = filters.ParkingLotFilter
    selector = selectors.parking_lot_list
    create_service, update_service, obj_kw = svc.parking_lot_create, svc.parking_lot_update, "lot"


class ParkingSpaceViewSet(ResourceViewSet):
    serializer_class = s.ParkingSpaceSerializer
    filterset_class = filters.ParkingSpaceFilter
    selector = selectors.parking_space_list
    create_service, update_service, obj_kw = (
        svc.parking_space_create,
        svc.parking_space_update,
        "space",
    )


class VehicleViewSet(ResourceViewSet):
    serializer_class = s.VehicleSerializer
    filterset_class = filters.VehicleFilter
    selector = selectors.vehicle_list
    create_service, update_service, obj_kw = svc.vehicle_create, svc.vehicle_update, "vehicle"


class VenueViewSet(ResourceViewSet):
    serializer_class = s.VenueSerializer
    filterset_class = filters.VenueFilter
    selector = selectors.venue_list
    create_service, update_service, obj_kw = svc.venue_create, svc.venue_update, "venue"


class AdSpaceViewSet(ResourceViewSet):
    serializer_class = s.AdSpaceSerializer
    filterset_class = filters.AdSpaceFilter
    selector = selectors.adspace_list
    create_service, update_service, obj_kw = svc.adspace_create, svc.adspace_update, "adspace"


class ResidentViewSet(ResourceViewSet):
    """Residents; phone and ID number masked unless the role may see them."""

    permission_module = "residents"
    serializer_class = s.ResidentSerializer
    filterset_class = filters.ResidentFilter
    selector = selectors.resident_list
    create_service, update_service, obj_kw = svc.resident_create, svc.resident_update, "resident"


class OccupancyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Bindings of residents to houses, with history. Create = move in; `move-out` closes a
    binding (kept as history); `rebind` moves it to another house."""

    permission_classes = [IsAuthenticated, HasModulePermission]
    permission_module = "residents"
    serializer_class = s.OccupancySerializer
    filterset_class = filters.OccupancyFilter
    action_permissions = {"create": "add", "move_out": "change", "rebind": "change"}

    def get_queryset(self):
        scope_action = "change" if self.action in ("move_out", "rebind") else "view"
        return selectors.occupancy_list(self.request.user, scope_action)

    def _done(self, occupancy, code=status.HTTP_200_OK):
        fresh = selectors.occupancy_get(self.request.user, occupancy.pk)
        return Response(
            s.OccupancySerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=s.MoveInSerializer, responses={201: s.OccupancySerializer})
    def create(self, request):
        data = s.MoveInSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        occupancy = svc.occupancy_move_in(actor=request.user, **data.validated_data)
        return self._done(occupancy, status.HTTP_201_CREATED)

    @extend_schema(request=s.MoveOutSerializer, responses=s.OccupancySerializer)
    @action(detail=True, methods=["post"], url_path="move-out")
    def move_out(self, request, pk=None):
        occupancy = self.get_object()
        data = s.MoveOutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        svc.occupancy_move_out(actor=request.user, occupancy=occupancy, **data.validated_data)
        return self._done(occupancy)

    @extend_schema(request=s.RebindSerializer, responses=s.OccupancySerializer)
    @action(detail=True, methods=["post"])
    def rebind(self, request, pk=None):
        occupancy = self.get_object()
        data = s.RebindSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        new = svc.occupancy_rebind(actor=request.user, occupancy=occupancy, **data.validated_data)
        return self._done(new)


router = SimpleRouter()
router.register("communities", CommunityViewSet, basename="community")
router.register("buildings", BuildingViewSet, basename="building")
router.register("units", UnitViewSet, basename="unit")
router.register("houses", HouseViewSet, basename="house")
router.register("shops", ShopViewSet, basename="shop")
router.register("parking-lots", ParkingLotViewSet, basename="parking-lot")
router.register("parking-spaces", ParkingSpaceViewSet, basename="parking-space")
router.register("vehicles", VehicleViewSet, basename="vehicle")
router.register("venues", VenueViewSet, basename="venue")
router.register("ad-spaces", AdSpaceViewSet, basename="ad-space")
router.register("residents", ResidentViewSet, basename="resident")
router.register("occupancies", OccupancyViewSet, basename="occupancy")

urlpatterns = router.urls
