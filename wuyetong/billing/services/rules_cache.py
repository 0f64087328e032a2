"""A community's late-fee rule, discount rules and vacancy relief, read once per change
and cached.

Every quote needs them (the owner's bills API above all) and they change a few times a
year. The cache key carries the community's RulesVersion token, renewed by `rules_changed`
in the transaction that changes a rule: readers that select the token along with the house
(owner_house) reach the rules with no query at all, and a change is seen by every process
as soon as it commits, whatever the cache backend. A fee item's new name renews the token of
its company's communities too: the owner's bills API keeps its answers, names included, under
the token (owner_bills)."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction

from ..choices import ReliefState
from ..models import DiscountRule, LateFeeRule, RulesVersion, VacancyRelief

TTL = 24 * 3600  # an entry of an old token just expires
MAX_KEPT = 1024  # communities' rules kept in the process, least recently used dropped


@dataclass(frozen=True)
class CommunityRules:
    late_fee: LateFeeRule | None
    discounts: tuple[DiscountRule, ...]  # active rules, whatever their dates
    relief_houses: frozenset[int]  # houses with an approved vacancy relief


# the entries this process read, by key: a quote reads them twice, the owner's bills API on
# every first read, and the shared cache (Redis) would be a round trip and an unpickling each
_kept: OrderedDict[str, CommunityRules] = OrderedDict()
_lock = threading.Lock()


def rules_changed(community_id: int) -> None:
    """Renews the community's token; call it inside the transaction that changes a rule."""
    token = uuid.uuid4().hex
    if RulesVersion.objects.filter(community_id=community_id).update(token=token):
        return
    try:
        with transaction.atomic():
            RulesVersion.objects.create(community_id=community_id, token=token)
    except IntegrityError:  # a concurrent first change made the row meanwhile
        RulesVersion.objects.filter(community_id=community_id).update(token=token)


def _token(house) -> str:
    community = house.community if "community" in house._state.fields_cache else None
    if community is not None and "billing_rules_version" in community._state.fields_cache:
        row = community._state.fields_cache["billing_rules_version"]
        return row.token if row is not None else ""
    return (
        RulesVersion.objects.filter(community_id=house.community_id)
        .values_list("token", flat=True)
        .first()
        or ""
    )


def community_rules(house) -> CommunityRules:
    """The rules of the house's community as of its current token: from the process's copy
    of the entry (a rule change makes a new key, so no copy ever needs dropping), else from
    the shared cache, else from the database."""
    key = f"billing:rules:{house.community_id}:{_token(house)}"
    with _lock:
        rules = _kept.get(key)
        if rules is not None:
            _kept.move_to_end(key)
            return rules
    rules = cache.get(key)
    if rules is None:
        rules = CommunityRules(
            late_fee=LateFeeRule.objects.filter(community_id=house.community_id).first(),
            discounts=tuple(
                DiscountRule.objects.filter(community_id=house.community_id, is_active=True)
            ),
            relief_houses=frozenset(
                VacancyRelief.objects.filter(
                    community_id=house.community_id, state=ReliefState.APPROVED
                ).values_list("house_id", flat=True)
            ),
        )
        cache.set(key, rules, TTL)
    with _lock:
        _kept[key] = rules
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return rules


def forget() -> None:
    """Drops the process's copies (tests: a rolled-back database reuses community ids)."""
    with _lock:
        _kept.clear()
