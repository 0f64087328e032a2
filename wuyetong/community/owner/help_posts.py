"""邻里互助 on the owner's phone: the feed of my community, post, comment, report, and see
why staff hid something of mine."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wuyetong.core.exceptions import ApplicationError
from wuyetong.orgs.models import Community

from .. import selectors, selectors_life, services
from ..choices import HelpKind, ReportReason
from .common import owner_login_required


def _shown(author, user) -> str:
    return _("我") if author.pk == user.pk else selectors_life.mask_name(author.name)


@require_GET
@owner_login_required
def help_list(request):
    kind = request.GET.get("kind", "")
    mine = kind == "mine"
    if kind not in HelpKind.values:
        kind = ""
    posts = selectors_life.owner_help_posts(request.user, kind=kind, mine=mine)
    page = Paginator(posts, 20).get_page(request.GET.get("page"))
    for post in page:
        post.author_shown = _shown(post.author, request.user)
    return render(
        request,
        "community/owner/help_list.html",
        {
            "page": page,
            "kind": "mine" if mine else kind,
            "kinds": HelpKind.choices,
            "lives_somewhere": bool(selectors.resident_communities(request.user)),
        },
    )


@require_http_methods(["GET", "POST"])
@owner_login_required
def help_new(request):
    communities = list(
        Community.objects.filter(pk__in=selectors.resident_communities(request.user)).order_by(
            "name"
        )
    )
    error, field, status = "", "", 200
    if request.method == "POST":
        try:
            post = services.help_post_create(
                user=request.user,
                community_id=request.POST.get("community"),
                kind=request.POST.get("kind", ""),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                contact=request.POST.get("contact", ""),
            )
        except ApplicationError as exc:
            error, field, status = exc.message, exc.field or "", 400
        else:
            messages.success(request, _("发布成功"))
            return redirect("owner_community:help_detail", pk=post.pk)
    return render(
        request,
        "community/owner/help_new.html",
        {
            "communities": communities,
            "kinds": HelpKind.choices,
            "error": error,
            "error_field": field,
            "data": request.POST,
        },
        status=status,
    )


def _detail(request, pk, *, error: str = "", status: int = 200):
    data = selectors_life.owner_help_post(request.user, pk)
    post = data["post"]
    for item in (post, *data["comments"]):
        item.author_shown = _shown(item.author, request.user)
    return render(
        request,
        "community/owner/help_detail.html",
        {**data, "reasons": ReportReason.choices, "error": error},
        status=status,
    )


@require_GET
@owner_login_required
def help_detail(request, pk):
    return _detail(request, pk)


def _act(request, pk, call, success: str):
    try:
        call()
    except ApplicationError as exc:
        return _detail(request, pk, error=exc.message, status=400)
    messages.success(request, success)
    return redirect("owner_community:help_detail", pk=pk)


@require_POST
@owner_login_required
def help_comment(request, pk):
    return _act(
        request,
        pk,
        lambda: services.help_comment_create(
            user=request.user, post_id=pk, body=request.POST.get("body", "")
        ),
        _("评论已发布"),
    )


@require_POST
@owner_login_required
def help_report(request, pk):
    return _act(
        request,
        pk,
        lambda: services.help_report(
            user=request.user,
            post_id=pk,
            comment_id=request.POST.get("comment"),
            reason=request.POST.get("reason", ""),
            detail=request.POST.get("detail", ""),
        ),
        _("已举报，物业会尽快处理"),
    )


@require_POST
@owner_login_required
def help_close(request, pk):
    return _act(
        request,
        pk,
        lambda: services.help_post_close(user=request.user, post_id=pk),
        _("已标记为结束"),
    )
