"""Guards and helpers shared by the organisation pages.

Order of refusal: not logged in → login page; wrong persona or missing permission → 403;
an object outside the caller's scope → 404 (it is looked up through a scoped queryset).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from wuyetong.core.access import Access, get_access
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.views import form_error_from

from ..models import Company


def _guard(allowed):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = get_access(request.user)
            if not allowed(access):
                raise PermissionDenied
            request.access = access
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_required(permission: str):
    """A member of a company holding `permission` (e.g. "org.add")."""
    return _guard(lambda a: a.company_id is not None and a.can(permission))


platform_required = _guard(lambda a: a.is_platform)
bureau_required = _guard(lambda a: a.is_bureau and not a.is_platform)


def oplog_reader(access: Access, action: str = "view") -> bool:
    return access.is_platform or (access.company_id is not None and access.can(f"oplog.{action}"))


def current_company(request) -> Company:
    company_id = request.access.company_id
    assert company_id is not None  # staff_required ran first
    return Company.objects.get(pk=company_id)


def run_service(request, form, call, success: str, redirect_to):
    """Call a service; success → message and redirect, ApplicationError → errors on the form
    (returns None so the caller re-renders the page)."""
    try:
        result = call()
    except ApplicationError as exc:
        form_error_from(form, exc)
        return None
    messages.success(request, success)
    if callable(redirect_to):
        redirect_to = redirect_to(result)
    return redirect(redirect_to)


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def require(request, permission: str) -> None:
    """Writes on a page need more than reading it: refuse with 403 when `permission` is missing."""
    if not request.access.can(permission):
        raise PermissionDenied
