"""The shared console pages (web.pages) with the "community" module's permissions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import parse_pk
from wuyetong.web import pages
from wuyetong.web.pages import Col

__all__ = ["Col", "CreatePage", "EditPage", "FormPage", "ListPage", "run_action"]


class ListPage(pages.ListPage):
    template_name = "community/list.html"  # the console list with this app's tag colours
    permission = "community.view"
    export_permission = "community.export"
    create_permission = "community.add"


class FormPage(pages.FormPage):
    permission = "community.add"


class CreatePage(FormPage):
    """A create form that starts on the community the clerk was looking at (?community=)."""

    def get_form(self, data=None):
        return self.form_class(
            data,
            user=self.request.user,
            community_id=parse_pk(self.request.GET.get("community", "")),
        )


class EditPage(FormPage):
    """Edit one object fetched through `getter(user, pk, "change")` (404 outside the
    user's reach) with `update(actor=…, <obj_kw>=obj, **data)`; back to `detail_url`."""

    permission = "community.change"
    getter: Any = None
    update: Any = None
    obj_kw = ""
    detail_url = ""
    title_format: Any = ""

    def get_object(self):
        return type(self).getter(self.request.user, self.kwargs["pk"], "change")

    def get_title(self):
        return str(self.title_format) % {"name": self.object}

    def get_cancel_url(self):
        return reverse(self.detail_url, args=[self.object.pk])

    def perform(self, form):
        return type(self).update(
            actor=self.request.user, **{self.obj_kw: self.object}, **form.service_data()
        )

    def success_url(self, obj):
        return self.get_cancel_url()


def url_of(name: str):
    return lambda o: reverse(name, args=[o.pk])


def run_action(request, call, *, success, back: str, form=None, done=None):
    """Run a service from a small action form (end a seat, hide a post …). Success → the
    `success` message (a string, or a function of the service's result) and a redirect to
    `done(result)` or `back`; a refusal → its reason as an error message, nothing changed."""
    if form is not None and not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, first)
        return redirect(back)
    try:
        result = call(**(form.cleaned_data if form is not None else {}))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, success(result) if callable(success) else success)
    return redirect(done(result) if done else back)
