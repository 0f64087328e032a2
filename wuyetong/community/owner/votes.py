"""投票表决 on the owner's phone: the votes of my communities, my ballot (cast once, never
changed), the result when it closes; committee members also follow the count live."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wuyetong.core.exceptions import ApplicationError

from .. import selectors, services
from ..choices import BallotChoice, VoteState
from .common import owner_login_required


@require_GET
@owner_login_required
def vote_list(request):
    rows = selectors.owner_votes(request.user)
    communities = sorted({r["vote"].community for r in rows}, key=lambda c: c.name)
    return render(
        request,
        "community/owner/vote_list.html",
        {
            "open_rows": [r for r in rows if r["vote"].state == VoteState.OPEN],
            "closed_rows": [r for r in rows if r["vote"].state == VoteState.CLOSED],
            "committees": [(c, selectors.committee_current(c.pk)) for c in communities],
            "now": timezone.now(),
        },
    )


def _detail(request, pk, status=200):
    data = selectors.owner_vote(request.user, pk)
    vote = data["vote"]
    now = timezone.now()
    show_result = vote.state == VoteState.CLOSED or data["sees_progress"]
    return render(
        request,
        "community/owner/vote_detail.html",
        {
            **data,
            "now": now,
            "accepting": vote.state == VoteState.OPEN and vote.opens_at <= now < vote.closes_at,
            "result": selectors.vote_result(vote) if show_result else None,
            "choices": BallotChoice.choices,
        },
        status=status,
    )


@require_GET
@owner_login_required
def vote_detail(request, pk):
    return _detail(request, pk)


@require_POST
@owner_login_required
def vote_cast(request, pk):
    data = selectors.owner_vote(request.user, pk)  # 404 outside the owner's communities
    try:
        ballot = services.ballot_cast(
            user=request.user, vote_id=data["vote"].pk, choice=request.POST.get("choice", "")
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _detail(request, pk, status=400)
    messages.success(
        request,
        _("已提交：%(choice)s。表决意见提交后不能更改。") % {"choice": ballot.get_choice_display()},
    )
    return redirect("owner_community:vote_detail", pk=pk)
