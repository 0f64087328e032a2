"""投票表决 console pages: draft, publish, follow the count, enter paper ballots, see the
result; and the housing bureau's read-only list of votes and results in its district."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.access import get_access
from wuyetong.core.excel import xlsx_response
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.views import ModulePermissionMixin, form_error_from, htmx_template, paginate

from .. import filters, forms, selectors, services
from ..choices import BallotChoice, VoteState
from ..models import Vote
from ..tally import percent, ratio
from .base import Col, CreatePage, EditPage, ListPage, run_action, url_of


def verdict_text(v: Vote) -> str:
    if v.state != VoteState.CLOSED:
        return ""
    if not v.valid:
        return gettext("无效（参与不足）")
    return gettext("通过") if v.passed else gettext("未通过")


def verdict_tag(v: Vote) -> str:
    if v.state != VoteState.CLOSED:
        return ""
    return "vt-passed" if v.passed else "vt-invalid" if not v.valid else "vt-rejected"


def rule_text(v: Vote) -> str:
    return gettext("四分之三以上") if v.major else gettext("过半数")


VOTE_COLUMNS = [
    Col(_("小区"), lambda o: o.community.name),
    Col(_("表决事项"), lambda o: o.title),
    Col(_("事项类别"), lambda o: o.get_matter_display(), screen=False),
    Col(_("通过条件"), rule_text),
    Col(_("状态"), lambda o: o.get_state_display(), tag=lambda o: f"vs-{o.state}"),
    Col(
        _("投票开始"),
        lambda o: timezone.localtime(o.opens_at).strftime("%Y-%m-%d %H:%M"),
        order="opens_at",
    ),
    Col(
        _("投票截止"),
        lambda o: timezone.localtime(o.closes_at).strftime("%Y-%m-%d %H:%M"),
        order="closes_at",
    ),
    Col(_("已投票"), lambda o: o.ballot_count if o.state != VoteState.DRAFT else "", num=True),
    Col(_("业主总人数"), lambda o: o.total_owners or "", num=True),
    Col(_("结果"), verdict_text, tag=verdict_tag),
]


class VoteList(ListPage):
    title = _("投票表决")
    selector = selectors.vote_list
    filterset_class = filters.VoteFilter
    create_url = "community:vote_create"

    def get_columns(self):
        first, *rest = VOTE_COLUMNS
        title = Col(_("表决事项"), lambda o: o.title, link=url_of("community:vote_detail"))
        return [first, title, *rest[1:]]


class VoteCreate(CreatePage):
    title = _("发起业主表决")
    form_class = forms.VoteForm
    cancel_url = "community:vote_list"

    def perform(self, form):
        return services.vote_create(actor=self.request.user, **form.service_data())

    def success_url(self, obj):
        return reverse("community:vote_detail", args=[obj.pk])


class VoteEdit(EditPage):
    form_class = forms.VoteForm
    getter = selectors.vote_get
    update = services.vote_update
    obj_kw = "vote"
    detail_url = "community:vote_detail"
    title_format = _("修改表决：%(name)s")


class VoteDetail(ModulePermissionMixin, View):
    """Facts, actions, the four ratios (live or final) and the roll with who has voted."""

    permission = "community.view"

    def get(self, request, pk, paper_form=None, status=200):
        vote = selectors.vote_get(request.user, pk)
        roll_status = request.GET.get("roll", "")
        roll = selectors.vote_roll(vote, status=roll_status, q=request.GET.get("q", "").strip())
        if request.GET.get("export") == "xlsx":
            return self.export(vote, roll)
        page = paginate(request, roll, 30)
        result = selectors.vote_result(vote) if vote.state != VoteState.DRAFT else None
        can = self.access.can
        now = timezone.now()
        context = {
            "vote": vote,
            "result": result,
            "chart": vote_chart(vote, result) if result else None,
            "page": page,
            "roll_status": roll_status,
            "query": request.GET.get("q", ""),
            "can_edit": vote.state == VoteState.DRAFT and can("community.change"),
            "can_publish": vote.state == VoteState.DRAFT and can("community.approve"),
            "can_cancel": vote.state in (VoteState.DRAFT, VoteState.OPEN)
            and can("community.approve"),
            "can_close": vote.state == VoteState.OPEN
            and now >= vote.closes_at
            and can("community.approve"),
            "can_paper": vote.state == VoteState.OPEN
            and vote.opens_at <= now < vote.closes_at
            and can("community.change"),
            "can_export": can("community.export"),
            "paper_form": paper_form or forms.PaperBallotForm(vote=vote),
            "cancel_form": forms.ReasonForm(),
        }
        template = htmx_template(request, "community/vote_detail.html", "community/_vote_roll.html")
        return render(request, template, context, status=status)

    def export(self, vote, roll):
        if not self.access.can("community.export"):
            raise PermissionDenied
        headers = [
            gettext("房屋"),
            gettext("业主"),
            gettext("专有部分面积(㎡)"),
            gettext("表决意见"),
            gettext("方式"),
            gettext("纸质票编号"),
            gettext("投票时间"),
        ]
        rows = (
            [
                v.label,
                v.owner_names,
                v.area,
                v.ballot.get_choice_display() if _has_ballot(v) else gettext("未投票"),
                v.ballot.get_channel_display() if _has_ballot(v) else "",
                v.ballot.paper_ref if _has_ballot(v) else "",
                v.ballot.cast_at if _has_ballot(v) else None,
            ]
            for v in roll.iterator(chunk_size=2000)
        )
        return xlsx_response(gettext("表决名册-%(title)s") % {"title": vote.title}, headers, rows)


def vote_chart(vote: Vote, result) -> dict:
    """A stacked bar per measure (headcount, area): each choice's share of the whole roll,
    with those who have not voted. Percentages are for the picture only; the verdict is
    decided on exact fractions."""
    t = result.tally
    counts = result.counts
    series = []
    colours = {"agree": "#137333", "oppose": "#c5221f", "abstain": "#9aa5b1", "none": "#dde3ea"}
    labels = {c: str(BallotChoice(c).label) for c in BallotChoice.values}
    labels["none"] = gettext("未投票")

    def share(part, whole):
        return float(percent(ratio(part, whole))) if whole else 0.0

    rows = {c: (counts[c]["count"], counts[c]["area"]) for c in BallotChoice.values}
    rows["none"] = (t.total_owners - t.participant_count, t.total_area - t.participant_area)
    for key, (n, area) in rows.items():
        series.append(
            {
                "name": labels[key],
                "type": "bar",
                "stack": "all",
                "itemStyle": {"color": colours[key]},
                "label": {"show": True, "formatter": "{c}%"},
                # a label only where the segment is wide enough to hold it
                "data": [
                    {"value": v, "label": {"show": v >= 6}}
                    for v in (share(n, t.total_owners), share(area, t.total_area))
                ],
            }
        )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 70, "right": 20, "top": 36, "bottom": 24},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": [gettext("人数"), gettext("面积")]},
        "series": series,
    }


def _has_ballot(voter) -> bool:
    return hasattr(voter, "ballot")


class VotePublish(ModulePermissionMixin, View):
    permission = "community.approve"

    def post(self, request, pk):
        vote = selectors.vote_get(request.user, pk, "approve")
        return run_action(
            request,
            lambda: services.vote_publish(actor=request.user, vote=vote),
            success=lambda v: (
                gettext("已发布，表决名册共 %(n)s 名业主、%(area)s ㎡")
                % {"n": v.total_owners, "area": v.total_area}
            ),
            back=reverse("community:vote_detail", args=[vote.pk]),
        )


class VoteCancel(ModulePermissionMixin, View):
    permission = "community.approve"

    def post(self, request, pk):
        vote = selectors.vote_get(request.user, pk, "approve")
        return run_action(
            request,
            lambda reason: services.vote_cancel(actor=request.user, vote=vote, reason=reason),
            form=forms.ReasonForm(request.POST),
            success=gettext("表决已取消"),
            back=reverse("community:vote_detail", args=[vote.pk]),
        )


class VoteClose(ModulePermissionMixin, View):
    permission = "community.approve"

    def post(self, request, pk):
        vote = selectors.vote_get(request.user, pk, "approve")
        return run_action(
            request,
            lambda: services.vote_close(vote=vote, actor=request.user),
            success=gettext("表决已结束，结果已冻结"),
            back=reverse("community:vote_detail", args=[vote.pk]),
        )


class VotePaperBallot(ModulePermissionMixin, View):
    """Enter one signed paper ballot; a refusal re-shows the form with the reason."""

    permission = "community.change"

    def post(self, request, pk):
        vote = selectors.vote_get(request.user, pk, "change")
        form = forms.PaperBallotForm(request.POST, vote=vote)
        if form.is_valid():
            try:
                ballot = services.ballot_record_paper(
                    actor=request.user, vote=vote, **form.cleaned_data
                )
            except ApplicationError as exc:
                form_error_from(form, exc)
            else:
                messages.success(
                    request,
                    gettext("已录入 %(house)s 的纸质票：%(choice)s")
                    % {"house": ballot.voter.label, "choice": ballot.get_choice_display()},
                )
                return redirect("community:vote_detail", pk=vote.pk)
        page = VoteDetail()
        page.setup(request, pk=pk)
        page.access = self.access
        return page.get(request, pk, paper_form=form, status=400)


# ---------------------------------------------------------------- the bureau


class BureauMixin(ModulePermissionMixin):
    """The housing bureau's pages: membership is the authority, reach is the district."""

    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            access = get_access(request.user)
            if not access.is_bureau or access.is_staff_member or access.is_platform:
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class BureauVoteList(BureauMixin, ListPage):
    title = _("业主表决（辖区）")
    selector = selectors.vote_list
    filterset_class = filters.VoteFilter
    create_url = ""
    permission = ""

    def export_allowed(self) -> bool:
        return True  # the bureau exports what it oversees (C12)

    def get_queryset(self):
        return selectors.vote_list(self.request.user).exclude(state=VoteState.DRAFT)

    def get_columns(self):
        first, *rest = VOTE_COLUMNS
        title = Col(_("表决事项"), lambda o: o.title, link=url_of("community:bureau_vote_detail"))
        return [first, title, *rest[1:]]


class BureauVoteDetail(BureauMixin, View):
    def get(self, request, pk):
        vote = selectors.vote_get(request.user, pk)
        if vote.state == VoteState.DRAFT:
            raise PermissionDenied
        return render(
            request,
            "community/bureau_vote_detail.html",
            {
                "vote": vote,
                "result": selectors.vote_result(vote) if vote.state == VoteState.CLOSED else None,
            },
        )


urlpatterns = [
    path("votes/", VoteList.as_view(), name="vote_list"),
    path("votes/new/", VoteCreate.as_view(), name="vote_create"),
    path("votes/<int:pk>/", VoteDetail.as_view(), name="vote_detail"),
    path("votes/<int:pk>/edit/", VoteEdit.as_view(), name="vote_edit"),
    path("votes/<int:pk>/publish/", VotePublish.as_view(), name="vote_publish"),
    path("votes/<int:pk>/cancel/", VoteCancel.as_view(), name="vote_cancel"),
    path("votes/<int:pk>/close/", VoteClose.as_view(), name="vote_close"),
    path("votes/<int:pk>/paper/", VotePaperBallot.as_view(), name="vote_paper"),
    path("bureau/votes/", BureauVoteList.as_view(), name="bureau_vote_list"),
    path("bureau/votes/<int:pk>/", BureauVoteDetail.as_view(), name="bureau_vote_detail"),
]
