"""Web view helpers shared by every console page."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form

from .access import get_access
from .exceptions import ApplicationError


class ModulePermissionMixin(LoginRequiredMixin):
    """Requires login and `permission` (e.g. "estates.view"); refuses with 403 otherwise."""

    permission: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.access = get_access(request.user)
        if self.permission and not self.access.can(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def form_error_from(form: Form, exc: ApplicationError) -> None:
    """Show a service's ApplicationError on the form field it names (or the whole form)."""
    if exc.errors:
        for field, messages in exc.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, exc.message)


def paginate(request, queryset, per_page: int = 50):
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def htmx_template(request, full: str, fragment: str) -> str:
    """Full page normally, just the fragment for htmx requests (habit 11)."""
    return fragment if getattr(request, "htmx", False) and not request.htmx.boosted else full
