"""Neighbour help (邻里互助): residents post, comment and report; staff hide or restore a
post or comment with a reason its author sees, or dismiss the reports. Every moderation
step is kept (HelpModeration)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.ids import parse_pk

from ..choices import HelpKind, ModerationAction, ReportReason
from ..models import HelpComment, HelpModeration, HelpPost, HelpReport
from ..selectors import resident_communities
from . import notify
from ._common import require_in_scope


def _text(value, *, field: str, label: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ApplicationError(_("请填写%(label)s") % {"label": label}, field=field)
    if len(text) > limit:
        raise ApplicationError(
            _("%(label)s最多%(n)s个字") % {"label": label, "n": limit}, field=field
        )
    return text


def _visible_post(user, post_id) -> HelpPost:
    """A post the user may see: in a community they live in, and not hidden (unless it is
    their own). Anything else is absent."""
    post = HelpPost.objects.filter(pk=parse_pk(post_id) or 0).first()
    if (
        post is None
        or post.community_id not in resident_communities(user)
        or (post.hidden and post.author_id != user.pk)
    ):
        raise NotFound(_("帖子不存在"))
    return post


@transaction.atomic
def help_post_create(
    *, user, community_id, kind: str, title: str, body: str, contact: str = ""
) -> HelpPost:
    communities = resident_communities(user)
    community = parse_pk(community_id) if community_id not in (None, "") else None
    if community is None and len(communities) == 1:
        community = next(iter(communities))
    if community not in communities:
        raise ApplicationError(_("请选择您居住的小区"), field="community")
    if kind not in HelpKind.values:
        raise ApplicationError(_("请选择类别"), field="kind")
    return HelpPost.objects.create(
        community_id=community,
        author=user,
        kind=kind,
        title=_text(title, field="title", label=_("标题"), limit=60),
        body=_text(body, field="body", label=_("内容"), limit=1000),
        contact=_text(contact, field="contact", label=_("联系方式"), limit=30, required=False),
    )


@transaction.atomic
def help_post_close(*, user, post_id) -> HelpPost:
    """The author marks the post done (item swapped, ride found, owner found)."""
    post = _visible_post(user, post_id)
    if post.author_id != user.pk:
        raise NotFound(_("帖子不存在"))
    if not post.closed:
        post.closed = True
        post.save(update_fields=["closed", "updated_at"])
    return post


@transaction.atomic
def help_comment_create(*, user, post_id, body: str) -> HelpComment:
    post = _visible_post(user, post_id)
    if post.hidden:
        raise ApplicationError(_("帖子已被隐藏，不能评论"), code="hidden")
    if post.closed:
        raise ApplicationError(_("帖子已结束，不能评论"), code="closed")
    comment = HelpComment.objects.create(
        post=post, author=user, body=_text(body, field="body", label=_("评论"), limit=300)
    )
    HelpPost.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    return comment


@transaction.atomic
def help_report(*, user, post_id, reason: str, comment_id=None, detail: str = "") -> HelpReport:
    """A resident reports a post (or one of its comments) to the property staff."""
    post = _visible_post(user, post_id)
    comment = None
    if comment_id not in (None, ""):
        comment = HelpComment.objects.filter(
            post=post, pk=parse_pk(comment_id) or 0, hidden=False
        ).first()
        if comment is None:
            raise NotFound(_("评论不存在"))
    target_author = comment.author_id if comment else post.author_id
    if target_author == user.pk:
        raise ApplicationError(_("不能举报自己发布的内容"), code="own")
    if reason not in ReportReason.values:
        raise ApplicationError(_("请选择举报原因"), field="reason")
    try:
        with transaction.atomic():
            report = HelpReport.objects.create(
                post=post,
                comment=comment,
                reporter=user,
                reason=reason,
                detail=_text(
                    detail, field="detail", label=_("补充说明"), limit=200, required=False
                ),
            )
    except IntegrityError:
        raise ApplicationError(_("您已举报过，物业正在处理"), code="already_reported") from None
    HelpPost.objects.filter(pk=post.pk).update(open_reports=F("open_reports") + 1)
    return report


# ---------------------------------------------------------------- staff moderation


def _resolve_reports(post: HelpPost, comment: HelpComment | None, resolution: str) -> int:
    reports = HelpReport.objects.filter(post=post, resolved_at__isnull=True)
    reports = reports.filter(comment=comment) if comment else reports.filter(comment__isnull=True)
    n = reports.update(resolved_at=timezone.now(), resolution=resolution)
    if n:
        HelpPost.objects.filter(pk=post.pk).update(open_reports=F("open_reports") - n)
    return n


@transaction.atomic
def help_moderate(
    *, actor, post: HelpPost, action: str, reason: str, comment_id=None
) -> HelpModeration:
    """Hide or restore a post or one of its comments, with a reason (the author sees it);
    or dismiss the open reports against it. Reports on the target are resolved."""
    require_in_scope(actor, post, "change", label=_("帖子"))
    post = HelpPost.objects.select_for_update().get(pk=post.pk)
    comment = None
    if comment_id not in (None, ""):
        comment = HelpComment.objects.filter(post=post, pk=parse_pk(comment_id) or 0).first()
        if comment is None:
            raise NotFound(_("评论不存在"))
    if action not in ModerationAction.values:
        raise ApplicationError(_("请选择处理方式"), field="action")
    reason = _text(reason, field="reason", label=_("原因"), limit=200)
    target = comment or post
    if action == ModerationAction.HIDE:
        if target.hidden:
            raise ApplicationError(_("已是隐藏状态"), code="state")
        target.hidden, target.hidden_reason = True, reason
        target.hidden_at, target.hidden_by = timezone.now(), actor
    elif action == ModerationAction.RESTORE:
        if not target.hidden:
            raise ApplicationError(_("未被隐藏，无需恢复"), code="state")
        target.hidden, target.hidden_reason, target.hidden_at, target.hidden_by = (
            False,
            "",
            None,
            None,
        )
    if action != ModerationAction.DISMISS:
        target.save(
            update_fields=["hidden", "hidden_reason", "hidden_at", "hidden_by", "updated_at"]
        )
        if comment is not None:
            step = -1 if action == ModerationAction.HIDE else 1
            HelpPost.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + step)
    resolved = _resolve_reports(post, comment, action)
    if action == ModerationAction.DISMISS and not resolved:
        raise ApplicationError(_("没有待处理的举报"), code="no_reports")
    if action != ModerationAction.DISMISS:
        what = _("评论") if comment else _("帖子")
        title = (
            _("您的%(what)s已被物业隐藏")
            if action == ModerationAction.HIDE
            else _("您的%(what)s已恢复显示")
        ) % {"what": what}
        notify.tell(
            [target.author_id],
            title=title,
            body=_("“%(title)s”　原因：%(reason)s") % {"title": post.title, "reason": reason},
            link=notify.link("help_detail", post.pk),
        )
    return HelpModeration.objects.create(
        post=post, comment=comment, action=action, reason=reason, actor=actor
    )
