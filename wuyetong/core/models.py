"""Abstract bases only: core holds no concrete models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .access import Access, get_access


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class ScopedQuerySet(models.QuerySet):
    """Tenant data is reached only through `for_user` (ARCHITECTURE habit 3).

    A model's queryset implements `scope(access)`; `for_user` adds the permission check:
    without `<module>.<action>` the user sees nothing.
    """

    permission_module: str = ""

    def scope(self, access: Access) -> models.QuerySet:  # pragma: no cover - abstract
        raise NotImplementedError

    def for_user(self, user, action: str = "view") -> models.QuerySet:
        access = get_access(user)
        return self.for_access(access, action)

    def for_access(self, access: Access, action: str = "view") -> models.QuerySet:
        if not access.is_authenticated:
            return self.none()
        if (
            action
            and self.permission_module
            and not access.can(f"{self.permission_module}.{action}")
        ):
            return self.none()
        if access.is_platform:
            return self.all() if action in ("", "view", "export") else self.none()
        return self.scope(access)


class CommunityScopedQuerySet(ScopedQuerySet):
    """Rows that belong to a community: staff see their company's communities within their
    data scope; owners reach their own rows through selectors, never through this."""

    permission_module = "estates"
    community_field = "community"

    def scope(self, access: Access) -> models.QuerySet:
        if access.company_id is None:
            return self.none()
        qs = self.filter(**{f"{self.community_field}__company_id": access.company_id})
        if access.community_ids is not None:
            qs = qs.filter(**{f"{self.community_field}_id__in": access.community_ids})
        return qs
