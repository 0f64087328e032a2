"""Shared pieces of the resource services: validation that names the field, scope checks,
and create/update with an operation-log entry."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, PermissionDenied
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import diff, oplog_record, snapshot

from ..models import (
    Occupancy,
    Resident,
)

M = TypeVar("M", bound=models.Model)

# Fields a staff member may change through `<entity>_update`; anything else is refused.
COMMUNITY_FIELDS = (
    "name",
    "code",
    "district",
    "address",
    "total_area",
    "introduction",
    "service_phone",
)
BUILDING_FIELDS = ("name", "floors", "sort")
UNIT_FIELDS = ("name",)
HOUSE_FIELDS = (
    "room_no",
    "floor",
    "use",
    "building_area",
    "inner_area",
    "fee_coefficient",
    "state",
    "handover_date",
    "notes",
)
SHOP_FIELDS = ("code", "name", "building_area", "state", "tenant_name", "tenant_phone")
LOT_FIELDS = ("name", "underground")
SPACE_FIELDS = ("code", "area", "state", "house", "rent_until")
VEHICLE_FIELDS = ("plate", "house", "resident", "space", "brand", "color")
VENUE_FIELDS = ("name", "location", "capacity", "area")
ADSPACE_FIELDS = ("code", "location", "size", "rented_to", "rent_until")
RESIDENT_FIELDS = ("name", "phone", "id_card", "gender", "notes")


# ---------------------------------------------------------------- helpers


def error_from(exc: ValidationError) -> ApplicationError:
    errors: dict[str, list[str]] = (
        {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        if hasattr(exc, "error_dict")
        else {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}
    )
    field, messages = next(iter(errors.items()))
    return ApplicationError(
        messages[0], field=None if field == NON_FIELD_ERRORS else field, errors=errors
    )


def validate_fields(obj: models.Model) -> None:
    """Field validation (types, lengths, choices, validators). Uniqueness is checked by the
    callers with messages that name the field a clerk has to change."""
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise error_from(exc) from None


def ensure_unique(qs: models.QuerySet, obj: models.Model, field: str, message: str) -> None:
    if qs.exclude(pk=obj.pk).exists():
        raise ApplicationError(message, field=field, code="duplicate")


def ensure_in_scope(
    actor, obj: models.Model | None, action: str, *, field: str, label: str
) -> None:
    """The related object must be one the actor may `action`; others look absent."""
    if obj is None:
        return
    scoped: Any = type(obj)._default_manager  # each scoped model has one manager, with for_user
    if not scoped.for_user(actor, action).filter(pk=obj.pk).exists():
        raise ApplicationError(
            _("%(label)s不存在或无权操作") % {"label": label}, field=field, code="not_found"
        )


def require_perm(actor, perm: str) -> None:
    if not get_access(actor).can(perm):
        raise PermissionDenied()


def apply_data(obj: models.Model, data: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApplicationError(
            _("不能修改字段：%(fields)s") % {"fields": ", ".join(unknown)}, field=unknown[0]
        )
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(obj, name, value)


def save_unique(obj: M, *, field: str | None = None) -> M:
    """Save, turning a unique-key race lost to a concurrent request into a clear message
    instead of a 500. The checks before a save catch the usual duplicates; this catches two
    clerks saving the same thing at the same moment."""
    try:
        with transaction.atomic():
            obj.save()
            return obj
    except IntegrityError:
        raise ApplicationError(
            _("保存冲突：同样的记录刚被他人保存，请刷新后重试"), field=field, code="conflict"
        ) from None


def create_logged(actor, obj: M, *, company=None) -> M:
    validate_fields(obj)
    save_unique(obj)
    oplog_record(
        actor=actor,
        action=OpAction.CREATE,
        obj=obj,
        changes=snapshot(obj),
        company=company if company is not None else company_id_of(obj),
    )
    return obj


def save_logged(actor, obj: M, before: dict, *, note: str = "") -> M:
    validate_fields(obj)
    save_unique(obj)
    changes = diff(before, snapshot(obj))
    if changes:
        oplog_record(
            actor=actor,
            action=OpAction.UPDATE,
            obj=obj,
            changes=changes,
            company=company_id_of(obj),
            note=note,
        )
    return obj


def company_id_of(obj) -> int | None:
    if isinstance(obj, Community):
        return obj.company_id
    if isinstance(obj, Resident):
        return obj.company_id
    if isinstance(obj, Occupancy):
        return obj.resident.company_id
    community = getattr(obj, "community", None)
    return community.company_id if community is not None else None


def ensure_same_community(obj, community_id: int, *, field: str, label: str) -> None:
    if obj is not None and obj.community_id != community_id:
        raise ApplicationError(_("%(label)s不属于本小区") % {"label": label}, field=field)
