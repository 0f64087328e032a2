"""Benchmark: import 10,000 houses and their owners from .xlsx through the real service.

The parent process writes two workbooks (houses, owners) and then, for SQLite and for
PostgreSQL, starts a child process with its own fresh database: the child migrates, builds a
company and a community, runs preview + commit for both files exactly as the web page does,
then measures a baseline in the same run (a plain bulk_create of 10,000 House rows). Each
child prints one JSON line; the parent prints the table. Goal: under 30 s per database.

    python -m bench                      # all benchmarks
    python -m bench.houses_import        # just this one
    BENCH_HOUSES=2000 python -m bench.houses_import
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres   # server to create a throwaway DB on
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from wuyetong.estates.tests.import_helpers import OWNER_HEADERS, STRUCTURE_HEADERS

from .child import ROOT, emit, run_everywhere

HOUSES = int(os.environ.get("BENCH_HOUSES", "10000"))
GOAL_SECONDS = 30.0
STATES = ["入住"] * 7 + ["空置", "出租", "装修", "已交房"]


def _grid(count: int):
    """(building, unit, floor, room) for `count` houses: 2 units × 25 floors × 4 per floor."""
    per_building = 2 * 25 * 4
    for i in range(count):
        b, rest = divmod(i, per_building)
        u, rest = divmod(rest, 100)
        floor, r = divmod(rest, 4)
        yield f"{b + 1}幢", f"{u + 1}单元", floor + 1, f"{floor + 1}{r + 1:02d}"


def write_workbooks(directory: Path, count: int) -> tuple[Path, Path]:
    from openpyxl import Workbook

    sys.path.insert(0, str(ROOT))
    from wuyetong.core.validators import id_card_check_digit

    houses, owners = Workbook(write_only=True), Workbook(write_only=True)
    hs, os_ = houses.create_sheet("房屋导入"), owners.create_sheet("住户导入")
    hs.append(STRUCTURE_HEADERS)
    os_.append(OWNER_HEADERS)
    for i, (b, u, floor, room) in enumerate(_grid(count)):
        area = round(80 + (i * 37 % 7000) / 100, 2)
        handover = dt.date(2019, 6, 1) + dt.timedelta(days=i % 400)
        hs.append(
            [
                b,
                u,
                room,
                floor,
                "住宅",
                area,
                round(area * 0.78, 2),
                1,
                STATES[i % len(STATES)],
                handover.isoformat(),
                None,
            ]
        )
        body = (
            f"330106{dt.date(1960, 1, 1) + dt.timedelta(days=i * 3 % 15000):%Y%m%d}{i % 1000:03d}"
        )
        os_.append(
            [
                b,
                u,
                room,
                f"业主{i:05d}",
                "业主",
                f"139{i:08d}",
                body + id_card_check_digit(body),
                "男" if i % 2 else "女",
                None,
                None,
            ]
        )
    structure, owner = directory / "houses.xlsx", directory / "owners.xlsx"
    houses.save(structure)
    owners.save(owner)
    return structure, owner


# --- child: one database ----------------------------------------------------------------------


def run_child(backend: str, directory: Path) -> None:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection, transaction

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started

    from decimal import Decimal

    from wuyetong.demo import builders as b
    from wuyetong.estates.models import Building, House, Occupancy, Resident, Unit
    from wuyetong.estates.services import imports as svc

    city, (district, _) = b.city_create()
    bundle = b.company_create(
        name="基准物业", short_name="基准", credit_code="91330100MA2BENCH01", city=city
    )
    clerk = b.employee_create(
        bundle=bundle, phone="13900009999", name="导入员", template="hq_admin"
    )
    community = b.community_create(
        company=bundle.company,
        project=bundle.projects[0],
        district=district,
        name="基准小区",
        code="BENCH",
    )
    figures: dict = {"backend": backend, "vendor": connection.vendor, "migrate_s": migrate_s}

    def timed_import(kind: str, path: Path) -> dict:
        data = path.read_bytes()
        t0 = time.perf_counter()
        preview = svc.estate_import_preview(
            actor=clerk,
            community_id=community.pk,
            kind=kind,
            upload=SimpleUploadedFile(path.name, data),
        )
        t1 = time.perf_counter()
        result = svc.estate_import_commit(actor=clerk, token=preview.token)
        t2 = time.perf_counter()
        return {
            "preview_s": t1 - t0,
            "commit_s": t2 - t1,
            "total_s": t2 - t0,
            "counts": result.counts,
        }

    try:
        figures["structure"] = timed_import("structure", directory / "houses.xlsx")
        figures["owners"] = timed_import("owners", directory / "owners.xlsx")
    except svc.ImportInvalid as exc:
        raise SystemExit(f"{exc.message}: {exc.row_errors[:5]}") from None
    figures["rows"] = {
        "houses": House.objects.filter(community=community).count(),
        "residents": Resident.objects.filter(company=bundle.company).count(),
        "occupancies": Occupancy.objects.filter(house__community=community).count(),
    }

    # Baseline in the same run: the cheapest way Django can insert the same number of houses.
    other = b.community_create(
        company=bundle.company,
        project=bundle.projects[1],
        district=district,
        name="基准对照",
        code="BASE",
    )
    building = Building.objects.create(community=other, name="1幢")
    unit = Unit.objects.create(community=other, building=building, name="1单元")
    rows = [
        House(
            community=other,
            building=building,
            unit=unit,
            room_no=str(i),
            floor=1,
            building_area=Decimal("89.50"),
        )
        for i in range(HOUSES)
    ]
    t0 = time.perf_counter()
    with transaction.atomic():
        House.objects.bulk_create(rows, batch_size=2000)
    figures["baseline_s"] = time.perf_counter() - t0
    emit(figures)


# --- parent -----------------------------------------------------------------------------------


def _report(figures: dict) -> bool:
    s, o = figures["structure"], figures["owners"]
    total = s["total_s"] + o["total_s"]
    base = figures["baseline_s"]
    print(
        f"  {figures['backend']:<10} houses: preview {s['preview_s']:5.2f} s + commit {s['commit_s']:5.2f} s"
        f" = {s['total_s']:5.2f} s ({HOUSES / s['total_s']:,.0f} houses/s)"
    )
    print(
        f"  {'':<10} owners: preview {o['preview_s']:5.2f} s + commit {o['commit_s']:5.2f} s"
        f" = {o['total_s']:5.2f} s ({HOUSES / o['total_s']:,.0f} rows/s)"
    )
    ok = total < GOAL_SECONDS
    print(
        f"  {'':<10} total {total:5.2f} s for {HOUSES:,} houses with owners ({HOUSES / total:,.0f} houses/s)"
        f" — goal < {GOAL_SECONDS:.0f} s: {'met' if ok else 'NOT MET'}"
    )
    print(
        f"  {'':<10} baseline: bulk_create of {HOUSES:,} House rows {base:5.2f} s ({HOUSES / base:,.0f}/s);"
        f" house import = {s['total_s'] / base:.1f}× baseline, houses + owners = {total / base:.1f}× baseline"
    )
    print(f"  {'':<10} written: {figures['rows']}")
    return ok


def main() -> int:
    print(
        f"houses_import: {HOUSES:,} houses + {HOUSES:,} owners from .xlsx through estates.services.imports"
    )
    with tempfile.TemporaryDirectory(prefix="wuyetong-bench-") as tmp:
        directory = Path(tmp)
        t0 = time.perf_counter()
        structure, owners = write_workbooks(directory, HOUSES)
        print(
            f"  workbooks written in {time.perf_counter() - t0:.1f} s "
            f"({structure.stat().st_size // 1024} KB + {owners.stat().st_size // 1024} KB)"
        )
        return run_everywhere(
            "bench.houses_import", _report, directory=directory, child_args=(str(directory),)
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        run_child(sys.argv[2], Path(sys.argv[3]))
    else:
        sys.exit(1 if main() else 0)
