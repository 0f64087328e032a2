"""Checks shared by the community-life services: the actor's reach into a community, and
the owner side's "which of my communities may I act in"."""

from __future__ import annotations

from django.utils.translation import gettext as _

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied

# Validation, logging and uniqueness helpers are the same as the resource services'.
from wuyetong.estates.services.resources_common import (  # noqa: F401  (re-exported)
    apply_data,
    create_logged,
    save_logged,
    save_unique,
    validate_fields,
)
from wuyetong.orgs.models import Community


def require_staff(actor, action: str) -> None:
    """The actor is company staff holding `community.<action>`."""
    access = get_access(actor)
    if access.company_id is None or not access.can(f"community.{action}"):
        raise PermissionDenied()


def require_community(actor, community: Community | None, action: str) -> Community:
    """`community` is one the actor may `action` in (module "community"); others look absent."""
    require_staff(actor, action)
    access = get_access(actor)
    if (
        community is None
        or community.company_id != access.company_id
        or not access.sees_community(community.pk)
    ):
        raise ApplicationError(_("小区不存在或无权操作"), field="community", code="not_found")
    return community


def require_in_scope(actor, obj, action: str, *, label: str):
    """`obj` (a row with a community) is reachable by the actor for `action`, or 404."""
    require_staff(actor, action)
    manager = type(obj)._default_manager
    if not manager.for_user(actor, action).filter(pk=obj.pk).exists():
        raise NotFound(_("%(label)s不存在或无权操作") % {"label": label})
    return obj
