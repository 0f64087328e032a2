"""Keeps the client address of the current request for the operation log."""

from __future__ import annotations

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
        token = current_ip.set(ip)
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
