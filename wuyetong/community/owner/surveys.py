"""问卷调查 on the owner's phone: the surveys addressed to my houses, answered once per
house or once per person."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.models import House

from .. import selectors_surveys, services
from ..choices import CHOICE_KINDS, AnswerMode, SurveyState
from .common import owner_login_required


@owner_login_required
def survey_list(request):
    rows = selectors_surveys.owner_surveys(request.user)
    now = timezone.now()
    todo = [
        r
        for r in rows
        if r["survey"].state == SurveyState.OPEN and r["pending"] and r["survey"].opens_at <= now
    ]
    return render(
        request,
        "community/owner/survey_list.html",
        {"todo": todo, "others": [r for r in rows if r not in todo]},
    )


def _posted(request, questions) -> dict:
    """The submitted values per question id (lists for choice questions, so the form can
    tick what was chosen)."""
    values = {}
    for q in questions:
        key = f"q{q.pk}"
        values[q.pk] = (
            request.POST.getlist(key) if q.kind in CHOICE_KINDS else request.POST.get(key, "")
        )
    return values


@require_http_methods(["GET", "POST"])
@owner_login_required
def survey_detail(request, pk):
    row = selectors_surveys.owner_survey(request.user, pk)
    survey = row["survey"]
    questions = list(survey.questions.all())
    now = timezone.now()
    open_now = survey.state == SurveyState.OPEN and survey.opens_at <= now < survey.closes_at
    error, error_field, posted, status = "", "", {}, 200
    if request.method == "POST":
        posted = _posted(request, questions)
        try:
            services.response_submit(
                user=request.user,
                survey_id=survey.pk,
                house_id=request.POST.get("house"),
                answers=posted,
            )
        except ApplicationError as exc:
            error, error_field, status = exc.message, exc.field or "", 400
        else:
            messages.success(request, _("提交成功，感谢您的参与"))
            return redirect("owner_community:survey_detail", pk=survey.pk)
    houses = {
        h.pk: h
        for h in House.objects.filter(pk__in=row["houses"]).select_related("building", "unit")
    }
    return render(
        request,
        "community/owner/survey_detail.html",
        {
            "survey": survey,
            "questions": questions,
            "open_now": open_now,
            "per_house": survey.answer_mode == AnswerMode.PER_HOUSE,
            "pending_houses": [houses[h] for h in row["pending"]],
            "done_houses": [houses[h] for h in row["done"]],
            "error": error,
            "error_field": error_field,
            "posted": posted,
            "selected_house": request.POST.get("house", ""),
        },
        status=status,
    )
