"""The scoping shared by every community-life model."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from wuyetong.core.access import Access
from wuyetong.core.models import CommunityScopedQuerySet


class CommunityLifeQuerySet(CommunityScopedQuerySet):
    """Staff reach rows of their company's communities within their data scope through the
    "community" module. A bureau official reads (never writes) the rows of the communities
    in the bureau's district when the model allows it (`bureau_reads`)."""

    permission_module = "community"
    bureau_reads = False

    def for_access(self, access: Access, action: str = "view") -> models.QuerySet:
        if (
            self.bureau_reads
            and access.is_authenticated
            and access.is_bureau
            and not access.is_staff_member
            and not access.is_platform
        ):
            # Bureau officials carry no role permissions: membership is their authority.
            if action != "view":
                return self.none()
            return self.filter(**{f"{self.community_field}_id__in": access.bureau_community_ids})
        return super().for_access(access, action)


DIAL_RE = re.compile(r"^\d(?:-?\d){2,19}$")


def validate_dial_number(value: str) -> None:
    """A number a phone can dial: 110, 0571-88001234, 13800001111 (digits, "-" between)."""
    if not DIAL_RE.match(value or ""):
        raise ValidationError(_("请输入正确的电话号码（数字，可含“-”）"), code="invalid_phone")
