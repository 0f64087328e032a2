"""Survey reads: the staff list and results (counts per option, rating spread, texts), the
Excel rows, and the surveys addressed to an owner with what they have already answered."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from wuyetong.core.ids import lookup_pk
from wuyetong.estates.models import Occupancy

from .choices import CHOICE_KINDS, AnswerMode, QuestionKind, SurveyState
from .models import Answer, Option, Question, Response, Survey
from .selectors import resident_communities
from .tally import percent, ratio


def survey_list(user, action: str = "view") -> QuerySet[Survey]:
    return (
        Survey.objects.for_user(user, action)
        .select_related("community")
        .annotate(response_count=Count("responses"))
        .order_by("-opens_at", "-pk")
    )


def survey_get(user, pk, action: str = "view") -> Survey:
    return get_object_or_404(
        Survey.objects.for_user(user, action)
        .select_related("community", "created_by")
        .prefetch_related("buildings", _questions()),
        pk=lookup_pk(pk),
    )


def _questions():
    return Prefetch(
        "questions",
        queryset=Question.objects.order_by("position").prefetch_related(
            Prefetch("options", queryset=Option.objects.order_by("position"))
        ),
    )


def _audience(survey: Survey) -> QuerySet[Occupancy]:
    links = Occupancy.objects.filter(end_date__isnull=True, house__community_id=survey.community_id)
    if survey.owners_only:
        links = links.filter(relation="owner")
    building_ids = [b.pk for b in survey.buildings.all()]
    if building_ids:
        links = links.filter(house__building_id__in=building_ids)
    return links


def survey_target_count(survey: Survey) -> int:
    """How many answers the survey can get: houses with residents (per house), or residents
    with an app account (per person)."""
    links = _audience(survey)
    if survey.answer_mode == AnswerMode.PER_HOUSE:
        return links.values("house_id").distinct().count()
    return links.filter(resident__user__isnull=False).values("resident__user_id").distinct().count()


@dataclass
class QuestionStats:
    question: Question
    number: int
    answered: int = 0
    options: list[dict] = field(default_factory=list)  # {"text", "count", "percent"}
    ratings: list[dict] = field(default_factory=list)  # {"score", "count"}
    average: Decimal | None = None
    texts: list[Answer] = field(default_factory=list)
    text_count: int = 0

    @property
    def is_choice(self) -> bool:
        return self.question.kind in CHOICE_KINDS

    @property
    def chart_id(self) -> str:
        return f"chart-q{self.question.pk}"

    @property
    def chart(self) -> dict:
        """An ECharts option: bars per option, or the spread of scores."""
        if self.is_choice:
            names = [o["text"] for o in self.options]
            data = [o["count"] for o in self.options]
        elif self.question.kind == QuestionKind.RATING:
            names = [_("%(n)s分") % {"n": r["score"]} for r in self.ratings]
            data = [r["count"] for r in self.ratings]
        else:
            return {}
        return {
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 8, "right": 40, "top": 8, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "value", "minInterval": 1},
            "yAxis": {"type": "category", "data": names, "inverse": True},
            "series": [
                {
                    "type": "bar",
                    "data": data,
                    "itemStyle": {"color": "#1664c0"},
                    "label": {"show": True, "position": "right"},
                }
            ],
        }


@dataclass
class SurveyResults:
    total: int
    target: int
    rate: Decimal
    questions: list[QuestionStats]


def survey_results(survey: Survey, *, texts_per_question: int = 20) -> SurveyResults:
    """Counts for every question in a fixed number of queries (plus one per text question)."""
    questions = list(survey.questions.all())
    total = Response.objects.filter(survey=survey).count()
    answers = Answer.objects.filter(response__survey=survey)
    answered = dict(
        answers.values("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .values_list("question_id", "n")
    )
    option_counts = dict(
        answers.filter(option__isnull=False)
        .values("option_id")
        .annotate(n=Count("pk"))
        .values_list("option_id", "n")
    )
    rating_counts: dict[int, dict[int, int]] = defaultdict(dict)
    for qid, score, n in (
        answers.filter(rating__isnull=False)
        .values("question_id", "rating")
        .annotate(n=Count("pk"))
        .values_list("question_id", "rating", "n")
    ):
        rating_counts[qid][int(score or 0)] = n
    stats = []
    for number, q in enumerate(questions, start=1):
        st = QuestionStats(q, number, answered.get(q.pk, 0))
        if q.kind in CHOICE_KINDS:
            for o in q.options.all():
                n = option_counts.get(o.pk, 0)
                st.options.append(
                    {"text": o.text, "count": n, "percent": percent(ratio(n, st.answered))}
                )
        elif q.kind == QuestionKind.RATING:
            counts = rating_counts.get(q.pk, {})
            st.ratings = [
                {"score": s, "count": counts.get(s, 0)} for s in range(1, q.max_rating + 1)
            ]
            votes = sum(counts.values())
            if votes:
                total_score = sum(s * n for s, n in counts.items())
                st.average = (Decimal(total_score) / votes).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP
                )
        else:
            texts = answers.filter(question=q).exclude(text="")
            st.text_count = texts.count()
            st.texts = list(
                texts.select_related("response__house__building", "response__house__unit").order_by(
                    "-response__submitted_at", "-pk"
                )[:texts_per_question]
            )
        stats.append(st)
    target = survey_target_count(survey)
    return SurveyResults(total, target, percent(ratio(total, target)), stats)


def survey_export_rows(survey: Survey):
    """(headers, rows) of every response for Excel: one row per response, one column per
    question (chosen options joined with "、")."""
    questions = list(survey.questions.all())
    headers = [_("提交时间"), _("房屋")]
    if not survey.anonymous:
        headers.append(_("答卷人"))
    headers += [f"{i}. {q.text}" for i, q in enumerate(questions, start=1)]
    responses = (
        Response.objects.filter(survey=survey)
        .select_related("user", "house__building", "house__unit")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("option")))
        .order_by("submitted_at", "pk")
    )

    def rows():
        for r in responses.iterator(chunk_size=500):
            by_q: dict[int, list[str]] = defaultdict(list)
            for a in r.answers.all():
                value = (
                    a.option.text if a.option_id else a.text or (str(a.rating) if a.rating else "")
                )
                by_q[a.question_id].append(value)
            house = r.house
            row: list = [r.submitted_at, f"{house.building.name}{house.unit.name}{house.room_no}"]
            if not survey.anonymous:
                row.append(r.user.name or r.user.phone)
            row += ["、".join(by_q.get(q.pk, [])) for q in questions]
            yield row

    return headers, rows()


def survey_summary_rows(results: SurveyResults):
    """(headers, rows) of the per-option counts, for the summary sheet."""
    headers = [_("题号"), _("题目"), _("选项 / 分值"), _("人次"), _("占比(%)")]
    rows = []
    for st in results.questions:
        if st.is_choice:
            rows += [
                [st.number, st.question.text, o["text"], o["count"], o["percent"]]
                for o in st.options
            ]
        elif st.question.kind == QuestionKind.RATING:
            rows += [
                [st.number, st.question.text, _("%(n)s分") % {"n": r["score"]}, r["count"], ""]
                for r in st.ratings
            ]
            rows.append([st.number, st.question.text, _("平均分"), st.average or "", ""])
        else:
            rows.append([st.number, st.question.text, _("填写人数"), st.text_count, ""])
    return headers, rows


# ---------------------------------------------------------------- the owner's side


def _addressed(survey: Survey, links: list[Occupancy]) -> list[int]:
    building_ids = {b.pk for b in survey.buildings.all()}
    return sorted(
        {
            o.house_id
            for o in links
            if o.house.community_id == survey.community_id
            and (not survey.owners_only or o.relation == "owner")
            and (not building_ids or o.house.building_id in building_ids)
        }
    )


def owner_surveys(user) -> list[dict]:
    """Published surveys addressed to one of the user's houses, each with the houses the
    user may answer for and whether the user (or each house) has answered."""
    links = list(
        Occupancy.objects.filter(resident__user=user, end_date__isnull=True).select_related("house")
    )
    surveys = list(
        Survey.objects.filter(
            community_id__in=resident_communities(user),
            state__in=(SurveyState.OPEN, SurveyState.CLOSED),
        )
        .select_related("community")
        .prefetch_related("buildings")
        .order_by("-opens_at", "-pk")
    )
    rows = []
    answered = {
        (r["survey_id"], r["house_id"], r["user_id"], r["per_house"])
        for r in Response.objects.filter(survey__in=surveys)
        .filter(house_id__in=[o.house_id for o in links])
        .values("survey_id", "house_id", "user_id", "per_house")
    }
    for s in surveys:
        houses = _addressed(s, links)
        if not houses:
            continue
        if s.answer_mode == AnswerMode.PER_HOUSE:
            done = [h for h in houses if any(a[0] == s.pk and a[1] == h and a[3] for a in answered)]
            pending = [h for h in houses if h not in done]
        else:
            done_me = any(a[0] == s.pk and a[2] == user.pk and not a[3] for a in answered)
            done, pending = (houses[:1], []) if done_me else ([], houses[:1])
        rows.append({"survey": s, "houses": houses, "done": done, "pending": pending})
    return rows


def owner_survey(user, pk) -> dict:
    """One survey addressed to the user (404 otherwise), with its questions."""
    row = next((r for r in owner_surveys(user) if r["survey"].pk == lookup_pk(pk)), None)
    if row is None:
        raise Http404
    survey = (
        Survey.objects.select_related("community")
        .prefetch_related(_questions())
        .get(pk=row["survey"].pk)
    )
    return {**row, "survey": survey}
