"""一键救助: the numbers a community's owners can call with one tap, set up by staff."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import oplog_record, snapshot

from ..choices import EmergencyKind
from ..models import EmergencyContact
from ._common import apply_data, create_logged, require_community, require_in_scope, save_logged

CONTACT_FIELDS = ("name", "phone", "kind", "note", "sort")


def _unique_name(contact: EmergencyContact) -> None:
    same = EmergencyContact.objects.filter(community_id=contact.community_id, name=contact.name)
    if same.exclude(pk=contact.pk).exists():
        raise ApplicationError(
            _("本小区已有名为“%(name)s”的救助电话") % {"name": contact.name}, field="name"
        )


@transaction.atomic
def emergency_contact_create(
    *,
    actor,
    community: Community,
    name: str,
    phone: str,
    kind: str = EmergencyKind.OTHER,
    note: str = "",
    sort: int = 0,
) -> EmergencyContact:
    require_community(actor, community, "add")
    contact = EmergencyContact(community=community)
    apply_data(
        contact,
        {"name": name, "phone": phone, "kind": kind, "note": note, "sort": sort},
        CONTACT_FIELDS,
    )
    _unique_name(contact)
    return create_logged(actor, contact)


@transaction.atomic
def emergency_contact_update(*, actor, contact: EmergencyContact, **data) -> EmergencyContact:
    require_in_scope(actor, contact, "change", label=_("救助电话"))
    before = snapshot(contact)
    apply_data(contact, data, CONTACT_FIELDS)
    _unique_name(contact)
    return save_logged(actor, contact, before)


@transaction.atomic
def emergency_contact_delete(*, actor, contact: EmergencyContact) -> None:
    """Configuration, not a record: a number no longer in use is removed (and logged)."""
    require_in_scope(actor, contact, "delete", label=_("救助电话"))
    oplog_record(
        actor=actor,
        action=OpAction.DELETE,
        obj=contact,
        changes=snapshot(contact),
        company=contact.community.company_id,
    )
    contact.delete()


def default_contacts(community: Community) -> list[dict]:
    """The numbers every community needs: its duty desk and the national emergency lines."""
    rows = [
        {"name": _("匪警"), "phone": "110", "kind": EmergencyKind.POLICE, "sort": 20},
        {"name": _("火警"), "phone": "119", "kind": EmergencyKind.FIRE, "sort": 30},
        {"name": _("急救中心"), "phone": "120", "kind": EmergencyKind.AMBULANCE, "sort": 40},
    ]
    if community.service_phone:
        rows.insert(
            0,
            {
                "name": _("物业值班"),
                "phone": community.service_phone,
                "kind": EmergencyKind.PROPERTY,
                "note": _("24小时值班"),
                "sort": 10,
            },
        )
    return rows


@transaction.atomic
def emergency_defaults_create(*, actor, community: Community) -> int:
    """Adds the default numbers the community does not have yet (by name); returns how many."""
    require_community(actor, community, "add")
    have = set(EmergencyContact.objects.filter(community=community).values_list("name", flat=True))
    added = 0
    for row in default_contacts(community):
        if row["name"] in have:
            continue
        emergency_contact_create(actor=actor, community=community, **row)
        added += 1
    return added
