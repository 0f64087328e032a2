"""The owner's open bills as the bills API answers them (every open bill with its late fee and
discount, the totals, the prepaid balance), with the computed part kept per house in the
process and reused only while a fingerprint read on every request still matches.

One query per request checks that the user lives in the house (the rule of owner_house),
reads what is shown fresh every time (the house's label, its prepaid balance) and the
fingerprint of everything the quote depends on:
- the number of the house's ledger entries: every bill, payment, discount, late fee, refund,
  reversal (a void) and prepaid or deposit movement writes one, and the ledger is
  append-only, so the count grows with each committed change whatever order the
  transactions commit in (a newest id would not: ids are taken before the commit);
- the number of late-fee waivers of the house's bills (never deleted either);
- the community's rules token (late-fee rule, discount rules, vacancy relief, fee item
  names: rules_cache), renewed in the transaction of every such change;
- the day: late fees grow daily and discount rules have dates.
The fingerprint is read before the bills, so a kept answer is at worst newer than its
fingerprint, which only makes the next request compute again.

When the fingerprint differs, the answer is computed from the house's open bills (one
query; the house's community and rules token came with the fingerprint).

The query is plain SQL built once from the models' tables and columns, with scalar
subqueries rather than joins: on the hot path the ORM's compiling and PostgreSQL's planning
of a five-table join cost several times the query's execution."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections import OrderedDict
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from wuyetong.core.db import prepared_cursor, row_converter
from wuyetong.core.exceptions import NotFound, PermissionDenied
from wuyetong.core.money import to_money
from wuyetong.estates.models import Building, House, Occupancy, Resident, Unit, house_label
from wuyetong.orgs.models import Community

from ..collect_models import LateFeeWaiver, RulesVersion
from ..locks import OPEN_STATES
from ..models import Bill, FeeItem, LedgerEntry, PrepaidBalance
from .quote import quote_build

MAX_HOUSES = 4096  # answers kept per process (a few KB each), least recently used dropped

_answers: OrderedDict[int, tuple[tuple, dict]] = OrderedDict()
_lock = threading.Lock()


@functools.cache
def _sql(vendor: str) -> str:
    q = connection.ops.quote_name

    def t(model) -> str:
        return q(model._meta.db_table)

    def c(model, name: str) -> str:
        return q(model._meta.get_field(name).column)

    h = t(House)
    return (
        f"SELECT h.{c(House, 'room_no')}, h.{c(House, 'community')},"
        f" (SELECT x.{c(Community, 'name')} FROM {t(Community)} x"
        f"  WHERE x.{c(Community, 'id')} = h.{c(House, 'community')}),"
        f" (SELECT x.{c(Building, 'name')} FROM {t(Building)} x"
        f"  WHERE x.{c(Building, 'id')} = h.{c(House, 'building')}),"
        f" (SELECT x.{c(Unit, 'name')} FROM {t(Unit)} x WHERE x.{c(Unit, 'id')} = h.{c(House, 'unit')}),"
        f" (SELECT x.{c(PrepaidBalance, 'balance')} FROM {t(PrepaidBalance)} x"
        f"  WHERE x.{c(PrepaidBalance, 'house')} = h.{c(House, 'id')}),"
        f" (SELECT x.{c(RulesVersion, 'token')} FROM {t(RulesVersion)} x"
        f"  WHERE x.{c(RulesVersion, 'community')} = h.{c(House, 'community')}),"
        f" (SELECT COUNT(*) FROM {t(LedgerEntry)} x"
        f"  WHERE x.{c(LedgerEntry, 'house')} = h.{c(House, 'id')}),"
        f" (SELECT COUNT(*) FROM {t(LateFeeWaiver)} x JOIN {t(Bill)} b"
        f"  ON b.{c(Bill, 'id')} = x.{c(LateFeeWaiver, 'bill')}"
        f"  WHERE b.{c(Bill, 'house')} = h.{c(House, 'id')})"
        f" FROM {h} h WHERE h.{c(House, 'id')} = %s AND EXISTS ("
        f"SELECT 1 FROM {t(Occupancy)} o JOIN {t(Resident)} r"
        f" ON r.{c(Resident, 'id')} = o.{c(Occupancy, 'resident')}"
        f" WHERE o.{c(Occupancy, 'house')} = h.{c(House, 'id')}"
        f" AND r.{c(Resident, 'user')} = %s AND o.{c(Occupancy, 'end_date')} IS NULL)"
    )


_BILL_FIELDS = tuple(Bill._meta.concrete_fields)
_BILL_NAMES = tuple(f.attname for f in _BILL_FIELDS)


@functools.cache
def _bills_sql(vendor: str) -> str:
    q = connection.ops.quote_name

    def c(model, name: str) -> str:
        return q(model._meta.get_field(name).column)

    states = ", ".join("%s" for _ in OPEN_STATES)
    return (
        f"SELECT {', '.join('b.' + c(Bill, f.name) for f in _BILL_FIELDS)},"
        f" f.{c(FeeItem, 'name')}, w.{c(LateFeeWaiver, 'id')}"
        f" FROM {q(Bill._meta.db_table)} b"
        f" JOIN {q(FeeItem._meta.db_table)} f ON f.{c(FeeItem, 'id')} = b.{c(Bill, 'fee_item')}"
        f" LEFT JOIN {q(LateFeeWaiver._meta.db_table)} w"
        f"  ON w.{c(LateFeeWaiver, 'bill')} = b.{c(Bill, 'id')}"
        f" WHERE b.{c(Bill, 'house')} = %s AND b.{c(Bill, 'state')} IN ({states})"
        f" ORDER BY b.{c(Bill, 'period_start')}, b.{c(Bill, 'id')}"
    )


def _compute(house_id: int, community_id: int, token: str | None, on: dt.date) -> dict:
    """The quote of the house's open bills, from one plain query for the bills.

    Access was checked by this request's fingerprint query, which also gave the community
    and its rules token: the house is made from those (its other fields deferred, read by
    Django if anything ever asks), as `select_related("community__billing_rules_version")`
    would have given it, so the quote reads the rules of the very token of the fingerprint.
    The bills come with their fee item's name and their late-fee waiver, as
    `select_related("fee_item", "late_fee_waiver")` would give them; quote_build computes
    exactly as for any other caller."""
    db = connection.alias
    community = Community.from_db(db, ("id",), (community_id,))
    version = (
        RulesVersion.from_db(db, ("community_id", "token"), (community_id, token))
        if token is not None
        else None
    )
    Community.billing_rules_version.related.set_cached_value(community, version)
    house = House.from_db(db, ("id", "community_id"), (house_id, community_id))
    House.community.field.set_cached_value(house, community)
    with prepared_cursor(connection) as cursor:
        cursor.execute(_bills_sql(connection.vendor), [house_id, *OPEN_STATES])
        rows = cursor.fetchall()
    n = len(_BILL_FIELDS)
    convert = row_converter(connection, _BILL_FIELDS)
    fee_items: dict[int, FeeItem] = {}
    bills = []
    for row in rows:
        bill = Bill.from_db(db, _BILL_NAMES, convert(row[:n]))
        fee_item = fee_items.get(bill.fee_item_id)
        if fee_item is None:
            fee_item = fee_items[bill.fee_item_id] = FeeItem.from_db(
                db, ("id", "name"), (bill.fee_item_id, row[n])
            )
        Bill.fee_item.field.set_cached_value(bill, fee_item)
        waiver = (
            LateFeeWaiver.from_db(db, ("id", "bill_id"), (row[n + 1], bill.pk))
            if row[n + 1] is not None
            else None
        )
        Bill.late_fee_waiver.related.set_cached_value(bill, waiver)
        bills.append(bill)
    return quote_build(house=house, bills=bills, on=on, all_open=True).as_dict()


def owner_bills(user, house_id) -> dict:
    """The answer of GET my/bills/ for one of the user's houses (NotFound for any other)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    if not isinstance(house_id, int) or isinstance(house_id, bool):
        raise NotFound()
    on = timezone.localdate()
    with prepared_cursor(connection) as cursor:
        cursor.execute(_sql(connection.vendor), [house_id, user.pk])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    room_no, community_id, community, building, unit, balance, token, entries, waivers = row
    fingerprint = (on, token or "", entries, waivers)
    with _lock:
        kept = _answers.get(house_id)
        if kept is not None:
            _answers.move_to_end(house_id)
    if kept is not None and kept[0] == fingerprint:
        quote = kept[1]
    else:
        quote = _compute(house_id, community_id, token, on)
        with _lock:
            _answers[house_id] = (fingerprint, quote)
            while len(_answers) > MAX_HOUSES:
                _answers.popitem(last=False)
    return {
        **quote,
        "house": house_label(community, building, unit, room_no),
        # SQLite hands a decimal column back as a number: made exact to the fen again
        "prepaid_balance": str(to_money(Decimal(str(balance))) if balance is not None else "0.00"),
    }


def forget() -> None:
    """Drops every kept answer (tests: a rolled-back database reuses ids and counts)."""
    with _lock:
        _answers.clear()
