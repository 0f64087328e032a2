"""Benchmark: a month's bill run for N houses × 3 fee items through the real service.

For PostgreSQL (the goal) and SQLite (informational), the parent starts a child process with
its own fresh database. The child migrates, builds one company and a community of N houses
(bulk_create: varied areas, coefficients, and some houses whose billing starts mid-month),
three fee standards (物业费 by building area, 垃圾清运费 fixed, 车位管理费 fixed) assigned to
every house, then measures in the same run:

- baseline: a plain `bulk_create` (batch 2000, one transaction) of as many Bill rows as the run
  makes, then of one LedgerEntry row per bill — the same rows a run writes, already built as
  model instances (building them is not timed);
- the run: `billing.services.bill_run_commit` for one month, which computes, writes the bills,
  one ledger entry per bill and the three runs' totals.

The tables are emptied between the two so both insert into empty tables. Each child prints one
JSON line; the parent prints the table. Goal (issue 4): the run ≤ 3× the baseline and < 60 s
on PostgreSQL.

    python -m bench.bill_run
    BENCH_BILL_HOUSES=10000 python -m bench.bill_run
    BENCH_BILL_SQLITE=0 python -m bench.bill_run        # PostgreSQL only
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from .child import emit, run_everywhere

HOUSES = int(os.environ.get("BENCH_BILL_HOUSES", "100000"))
WITH_SQLITE = os.environ.get("BENCH_BILL_SQLITE", "1") != "0"
GOAL_RATIO = 3.0
GOAL_SECONDS = 60.0
PERIOD = dt.date(2025, 3, 1)
PER_BUILDING = 200  # 2 units × 100 houses


# --- child: one database ----------------------------------------------------------------------


def _build(count: int):
    """Company, community, N houses, three standards assigned to every house. Not timed."""
    from decimal import Decimal

    from django.db import connection, transaction

    from wuyetong.billing import services
    from wuyetong.billing.models import FeeAssignment
    from wuyetong.demo import builders as b
    from wuyetong.estates.models import Building, House, Unit

    city, (district, _) = b.city_create()
    bundle = b.company_create(
        name="基准物业", short_name="基准", credit_code="91330100MA2BENCH02", city=city
    )
    admin = b.employee_create(
        bundle=bundle, phone="13900009998", name="管理员", template="hq_admin"
    )
    community = b.community_create(
        company=bundle.company,
        project=bundle.projects[0],
        district=district,
        name="基准小区",
        code="BILL",
    )
    with transaction.atomic():
        buildings = Building.objects.bulk_create(
            [
                Building(community=community, name=f"{i + 1}幢", floors=25, sort=i)
                for i in range((count + PER_BUILDING - 1) // PER_BUILDING)
            ]
        )
        units = Unit.objects.bulk_create(
            [
                Unit(community=community, building=bl, name=f"{u}单元")
                for bl in buildings
                for u in (1, 2)
            ]
        )
        houses = []
        for i in range(count):
            area = Decimal(6000 + i * 37 % 9000) / 100  # 60.00 … 149.99 ㎡
            houses.append(
                House(
                    community=community,
                    building=buildings[i // PER_BUILDING],
                    unit=units[i // 100],
                    room_no=f"{i % 100 // 4 + 1}{i % 4 + 1:02d}",
                    floor=i % 100 // 4 + 1,
                    building_area=area,
                    inner_area=(area * Decimal("0.78")).quantize(Decimal("0.01")),
                    fee_coefficient=Decimal("1.200")
                    if i % 7 == 0
                    else Decimal("0.850")
                    if i % 11 == 0
                    else Decimal("1.000"),
                    state="occupied",
                    handover_date=dt.date(2020, 1, 1),
                )
            )
        houses = House.objects.bulk_create(houses, batch_size=5000)
    items = {
        i.name: i for i in services.fee_items_ensure_defaults(actor=admin, company=bundle.company)
    }
    standards = [
        services.fee_standard_create(
            actor=admin,
            community=community,
            fee_item=items["物业费"],
            name="住宅物业费",
            method="area_building",
            unit_price=Decimal("2.35"),
            effective_from=dt.date(2020, 1, 1),
        ),
        services.fee_standard_create(
            actor=admin,
            community=community,
            fee_item=items["垃圾清运费"],
            name="垃圾清运费",
            method="fixed",
            fixed_amount=Decimal("15.00"),
            effective_from=dt.date(2020, 1, 1),
        ),
        services.fee_standard_create(
            actor=admin,
            community=community,
            fee_item=items["车位管理费"],
            name="车位管理费",
            method="fixed",
            fixed_amount=Decimal("80.00"),
            effective_from=dt.date(2020, 1, 1),
        ),
    ]
    with transaction.atomic():
        rows = []
        for standard in standards:
            for i, house in enumerate(houses):
                # one house in 13 starts billing in the benchmarked month: a part month
                start = PERIOD.replace(day=1 + i % 28) if i % 13 == 0 else dt.date(2024, 1, 1)
                rows.append(
                    FeeAssignment(
                        community=community,
                        standard=standard,
                        house=house,
                        target_key=f"house:{house.pk}",
                        start_date=start,
                        created_by=admin,
                    )
                )
        FeeAssignment.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return admin, community, houses, standards


def _baseline(community, houses, standards, admin, count: int) -> dict:
    """A plain bulk_create of `count` bills and one ledger entry each."""
    from decimal import Decimal

    from django.db import transaction

    from wuyetong.billing.models import Bill, LedgerEntry

    bills = []
    for n in range(count):
        house = houses[n % len(houses)]
        standard = standards[n // len(houses) % len(standards)]
        bills.append(
            Bill(
                community=community,
                house=house,
                fee_item_id=standard.fee_item_id,
                standard=standard,
                period=PERIOD,
                period_start=PERIOD,
                period_end=PERIOD.replace(day=31),
                due_date=PERIOD.replace(day=15),
                quantity=house.building_area,
                unit_price=Decimal("2.35"),
                amount=Decimal("210.33"),
                calculation=(
                    f"建筑面积 {house.building_area}㎡ × 单价 2.35元/㎡·月 × 系数 1.000"
                    " = 210.33元/月 × 1个月 = 210.33元"
                ),
                created_by=admin,
            )
        )
    with transaction.atomic():
        t0 = time.perf_counter()
        Bill.objects.bulk_create(bills, batch_size=2000)
        bills_s = time.perf_counter() - t0
        entries = [
            LedgerEntry(
                community=community,
                house_id=b.house_id,
                account="receivable",
                kind="bill",
                amount=-b.amount,
                bill=b,
                fee_item_id=b.fee_item_id,
                created_by=admin,
            )
            for b in bills
        ]
        t1 = time.perf_counter()
        LedgerEntry.objects.bulk_create(entries, batch_size=2000)
        ledger_s = time.perf_counter() - t1
    return {"bills_s": bills_s, "ledger_s": ledger_s, "total_s": bills_s + ledger_s}


def _empty_bill_tables() -> None:
    from django.db import connection

    from wuyetong.billing.models import Bill, BillRun, LedgerEntry

    tables = [m._meta.db_table for m in (LedgerEntry, Bill, BillRun)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"TRUNCATE {', '.join(tables)} CASCADE"
            )  # rows pointing at bills: none here
            cursor.execute("ANALYZE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # append-only ledger: bench only


def run_child(backend: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Sum

    from wuyetong.billing import services
    from wuyetong.billing.models import Bill, LedgerEntry
    from wuyetong.core.money import to_money

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    figures: dict = {"backend": backend, "vendor": connection.vendor}
    figures["migrate_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    admin, community, houses, standards = _build(HOUSES)
    figures["setup_s"] = time.perf_counter() - t0

    # Baseline first, then the tables are emptied: both write into empty tables and indexes.
    expected = 3 * HOUSES
    figures["baseline"] = _baseline(community, houses, standards, admin, expected)
    _empty_bill_tables()

    t0 = time.perf_counter()
    runs = services.bill_run_commit(actor=admin, community=community, period=PERIOD)
    figures["run_s"] = time.perf_counter() - t0

    bills = Bill.objects.filter(community=community, period=PERIOD)
    summary = bills.aggregate(n=Count("id"), total=Sum("amount"))
    ledger = LedgerEntry.objects.filter(bill__in=bills, kind="bill").aggregate(
        n=Count("id"), total=Sum("amount")
    )
    figures["bills"] = summary["n"]
    figures["ledger"] = ledger["n"]
    figures["bill_total"] = str(to_money(summary["total"]))
    figures["ledger_total"] = str(to_money(ledger["total"]))
    figures["runs"] = {str(r.fee_item): [r.bill_count, str(r.total_amount)] for r in runs}
    figures["consistent"] = (
        summary["n"] == ledger["n"] == expected
        and to_money(summary["total"]) == -to_money(ledger["total"])
        and sum(r.bill_count for r in runs) == expected
    )
    t0 = time.perf_counter()
    again = services.bill_run_commit(actor=admin, community=community, period=PERIOD)
    figures["rerun_s"] = time.perf_counter() - t0
    figures["rerun_adds_nothing"] = (
        Bill.objects.filter(community=community).count() == expected
        and sum(r.bill_count for r in again) == expected
    )
    emit(figures)


# --- parent -----------------------------------------------------------------------------------


def _report(figures: dict, *, goal: bool) -> bool:
    base, run_s, rows = figures["baseline"], figures["run_s"], figures["bills"]
    ratio = run_s / base["total_s"]
    name = figures["backend"]
    print(
        f"  {name:<10} setup {figures['setup_s']:.1f} s (migrate {figures['migrate_s']:.1f} s);"
        f" {rows:,} bills + {figures['ledger']:,} ledger entries"
    )
    print(
        f"  {'':<10} baseline bulk_create: bills {base['bills_s']:6.2f} s + ledger"
        f" {base['ledger_s']:6.2f} s = {base['total_s']:6.2f} s ({2 * rows / base['total_s']:,.0f} rows/s)"
    )
    print(
        f"  {'':<10} bill_run_commit:                          {run_s:6.2f} s"
        f" ({2 * rows / run_s:,.0f} rows/s, {rows / run_s:,.0f} bills/s) = {ratio:.2f}× baseline"
    )
    print(
        f"  {'':<10} re-run of the same month: {figures['rerun_s']:.2f} s, adds nothing:"
        f" {figures['rerun_adds_nothing']}; bills = −ledger = {figures['bill_total']}:"
        f" {figures['consistent']}"
    )
    checks = figures["consistent"] and figures["rerun_adds_nothing"]
    if not goal:
        return checks
    ok = ratio <= GOAL_RATIO and run_s < GOAL_SECONDS
    print(
        f"  {'':<10} goal ≤ {GOAL_RATIO:.0f}× baseline: {'met' if ratio <= GOAL_RATIO else 'NOT MET'};"
        f" goal < {GOAL_SECONDS:.0f} s: {'met' if run_s < GOAL_SECONDS else 'NOT MET'}"
    )
    return ok and checks


def main() -> int:
    print(f"bill_run: {HOUSES:,} houses × 3 fee items, one month, through billing.services")
    return run_everywhere(
        "bench.bill_run",
        lambda figures: _report(figures, goal=figures["vendor"] == "postgresql"),
        sqlite=WITH_SQLITE,
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        run_child(sys.argv[2])
    else:
        sys.exit(1 if main() else 0)
