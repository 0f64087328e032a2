"""Surveys (问卷调查): staff draft the questions and publish to a community or chosen
buildings; residents answer once per house or once per person; staff close and read the
results. Answers are checked question by question and saved whole or not at all."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import NoReturn

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.ids import parse_pk
from wuyetong.estates.models import Building, Occupancy
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import snapshot

from ..choices import CHOICE_KINDS, AnswerMode, QuestionKind, SurveyState
from ..models import Answer, Option, Question, Response, Survey
from . import notify
from ._common import apply_data, create_logged, require_community, require_in_scope, save_logged

log = logging.getLogger(__name__)
SURVEY_FIELDS = (
    "title",
    "description",
    "answer_mode",
    "owners_only",
    "anonymous",
    "opens_at",
    "closes_at",
)
MAX_OPTIONS = 20
MAX_QUESTIONS = 50
TEXT_LIMIT = 500


def _check(survey: Survey) -> None:
    if survey.opens_at and survey.closes_at and survey.closes_at <= survey.opens_at:
        raise ApplicationError(_("截止时间须晚于开始时间"), field="closes_at")


def _set_buildings(survey: Survey, buildings: Iterable[Building] | None) -> None:
    chosen = list(buildings or [])
    if any(b.community_id != survey.community_id for b in chosen):
        raise ApplicationError(_("所选楼栋不属于本小区"), field="buildings")
    survey.buildings.set(chosen)


def _draft(survey: Survey) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.state != SurveyState.DRAFT:
        raise ApplicationError(_("问卷已发布，不能再修改"), code="published")
    return survey


@transaction.atomic
def survey_create(
    *,
    actor,
    community: Community,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    description: str = "",
    answer_mode: str = AnswerMode.PER_HOUSE,
    owners_only: bool = False,
    anonymous: bool = False,
    buildings: Iterable[Building] | None = None,
) -> Survey:
    require_community(actor, community, "add")
    survey = Survey(community=community, created_by=actor)
    apply_data(
        survey,
        {
            "title": title,
            "description": description,
            "answer_mode": answer_mode,
            "owners_only": owners_only,
            "anonymous": anonymous,
            "opens_at": opens_at,
            "closes_at": closes_at,
        },
        SURVEY_FIELDS,
    )
    _check(survey)
    survey = create_logged(actor, survey)
    _set_buildings(survey, buildings)
    return survey


@transaction.atomic
def survey_update(*, actor, survey: Survey, buildings=None, **data) -> Survey:
    require_in_scope(actor, survey, "change", label=_("问卷"))
    survey = _draft(survey)
    before = snapshot(survey)
    apply_data(survey, data, SURVEY_FIELDS)
    _check(survey)
    survey = save_logged(actor, survey, before)
    if buildings is not None:
        _set_buildings(survey, buildings)
    return survey


def _clean_options(options: Iterable[str]) -> list[str]:
    cleaned = [o.strip() for o in options if o and o.strip()]
    if len(cleaned) < 2:
        raise ApplicationError(_("选择题至少需要两个选项"), field="options")
    if len(cleaned) > MAX_OPTIONS:
        raise ApplicationError(_("选项最多 %(n)s 个") % {"n": MAX_OPTIONS}, field="options")
    if len(set(cleaned)) != len(cleaned):
        raise ApplicationError(_("选项不能重复"), field="options")
    if any(len(o) > 100 for o in cleaned):
        raise ApplicationError(_("每个选项最多100个字"), field="options")
    return cleaned


@transaction.atomic
def question_add(
    *,
    actor,
    survey: Survey,
    kind: str,
    text: str,
    required: bool = True,
    options: Iterable[str] = (),
    max_rating: int = 5,
) -> Question:
    """Appends a question to a draft survey (choice questions with their options)."""
    require_in_scope(actor, survey, "change", label=_("问卷"))
    survey = _draft(survey)
    if kind not in QuestionKind.values:
        raise ApplicationError(_("请选择题型"), field="kind")
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("请填写题目"), field="text")
    if len(text) > 200:
        raise ApplicationError(_("题目最多200个字"), field="text")
    if kind == QuestionKind.RATING and not 2 <= (max_rating or 0) <= 10:
        raise ApplicationError(_("最高分须在2到10之间"), field="max_rating")
    cleaned = _clean_options(options) if kind in CHOICE_KINDS else []
    last = survey.questions.aggregate(m=Max("position"))["m"] or 0
    if survey.questions.count() >= MAX_QUESTIONS:
        raise ApplicationError(_("一份问卷最多 %(n)s 题") % {"n": MAX_QUESTIONS}, code="too_many")
    question = Question.objects.create(
        survey=survey,
        position=last + 1,
        kind=kind,
        text=text,
        required=required,
        max_rating=max_rating if kind == QuestionKind.RATING else 5,
    )
    Option.objects.bulk_create(
        [Option(question=question, position=i, text=o) for i, o in enumerate(cleaned, start=1)]
    )
    return question


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    require_in_scope(actor, question.survey, "change", label=_("问卷"))
    _draft(question.survey)
    question.delete()


@transaction.atomic
def survey_publish(*, actor, survey: Survey, now: dt.datetime | None = None) -> Survey:
    require_in_scope(actor, survey, "change", label=_("问卷"))
    now = now or timezone.now()
    survey = _draft(survey)
    if not survey.questions.exists():
        raise ApplicationError(_("请先添加题目"), code="no_questions")
    if survey.closes_at <= now:
        raise ApplicationError(_("截止时间已过，请先修改截止时间"), field="closes_at")
    before = snapshot(survey)
    survey.state, survey.published_at = SurveyState.OPEN, now
    survey = save_logged(actor, survey, before, note=_("发布问卷"))
    notify.tell(
        _audience_users(survey),
        title=_("问卷调查：%(title)s") % {"title": survey.title},
        body=_("截止 %(time)s，欢迎参与。")
        % {"time": timezone.localtime(survey.closes_at).strftime("%Y-%m-%d %H:%M")},
        link=notify.link("survey_detail", survey.pk),
    )
    return survey


def _audience_users(survey: Survey) -> list[int]:
    """Users with an app account living in the houses the survey is addressed to."""
    links = Occupancy.objects.filter(
        end_date__isnull=True,
        house__community_id=survey.community_id,
        resident__user__isnull=False,
    )
    if survey.owners_only:
        links = links.filter(relation="owner")
    building_ids = list(survey.buildings.values_list("pk", flat=True))
    if building_ids:
        links = links.filter(house__building_id__in=building_ids)
    return list(links.values_list("resident__user_id", flat=True).distinct())


@transaction.atomic
def survey_close(*, survey: Survey, now: dt.datetime | None = None, actor=None) -> Survey:
    """Ends a survey: staff any time, the scheduler (actor None) at the deadline."""
    if actor is not None:
        require_in_scope(actor, survey, "change", label=_("问卷"))
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.state != SurveyState.OPEN:
        raise ApplicationError(_("只有进行中的问卷可以结束"), code="state")
    before = snapshot(survey)
    survey.state, survey.closed_at = SurveyState.CLOSED, now
    return save_logged(actor, survey, before, note=_("结束问卷"))


def surveys_close_due(*, now: dt.datetime) -> list[int]:
    closed = []
    due = Survey.objects.filter(state=SurveyState.OPEN, closes_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)):
        try:
            survey_close(survey=Survey.objects.get(pk=pk), now=now)
        except ApplicationError:
            continue
        except Exception:
            log.exception("closing survey %s failed; retried next run", pk)
            continue
        closed.append(pk)
    return closed


# ---------------------------------------------------------------- answering


def eligible_house_ids(survey: Survey, user) -> list[int]:
    """The user's houses this survey is addressed to (owners only when it says so)."""
    links = Occupancy.objects.filter(
        resident__user=user, end_date__isnull=True, house__community_id=survey.community_id
    )
    if survey.owners_only:
        links = links.filter(relation="owner")
    building_ids = [b.pk for b in survey.buildings.all()]
    if building_ids:
        links = links.filter(house__building_id__in=building_ids)
    return sorted(set(links.values_list("house_id", flat=True)))


def _answers_for(question: Question, value, number: int) -> list[Answer]:
    """Parse one question's answer; an error names the question (`q<id>`)."""
    field = f"q{question.pk}"

    def refuse(message: str) -> NoReturn:
        raise ApplicationError(
            _("第%(n)s题：%(message)s") % {"n": number, "message": message}, field=field
        )

    values = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
    values = [v for v in values if v not in (None, "")]
    if not values:
        if question.required:
            refuse(_("此题必答"))
        return []
    if question.kind in CHOICE_KINDS:
        valid = {o.pk: o for o in question.options.all()}
        found = [valid.get(parse_pk(v) or 0) for v in values]
        chosen = [o for o in found if o is not None]
        if len(chosen) != len(found):
            refuse(_("选项无效"))
        if question.kind == QuestionKind.SINGLE and len(chosen) != 1:
            refuse(_("只能选择一项"))
        if len({o.pk for o in chosen}) != len(chosen):
            refuse(_("选项重复"))
        return [Answer(question=question, option=o) for o in chosen]
    if len(values) != 1:
        refuse(_("只能填写一个答案"))
    raw = values[0]
    if question.kind == QuestionKind.TEXT:
        text = str(raw).strip()
        if len(text) > TEXT_LIMIT:
            refuse(_("最多%(n)s个字") % {"n": TEXT_LIMIT})
        if not text:
            if question.required:
                refuse(_("此题必答"))
            return []
        return [Answer(question=question, text=text)]
    rating = parse_pk(raw)
    if rating is None or not 1 <= rating <= question.max_rating:
        refuse(_("请打 1 到 %(max)s 分") % {"max": question.max_rating})
    return [Answer(question=question, rating=rating)]


@transaction.atomic
def response_submit(
    *,
    user,
    survey_id,
    answers: dict,
    house_id=None,
    now: dt.datetime | None = None,
) -> Response:
    """A resident submits the questionnaire: for a house (per-house surveys) or for
    themselves. `answers` maps question id (or "q<id>") to an option id, a list of option
    ids, a text or a rating."""
    now = now or timezone.now()
    survey = (
        Survey.objects.filter(pk=parse_pk(survey_id) or 0)
        .prefetch_related("buildings", "questions__options")
        .first()
    )
    eligible = eligible_house_ids(survey, user) if survey is not None else []
    if survey is None or survey.state == SurveyState.DRAFT or not eligible:
        raise NotFound(_("问卷不存在"))
    if survey.state != SurveyState.OPEN or now >= survey.closes_at:
        raise ApplicationError(_("问卷已结束"), code="closed")
    if now < survey.opens_at:
        raise ApplicationError(_("问卷尚未开始"), code="not_started")
    per_house = survey.answer_mode == AnswerMode.PER_HOUSE
    if per_house:
        house = (
            parse_pk(house_id)
            if house_id not in (None, "")
            else (eligible[0] if len(eligible) == 1 else None)
        )
        if house not in eligible:
            raise ApplicationError(_("请选择要代表填写的房屋"), field="house")
        done = Response.objects.filter(survey=survey, house_id=house, per_house=True)
        message = _("该房屋已提交过问卷，每户只能提交一份")
    else:
        house = eligible[0]
        done = Response.objects.filter(survey=survey, user=user, per_house=False)
        message = _("您已提交过问卷，每人只能提交一份")
    if done.exists():
        raise ApplicationError(message, code="already_answered")
    keyed = {str(k).removeprefix("q"): v for k, v in (answers or {}).items()}
    rows: list[Answer] = []
    for number, question in enumerate(survey.questions.all(), start=1):
        rows += _answers_for(question, keyed.get(str(question.pk)), number)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey, user=user, house_id=house, per_house=per_house
            )
    except IntegrityError:
        raise ApplicationError(message, code="already_answered") from None
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    return response
