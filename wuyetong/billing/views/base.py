"""The shared console pages with the billing module's permissions, and small helpers."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.exceptions import PermissionDenied as AppPermissionDenied
from wuyetong.web import pages
from wuyetong.web.pages import Col

__all__ = ["Col", "FormPage", "ListPage", "raise_http", "url"]


class ListPage(pages.ListPage):
    permission = "billing.view"
    export_permission = "billing.export"
    create_permission = "billing.change"


class FormPage(pages.FormPage):
    permission = "billing.change"


def url(name: str, attr: str = "pk"):
    return lambda o: reverse(name, args=[getattr(o, attr)])


def raise_http(exc: ApplicationError) -> None:
    """A service's NotFound / PermissionDenied as the HTTP answer (404 / 403)."""
    from django.core.exceptions import PermissionDenied

    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if isinstance(exc, AppPermissionDenied):
        raise PermissionDenied(exc.message)


def house_text(house) -> str:
    return f"{house.building.name}{house.unit.name}{house.room_no}" if house else ""
