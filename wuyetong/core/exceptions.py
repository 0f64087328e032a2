"""The one error type of the domain layer (ARCHITECTURE habit 10)."""

from __future__ import annotations

from django.utils.translation import gettext as _


class ApplicationError(Exception):
    """A business rule refused an action. `message` is shown to the user (Chinese)."""

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.errors = errors or ({field: [message]} if field else {})


class NotFound(ApplicationError):
    """The object does not exist for this user (another tenant's objects look absent)."""

    status_code = 404

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(
            _("对象不存在") if message is None else message, code="not_found", **kwargs
        )


class PermissionDenied(ApplicationError):
    status_code = 403

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(
            _("没有权限执行此操作") if message is None else message,
            code="permission_denied",
            **kwargs,
        )
