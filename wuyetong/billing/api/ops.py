"""Billing setup, bill runs, meter reading and 公摊 over the API (/api/v1/billing/). Thin:
lists use the console's selectors and FilterSets, writes call the same services. Refusals are
the services' ApplicationError (400 naming the field, 403, 404 for another tenant's object)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from wuyetong.accounts.api.serializers import with_errors
from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.estates.models import House, ParkingSpace, Vehicle
from wuyetong.orgs.models import Company

from .. import filters
from .. import selectors_ops as sel
from ..filters import parse_month
from ..models import Bill, BillRun, FeeAssignment, FeeItem, FeeStandard, MeterReading, SharedMeter
from ..services import bill_run_preview, bill_run_void
from ..services import jobs as job_svc
from ..services import shared_meters as shared_svc
from ..services import standards as svc
from ..services.readings import ReadingInput, meter_readings_save
from . import ops_serializers as s

TAG = ["billing"]


class BillingAccess(permissions.BasePermission):
    """Reads need billing.view; writes the view's `write_action` (change, add, approve)."""

    def has_permission(self, request, view):
        access = get_access(request.user)
        if not access.is_authenticated:
            return False
        action = "view" if request.method in permissions.SAFE_METHODS else view.write_action
        return access.can(f"billing.{action}")


class Base(GenericAPIView):
    permission_classes = [BillingAccess]
    write_action = "change"


# A staff list read through the console's scoped selector, filtered by its FilterSet (a
# comment, not a docstring: the docstring would become every list's API description).
class ScopedList(Base, ListAPIView):
    selector: Any = None  # (user) -> queryset

    def get_queryset(self):
        return type(self).selector(self.request.user)


def month_of(value: str, field: str = "period"):
    month = parse_month(value)
    if month is None:
        raise ApplicationError("月份格式应为 2025-03", field=field)
    return month


def community_of(user, pk, action: str):
    community = sel.billing_communities(user, action).filter(pk=pk).first()
    if community is None:
        raise NotFound("小区不存在")
    return community


# ---------------------------------------------------------------- fee items and standards


@extend_schema_view(get=extend_schema(tags=TAG, summary=_("收费项目列表")))
class FeeItemListApi(ScopedList):
    queryset = FeeItem.objects.none()
    serializer_class = s.FeeItemOutput
    filterset_class = filters.FeeItemFilter
    selector = staticmethod(sel.fee_item_list)

    @extend_schema(
        tags=TAG,
        summary=_("新增收费项目"),
        request=s.FeeItemInput,
        responses=with_errors({201: s.FeeItemOutput}, 400, 403),
    )
    def post(self, request):
        data = s.FeeItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        company = Company.objects.filter(pk=get_access(request.user).company_id).first()
        if company is None:
            raise ApplicationError("只有物业公司员工可以设置收费项目")
        item = svc.fee_item_create(actor=request.user, company=company, **data.validated_data)
        return Response(s.FeeItemOutput(item).data, status=status.HTTP_201_CREATED)


class FeeItemDetailApi(Base):
    serializer_class = s.FeeItemOutput

    @extend_schema(
        tags=TAG, summary=_("收费项目"), responses=with_errors({200: s.FeeItemOutput}, 404)
    )
    def get(self, request, pk: int):
        return Response(s.FeeItemOutput(sel.fee_item_get(request.user, pk)).data)

    @extend_schema(
        tags=TAG,
        summary=_("修改收费项目（名称、排序、启用）"),
        request=s.FeeItemPatch,
        responses=with_errors({200: s.FeeItemOutput}, 400, 403, 404),
    )
    def patch(self, request, pk: int):
        item = sel.fee_item_get(request.user, pk, "change")
        data = s.FeeItemPatch(data=request.data)
        data.is_valid(raise_exception=True)
        item = svc.fee_item_update(actor=request.user, item=item, **data.validated_data)
        return Response(s.FeeItemOutput(item).data)


def _tiers(data: dict) -> dict:
    if "tiers" in data:
        data["tiers"] = [
            {"up_to": None if t.get("up_to") is None else str(t["up_to"]), "price": str(t["price"])}
            for t in data["tiers"]
        ]
    return data


@extend_schema_view(get=extend_schema(tags=TAG, summary=_("收费标准列表")))
class FeeStandardListApi(ScopedList):
    queryset = FeeStandard.objects.none()
    serializer_class = s.FeeStandardOutput
    filterset_class = filters.FeeStandardFilter
    selector = staticmethod(sel.fee_standard_list)

    @extend_schema(
        tags=TAG,
        summary=_("新增收费标准"),
        request=s.FeeStandardInput,
        responses=with_errors({201: s.FeeStandardOutput}, 400, 403, 404),
    )
    def post(self, request):
        data = s.FeeStandardInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = _tiers(dict(data.validated_data))
        community = community_of(request.user, values.pop("community"), "change")
        fee_item = sel.fee_item_get(request.user, values.pop("fee_item"), "change")
        standard = svc.fee_standard_create(
            actor=request.user, community=community, fee_item=fee_item, **values
        )
        return Response(s.FeeStandardOutput(standard).data, status=status.HTTP_201_CREATED)


class FeeStandardDetailApi(Base):
    serializer_class = s.FeeStandardOutput

    @extend_schema(
        tags=TAG, summary=_("收费标准"), responses=with_errors({200: s.FeeStandardOutput}, 404)
    )
    def get(self, request, pk: int):
        return Response(s.FeeStandardOutput(sel.fee_standard_get(request.user, pk)).data)

    @extend_schema(
        tags=TAG,
        summary=_("修改收费标准的价格和日期（已出账单不变）"),
        request=s.FeeStandardPatch,
        responses=with_errors({200: s.FeeStandardOutput}, 400, 403, 404),
    )
    def patch(self, request, pk: int):
        standard = sel.fee_standard_get(request.user, pk, "change")
        data = s.FeeStandardPatch(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        standard = svc.fee_standard_update(
            actor=request.user, standard=standard, **_tiers(dict(data.validated_data))
        )
        return Response(s.FeeStandardOutput(standard).data)


class FeeStandardAssignApi(Base):
    serializer_class = s.StandardAssignOutput

    @extend_schema(
        tags=TAG,
        summary=_("批量关联收费标准（按房屋、楼栋、房屋类型、车位或车辆）"),
        request=s.StandardAssignInput,
        responses=with_errors({200: s.StandardAssignOutput}, 400, 403, 404),
    )
    def post(self, request, pk: int):
        standard = sel.fee_standard_get(request.user, pk, "change")
        data = s.StandardAssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        community_id = standard.community_id
        kwargs: dict = {"start_date": v.get("start_date")}
        if "houses" in v:
            kwargs["houses"] = list(House.objects.filter(pk__in=v["houses"]))
            if len(kwargs["houses"]) != len(set(v["houses"])):
                raise ApplicationError("所选房屋不属于本小区", field="houses")
        if v.get("buildings"):
            kwargs["building_ids"] = v["buildings"]
        if v.get("house_uses"):
            kwargs["house_uses"] = v["house_uses"]
        if "spaces" in v:
            kwargs["spaces"] = list(
                ParkingSpace.objects.filter(pk__in=v["spaces"], community_id=community_id)
            )
        if "vehicles" in v:
            kwargs["vehicles"] = list(
                Vehicle.objects.filter(pk__in=v["vehicles"], community_id=community_id)
            )
        result = svc.fee_assign(actor=request.user, standard=standard, **kwargs)
        return Response(
            {
                "created": len(result.created),
                "already": result.already,
                "skipped": [list(x) for x in result.skipped],
            }
        )


@extend_schema_view(get=extend_schema(tags=TAG, summary=_("计费对象列表")))
class AssignmentListApi(ScopedList):
    queryset = FeeAssignment.objects.none()
    serializer_class = s.AssignmentOutput
    filterset_class = filters.FeeAssignmentFilter
    selector = staticmethod(sel.fee_assignment_list)


class AssignmentEndApi(Base):
    serializer_class = s.AssignmentOutput

    @extend_schema(
        tags=TAG,
        summary=_("截止计费"),
        request=s.AssignmentEndInput,
        responses=with_errors({200: s.AssignmentOutput}, 400, 403, 404),
    )
    def post(self, request, pk: int):
        assignment = sel.fee_assignment_get(request.user, pk, "change")
        data = s.AssignmentEndInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = svc.fee_assignment_end(
            actor=request.user, assignment=assignment, end_date=data.validated_data["end_date"]
        )
        return Response(s.AssignmentOutput(sel.fee_assignment_get(request.user, row.pk)).data)


# ---------------------------------------------------------------- bill runs


def _preview_data(preview) -> dict:
    return {
        "period": preview.period,
        "count": preview.count,
        "total": preview.total,
        "existing_count": preview.existing_count,
        "existing_total": preview.existing_total,
        "by_fee_item": [
            {"fee_item": name, "count": n, "total": total}
            for name, (n, total) in preview.by_fee_item.items()
        ],
        "samples": preview.samples,
        "skipped": preview.skipped,
    }


class RunPreviewApi(Base):
    serializer_class = s.PreviewOutput
    write_action = "view"  # a POST that writes nothing

    @extend_schema(
        tags=TAG,
        summary=_("出账预览：将新生成的账单数、金额和样例"),
        request=s.PeriodInput,
        responses=with_errors({200: s.PreviewOutput}, 400, 403, 404),
    )
    def post(self, request):
        data = s.PeriodInput(data=request.data)
        data.is_valid(raise_exception=True)
        community = community_of(request.user, data.validated_data["community"], "view")
        preview = bill_run_preview(
            actor=request.user, community=community, period=month_of(data.validated_data["period"])
        )
        return Response(s.PreviewOutput(_preview_data(preview)).data)


def _job_data(job):
    job.progress_info = sel.job_progress(job)
    return s.JobOutput(job).data


class RunJobCreateApi(Base):
    serializer_class = s.JobOutput
    write_action = "add"

    @extend_schema(
        tags=TAG,
        summary=_("生成账单（后台任务；同一月份重复提交不会重复出账）"),
        request=s.PeriodInput,
        responses=with_errors({202: s.JobOutput}, 400, 403, 404),
    )
    def post(self, request):
        data = s.PeriodInput(data=request.data)
        data.is_valid(raise_exception=True)
        community = community_of(request.user, data.validated_data["community"], "add")
        job = job_svc.bill_run_job_start(
            actor=request.user, community=community, period=month_of(data.validated_data["period"])
        )
        job.refresh_from_db()
        return Response(_job_data(job), status=status.HTTP_202_ACCEPTED)


class RunJobDetailApi(Base):
    serializer_class = s.JobOutput

    @extend_schema(
        tags=TAG, summary=_("出账任务进度和结果"), responses=with_errors({200: s.JobOutput}, 404)
    )
    def get(self, request, pk: int):
        return Response(_job_data(sel.bill_run_job_get(request.user, pk)))


@extend_schema_view(get=extend_schema(tags=TAG, summary=_("账单批次列表")))
class RunListApi(ScopedList):
    queryset = BillRun.objects.none()
    serializer_class = s.RunOutput
    filterset_class = filters.BillRunFilter
    selector = staticmethod(sel.bill_run_list)


class RunVoidApi(Base):
    serializer_class = s.RunOutput
    write_action = "approve"

    @extend_schema(
        tags=TAG,
        summary=_("作废账单批次（尚未收款时；账单保留并冲销）"),
        request=s.VoidInput,
        responses=with_errors({200: s.RunOutput}, 400, 403, 404),
    )
    def post(self, request, pk: int):
        run = sel.bill_run_get(request.user, pk, "approve")
        data = s.VoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        bill_run_void(actor=request.user, run=run, reason=data.validated_data["reason"])
        return Response(s.RunOutput(sel.bill_run_get(request.user, pk)).data)


@extend_schema_view(get=extend_schema(tags=TAG, summary=_("账单列表（员工）")))
class BillListApi(ScopedList):
    queryset = Bill.objects.none()
    serializer_class = s.BillOutput
    filterset_class = filters.BillFilter
    selector = staticmethod(sel.bill_list)


# ---------------------------------------------------------------- meter readings and 公摊


@extend_schema_view(get=extend_schema(tags=TAG, summary=_("抄表读数列表")))
class ReadingListApi(ScopedList):
    queryset = MeterReading.objects.none()
    serializer_class = s.ReadingOutput
    filterset_class = filters.MeterReadingFilter
    selector = staticmethod(sel.meter_reading_list)


class ReadingBatchApi(Base):
    serializer_class = s.ReadingBatchOutput
    write_action = "add"

    @extend_schema(
        tags=TAG,
        summary=_("批量录入抄表读数（全部有效才保存，错误按“房屋ID.字段”列出）"),
        request=s.ReadingBatchInput,
        responses=with_errors({200: s.ReadingBatchOutput}, 400, 403, 404),
    )
    def post(self, request):
        data = s.ReadingBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        community = community_of(request.user, v["community"], "add")
        fee_item = sel.fee_item_get(request.user, v["fee_item"])
        result = meter_readings_save(
            actor=request.user,
            community=community,
            fee_item=fee_item,
            period=month_of(v["period"]),
            read_on=v.get("read_on"),
            source="api",
            rows=[
                ReadingInput(
                    house_id=r["house"],
                    current=r["current_reading"],
                    previous=r.get("previous_reading"),
                    meter_changed=r["meter_changed"],
                    old_meter_final=r.get("old_meter_final"),
                )
                for r in v["rows"]
            ],
        )
        return Response(
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        )


@extend_schema_view(get=extend_schema(tags=TAG, summary=_("公摊表列表")))
class SharedMeterListApi(ScopedList):
    queryset = SharedMeter.objects.none()
    serializer_class = s.SharedMeterOutput
    filterset_class = filters.SharedMeterFilter
    selector = staticmethod(sel.shared_meter_list)

    @extend_schema(
        tags=TAG,
        summary=_("新增公摊表"),
        request=s.SharedMeterInput,
        responses=with_errors({201: s.SharedMeterOutput}, 400, 403, 404),
    )
    def post(self, request):
        data = s.SharedMeterInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        community = community_of(request.user, v.pop("community"), "change")
        fee_item = sel.fee_item_get(request.user, v.pop("fee_item"), "change")
        meter = shared_svc.shared_meter_create(
            actor=request.user,
            community=community,
            fee_item=fee_item,
            building_ids=v.pop("buildings", []),
            **v,
        )
        return Response(s.SharedMeterOutput(meter).data, status=status.HTTP_201_CREATED)


def _shared_args(request, meter) -> dict:
    data = s.SharedReadingInput(data=request.data)
    data.is_valid(raise_exception=True)
    v = data.validated_data
    return {
        "actor": request.user,
        "meter": meter,
        "period": month_of(v["period"]),
        "current_reading": v["current_reading"],
        "previous_reading": v.get("previous_reading"),
        "due_date": v.get("due_date"),
    }


class SharedPreviewApi(Base):
    serializer_class = s.SharedPreviewOutput
    write_action = "view"

    @extend_schema(
        tags=TAG,
        summary=_("公摊预览：总额和各户分摊（不写入）"),
        request=s.SharedReadingInput,
        responses=with_errors({200: s.SharedPreviewOutput}, 400, 403, 404),
    )
    def post(self, request, pk: int):
        meter = sel.shared_meter_get(request.user, pk)
        p = shared_svc.shared_meter_preview(**_shared_args(request, meter), samples=10**6)
        return Response(
            s.SharedPreviewOutput(
                {
                    **{k: getattr(p, k) for k in ("period", "previous", "current", "usage")},
                    "total": p.total,
                    "houses": p.houses,
                    "weight_total": p.weight_total,
                    "due_date": p.due_date,
                    "sample": [
                        {"house": h.pk, "weight": w, "amount": part} for h, w, part in p.sample
                    ],
                }
            ).data
        )


class SharedReadApi(Base):
    serializer_class = s.SharedReadingOutput
    write_action = "add"

    @extend_schema(
        tags=TAG,
        summary=_("公摊表抄表并分摊（每月一次）"),
        request=s.SharedReadingInput,
        responses=with_errors({201: s.SharedReadingOutput}, 400, 403, 404),
    )
    def post(self, request, pk: int):
        meter = sel.shared_meter_get(request.user, pk, "add")
        reading = shared_svc.shared_meter_read(**_shared_args(request, meter))
        return Response(s.SharedReadingOutput(reading).data, status=status.HTTP_201_CREATED)


class OwnerSharedShareApi(GenericAPIView):
    """An owner's own 公摊 bill: how it was computed."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.SharedShareOutput

    @extend_schema(
        tags=TAG,
        summary=_("我的公摊账单的计算过程"),
        responses=with_errors({200: s.SharedShareOutput}, 404),
    )
    def get(self, request, pk: int):
        share = sel.shared_share_for_owner(user=request.user, bill_id=pk)
        if share is None:
            raise NotFound("该账单不是公摊账单")
        return Response(s.SharedShareOutput(share).data)
