"""Reads of accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import User


def users_by_email(email: str) -> QuerySet[User]:
    """Active users registered with this e-mail (case-insensitive); usually one."""
    return User.objects.filter(email__iexact=(email or "").strip(), is_active=True)


def user_by_id(pk: int) -> User | None:
    if not 0 < pk <= 2**63 - 1:  # beyond any key: the driver would overflow
        return None
    return User.objects.filter(pk=pk, is_active=True).first()
