"""Who may see what. `Access` is computed once per request by the resolver named in
settings.WUYETONG_ACCESS_RESOLVER (orgs owns the data it reads; core stays domain-free)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

# Modules and actions of the role permission matrix (C1).
ACTIONS = ("view", "add", "change", "delete", "approve", "export")
PLATFORM_TENANT_ACTIONS = (".view", ".export")


@dataclass(frozen=True)
class Access:
    """Everything a request may reach. `community_ids is None` means the whole company."""

    user_id: int | None = None
    is_platform: bool = False
    company_id: int | None = None
    employee_id: int | None = None
    permissions: frozenset[str] = frozenset()
    community_ids: frozenset[int] | None = frozenset()
    org_unit_ids: frozenset[int] | None = frozenset()
    bureau_id: int | None = None
    bureau_community_ids: frozenset[int] = frozenset()
    merchant_ids: frozenset[int] = frozenset()
    house_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_staff_member(self) -> bool:
        return self.company_id is not None

    @property
    def is_bureau(self) -> bool:
        return self.bureau_id is not None

    @property
    def is_merchant(self) -> bool:
        return bool(self.merchant_ids)

    @property
    def is_owner(self) -> bool:
        return bool(self.house_ids)

    def can(self, perm: str) -> bool:
        if self.is_platform:
            # The platform reads tenant data (support, oversight) but never changes it: its own
            # actions (approvals, grants) go through platform services, not tenant modules.
            return perm.endswith(PLATFORM_TENANT_ACTIONS)
        return perm in self.permissions

    def sees_community(self, community_id: int) -> bool:
        if self.company_id is None:
            return False
        return self.community_ids is None or community_id in self.community_ids


ANONYMOUS = Access()


@cache
def _resolver():
    return import_string(settings.WUYETONG_ACCESS_RESOLVER)


def get_access(user) -> Access:
    """The user's Access, cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_wuyetong_access", None)
    if cached is None:
        cached = _resolver()(user)
        user._wuyetong_access = cached
    return cached


def reset_access(user) -> None:
    if hasattr(user, "_wuyetong_access"):
        del user._wuyetong_access
