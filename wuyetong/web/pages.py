"""Generic console pages: a dense list (filter + search + sort + paginate + Excel export) and a
form page that hands the cleaned data to a service. Pages declare what they show; every domain
app's console uses these so lists look and behave the same everywhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.access import get_access
from wuyetong.core.excel import xlsx_response
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.views import ModulePermissionMixin, form_error_from, htmx_template, paginate

EXPORT_LIMIT = 50000


@dataclass(frozen=True)
class Col:
    """A list column: `value(obj)` is shown and exported; `link(obj)` makes it a link;
    `tag(obj)` renders it as a coloured tag with that CSS class."""

    label: str | Promise
    value: Callable[[Any], Any]
    link: Callable[[Any], str] | None = None
    num: bool = False
    tag: Callable[[Any], str] | None = None
    export: bool = True
    screen: bool = True
    order: str = ""  # ORM field the header sorts by (click again for descending)


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, dt.datetime):  # stored in UTC; a clerk reads local time
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local:%Y-%m-%d %H:%M}"
    return str(value)


def _headers(request, cols: list[Col], order: str) -> list[dict]:
    """Column headers; sortable ones link to ascending, then descending, order."""
    base = querystring_without(request, "page", "export", "o")
    headers = []
    for c in cols:
        h = {"label": c.label, "num": c.num, "url": "", "dir": ""}
        if c.order:
            h["dir"] = "asc" if order == c.order else "desc" if order == f"-{c.order}" else ""
            target = f"-{c.order}" if h["dir"] == "asc" else c.order
            h["url"] = f"?{base}&o={target}" if base else f"?o={target}"
        headers.append(h)
    return headers


def querystring_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


class ListPage(ModulePermissionMixin, View):
    """A dense, filterable list. Subclasses set `title`, `selector`, `filterset_class`,
    `columns`, and optionally `create_url`, `create_permission`, `batch_form_class`."""

    # Subclasses name their module's permissions; "?" matches none, so a page that forgets to
    # name one refuses everybody instead of admitting every logged-in user.
    permission: str = "?"
    export_permission: str = "?"
    create_permission: str = "?"
    create_url: str = ""
    template_name = "console/list.html"
    title: str | Promise = ""
    selector: Callable[..., Any] | None = None
    filterset_class: Any = None
    columns: list[Col] = []
    per_page = 50
    batch_form_class: Any = None
    batch_url: str = ""
    extra_links: list[tuple[str | Promise, str, str]] = []  # (label, url name, permission)

    def get_columns(self) -> list[Col]:
        return self.columns

    def get_queryset(self):
        return type(self).selector(self.request.user)

    def filtered(self, params):
        """The filter set for `params` (a QueryDict or dict) and the rows it selects."""
        filterset = self.filterset_class(
            params or None, queryset=self.get_queryset(), request=self.request
        )
        queryset = filterset.qs if filterset.is_bound else filterset.queryset
        if filterset.is_bound and not filterset.is_valid():
            queryset = queryset.none()
        return filterset, queryset

    @classmethod
    def count_for(cls, request, params: dict) -> int | None:
        """How many rows this page shows `request.user` for `params`, or None when the user
        may not open it: a summary elsewhere (the workbench) then equals the list it links to."""
        page = cls()
        page.setup(request)
        if not request.user.is_authenticated:
            return None
        page.access = get_access(request.user)
        if not page.access.can(page.permission):
            return None
        return page.filtered(params)[1].count()

    def get(self, request, *args, **kwargs):
        filterset, queryset = self.filtered(request.GET)
        columns = self.get_columns()
        order = request.GET.get("o", "")
        # Exactly an allowed name, with at most one "-" ("--floor" would be a FieldError).
        if order.removeprefix("-") in {c.order for c in columns if c.order}:
            queryset = queryset.order_by(order, "pk")
        if request.GET.get("export") == "xlsx":
            if not self.export_allowed():
                raise PermissionDenied
            cols = [c for c in columns if c.export]
            rows = (
                [c.value(o) for c in cols]
                for o in queryset[:EXPORT_LIMIT].iterator(chunk_size=2000)
            )
            title = str(self.title)
            return xlsx_response(title, [str(c.label) for c in cols], rows, sheet_title=title)
        page = paginate(request, queryset, self.per_page)
        cols = [c for c in columns if c.screen]
        rows = [
            {
                "pk": obj.pk,
                "cells": [
                    {
                        "text": _text(c.value(obj)),
                        "url": c.link(obj) if c.link else "",
                        "num": c.num,
                        "tag": c.tag(obj) if c.tag else "",
                    }
                    for c in cols
                ],
            }
            for obj in page
        ]
        for field in filterset.form.fields.values():
            if field.widget.is_hidden:
                continue
            field.widget.attrs.setdefault("placeholder", field.label)
            field.widget.attrs.setdefault("aria-label", field.label)
        context = {
            "title": self.title,
            "filter": filterset,
            "columns": cols,
            "headers": _headers(request, cols, order),
            "rows": rows,
            "page": page,
            "query": querystring_without(request, "page", "export"),
            "filter_query": querystring_without(request, "page", "export", "o"),
            "can_export": self.export_allowed(),
            "create_url": self._create_url(filterset),
            "batch_form": self.batch_form_class()
            if self.batch_form_class and self.batch_allowed()
            else None,
            "batch_url": reverse(self.batch_url) if self.batch_url else "",
            "extra_links": [
                (label, reverse(name))
                for label, name, perm in self.extra_links
                if self.access.can(perm)
            ],
            **self.extra_context(),
        }
        # htmx (filter change, paging) gets just the list region (ARCHITECTURE habit 11).
        template = htmx_template(request, self.template_name, "console/_list_region.html")
        return render(request, template, context)

    def batch_allowed(self) -> bool:
        return False

    def export_allowed(self) -> bool:
        return self.access.can(self.export_permission)

    def _create_url(self, filterset) -> str:
        """新增 opens the form for the community being looked at, when there is one."""
        if not self.create_url or not self.access.can(self.create_permission):
            return ""
        url = reverse(self.create_url)
        community = (
            filterset.form.cleaned_data.get("community")
            if filterset.is_bound and filterset.is_valid()
            else None
        )
        pk = getattr(community, "pk", None)
        return f"{url}?community={pk}" if pk else url

    def extra_context(self) -> dict:
        return {}


class FormPage(ModulePermissionMixin, View):
    """Create or edit one object through a service. `get_object` (edit pages) must read
    through `for_user` so another company's object answers 404."""

    permission: str = "?"
    template_name = "console/form.html"
    form_class: Any = None
    title: str | Promise = ""
    cancel_url = ""
    success_message: str | Promise = _("已保存")

    def get_object(self):
        return None

    def get_form(self, data=None):
        return self.form_class(data, instance=self.object, user=self.request.user)

    def perform(self, form):  # returns the saved object
        raise NotImplementedError

    def success_url(self, obj) -> str:
        return reverse(self.cancel_url)

    def get_title(self) -> str | Promise:
        return self.title

    def context(self, form) -> dict:
        return {
            "form": form,
            "title": self.get_title(),
            "object": self.object,
            "cancel_url": self.get_cancel_url(),
        }

    def get_cancel_url(self) -> str:
        return reverse(self.cancel_url) if self.cancel_url else ""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return render(request, self.template_name, self.context(self.get_form()))

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                obj = self.perform(form)
            except ApplicationError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect(self.success_url(obj))
        return render(request, self.template_name, self.context(form), status=400)
