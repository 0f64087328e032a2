"""The roll of an owners' vote (表决名册), built when the vote is published.

The rule implemented (docs/adr/0006-owner-votes.md), from 民法典 第二百七十八条 and 最高人民法院
《关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》第八条、第九条:

- 专有部分面积 is each house's 建筑面积 as registered (House.building_area); the total area is
  the sum over every house of the community (第八条: 建筑物总面积按照前项的统计总和计算).
- 业主人数 counts one per house (一个专有部分按一人计算), except that an owner with several
  houses counts once (同一买受人拥有一个以上专有部分的，按一人计算) with the houses' areas
  summed; so houses connected through a common owner — the same resident record, the same
  login, or the same ID number — form one roll entry. A jointly owned house is one entry
  whose area counts once, and any one of its owners casts its single ballot.
- Houses with no recorded owner (unsold, or sold but not yet handed over: 建设单位尚未出售和
  虽已出售但尚未交付的部分) count together as one owner, the developer (建设单位); staff may
  record that entry's paper ballot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from wuyetong.estates.models import House, Occupancy


@dataclass
class RollEntry:
    area: Decimal = Decimal("0")
    house_ids: list[int] = field(default_factory=list)
    house_labels: list[str] = field(default_factory=list)
    resident_ids: list[int] = field(default_factory=list)
    owner_names: list[str] = field(default_factory=list)
    developer: bool = False


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _short(items: list[str], limit: int = 200) -> str:
    text = "、".join(items)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_roll(community_id: int) -> list[RollEntry]:
    """The roll entries of a community as of now, in building / room order."""
    houses = list(
        House.objects.filter(community_id=community_id)
        .order_by("building__sort", "building__name", "unit__name", "floor", "room_no", "pk")
        .values_list("pk", "building_area", "building__name", "unit__name", "room_no")
    )
    links = Occupancy.objects.filter(
        house__community_id=community_id, relation="owner", end_date__isnull=True
    ).values_list("house_id", "resident_id", "resident__user_id", "resident__id_card")
    names = dict(
        Occupancy.objects.filter(
            house__community_id=community_id, relation="owner", end_date__isnull=True
        ).values_list("resident_id", "resident__name")
    )
    uf = _UnionFind()
    owners_of: dict[int, list[int]] = defaultdict(list)
    for house_id, resident_id, user_id, id_card in links:
        owners_of[house_id].append(resident_id)
        uf.union(("h", house_id), ("r", resident_id))
        if user_id:
            uf.union(("r", resident_id), ("u", user_id))
        if id_card:
            uf.union(("r", resident_id), ("i", id_card.upper()))
    entries: dict = {}
    developer = RollEntry(developer=True)
    for pk, area, building, unit, room in houses:
        if owners_of.get(pk):
            entry = entries.setdefault(uf.find(("h", pk)), RollEntry())
        else:
            entry = developer
        entry.area += area
        entry.house_ids.append(pk)
        entry.house_labels.append(f"{building}{unit}{room}")
        for resident_id in owners_of.get(pk, ()):
            if resident_id not in entry.resident_ids:
                entry.resident_ids.append(resident_id)
                entry.owner_names.append(names[resident_id])
    roll = list(entries.values())
    if developer.house_ids:
        developer.owner_names = [_("建设单位（无在册业主的房屋）")]
        roll.append(developer)
    return roll


def roll_label(entry: RollEntry) -> str:
    return _short(entry.house_labels)


def roll_owner_names(entry: RollEntry) -> str:
    return _short(entry.owner_names)
