"""Reads for activities and neighbour help: staff lists scoped by `for_user`, and the
owner's views of their own communities."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.ids import lookup_pk

from .choices import ActivityState, SignupState
from .models import Activity, HelpPost, HelpReport, Signup
from .selectors import resident_communities

# Past activities stay on the owner's list this long (to see what they joined).
OWNER_HISTORY = dt.timedelta(days=30)


def activity_list(user, action: str = "view") -> QuerySet[Activity]:
    return (
        Activity.objects.for_user(user, action)
        .select_related("community")
        .order_by("-starts_at", "-pk")
    )


def activity_get(user, pk, action: str = "view") -> Activity:
    return get_object_or_404(activity_list(user, action), pk=lookup_pk(pk))


def activity_signups(activity: Activity) -> QuerySet[Signup]:
    """Active sign-ups first, in the order they came."""
    return (
        Signup.objects.filter(activity=activity)
        .select_related("house__building", "house__unit")
        .order_by("state", "created_at", "pk")
    )


def owner_activities(user, now: dt.datetime | None = None) -> list[dict]:
    """Published (or called-off) activities of the user's communities that have not long
    ended, each with the user's active sign-up."""
    now = now or timezone.now()
    activities = list(
        Activity.objects.filter(
            community_id__in=resident_communities(user),
            state__in=(ActivityState.PUBLISHED, ActivityState.CANCELLED),
            ends_at__gte=now - OWNER_HISTORY,
        )
        .select_related("community")
        .order_by("starts_at", "pk")
    )
    mine = {
        s.activity_id: s
        for s in Signup.objects.filter(activity__in=activities, user=user, state=SignupState.ACTIVE)
    }
    return [{"activity": a, "signup": mine.get(a.pk)} for a in activities]


def owner_activity(user, pk) -> dict:
    activity = get_object_or_404(
        Activity.objects.filter(
            community_id__in=resident_communities(user),
            state__in=(ActivityState.PUBLISHED, ActivityState.CANCELLED),
        ).select_related("community"),
        pk=lookup_pk(pk),
    )
    signup = Signup.objects.filter(activity=activity, user=user, state=SignupState.ACTIVE).first()
    return {"activity": activity, "signup": signup}


# ---------------------------------------------------------------- 邻里互助


def mask_name(name: str) -> str:
    """A neighbour's name as other residents see it: the surname, the rest starred."""
    name = (name or "").strip()
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else _("邻居")


def help_post_list(user, action: str = "view") -> QuerySet[HelpPost]:
    return (
        HelpPost.objects.for_user(user, action)
        .select_related("community", "author")
        .order_by("-open_reports", "-created_at", "-pk")
    )


def help_post_get(user, pk, action: str = "view") -> HelpPost:
    return get_object_or_404(help_post_list(user, action), pk=lookup_pk(pk))


def help_post_thread(post: HelpPost) -> dict:
    """Staff view of one post: every comment (hidden ones too), reports, history."""
    return {
        "comments": list(
            post.comments.select_related("author", "hidden_by").order_by("created_at", "pk")
        ),
        "reports": list(
            post.reports.select_related("reporter", "comment").order_by(
                "resolved_at", "-created_at", "-pk"
            )
        ),
        "history": list(
            post.moderations.select_related("actor", "comment").order_by("-created_at", "-pk")
        ),
    }


def owner_help_posts(user, *, kind: str = "", mine: bool = False) -> QuerySet[HelpPost]:
    """The feed of the user's communities: visible posts (and the user's own, hidden or not)."""
    qs = HelpPost.objects.filter(community_id__in=resident_communities(user)).select_related(
        "author", "community"
    )
    qs = qs.filter(author=user) if mine else qs.filter(Q(hidden=False) | Q(author=user))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("closed", "-created_at", "-pk")


def owner_help_post(user, pk) -> dict:
    post = get_object_or_404(owner_help_posts(user), pk=lookup_pk(pk))
    comments = list(
        post.comments.filter(Q(hidden=False) | Q(author=user))
        .select_related("author")
        .order_by("created_at", "pk")
    )
    reported = set(
        HelpReport.objects.filter(post=post, reporter=user).values_list("comment_id", flat=True)
    )
    return {"post": post, "comments": comments, "reported": reported}
