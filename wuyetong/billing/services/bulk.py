"""Writing a bill run's bills and their ledger entries in bulk.

A run writes hundreds of thousands of rows. On PostgreSQL they go in with COPY (ids taken
from the table's sequence first, so each ledger entry names its bill); elsewhere (SQLite)
through the ORM's bulk_create. Both write exactly the same columns and values: the bill as
computed, unpaid, and one 应收 entry of −amount per bill (ADR 0004).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from ..choices import KIND_ACCOUNT, BillState, LedgerKind
from ..models import Bill, LedgerEntry
from .common import entry

# What a run computes for each bill, in this order (see runs._plan).
PLAN_FIELDS = (
    "community_id",
    "house_id",
    "fee_item_id",
    "standard_id",
    "assignment_id",
    "period",
    "period_start",
    "period_end",
    "due_date",
    "quantity",
    "unit_price",
    "amount",
    "calculation",
)
AMOUNT = PLAN_FIELDS.index("amount")
# Set by the write itself, the same for every bill of a commit.
WRITE_FIELDS = (
    "bill_run_id",
    "shared_allocation_id",
    "paid_amount",
    "state",
    "created_by_id",
    "created_at",
    "voided_at",
    "idempotency_key",  # one-off bills only: NULL in a run
    "discount_amount",  # set when a discount settles part of the bill: zero here
    "late_fee_of_id",  # late-fee bills only: NULL in a run
)
LEDGER_FIELDS = (
    "community_id",
    "house_id",
    "account",
    "kind",
    "amount",
    "bill_id",
    "payment_id",
    "fee_item_id",
    "note",
    "created_by_id",
    "created_at",
    "idempotency_key",  # deposit refunds only: NULL here
)
ZERO = Decimal("0.00")
PlannedBill = tuple  # values in PLAN_FIELDS order
Progress = Callable[[int, int], None]  # (bills written, bills to write)
PROGRESS_EVERY = 2000


def _columns(model, names: Sequence[str], *, with_id: bool) -> str:
    """The quoted column list for COPY; refuses to run if the model gained a column the
    fast path does not write (it would silently be NULL)."""
    concrete = {f.attname for f in model._meta.concrete_fields if not f.primary_key}
    if set(names) != concrete:
        raise RuntimeError(f"{model.__name__} bulk columns out of date: {concrete ^ set(names)}")
    quote = connection.ops.quote_name
    names = ("id", *names) if with_id else tuple(names)
    return ", ".join(quote(model._meta.get_field(n).column) for n in names)


def bills_insert(
    runs_and_rows: Sequence[tuple[int, Sequence[PlannedBill]]],
    *,
    actor,
    progress: Progress | None = None,
) -> None:
    """Inserts the planned bills of each run (run id, rows) and one ledger entry per bill,
    in the caller's transaction. `progress(done, total)` is told every few thousand bills
    (a job's progress bar; it must not write to this transaction's database)."""
    total = sum(len(rows) for _, rows in runs_and_rows)
    if not total:
        return
    report = progress or (lambda done, total: None)
    report(0, total)
    if connection.vendor == "postgresql":
        _copy_postgresql(
            runs_and_rows,
            actor_id=actor.pk if getattr(actor, "pk", None) else None,
            report=report,
            total=total,
        )
    else:
        _bulk_create(runs_and_rows, actor=actor, report=report, total=total)
    report(total, total)


def _copy_postgresql(
    runs_and_rows: Sequence[tuple[int, Sequence[PlannedBill]]],
    *,
    actor_id: int | None,
    report: Progress,
    total: int,
) -> None:
    now: dt.datetime = timezone.now()
    count = sum(len(rows) for _, rows in runs_and_rows)
    bill_table, ledger_table = Bill._meta.db_table, LedgerEntry._meta.db_table
    # row[0], row[1], row[2]: community_id, house_id, fee_item_id (PLAN_FIELDS)
    account, kind = KIND_ACCOUNT[LedgerKind.BILL], LedgerKind.BILL.value
    unpaid = BillState.UNPAID.value
    bill_columns = _columns(Bill, PLAN_FIELDS + WRITE_FIELDS, with_id=True)
    ledger_columns = _columns(LedgerEntry, LEDGER_FIELDS, with_id=False)
    with connection.cursor() as cursor:
        # Bill ids first, so each ledger entry can name its bill without reading bills back.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [bill_table, count],
        )
        ids = iter([row[0] for row in cursor.fetchall()])
        raw = cursor.cursor  # the driver's cursor: COPY is not part of the DB-API
        ledger: list[tuple] = []
        with raw.copy(
            f"COPY {connection.ops.quote_name(bill_table)} ({bill_columns}) FROM STDIN"
        ) as copy:
            for run_id, rows in runs_and_rows:
                for row in rows:
                    bill_id = next(ids)
                    if len(ledger) % PROGRESS_EVERY == 0 and ledger:
                        # bills are the first half of the work, their ledger entries the second
                        report(len(ledger) // 2, total)
                    copy.write_row(
                        (
                            bill_id,
                            *row,
                            run_id,
                            None,
                            ZERO,
                            unpaid,
                            actor_id,
                            now,
                            None,
                            None,
                            ZERO,
                            None,
                        )
                    )
                    # LEDGER_FIELDS: the bill's community and house, 应收, −amount, its fee item
                    ledger.append(
                        (
                            row[0],
                            row[1],
                            account,
                            kind,
                            -row[AMOUNT],
                            bill_id,
                            None,
                            row[2],
                            "",
                            actor_id,
                            now,
                            None,
                        )
                    )
        # Ledger ids come from the column's identity default.
        with raw.copy(
            f"COPY {connection.ops.quote_name(ledger_table)} ({ledger_columns}) FROM STDIN"
        ) as copy:
            for i, item in enumerate(ledger, start=1):
                copy.write_row(item)
                if i % PROGRESS_EVERY == 0:
                    report((total + i) // 2, total)


def _bulk_create(
    runs_and_rows: Sequence[tuple[int, Sequence[PlannedBill]]],
    *,
    actor,
    report: Progress,
    total: int,
) -> None:
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    bills = [
        Bill(**dict(zip(PLAN_FIELDS, row, strict=True)), bill_run_id=run_id, created_by_id=actor_id)
        for run_id, rows in runs_and_rows
        for row in rows
    ]
    for start in range(0, len(bills), PROGRESS_EVERY):
        bills_with_entries(bills[start : start + PROGRESS_EVERY], actor=actor)
        report(min(start + PROGRESS_EVERY, total), total)


def bills_with_entries(bills: list[Bill], *, actor) -> list[Bill]:
    """Saves new bills and their 应收 entry (−amount) each, through the ORM in bulk."""
    created = Bill.objects.bulk_create(bills, batch_size=PROGRESS_EVERY)
    LedgerEntry.objects.bulk_create(
        [
            entry(
                kind=LedgerKind.BILL,
                amount=-b.amount,
                house_id=b.house_id,
                community_id=b.community_id,
                actor=actor,
                bill=b,
            )
            for b in created
        ],
        batch_size=PROGRESS_EVERY,
    )
    return created
