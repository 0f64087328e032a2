"""Ids from user input (URL parts, form fields, query strings)."""

from __future__ import annotations

PK_MAX = 2**63 - 1  # the largest value a bigint key (SQLite, PostgreSQL) can hold


def parse_pk(value) -> int | None:
    """An id from user input, or None: text, negatives and numbers no database key can hold
    all mean "no such object" (a huge number would otherwise overflow in the driver: a 500)."""
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= PK_MAX else None


def lookup_pk(value) -> int:
    """Like parse_pk for use inside `.filter(pk=...)`: a bad id becomes 0, which no row has."""
    return parse_pk(value) or 0
