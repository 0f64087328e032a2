"""Filters shared by every app's FilterSets."""

from __future__ import annotations

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _

from .ids import PK_MAX


class IdField(forms.IntegerField):
    """An id typed into a query string: a whole number a database key can hold."""

    default_error_messages = {"invalid": _("请输入有效的ID")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", PK_MAX)
        super().__init__(*args, **kwargs)


class IdFilter(df.NumberFilter):
    """Filter by an id (`?house=12`). A value outside 1..PK_MAX is invalid input, handled
    like any other invalid filter (the web list shows no rows, the API answers 400), instead
    of reaching the database driver and overflowing (a 500)."""

    field_class = IdField
