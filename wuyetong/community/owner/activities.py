"""社区活动 on the owner's phone: what is on in my communities, sign up, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wuyetong.core.exceptions import ApplicationError

from .. import selectors_life, services
from ..choices import ActivityState
from .common import owner_login_required


@require_GET
@owner_login_required
def activity_list(request):
    now = timezone.now()
    rows = selectors_life.owner_activities(request.user, now)
    upcoming = [r for r in rows if r["activity"].ends_at > now]
    return render(
        request,
        "community/owner/activity_list.html",
        {
            "upcoming": upcoming,
            "past": [r for r in rows if r not in upcoming][::-1],
            "now": now,
        },
    )


def _detail(request, pk, *, error: str = "", status: int = 200):
    data = selectors_life.owner_activity(request.user, pk)
    activity = data["activity"]
    now = timezone.now()
    return render(
        request,
        "community/owner/activity_detail.html",
        {
            **data,
            "now": now,
            "can_sign": activity.state == ActivityState.PUBLISHED
            and now < activity.signup_deadline
            and not data["signup"]
            and activity.places_left != 0,
            "can_cancel": bool(data["signup"]) and now < activity.starts_at,
            "party_choices": range(1, activity.max_party + 1),
            "error": error,
        },
        status=status,
    )


@require_GET
@owner_login_required
def activity_detail(request, pk):
    return _detail(request, pk)


@require_POST
@owner_login_required
def activity_signup(request, pk):
    activity = selectors_life.owner_activity(request.user, pk)["activity"]
    try:
        services.signup_create(
            user=request.user,
            activity_id=activity.pk,
            party_size=request.POST.get("party_size", "1"),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        return _detail(request, pk, error=exc.message, status=400)
    messages.success(request, _("报名成功"))
    return redirect("owner_community:activity_detail", pk=activity.pk)


@require_POST
@owner_login_required
def activity_signup_cancel(request, pk):
    activity = selectors_life.owner_activity(request.user, pk)["activity"]
    try:
        services.signup_cancel(user=request.user, activity_id=activity.pk)
    except ApplicationError as exc:
        return _detail(request, pk, error=exc.message, status=400)
    messages.success(request, _("已取消报名"))
    return redirect("owner_community:activity_detail", pk=activity.pk)
