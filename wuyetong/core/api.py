"""API base pieces: pagination, the one error format, permission classes."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .access import get_access
from .exceptions import ApplicationError


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _error_body(code: str, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or {}}


def exception_handler(exc, context):
    """Every API error answers {"code", "message", "errors": {field: [..]}}."""
    if isinstance(exc, ApplicationError):
        return Response(_error_body(exc.code, exc.message, exc.errors), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        first = next(iter(errors.values()))[0] if errors else _("输入有误")
        return Response(_error_body("invalid", first, errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("对象不存在"))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        errors = {
            k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
        }
        first_field, first_msgs = next(iter(errors.items()), ("", [_("输入有误")]))
        message = (
            first_msgs[0]
            if first_field in ("non_field_errors", "")
            else f"{first_field}: {first_msgs[0]}"
        )
        response.data = _error_body("invalid", message, errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        response.data = _error_body(code, str(detail))
    return response


class HasModulePermission(permissions.BasePermission):
    """View declares `permission_module`; safe methods need `.view`, writes the view's
    `write_action` (default: add for POST, change for PUT/PATCH, delete for DELETE)."""

    method_actions = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}

    def has_permission(self, request, view):
        module = getattr(view, "permission_module", None)
        if not module:
            return True
        action = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if action is None:
            action = (
                "view"
                if request.method in permissions.SAFE_METHODS
                else self.method_actions.get(request.method, "change")
            )
        return get_access(request.user).can(f"{module}.{action}")
