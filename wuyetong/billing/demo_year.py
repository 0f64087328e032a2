"""A year of billing for the demo communities, made through the services as a property office
would: fee standards (物业费 by building area, 垃圾清运费 per household, 水费 by meter with
monthly tiers, for the building on 二次供水), their assignment to every handed-over house,
twelve monthly bill runs with the month's water readings, and a year of desk payments as owners
of such communities pay — a year or half a year ahead at the start, some by the quarter, some
late (with late fees), a few who stopped paying and a few who never paid this year — so the
reports, the arrears ageing, receipts and the owners' bills have a year of figures.

A payment is taken with the desk service on its day (`on`: the quote and late fee of that day);
its receipt time and ledger times are then set to that day, and each run's time to its month,
since the demo is built in one go today. Deterministic: the same seed makes the same year."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import models
from django.db.models import Max
from django.utils import timezone

from wuyetong.core.access import reset_access
from wuyetong.estates.choices import HouseState
from wuyetong.estates.models import House

from . import services
from .calc import add_months, days_in_month
from .locks import OPEN_STATES
from .models import Bill, BillRun, FeeStandard, LateFeeRule, LedgerEntry, Payment
from .services.readings import ReadingInput, meter_readings_save

MONTHS = 12
CHARGED = [HouseState.OCCUPIED, HouseState.RENTED, HouseState.VACANT, HouseState.RENOVATING,
           HouseState.DELIVERED]  # fmt: skip
# (profile, weight): how a household pays over the year; the months it comes (index in the
# window) and how many months it pays ahead then.
PROFILES = [("year", 45), ("half", 30), ("quarter", 5), ("late", 8), ("stopped", 7), ("never", 5)]
PLAN = {
    "year": [(0, 11)],
    "half": [(0, 5), (6, 5)],
    "quarter": [(0, 2), (3, 2), (6, 2), (9, 2)],
    "stopped": [(0, 5)],
    "persona": [(0, 2), (3, 2), (6, 2)],  # the app users: paid until three months ago
    "never": [],
}
METHODS = [("wechat", 38), ("alipay", 24), ("cash", 14), ("bank_card", 12), ("transfer", 12)]
PRICES = {0: Decimal("2.50"), 1: Decimal("3.20")}  # 物业费 元/㎡·月 by community


def _date_entries(entries, at: dt.datetime) -> None:
    """Demo history only: entries written today for a past day get that day. The ledger's
    queryset refuses updates (it is append-only in every real path), so this goes around it
    on purpose, and only here."""
    models.QuerySet.update(entries, created_at=at)


def _pick(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _standards(admin, community, index: int, items: dict) -> dict[str, FeeStandard]:
    start = dt.date(2019, 1, 1)
    out = {
        "物业费": services.fee_standard_create(
            actor=admin,
            community=community,
            fee_item=items["物业费"],
            name="住宅物业费",
            method="area_building",
            unit_price=PRICES.get(index, Decimal("2.80")),
            due_day=15,
            effective_from=start,
        ),
        "垃圾清运费": services.fee_standard_create(
            actor=admin,
            community=community,
            fee_item=items["垃圾清运费"],
            name="生活垃圾清运费",
            method="fixed",
            fixed_amount=Decimal("15.00"),
            due_day=15,
            effective_from=start,
        ),
    }
    if index == 0:
        out["水费"] = services.fee_standard_create(
            actor=admin,
            community=community,
            fee_item=items["水费"],
            name="二次供水水费（阶梯）",
            method="metered",
            tiers=[{"up_to": "15", "price": "3.40"}, {"up_to": None, "price": "4.90"}],
            timing="postpaid",
            due_day=10,
            effective_from=start,
        )
    return out


def _visits(profile: str, rng: random.Random) -> list[tuple[int, int]]:
    """(month index, months ahead) of each visit to the desk."""
    if profile == "late":  # pays what is due, months late, twice a year
        first = rng.randint(3, 5)
        return [(first, 0), (first + rng.randint(4, 6), 0)]
    return PLAN[profile]


def populate(*, admin, cashiers: dict[int, object], communities, personas: set[int],
             today: dt.date | None = None, seed: int = 2024) -> None:  # fmt: skip
    """`cashiers` maps a community id to the cashier taking its desk payments; `personas`
    are the houses of the demo's app users: paid until three months ago, so their owners see
    open bills, some overdue with a late fee."""
    if FeeStandard.objects.filter(community__in=communities).exists():
        return  # once
    today = today or timezone.localdate()
    for user in cashiers.values():
        reset_access(user)  # made before the communities of their project existed
    months = [add_months(today, k - MONTHS + 1) for k in range(MONTHS)]
    company = communities[0].company
    items = {i.name: i for i in services.fee_items_ensure_defaults(actor=admin, company=company)}
    rng = random.Random(seed)
    zone = timezone.get_current_timezone()
    visits: dict[int, list[tuple[dt.date, House, int]]] = {i: [] for i in range(MONTHS)}
    metered: dict[int, list[House]] = {}
    meter: dict[int, Decimal] = {}
    for index, community in enumerate(communities):
        if not LateFeeRule.objects.filter(community=community).exists():
            services.late_fee_rule_set(
                actor=admin,
                community=community,
                daily_rate_percent="0.03",
                grace_days=15,
                cap_percent="50",
            )
        houses = list(
            House.objects.filter(community=community, state__in=CHARGED)
            .select_related("building")
            .order_by("pk")
        )
        standards = _standards(admin, community, index, items)
        for name, standard in standards.items():
            targets = houses if name != "水费" else [h for h in houses if h.building.sort == 1]
            # billing from the window's first month: a year of history, no older arrears
            services.fee_assign(
                actor=admin, standard=standard, houses=targets, start_date=months[0]
            )
            if name == "水费":
                metered[community.pk] = targets
                meter.update({h.pk: Decimal(rng.randint(100, 900)) for h in targets})
        for h in houses:
            profile = "persona" if h.pk in personas else _pick(rng, PROFILES)
            for i, ahead in _visits(profile, rng):
                if i >= MONTHS:
                    continue
                day = months[i].replace(day=rng.randint(3, 14) if ahead else rng.randint(16, 28))
                if day < today:
                    visits[i].append((day, h, min(ahead, MONTHS - 1 - i)))
    for i, month in enumerate(months):
        for community in communities:
            read_on = min(month.replace(day=days_in_month(month)), today)
            if community.pk in metered:
                rows = []
                for h in metered[community.pk]:
                    used = Decimal(rng.randint(3, 9) if h.state == HouseState.VACANT else rng.randint(6, 24))  # fmt: skip
                    first = meter[h.pk] if i == 0 else None
                    rows.append(ReadingInput(house_id=h.pk, current=meter[h.pk] + used, previous=first))  # fmt: skip
                    meter[h.pk] += used
                meter_readings_save(actor=admin, community=community, fee_item=items["水费"],
                                    period=month, rows=rows, read_on=read_on, source="grid")  # fmt: skip
            runs = services.bill_run_commit(actor=admin, community=community, period=month)
            at = dt.datetime.combine(month.replace(day=1), dt.time(9), tzinfo=zone)
            for run in runs:
                BillRun.objects.filter(pk=run.pk).update(created_at=at)
                Bill.objects.filter(bill_run=run).update(created_at=at)
                _date_entries(LedgerEntry.objects.filter(bill__bill_run=run), at)
        # the month's desk payments in the order they happened: receipt numbers follow them
        seen: dict[dt.date, int] = {}
        for day, house, ahead in sorted(visits[i], key=lambda v: (v[0], v[1].pk)):
            seen[day] = k = seen.get(day, -1) + 1
            at = dt.datetime.combine(day, dt.time(8), tzinfo=zone) + dt.timedelta(minutes=7 * k)
            _pay(house, day, at, ahead, cashiers[house.community_id], rng)


def _pay(house: House, day: dt.date, at: dt.datetime, ahead: int, cashier, rng) -> None:
    bills = list(
        Bill.objects.filter(house=house, state__in=OPEN_STATES, due_date__lte=day + dt.timedelta(days=20))
        .values_list("pk", flat=True)
    )  # fmt: skip
    if not bills and not ahead:
        return
    last_entry = LedgerEntry.objects.aggregate(m=Max("pk"))["m"] or 0
    last_bill = Bill.objects.aggregate(m=Max("pk"))["m"] or 0
    key = f"demo-year-{house.pk}-{day:%Y%m%d}"
    services.desk_pay(
        actor=cashier,
        house=house,
        method=_pick(rng, METHODS),
        bill_ids=bills,
        months_ahead=ahead,
        idempotency_key=key,
        on=day,
    )
    # what the payment wrote (payment, advance and late-fee bills, ledger entries) gets the
    # day it was taken
    Payment.objects.filter(idempotency_key=key).update(paid_at=at)
    _date_entries(LedgerEntry.objects.filter(pk__gt=last_entry), at)
    Bill.objects.filter(pk__gt=last_bill).update(created_at=at)
