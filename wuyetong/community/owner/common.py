"""Shared pieces of the owner pages."""

from __future__ import annotations

from wuyetong.owner.views import owner_login_required

__all__ = ["owner_login_required"]
