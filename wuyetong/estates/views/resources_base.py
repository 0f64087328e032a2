"""The shared console list and form pages (web.pages) with the estates module's permissions."""

from __future__ import annotations

from wuyetong.web import pages
from wuyetong.web.pages import Col

__all__ = ["Col", "FormPage", "ListPage"]


class ListPage(pages.ListPage):
    permission = "estates.view"
    export_permission = "estates.export"
    create_permission = "estates.add"


class FormPage(pages.FormPage):
    permission = "estates.add"
