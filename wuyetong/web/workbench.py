"""The staff workbench's to-do tiles. Each tile is a filtered console list: its number is
counted by that list page itself (ListPage.count_for), so the tile and the list it opens
always agree, and a tile the user may not open is not shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import NoReverseMatch, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Tile:
    label: str | Promise
    url_name: str
    params: dict = field(default_factory=dict)
    tone: str = ""  # "warn": a non-zero count needs attention


GROUPS: list[tuple[str | Promise, list[Tile]]] = [
    (
        _("报修投诉"),
        [
            Tile(_("待派单"), "servicedesk:case_list", {"view": "pool"}, "warn"),
            Tile(_("超时未办结"), "servicedesk:case_list", {"view": "overdue_open"}, "warn"),
            Tile(_("未办结"), "servicedesk:case_list", {"view": "open"}),
            Tile(_("我的未办结"), "servicedesk:case_list", {"view": "mine_open"}),
        ],
    ),
    (
        _("收费"),
        [
            Tile(_("待审批退款"), "billing:refund_list", {"state": "pending"}, "warn"),
            Tile(_("待审核发票"), "billing:invoice_list", {"state": "requested"}, "warn"),
            Tile(_("待开票"), "billing:invoice_list", {"state": "approved"}),
        ],
    ),
    (
        _("社区"),
        [
            Tile(_("待处理举报"), "community:help_list", {"status": "reported"}, "warn"),
            Tile(_("进行中的表决"), "community:vote_list", {"state": "open"}),
        ],
    ),
]


def _count(request, tile: Tile) -> tuple[str, int | None]:
    try:
        path = reverse(tile.url_name)
    except NoReverseMatch:  # that module's page is not installed
        return "", None
    page = getattr(resolve(path).func, "view_class", None)
    counter = getattr(page, "count_for", None)
    if counter is None:
        return "", None
    return f"{path}?{urlencode(tile.params)}", counter(request, tile.params)


def workbench_groups(request) -> list[dict]:
    """[{label, tiles: [{label, count, url, tone}]}] for the tiles this user may open."""
    groups = []
    for label, tiles in GROUPS:
        shown = []
        for tile in tiles:
            url, count = _count(request, tile)
            if count is not None:
                shown.append({"label": tile.label, "count": count, "url": url, "tone": tile.tone})
        if shown:
            groups.append({"label": label, "tiles": shown})
    return groups
