"""Shared plumbing of the benchmarks: run a benchmark module's child in a fresh PostgreSQL
database (created and dropped around it) and in a fresh SQLite file, and collect the JSON
line each child prints (`BENCH {...}`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def emit(figures: dict) -> None:
    """What a child prints for its parent."""
    print("BENCH " + json.dumps(figures, ensure_ascii=False, default=str), flush=True)


def _env(directory: Path, backend: str, database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database_url,
            "WUYETONG_VAR_DIR": str(directory / f"var-{backend}"),
            "LOG_LEVEL": "WARNING",
            "SMS_PROVIDER": "memory",
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    env.pop("DEBUG", None)
    env.pop("REDIS_URL", None)
    return env


def _child(
    module: str, directory: Path, backend: str, url: str, args: tuple[str, ...]
) -> dict | str:
    proc = subprocess.run(
        [sys.executable, "-m", module, "--child", backend, *args],
        cwd=ROOT,
        env=_env(directory, backend, url),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    out = (proc.stderr or proc.stdout).strip()
    return out.splitlines()[-1] if out else "no output"


def run_everywhere(
    module: str,
    report: Callable[[dict], bool],
    *,
    sqlite: bool = True,
    directory: Path | None = None,
    child_args: tuple[str, ...] = (),
) -> int:
    """Run `python -m <module> --child <backend> [child_args]` on PostgreSQL then SQLite;
    `report` prints a child's figures and says whether its goals were met. `directory`
    (default: a temporary one) holds the SQLite file and each child's var/. Returns the
    number of failures."""
    if directory is None:
        with tempfile.TemporaryDirectory(prefix="wuyetong-bench-") as tmp:
            return run_everywhere(
                module, report, sqlite=sqlite, directory=Path(tmp), child_args=child_args
            )
    failures = 0
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # any connection failure: report and skip
        print(f"  postgresql skipped: unreachable at {PG_ADMIN_URL} ({exc.__class__.__name__})")
        failures += 1
    else:
        name = f"wuyetong_bench_{module.rsplit('.', 1)[-1]}_{os.getpid()}"
        with admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
                figures = _child(module, directory, "postgresql", url, child_args)
                if isinstance(figures, dict):
                    failures += not report(figures)
                else:
                    failures += 1
                    print(f"  postgresql FAILED: {figures}")
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if sqlite:
        url = f"sqlite:///{directory / 'bench.sqlite3'}"
        figures = _child(module, directory, "sqlite", url, child_args)
        if isinstance(figures, dict):
            failures += not report(figures)
        else:
            failures += 1
            print(f"  sqlite     FAILED: {figures}")
    return failures
