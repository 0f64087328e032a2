"""Benchmark: an owners' vote (民法典 第278条) on a large community through the real services.

A child process with its own fresh database (PostgreSQL, then SQLite) builds one community of
N houses with owners — one owner per house, but every 10th owner also holds the next house,
every 20th house is jointly owned, every 25th has no recorded owner (the developer's) — then
measures:

- baseline: a plain bulk_create of exactly the rows publishing writes (roll entries, roll
  houses, roll owners), in empty tables;
- publish: `vote_publish` (reads houses and owners, links co-owners, writes the roll);
- cast: `ballot_cast` by 300 owners one at a time (what a phone does), per ballot;
- tally: the live four ratios (`vote_result`) after 70 % of the roll has voted;
- close: `vote_close` (tally frozen on the vote).

    python -m bench.vote_roll                     # 20,000 houses
    BENCH_VOTE_HOUSES=5000 BENCH_VOTE_SQLITE=0 python -m bench.vote_roll
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOUSES = int(os.environ.get("BENCH_VOTE_HOUSES", "20000"))
WITH_SQLITE = os.environ.get("BENCH_VOTE_SQLITE", "1") != "0"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
GOAL_RATIO = 3.0
CASTS = 300


def _build(count: int):
    from wuyetong.demo import builders as b
    from wuyetong.estates.models import Building, House, Occupancy, Resident, Unit

    admin = b.user_create("13800000000", "平台管理员", is_staff=True, is_superuser=True)
    city, (district, _other) = b.city_create()
    bundle = b.company_create(
        name="压测物业", short_name="压测", credit_code="91330100MA2A000009", city=city
    )
    pm = b.employee_create(bundle=bundle, phone="13900000002", name="经理", template="hq_admin")
    community = b.community_create(
        company=bundle.company,
        project=bundle.projects[0],
        district=district,
        name="压测小区",
        code="YC01",
    )
    per_building = 200
    buildings = Building.objects.bulk_create(
        [
            Building(community=community, name=f"{i + 1}幢", sort=i)
            for i in range(-(-count // per_building))
        ]
    )
    units = Unit.objects.bulk_create(
        [Unit(community=community, building=bl, name="1单元") for bl in buildings]
    )
    houses = House.objects.bulk_create(
        [
            House(
                community=community,
                building=buildings[i // per_building],
                unit=units[i // per_building],
                room_no=str(1000 + i % per_building),
                floor=1 + (i % per_building) // 8,
                building_area=Decimal(60 + (i * 37) % 9000 / 100).quantize(Decimal("0.01")),
                state="occupied",
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    residents, links = [], []
    for i, house in enumerate(houses):
        if i % 25 == 24:
            continue  # no recorded owner: the developer's
        r = Resident(company=bundle.company, name=f"业主{i}", phone=f"15{i:09d}")
        residents.append(r)
        links.append((house, r))
        if i % 10 == 0 and i + 1 < count:
            links.append((houses[i + 1], r))  # the same owner holds the next house too
        if i % 20 == 5:
            co = Resident(company=bundle.company, name=f"共有人{i}")
            residents.append(co)
            links.append((house, co))
    Resident.objects.bulk_create(residents, batch_size=2000)
    Occupancy.objects.bulk_create(
        [
            Occupancy(house=h, resident=r, relation="owner", start_date=dt.date(2020, 1, 1))
            for h, r in links
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    # App accounts for the owners who will vote on the phone.
    from django.contrib.auth import get_user_model

    User = get_user_model()
    voters = [r for r in residents if r.phone][:CASTS]
    users = []
    for r in voters:
        u = User(phone=r.phone, name=r.name)
        u.set_unusable_password()
        users.append(u)
    User.objects.bulk_create(users)
    by_phone = {u.phone: u for u in User.objects.filter(phone__in=[r.phone for r in voters])}
    for r in voters:
        r.user = by_phone[r.phone]
    Resident.objects.bulk_update(voters, ["user"])
    return admin, pm, community, list(by_phone.values())


def run_child(backend: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from wuyetong.community import selectors, services
    from wuyetong.community.models import Ballot, Vote, VoteRollHouse, VoteRollOwner, VoteVoter
    from wuyetong.community.services.roll import build_roll, roll_label, roll_owner_names

    call_command("migrate", verbosity=0, interactive=False)
    figures: dict = {"backend": backend, "vendor": connection.vendor, "houses": HOUSES}
    t0 = time.perf_counter()
    _admin, pm, community, users = _build(HOUSES)
    figures["setup_s"] = time.perf_counter() - t0
    now = timezone.now()

    def new_vote(title):
        return services.vote_create(
            actor=pm,
            community=community,
            title=title,
            matter="manager",
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(days=7),
        )

    # Baseline: the rows publishing writes, built beforehand, written by plain bulk_create.
    roll = build_roll(community.pk)
    draft = new_vote("基准")
    voters = [
        VoteVoter(
            vote=draft,
            area=e.area,
            label=roll_label(e),
            owner_names=roll_owner_names(e),
            developer=e.developer,
        )
        for e in roll
    ]
    t0 = time.perf_counter()
    with transaction.atomic():
        VoteVoter.objects.bulk_create(voters, batch_size=1000)
        VoteRollHouse.objects.bulk_create(
            [
                VoteRollHouse(vote=draft, voter=v, house_id=h)
                for v, e in zip(voters, roll, strict=True)
                for h in e.house_ids
            ],
            batch_size=2000,
        )
        VoteRollOwner.objects.bulk_create(
            [
                VoteRollOwner(vote=draft, voter=v, resident_id=r)
                for v, e in zip(voters, roll, strict=True)
                for r in e.resident_ids
            ],
            batch_size=2000,
        )
    figures["baseline_s"] = time.perf_counter() - t0
    VoteRollHouse.objects.filter(vote=draft).delete()
    VoteRollOwner.objects.filter(vote=draft).delete()
    VoteVoter.objects.filter(vote=draft).delete()
    Vote.objects.filter(pk=draft.pk).delete()

    vote = new_vote("续聘物业")
    t0 = time.perf_counter()
    vote = services.vote_publish(actor=pm, vote=vote, now=now)
    figures["publish_s"] = time.perf_counter() - t0
    figures["roll_entries"] = vote.total_owners
    figures["total_area"] = str(vote.total_area)

    t0 = time.perf_counter()
    for i, user in enumerate(users):
        services.ballot_cast(user=user, vote_id=vote.pk, choice="agree" if i % 4 else "oppose")
    figures["cast_ms"] = (time.perf_counter() - t0) * 1000 / len(users)

    # 70 % of the roll has voted (the rest as paper ballots, written in bulk: not timed).
    cast = set(Ballot.objects.filter(vote=vote).values_list("voter_id", flat=True))
    rest = VoteVoter.objects.filter(vote=vote).exclude(pk__in=cast).order_by("pk")
    target = int(vote.total_owners * 0.7) - len(cast)
    Ballot.objects.bulk_create(
        [
            Ballot(
                vote=vote,
                voter=v,
                choice="agree" if v.pk % 3 else "abstain",
                area=v.area,
                channel="paper",
                cast_by=pm,
                paper_ref=str(v.pk),
            )
            for v in rest[:target]
        ],
        batch_size=2000,
    )
    t0 = time.perf_counter()
    result = selectors.vote_result(vote)
    figures["tally_ms"] = (time.perf_counter() - t0) * 1000
    figures["verdict"] = result.verdict
    t0 = time.perf_counter()
    closed = services.vote_close(vote=vote, now=vote.closes_at)
    figures["close_ms"] = (time.perf_counter() - t0) * 1000
    figures["consistent"] = (
        closed.participant_count == Ballot.objects.filter(vote=vote).count()
        and closed.passed == result.tally.passed
        and closed.total_owners == len(roll)
    )
    print("BENCH " + json.dumps(figures, ensure_ascii=False), flush=True)


def _child_env(directory: Path, backend: str, database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database_url,
            "WUYETONG_VAR_DIR": str(directory / f"var-{backend}"),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    env.pop("DEBUG", None)
    return env


def _run(directory: Path, backend: str, database_url: str) -> dict | str:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.vote_roll", "--child", backend],
        cwd=ROOT,
        env=_child_env(directory, backend, database_url),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    out = (proc.stderr or proc.stdout).strip()
    return out.splitlines()[-1] if out else "no output"


def _report(f: dict) -> bool:
    ratio = f["publish_s"] / f["baseline_s"]
    print(
        f"  {f['backend']:<10} {f['houses']:,} houses → {f['roll_entries']:,} roll entries,"
        f" {f['total_area']} ㎡ (setup {f['setup_s']:.1f} s)"
    )
    print(
        f"  {'':<10} baseline bulk_create of the roll {f['baseline_s']:6.2f} s;"
        f" vote_publish {f['publish_s']:6.2f} s = {ratio:.2f}× baseline"
        f" (goal ≤ {GOAL_RATIO:.0f}×: {'met' if ratio <= GOAL_RATIO else 'NOT MET'})"
    )
    print(
        f"  {'':<10} ballot_cast {f['cast_ms']:.1f} ms each; live four ratios at 70 %"
        f" {f['tally_ms']:.0f} ms ({f['verdict']}); close {f['close_ms']:.0f} ms;"
        f" frozen result = live result: {f['consistent']}"
    )
    return ratio <= GOAL_RATIO and f["consistent"]


def _pg_admin():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


def main() -> int:
    print(f"vote_roll: an owners' vote on {HOUSES:,} houses, through community.services")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="wuyetong-bench-") as tmp:
        directory = Path(tmp)
        try:
            admin = _pg_admin()
        except Exception as exc:  # any connection failure: report and skip
            print(
                f"  postgresql skipped: server unreachable at {PG_ADMIN_URL} ({exc.__class__.__name__})"
            )
            failures += 1
        else:
            name = f"wuyetong_votebench_{os.getpid()}"
            with admin:
                admin.execute(f'CREATE DATABASE "{name}"')
                try:
                    figures = _run(
                        directory, "postgresql", PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
                    )
                    if isinstance(figures, dict):
                        failures += not _report(figures)
                    else:
                        failures += 1
                        print(f"  postgresql FAILED: {figures}")
                finally:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if WITH_SQLITE:
            figures = _run(directory, "sqlite", f"sqlite:///{directory / 'bench.sqlite3'}")
            if isinstance(figures, dict):
                failures += not _report(figures)
            else:
                failures += 1
                print(f"  sqlite     FAILED: {figures}")
    return failures


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        run_child(sys.argv[2])
    else:
        sys.exit(main())
