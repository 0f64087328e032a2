"""Benchmark: the owner's bills API under load, next to a trivial JSON endpoint of the same
server, measured in the same run.

The parent makes a fresh PostgreSQL database, and a child process migrates it and builds one
community of HOUSES houses, each with an owner (an API token) and a year of monthly property
bills (a standard by building area, twelve bill runs), a late-fee rule (so most bills carry a
late fee) and a discount rule — the full work of `GET /api/v1/billing/my/bills/` — and
ANALYZEs it, as autovacuum would have a live database. Then the
parent starts gunicorn (production settings, WORKERS sync workers: the HTTP server of a
production deployment) on a free loopback port and drives it with an asyncio client of
CONCURRENCY connections for SECONDS per endpoint:

- baseline: `GET /healthz` (JSON, one `SELECT 1`), the trivial endpoint of the same server;
- for reference: `GET /api/v1/accounts/me/` with a random owner's token, the cheapest
  endpoint with the same authentication and DRF machinery as the bills API (it shows how much
  of the gap any token-authenticated API call pays before doing its own work);
- the API: `GET /api/v1/billing/my/bills/?house=…` with an owner's token, not warmed up:
  first reads (every house once, shuffled: every answer computed, as after a bill run), then
  three more passes over the houses and repeated reads by a random owner each request for
  SECONDS (answers kept by the API and validated per request: billing/services/owner_bills).

The three endpoints are measured in turn, in ROUNDS slices each, so that the load of the
shared machine changing during the run weighs on all of them alike.

It prints requests/s and p50 / p99 latency of each and the ratios. Goal (issue 4): the bills
API ≥ 40 % of the trivial endpoint's requests/s. Traffic goes to 127.0.0.1 only; every loop is
bounded by time. The client shares the machine's cores with the server, which caps both
figures alike.

    python -m bench.owner_bills_api
    BENCH_API_SECONDS=20 BENCH_API_CONCURRENCY=16 python -m bench.owner_bills_api
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOUSES = int(os.environ.get("BENCH_API_HOUSES", "300"))
SECONDS = float(os.environ.get("BENCH_API_SECONDS", "15"))
CONCURRENCY = int(os.environ.get("BENCH_API_CONCURRENCY", "8"))
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "2"))
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ROUNDS = 5  # each endpoint's SECONDS measured in this many slices, the endpoints in turn
GOAL = 0.40
MAX_REQUESTS = 200_000  # a hard stop besides the clock


# --- child: build the data --------------------------------------------------------------------


def build_child() -> None:
    import datetime as dt
    from decimal import Decimal

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from wuyetong.accounts.models import User
    from wuyetong.billing import services
    from wuyetong.demo import builders as b

    call_command("migrate", verbosity=0, interactive=False)
    city, (district, _) = b.city_create()
    bundle = b.company_create(
        name="基准物业", short_name="基准", credit_code="91330100MA2BENCH03", city=city
    )
    admin = b.employee_create(
        bundle=bundle, phone="13900009997", name="管理员", template="hq_admin"
    )
    community = b.community_create(
        company=bundle.company,
        project=bundle.projects[0],
        district=district,
        name="压测小区",
        code="API1",
    )
    floors = max(1, HOUSES // 4)
    houses = b.houses_create(community, buildings=2, units=1, floors=floors, per_floor=2, seed=7)[
        :HOUSES
    ]
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(phone=f"158{i:08d}", name=f"业主{i}", password="!") for i in range(len(houses))]
        )
        for user, house in zip(users, houses, strict=True):
            b.owner_bind(user=user, house=house)
        tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
    fees = {
        i.name: i for i in services.fee_items_ensure_defaults(actor=admin, company=bundle.company)
    }
    today = dt.date.today()
    start = dt.date(today.year - 1, today.month, 1)
    standard = services.fee_standard_create(
        actor=admin,
        community=community,
        fee_item=fees["物业费"],
        name="住宅物业费",
        method="area_building",
        unit_price=Decimal("2.35"),
        effective_from=start,
    )
    from wuyetong.estates.models import House

    House.objects.filter(pk__in=[h.pk for h in houses]).update(
        handover_date=start, state="occupied"
    )
    services.fee_assign(actor=admin, standard=standard, houses=houses, start_date=start)
    period = start
    for _ in range(12):
        services.bill_run_commit(actor=admin, community=community, period=period)
        period = (period + dt.timedelta(days=32)).replace(day=1)
    services.late_fee_rule_set(
        actor=admin, community=community, daily_rate_percent="0.03", grace_days=15, cap_percent="50"
    )
    services.discount_rule_create(
        actor=admin,
        community=community,
        name="无欠费立减10元",
        kind="fixed",
        amount="10",
        require_no_arrears=True,
        valid_from=start,
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        # a live database has planner statistics (autovacuum); a just-filled one has none and
        # plans the house query's joins slowly until autovacuum passes
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    pairs = [[t.key, h.pk] for t, h in zip(tokens, houses, strict=True)]
    print("BENCH " + json.dumps({"pairs": pairs}), flush=True)


# --- parent: server and load ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _one(port: int, path: str, token: str | None) -> tuple[int, float]:
    t0 = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    auth = f"Authorization: Token {token}\r\n" if token else ""
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, time.perf_counter() - t0


async def _load(port: int, make_request, seconds: float, limit: int = MAX_REQUESTS) -> dict:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    sent = 0

    async def worker():
        nonlocal errors, sent
        while time.perf_counter() < stop and sent < limit:
            sent += 1
            path, token = make_request()
            try:
                status, took = await _one(port, path, token)
            except OSError:
                errors += 1
                continue
            if status == 200:
                latencies.append(took)
            else:
                errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return {"latencies": latencies, "errors": errors, "elapsed": time.perf_counter() - t0}


def _figures(slices: list[dict]) -> dict:
    """Requests/s and latency percentiles over one or more measured slices."""
    latencies = sorted(x for s in slices for x in s["latencies"])
    elapsed = sum(s["elapsed"] for s in slices)
    return {
        "requests": len(latencies),
        "errors": sum(s["errors"] for s in slices),
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0,
    }


def _env(database_url: str, var_dir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-" + os.urandom(16).hex(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "WUYETONG_VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    for name in ("DEBUG", "REDIS_URL", "HTTPS"):
        env.pop(name, None)
    return env


def _measure(env: dict, pairs: list) -> dict:
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi:application",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = asyncio.run(_one(port, "/healthz", None))
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not start")
        rng = random.Random(4)

        def trivial():
            return "/healthz", None

        def me():
            token, _house = rng.choice(pairs)
            return "/api/v1/accounts/me/", token

        def bills():
            token, house = rng.choice(pairs)
            return f"/api/v1/billing/my/bills/?house={house}", token

        houses = list(pairs)
        rng.shuffle(houses)
        order = iter(houses * 4)

        def each_house():  # every house in turn: the first pass reads each one once
            token, house = next(order)
            return f"/api/v1/billing/my/bills/?house={house}", token

        for make in (trivial, me):  # warm the paths up (not the bills: see first reads)
            asyncio.run(_load(port, make, 2))
        # first reads: each answer is computed (a house's first read in a worker, as after a
        # bill run or a payment); then three more passes, so that most houses were read in
        # both workers, before the repeated reads are measured
        first = asyncio.run(_load(port, each_house, 120, limit=len(houses)))
        asyncio.run(_load(port, each_house, 120, limit=3 * len(houses)))
        # the three endpoints in turn, ROUNDS slices each: a change of the shared machine's
        # load during the run weighs on all three alike
        loads = {"trivial": trivial, "me": me, "bills": bills}
        slices: dict[str, list[dict]] = {name: [] for name in loads}
        for _ in range(ROUNDS):
            for name, make in loads.items():
                slices[name].append(asyncio.run(_load(port, make, SECONDS / ROUNDS)))
        figures = {name: _figures(parts) for name, parts in slices.items()}
        figures["first"] = _figures([first])
        return figures
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> int:
    print(
        f"owner_bills_api: {HOUSES} houses × 12 monthly bills, gunicorn × {WORKERS},"
        f" {CONCURRENCY} connections, {SECONDS:.0f} s per endpoint"
    )
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # any connection failure: report and skip
        print(f"  skipped: PostgreSQL unreachable at {PG_ADMIN_URL} ({exc.__class__.__name__})")
        return 1
    name = f"wuyetong_apibench_{os.getpid()}"
    failures = 0
    with admin, tempfile.TemporaryDirectory(prefix="wuyetong-bench-") as tmp:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            env = _env(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", Path(tmp))
            built = subprocess.run(
                [sys.executable, "-m", "bench.owner_bills_api", "--build"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            line = next((x for x in built.stdout.splitlines() if x.startswith("BENCH ")), None)
            if line is None:
                print(
                    f"  FAILED to build: {(built.stderr or built.stdout).strip().splitlines()[-1:]}"
                )
                return 1
            pairs = json.loads(line[6:])["pairs"]
            figures = _measure(env, pairs)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    base, me, api = figures["trivial"], figures["me"], figures["bills"]
    for label, f in (
        ("GET /healthz (trivial JSON)", base),
        ("GET /api/v1/accounts/me/ (token)", me),
        ("GET my/bills/, first read per house", figures["first"]),
        ("GET /api/v1/billing/my/bills/", api),
    ):
        print(
            f"  {label:<34} {f['rps']:8.1f} req/s   p50 {f['p50_ms']:6.1f} ms   p99 {f['p99_ms']:6.1f} ms"
            f"   ({f['requests']} ok, {f['errors']} errors)"
        )
        failures += f["errors"] > 0
    ratio = api["rps"] / base["rps"] if base["rps"] else 0.0
    met = ratio >= GOAL
    print(
        f"  bills API = {ratio:.0%} of the trivial endpoint; goal ≥ {GOAL:.0%}: {'met' if met else 'NOT MET'}"
        f" (= {api['rps'] / me['rps'] if me['rps'] else 0.0:.0%} of the token-authenticated"
        f" /me; /me = {me['rps'] / base['rps'] if base['rps'] else 0.0:.0%} of /healthz;"
        f" first reads = {figures['first']['rps'] / base['rps'] if base['rps'] else 0.0:.0%})"
    )
    return failures + (not met)


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--build":
        build_child()
    else:
        sys.exit(1 if main() else 0)
