"""Ids from user input (URL parts, form fields, query strings)."""

from __future__ import annotations

PK_MAX = 2**63 - 1  # the largest value a bigint key (SQLite, PostgreSQL) can hold


def parse_pk(value) -> int | None:
    """An id from user input, or None: text, negatives and numbers no database key can hold
    all mean "no such object" (a huge number would otherwise overflow in the driver: a 500)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    # ASCII digits only: int() would also read "١" or full-width "１" as numbers.
    if not (text.isascii() and text.isdigit()):
        return None
    pk = int(text)
    return pk if 0 < pk <= PK_MAX else None


def lookup_pk(value) -> int:
    """Like parse_pk for use inside `.filter(pk=...)`: a bad id becomes 0, which no row has."""
    return parse_pk(value) or 0
