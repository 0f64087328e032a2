"""How an operation-log entry reads on screen and in exports: fields by their Chinese names,
choices by their labels, permission lists as +added / −removed."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .choices import OpAction
from .permissions import ROLE_TEMPLATES, permission_label

PAIR_ACTIONS = {OpAction.UPDATE, OpAction.APPROVE, OpAction.REJECT, OpAction.GRANT}


def _field(model, name: str):
    try:
        return model._meta.get_field(name) if model else None
    except Exception:  # a field removed since the entry was written keeps its code name
        return None


def _show(field, value) -> str:
    if value in (None, "", [], {}):
        return "—"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.name == "template" and value in ROLE_TEMPLATES:
        return str(ROLE_TEMPLATES[value]["name"])
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        if all(isinstance(v, str) and "." in v for v in value):  # permission codes
            return _("%(n)s项权限") % {"n": len(value)}
        return "、".join(str(v) for v in value)
    return str(value)


def _list_change(old, new) -> str:
    old, new = set(old or []), set(new or [])
    label = permission_label if all("." in v for v in old | new) else str
    parts = [f"+{label(v)}" for v in sorted(new - old)] + [
        f"−{label(v)}" for v in sorted(old - new)
    ]
    return " ".join(parts) or "—"


def format_changes(changes: dict, model=None, action: str = OpAction.UPDATE) -> str:
    """ "名称: 旧 → 新；…" with the fields' Chinese names and choice labels."""
    parts = []
    for name, value in (changes or {}).items():
        field = _field(model, name)
        label = (
            str(field.verbose_name)
            if field is not None
            else {"roles": _("角色"), "phone": _("手机号"), "members": _("人员")}.get(name, name)
        )
        if action in PAIR_ACTIONS and isinstance(value, list) and len(value) == 2:
            old, new = value
            if isinstance(old, list) or isinstance(new, list):
                parts.append(f"{label}: {_list_change(old, new)}")
            else:
                parts.append(f"{label}: {_show(field, old)} → {_show(field, new)}")
        elif value not in (None, "", [], {}):
            parts.append(f"{label}: {_show(field, value)}")
    return "；".join(parts)
