"""Uploaded files that must stay private. In production the proxy serves /media/ without
asking Django, so a stored file gets an unguessable name, and pages hand it out only through a
view that has read its owner (a notice, a case) with the viewer's own selector."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from wuyetong.core.ids import lookup_pk


def unguessable_name(folder: str, filename: str) -> str:
    """`<folder>/<year>/<month>/<random hex><suffix>`: nothing of the upload's own name."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def open_stored(rows: QuerySet, pk, field: str):
    """(row, open file) for the row `pk` among `rows` (already scoped to the viewer); 404 for
    a malformed or unknown id, or a file missing from storage."""
    row = rows.filter(pk=lookup_pk(pk)).first()
    if row is None:
        raise Http404
    try:
        return row, getattr(row, field).open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
