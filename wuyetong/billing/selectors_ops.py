"""Reads behind the billing setup, bill runs, meter reading and 公摊 pages, scoped to the
user (billing.<action> and their data scope). Owners reach their own 公摊 shares only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from wuyetong.core.access import get_access
from wuyetong.core.ids import lookup_pk
from wuyetong.estates.models import Building, House
from wuyetong.orgs.models import Community

from .choices import BillState, FeeKind, JobState, SharedBasis
from .models import (
    Bill,
    BillRun,
    BillRunJob,
    FeeAssignment,
    FeeItem,
    FeeStandard,
    MeterReading,
    SharedMeter,
    SharedMeterReading,
)


def billing_communities(user, action: str = "view") -> QuerySet[Community]:
    """Communities the user may do `billing.<action>` in (their company, their data scope)."""
    access = get_access(user)
    if not access.can(f"billing.{action}"):
        return Community.objects.none()
    return Community.objects.for_access(access, "").order_by("code")


def billing_community_get(user, pk, action: str = "view") -> Community:
    return get_object_or_404(billing_communities(user, action), pk=lookup_pk(pk))


def fee_item_list(user, action: str = "view") -> QuerySet[FeeItem]:
    return (
        FeeItem.objects.for_user(user, action)
        .annotate(standard_count=Count("standards"))
        .order_by("sort", "pk")
    )


def fee_item_get(user, pk, action: str = "view") -> FeeItem:
    return get_object_or_404(FeeItem.objects.for_user(user, action), pk=lookup_pk(pk))


def fee_standard_list(user, action: str = "view") -> QuerySet[FeeStandard]:
    return (
        FeeStandard.objects.for_user(user, action)
        .select_related("community", "fee_item")
        .annotate(
            assignment_count=Count(
                "assignments",
                filter=Q(assignments__end_date__isnull=True),
            )
        )
        .order_by("community__code", "fee_item__sort", "name")
    )


def fee_standard_get(user, pk, action: str = "view") -> FeeStandard:
    return get_object_or_404(
        FeeStandard.objects.for_user(user, action).select_related("community", "fee_item"),
        pk=lookup_pk(pk),
    )


def fee_assignment_list(user, action: str = "view") -> QuerySet[FeeAssignment]:
    return (
        FeeAssignment.objects.for_user(user, action)
        .select_related(
            "community",
            "standard",
            "standard__fee_item",
            "house__building",
            "house__unit",
            "parking_space__lot",
            "vehicle",
        )
        .order_by("community__code", "house__building__sort", "house__room_no", "standard_id")
    )


def fee_assignment_get(user, pk, action: str = "view") -> FeeAssignment:
    return get_object_or_404(fee_assignment_list(user, action), pk=lookup_pk(pk))


def bill_run_list(user, action: str = "view") -> QuerySet[BillRun]:
    return (
        BillRun.objects.for_user(user, action)
        .select_related("community", "fee_item", "created_by", "voided_by")
        .annotate(
            paid=Exists(
                Bill.objects.filter(bill_run=OuterRef("pk")).exclude(state=BillState.UNPAID)
            )
        )
        .order_by("-period", "community__code", "fee_item__sort")
    )


def bill_run_get(user, pk, action: str = "view") -> BillRun:
    return get_object_or_404(bill_run_list(user, action), pk=lookup_pk(pk))


def bill_run_job_get(user, pk) -> BillRunJob:
    return get_object_or_404(
        BillRunJob.objects.for_user(user, "view").select_related("community", "created_by"),
        pk=lookup_pk(pk),
    )


def bill_run_job_list(user, community: Community | None = None) -> QuerySet[BillRunJob]:
    qs = BillRunJob.objects.for_user(user, "view").select_related("community", "created_by")
    return qs.filter(community=community) if community is not None else qs


def progress_key(job_id: int) -> str:
    return f"billing:runjob:{job_id}"


def job_progress(job: BillRunJob) -> dict:
    """What a job's progress bar shows: phase, bills written of those to write, percent.
    While it runs the figures come from the cache (the job's transaction is not visible)."""
    if job.state == JobState.DONE:
        return {"phase": "done", "done": job.created_count, "total": job.created_count, "pct": 100}
    if job.state == JobState.FAILED:
        return {"phase": "failed", "done": 0, "total": 0, "pct": 0}
    live = cache.get(progress_key(job.pk)) or {}
    done, total = live.get("done", 0), live.get("total", 0)
    phase = live.get("phase", "queued" if job.state == JobState.QUEUED else "plan")
    pct = int(done * 100 / total) if total else 0
    return {"phase": phase, "done": done, "total": total, "pct": min(pct, 99)}


def meter_reading_list(user, action: str = "view") -> QuerySet[MeterReading]:
    return (
        MeterReading.objects.for_user(user, action)
        .select_related("community", "fee_item", "house__building", "house__unit", "bill")
        .order_by("-period", "house__building__sort", "house__unit__name", "house__room_no")
    )


@dataclass
class GridRow:
    """One house of the reading grid: last month's reading and this month's, if any."""

    house: House
    last_period: dt.date | None
    last_reading: Decimal | None
    reading: MeterReading | None

    @property
    def locked(self) -> bool:
        """Billed (and the bill still stands): the reading can no longer change."""
        bill = self.reading.bill if self.reading is not None else None
        return bill is not None and bill.state not in {BillState.VOIDED, BillState.REVERSED}


def reading_grid(
    *, building: Building, fee_item: FeeItem, period: dt.date, unit_id: int | None = None
) -> list[GridRow]:
    """The houses of a building (sold ones: unsold houses have no meter reader's business)
    with their previous and current readings of one meter type, in 3 queries."""
    houses = list(
        House.objects.filter(building=building)
        .exclude(state="unsold")
        .select_related("unit")
        .order_by("unit__name", "floor", "room_no")
    )
    if unit_id:
        houses = [h for h in houses if h.unit_id == unit_id]
    ids = [h.pk for h in houses]
    last: dict[int, tuple[dt.date, Decimal]] = {}
    for house_id, period_, reading in (
        MeterReading.objects.filter(house_id__in=ids, fee_item=fee_item, period__lt=period)
        .order_by("house_id", "period")
        .values_list("house_id", "period", "current_reading")
    ):
        last[house_id] = (period_, reading)
    current = {
        m.house_id: m
        for m in MeterReading.objects.filter(
            house_id__in=ids, fee_item=fee_item, period=period
        ).select_related("bill")
    }
    return [
        GridRow(
            h,
            last.get(h.pk, (None, None))[0],
            last.get(h.pk, (None, None))[1],
            current.get(h.pk),
        )
        for h in houses
    ]


def metered_item_choices(user, community: Community) -> QuerySet[FeeItem]:
    return FeeItem.objects.for_user(user, "view").filter(
        company_id=community.company_id, kind=FeeKind.METERED, is_active=True
    )


def shared_meter_list(user, action: str = "view") -> QuerySet[SharedMeter]:
    return (
        SharedMeter.objects.for_user(user, action)
        .select_related("community", "fee_item")
        .prefetch_related("buildings")
        .annotate(reading_count=Count("readings"))
        .order_by("community__code", "name")
    )


def shared_meter_get(user, pk, action: str = "view") -> SharedMeter:
    return get_object_or_404(shared_meter_list(user, action), pk=lookup_pk(pk))


def shared_reading_list(meter: SharedMeter) -> QuerySet[SharedMeterReading]:
    return meter.readings.select_related("allocation", "entered_by").annotate(
        house_count=Count("allocation__bills")
    )


@dataclass(frozen=True)
class SharedShare:
    """How a house's 公摊 bill was computed, for the owner: the meter and its readings, the
    month's total, the basis, this house's part of it."""

    meter: str
    period_start: dt.date
    period_end: dt.date
    previous_reading: Decimal | None
    current_reading: Decimal | None
    usage: Decimal | None
    unit_price: Decimal | None
    total: Decimal
    basis: str
    basis_label: str
    weight: Decimal
    weight_unit: str
    weight_total: Decimal
    households: int
    amount: Decimal


def shared_share_for_owner(*, user, bill_id) -> SharedShare | None:
    """The 公摊 computation of one of the owner's own bills (None when the bill is not a 公摊
    bill). Another house's bill answers 404, as if it did not exist."""
    access = get_access(user)
    bill = get_object_or_404(
        Bill.objects.filter(house_id__in=access.house_ids).select_related(
            "shared_allocation", "shared_allocation__reading"
        ),
        pk=lookup_pk(bill_id),
    )
    return shared_share(bill)


def shared_share(bill: Bill) -> SharedShare | None:
    allocation = bill.shared_allocation
    if allocation is None:
        return None
    reading = getattr(allocation, "reading", None)
    by_area = allocation.basis == SharedBasis.AREA
    return SharedShare(
        meter=allocation.meter,
        period_start=allocation.period_start,
        period_end=allocation.period_end,
        previous_reading=reading.previous_reading if reading else None,
        current_reading=reading.current_reading if reading else None,
        usage=allocation.usage,
        unit_price=reading.unit_price if reading else None,
        total=allocation.total_amount,
        basis=allocation.basis,
        basis_label=str(SharedBasis(allocation.basis).label),
        weight=bill.quantity,
        weight_unit="㎡" if by_area else "户",
        weight_total=allocation.weight_total,
        households=allocation.bills.count(),
        amount=bill.amount,
    )


def bill_list(user, action: str = "view") -> QuerySet[Bill]:
    """Staff list of bills in scope, newest period first."""
    return (
        Bill.objects.for_user(user, action)
        .select_related("community", "fee_item", "house__building", "house__unit")
        .order_by("-period", "house__building__sort", "house__unit__name", "house__room_no", "pk")
    )
