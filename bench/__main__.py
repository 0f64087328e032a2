"""Run every benchmark in turn: `python -m bench` (or `make bench`)."""

from __future__ import annotations

import sys

from . import (
    bill_run,
    bureau_dashboard,
    desk_popup,
    houses_import,
    notice_publish,
    owner_bills_api,
    vote_roll,
)

BENCHMARKS = [
    houses_import,
    bill_run,
    owner_bills_api,
    notice_publish,
    vote_roll,
    desk_popup,
    bureau_dashboard,
]


def main() -> int:
    failed = 0
    for module in BENCHMARKS:
        failed += module.main() or 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
