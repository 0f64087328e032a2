"""The owner app's notices (/app/notices/): the notices addressed to me, one notice (reading
it is the read receipt) and its files, my message centre, and the information feed with its
topic subscriptions. Every read goes through the owner selectors, so another owner's notice or
message does not exist here (404)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.ids import lookup_pk
from wuyetong.core.views import paginate
from wuyetong.owner.views import owner_login_required
from wuyetong.web.pages import querystring_without

from . import selectors, services
from .choices import FeedTopic, MessageKind, NoticeKind
from .feed import selectors as feed_selectors
from .feed import services as feed_services
from .files import attachment_response


def _notice_or_404(request, pk):
    try:
        return selectors.owner_notice_get(user=request.user, notice_id=lookup_pk(pk))
    except NotFound as exc:
        raise Http404 from exc


@never_cache
@owner_login_required
def notice_list(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in NoticeKind.values else ""
    unread = request.GET.get("unread") == "1"
    qs = selectors.owner_notice_list(user=request.user)
    if kind:
        qs = qs.filter(kind=kind)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return render(
        request,
        "notices/owner/notice_list.html",
        {
            "page": paginate(request, qs, 20),
            "query": querystring_without(request, "page"),
            "kind": kind,
            "unread": unread,
            "kinds": NoticeKind.choices,
            "tab": "notices",
        },
    )


@never_cache
@owner_login_required
def notice_detail(request, pk):
    notice = _notice_or_404(request, pk)
    if notice.read_at is None:  # type: ignore[attr-defined]
        # Opening the notice is the read receipt the property company sees.
        services.notice_mark_read(user=request.user, notice_id=notice.pk)
    return render(
        request,
        "notices/owner/notice_detail.html",
        {"notice": notice, "attachments": list(notice.attachments.all()), "tab": "notices"},
    )


@owner_login_required
def notice_attachment(request, pk, file_pk):
    """A notice's file, only to the owners the notice was delivered to (media addresses are
    never shown: they would reach anyone who has the link)."""
    return attachment_response(_notice_or_404(request, pk), file_pk)


@never_cache
@owner_login_required
def message_list(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in MessageKind.values else ""
    qs = selectors.message_list(user=request.user)
    if kind:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "notices/owner/message_list.html",
        {
            "page": paginate(request, qs, 30),
            "query": querystring_without(request, "page"),
            "kind": kind,
            "kinds": MessageKind.choices,
            "unread_total": selectors.message_unread_count(user=request.user),
            "tab": "me",
        },
    )


@owner_login_required
def message_open(request, pk):
    """Tapping a message marks it read and goes where it points (inside the app only)."""
    try:
        message = services.message_mark_read(user=request.user, message_id=lookup_pk(pk))
    except NotFound as exc:
        raise Http404 from exc
    link = message.link
    if link.startswith("/app/") and not link.startswith("//"):
        return redirect(link)
    return redirect("owner_notices:message_list")


@require_POST
@owner_login_required
def message_read_all(request):
    n = services.message_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)s 条消息标为已读") % {"n": n})
    return redirect("owner_notices:message_list")


@never_cache
@owner_login_required
def feed(request):
    topics = feed_selectors.subscribed_topics(request.user)
    return render(
        request,
        "notices/owner/feed.html",
        {
            "feed": feed_selectors.owner_feed(user=request.user, topics=topics),
            "topics": topics,
            "others": [(v, label) for v, label in FeedTopic.choices if v not in topics],
            "now": timezone.localtime(),
            "tab": "home",
        },
    )


@never_cache
@owner_login_required
def subscriptions(request):
    if request.method == "POST":
        try:
            if "topic" in request.POST:  # one chip tapped on the feed page
                feed_services.subscription_toggle(
                    user=request.user,
                    topic=request.POST["topic"],
                    on=request.POST.get("on") == "1",
                )
            else:
                feed_services.subscription_set(
                    user=request.user, topics=request.POST.getlist("topics")
                )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("订阅已保存"))
            back = request.POST.get("next", "")
            return redirect(back if back.startswith("/app/") else "owner_notices:subscriptions")
    chosen = feed_selectors.subscribed_topics(request.user)
    return render(
        request,
        "notices/owner/subscriptions.html",
        {
            "choices": [(v, label, v in chosen) for v, label in FeedTopic.choices],
            "tab": "me",
        },
    )
