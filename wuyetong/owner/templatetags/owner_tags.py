"""The tab bar's unread counts, read once per request (two indexed counts)."""

from __future__ import annotations

from django import template

from wuyetong.notices import selectors as notices

register = template.Library()


@register.simple_tag(takes_context=True)
def owner_badges(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_owner_badges", None)
    if cached is None:
        cached = {
            "notices": notices.owner_notice_unread_count(user=user),
            "messages": notices.message_unread_count(user=user),
        }
        request._owner_badges = cached
    return cached
