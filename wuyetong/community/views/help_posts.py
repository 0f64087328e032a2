"""邻里互助 moderation: the posts of the company's communities, most-reported first; hide or
restore a post or a comment with a reason (its author sees it), or dismiss the reports."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.views import ModulePermissionMixin

from .. import filters, forms, selectors_life, services
from ..choices import ModerationAction
from .base import Col, ListPage, run_action, url_of


def _status(o) -> str:
    if o.hidden:
        return gettext("已隐藏")
    return gettext("已结束") if o.closed else gettext("正常")


class HelpPostList(ListPage):
    title = _("邻里互助")
    selector = selectors_life.help_post_list
    filterset_class = filters.HelpPostFilter
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("类别"), lambda o: o.get_kind_display(), tag=lambda o: f"hk-{o.kind}"),
        Col(_("标题"), lambda o: o.title, link=url_of("community:help_detail")),
        Col(_("发布人"), lambda o: o.author.name or o.author.phone),
        Col(
            _("发布时间"),
            lambda o: timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
            order="created_at",
        ),
        Col(_("评论"), lambda o: o.comment_count, num=True),
        Col(
            _("待处理举报"),
            lambda o: o.open_reports or "",
            num=True,
            order="open_reports",
            tag=lambda o: "rejected" if o.open_reports else "",
        ),
        Col(_("状态"), _status, tag=lambda o: "pending" if o.hidden else ""),
        Col(_("隐藏原因"), lambda o: o.hidden_reason, screen=False),
    ]


class HelpPostDetail(ModulePermissionMixin, View):
    permission = "community.view"

    def get(self, request, pk):
        post = selectors_life.help_post_get(request.user, pk)
        return render(
            request,
            "community/help_detail.html",
            {
                "post": post,
                **selectors_life.help_post_thread(post),
                "can_moderate": self.access.can("community.change"),
                "form": forms.ModerationForm(),
            },
        )


class HelpModerate(ModulePermissionMixin, View):
    permission = "community.change"

    def post(self, request, pk):
        post = selectors_life.help_post_get(request.user, pk, "change")
        form = forms.ModerationForm(request.POST)
        labels = dict(ModerationAction.choices)
        return run_action(
            request,
            lambda action, reason, comment_id: services.help_moderate(
                actor=request.user, post=post, action=action, reason=reason, comment_id=comment_id
            ),
            form=form,
            success=lambda m: gettext("已%(action)s") % {"action": labels[m.action]},
            back=reverse("community:help_detail", args=[post.pk]),
        )


urlpatterns = [
    path("help/", HelpPostList.as_view(), name="help_list"),
    path("help/<int:pk>/", HelpPostDetail.as_view(), name="help_detail"),
    path("help/<int:pk>/moderate/", HelpModerate.as_view(), name="help_moderate"),
]
