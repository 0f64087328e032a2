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

When the fingerprint differs, the answer is computed from the house (with only its rules
token: access, label and balance came with the fingerprint) and its open bills.

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

from wuyetong.core.exceptions import NotFound, PermissionDenied
from wuyetong.core.money import to_money
from wuyetong.estates.models import Building, House, Occupancy, Resident, Unit, house_label
from wuyetong.orgs.models import Community

from ..collect_models import LateFeeWaiver, RulesVersion
from ..locks import OPEN_STATES
from ..models import Bill, LedgerEntry, PrepaidBalance
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
        f"SELECT h.{c(House, 'room_no')},"
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


def _compute(house_id: int, on: dt.date) -> dict:
    # access was checked by the fingerprint query of this request; the quote needs the house
    # with its community's rules token only (label and balance come from that query)
    house = House.objects.select_related("community__billing_rules_version").get(pk=house_id)
    bills = list(
        Bill.objects.filter(house=house, state__in=OPEN_STATES)
        .select_related("fee_item", "late_fee_waiver")
        .order_by("period_start", "id")
    )
    return quote_build(house=house, bills=bills, on=on, all_open=True).as_dict()


def owner_bills(user, house_id) -> dict:
    """The answer of GET my/bills/ for one of the user's houses (NotFound for any other)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    if not isinstance(house_id, int) or isinstance(house_id, bool):
        raise NotFound()
    on = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor), [house_id, user.pk])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    room_no, community, building, unit, balance, token, entries, waivers = row
    fingerprint = (on, token or "", entries, waivers)
    with _lock:
        kept = _answers.get(house_id)
        if kept is not None:
            _answers.move_to_end(house_id)
    if kept is not None and kept[0] == fingerprint:
        quote = kept[1]
    else:
        quote = _compute(house_id, on)
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
