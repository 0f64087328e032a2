"""The operation log (操作日志): every organisation change records who, when, what and which
fields changed. Other apps call `oplog_record` from their own services."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.middleware import current_ip

from ..models import Company, OperationLog

# `company` is a column of the log entry itself; the rest would only add noise.
LOGGED_SKIP = {"created_at", "updated_at", "password", "path", "last_login", "company"}


def _plain(value):
    if isinstance(value, (Decimal, date, datetime)):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict:
    """Field values worth logging, keyed by field name; related rows by their name, so the
    log stays readable after they are renamed or removed."""
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in LOGGED_SKIP or f.primary_key:
            continue
        if f.is_relation:
            data[f.name] = (
                str(getattr(obj, f.name)) if getattr(obj, f.attname) is not None else None
            )
        else:
            data[f.name] = _plain(getattr(obj, f.attname))
    return data


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def oplog_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    changes: dict | None = None,
    company: Company | int | None = None,
    note: str = "",
) -> OperationLog:
    company_id = company.pk if isinstance(company, Company) else company
    if company_id is None:
        company_id = getattr(obj, "company_id", None)
    return OperationLog.objects.create(
        company_id=company_id,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
        note=(note or "")[:200],
        ip=current_ip.get(),
    )


@contextmanager
def refuse_duplicates(message: str, field: str):
    """Turns a unique-key collision (a concurrent request won the race after our check) into
    the same refusal the check would have given, instead of a 500."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise ApplicationError(message, field=field) from exc
