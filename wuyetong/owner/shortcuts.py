"""The home screen's shortcut tiles. Each links to a module's owner page by URL name; a
module that is not installed (or not built yet) simply has no tile, instead of an error."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# 24×24 stroke icons, drawn for this app.
ICONS = {
    "repair": "M14.5 6.5a4 4 0 0 0-5.3 5.3L4 17l3 3 5.2-5.2a4 4 0 0 0 5.3-5.3l-2.5 2.5-2.5-.5-.5-2.5z",
    "complaint": "M4 5h16v11H9l-5 4zM8 10h8",
    "pay": "M3 6h18v12H3zM3 10h18M7 15h4",
    "notice": "M4 10v4h3l6 4V6L7 10zM17 9a4 4 0 0 1 0 6",
    "help": "M8 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM16 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM2 20c.5-3.5 3-5 6-5s5.5 1.5 6 5M14 15.3c.6-.2 1.3-.3 2-.3 3 0 5.5 1.5 6 5",
    "vote": "M5 4h14v16H5zM9 9l2 2 4-4M9 15h6",
    "event": "M4 6h16v14H4zM4 10h16M8 3v5M16 3v5",
    "sos": "M12 3l9 16H3zM12 9v5M12 16.5v.5",
}


Target = str | tuple[str, tuple]  # a URL name, or a URL name with its arguments


@dataclass(frozen=True)
class Shortcut:
    label: str | Promise
    icon: str
    url_names: tuple[Target, ...]  # the first that exists is used
    tone: str = ""


# The home's summary cards and tiles link to these when the modules have them.
BILLS: tuple[Target, ...] = ("owner_billing:bill_list",)

SHORTCUTS = [
    Shortcut(
        _("报修"),
        "repair",
        ("owner_servicedesk:repair_create", ("owner_servicedesk:report", ("repair",))),
        "blue",
    ),
    Shortcut(
        _("投诉"),
        "complaint",
        ("owner_servicedesk:complaint_create", ("owner_servicedesk:report", ("complaint",))),
        "orange",
    ),
    Shortcut(_("缴费"), "pay", BILLS, "green"),
    Shortcut(_("通知"), "notice", ("owner_notices:notice_list",), "purple"),
    Shortcut(_("邻里互助"), "help", ("owner_community:help_list",), "teal"),
    Shortcut(
        _("问卷投票"),
        "vote",
        ("owner_community:vote_list", "owner_community:survey_list"),
        "blue",
    ),
    Shortcut(_("活动"), "event", ("owner_community:activity_list",), "orange"),
    Shortcut(_("一键救助"), "sos", ("owner_community:emergency",), "red"),
]
CASES = ("owner_servicedesk:case_list", "owner_servicedesk:cases")
CASE = ("owner_servicedesk:case_detail", "owner_servicedesk:case")


def first_url(targets: tuple[Target, ...], *args) -> str:
    """The address of the first target that exists, or "". `args` go to plain names."""
    for target in targets:
        name, target_args = (target, args) if isinstance(target, str) else target
        try:
            return reverse(name, args=target_args)
        except NoReverseMatch:
            continue
    return ""


def home_shortcuts() -> list[dict]:
    tiles = []
    for s in SHORTCUTS:
        url = first_url(s.url_names)
        if url:
            tiles.append({"label": s.label, "url": url, "path": ICONS[s.icon], "tone": s.tone})
    return tiles
