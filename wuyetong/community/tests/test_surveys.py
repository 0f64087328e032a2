"""Surveys: targeting (community, buildings, owners only), one answer per house or per
person (a second refused, even from another family member), answers checked question by
question and saved whole or not at all, results and the Excel export."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wuyetong.community import selectors_surveys, services
from wuyetong.community.models import Answer, Question, Response, Survey
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied

from .conftest import assert_page_matrix, assert_post_denied

pytestmark = pytest.mark.django_db


def make_survey(world, *, mode="per_house", buildings=None, owners_only=False, publish=True):
    pm = world.staff("project_manager")
    now = timezone.now()
    survey = services.survey_create(
        actor=pm,
        community=world.community_a1,
        title="物业服务满意度调查",
        description="请为过去一年的物业服务打分。",
        answer_mode=mode,
        owners_only=owners_only,
        buildings=buildings,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=7),
    )
    q1 = services.question_add(
        actor=pm,
        survey=survey,
        kind="single",
        text="总体是否满意",
        options=["满意", "一般", "不满意"],
    )
    q2 = services.question_add(
        actor=pm,
        survey=survey,
        kind="multiple",
        text="希望改进哪些方面",
        options=["保洁", "安保", "绿化", "维修"],
        required=False,
    )
    q3 = services.question_add(
        actor=pm, survey=survey, kind="rating", text="保安服务打分", max_rating=5
    )
    q4 = services.question_add(
        actor=pm, survey=survey, kind="text", text="其他建议", required=False
    )
    if publish:
        services.survey_publish(actor=pm, survey=survey)
    survey.refresh_from_db()
    return survey, (q1, q2, q3, q4)


def opt(question, text):
    return question.options.get(text=text).pk


def answers(qs, *, single="满意", multiple=("保洁",), rating=4, text="绿化再好一些"):
    q1, q2, q3, q4 = qs
    return {
        q1.pk: opt(q1, single),
        q2.pk: [opt(q2, m) for m in multiple],
        q3.pk: rating,
        q4.pk: text,
    }


# ------------------------------------------------------------------ one answer rules


def test_per_house_one_answer_per_house_even_from_another_family_member(world, bind_owner):
    survey, qs = make_survey(world)
    family = bind_owner("13566660001", world.owner_house, name="家属", relation="family")
    services.response_submit(user=world.owner, survey_id=survey.pk, answers=answers(qs))
    with pytest.raises(ApplicationError) as exc:
        services.response_submit(user=family, survey_id=survey.pk, answers=answers(qs))
    assert exc.value.code == "already_answered" and "每户只能提交一份" in exc.value.message
    assert Response.objects.count() == 1


def test_per_house_an_owner_of_two_houses_answers_for_each(world, bind_owner):
    survey, qs = make_survey(world)
    second = world.houses_a1[3]
    bind_owner(world.owner.phone, second)
    with pytest.raises(ApplicationError) as exc:  # two houses: which one?
        services.response_submit(user=world.owner, survey_id=survey.pk, answers=answers(qs))
    assert exc.value.field == "house"
    services.response_submit(
        user=world.owner, survey_id=survey.pk, house_id=world.owner_house.pk, answers=answers(qs)
    )
    services.response_submit(
        user=world.owner, survey_id=survey.pk, house_id=second.pk, answers=answers(qs)
    )
    with pytest.raises(ApplicationError):
        services.response_submit(
            user=world.owner, survey_id=survey.pk, house_id=second.pk, answers=answers(qs)
        )
    assert Response.objects.count() == 2


def test_per_person_each_resident_once(world, bind_owner):
    survey, qs = make_survey(world, mode="per_person")
    family = bind_owner("13566660001", world.owner_house, name="家属", relation="family")
    services.response_submit(user=world.owner, survey_id=survey.pk, answers=answers(qs))
    services.response_submit(user=family, survey_id=survey.pk, answers=answers(qs))
    with pytest.raises(ApplicationError) as exc:
        services.response_submit(user=family, survey_id=survey.pk, answers=answers(qs))
    assert "每人只能提交一份" in exc.value.message
    assert Response.objects.count() == 2


def test_targeting_by_building_and_owners_only(world, bind_owner):
    other_building = world.houses_a1[-1].building
    assert other_building != world.owner_house.building
    survey, qs = make_survey(world, buildings=[other_building])
    with pytest.raises(NotFound):
        services.response_submit(user=world.owner, survey_id=survey.pk, answers=answers(qs))
    tenant = bind_owner("13566660002", world.houses_a1[-1], name="租客", relation="tenant")
    survey2, qs2 = make_survey(world, buildings=[other_building], owners_only=True)
    with pytest.raises(NotFound):
        services.response_submit(user=tenant, survey_id=survey2.pk, answers=answers(qs2))
    services.response_submit(user=tenant, survey_id=survey.pk, answers=answers(qs))
    assert [r["survey"].pk for r in selectors_surveys.owner_surveys(tenant)] == [survey.pk]
    assert selectors_surveys.owner_surveys(world.owner) == []


def test_drafts_closed_and_other_tenants_surveys_are_not_answerable(world):
    draft, qs = make_survey(world, publish=False)
    with pytest.raises(NotFound):
        services.response_submit(user=world.owner, survey_id=draft.pk, answers=answers(qs))
    survey, qs = make_survey(world)
    with pytest.raises(NotFound):
        services.response_submit(user=world.other_owner, survey_id=survey.pk, answers=answers(qs))
    services.survey_close(survey=survey, actor=world.staff("customer_service"))
    with pytest.raises(ApplicationError) as exc:
        services.response_submit(user=world.owner, survey_id=survey.pk, answers=answers(qs))
    assert exc.value.code == "closed"
    assert not Response.objects.exists()


# ------------------------------------------------------------------ answer checks


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({0: None}, "第1题：此题必答"),
        ({0: [1, 2]}, "第1题："),
        ({0: 10**9}, "第1题：选项无效"),
        ({2: 6}, "第3题：请打 1 到 5 分"),
        ({2: 0}, "第3题：请打 1 到 5 分"),
        ({2: "五"}, "第3题：请打 1 到 5 分"),
        ({3: "长" * 501}, "第4题：最多500个字"),
    ],
)
def test_bad_answers_name_the_question_and_save_nothing(world, change, message):
    survey, qs = make_survey(world)
    data = answers(qs)
    for index, value in change.items():
        key = qs[index].pk
        if value == [1, 2]:
            value = [opt(qs[0], "满意"), opt(qs[0], "一般")]
        data[key] = value
    with pytest.raises(ApplicationError) as exc:
        services.response_submit(user=world.owner, survey_id=survey.pk, answers=data)
    assert exc.value.message.startswith(message)
    assert exc.value.field.startswith("q")
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_an_option_of_another_question_is_refused(world):
    survey, qs = make_survey(world)
    data = answers(qs)
    data[qs[0].pk] = opt(qs[1], "保洁")
    with pytest.raises(ApplicationError) as exc:
        services.response_submit(user=world.owner, survey_id=survey.pk, answers=data)
    assert "选项无效" in exc.value.message


def test_optional_questions_may_be_left_empty(world):
    survey, qs = make_survey(world)
    data = answers(qs, multiple=(), text="")
    services.response_submit(user=world.owner, survey_id=survey.pk, answers=data)
    assert Answer.objects.count() == 2  # the single choice and the rating


# ------------------------------------------------------------------ drafting


def test_question_rules_and_published_surveys_are_frozen(world):
    pm = world.staff("project_manager")
    survey, qs = make_survey(world, publish=False)
    for kwargs, field in [
        ({"kind": "single", "text": "x", "options": ["只有一个"]}, "options"),
        ({"kind": "single", "text": "x", "options": ["甲", "甲"]}, "options"),
        ({"kind": "single", "text": " ", "options": ["甲", "乙"]}, "text"),
        ({"kind": "rating", "text": "x", "max_rating": 11}, "max_rating"),
        ({"kind": "essay", "text": "x"}, "kind"),
    ]:
        with pytest.raises(ApplicationError) as exc:
            services.question_add(actor=pm, survey=survey, **kwargs)
        assert exc.value.field == field
    assert Question.objects.filter(survey=survey).count() == 4
    services.survey_publish(actor=pm, survey=survey)
    with pytest.raises(ApplicationError):
        services.question_add(actor=pm, survey=survey, kind="text", text="补充")
    with pytest.raises(ApplicationError):
        services.question_delete(actor=pm, question=qs[0])
    with pytest.raises(ApplicationError):
        services.survey_update(actor=pm, survey=survey, title="改")


def test_a_survey_without_questions_cannot_be_published(world):
    now = timezone.now()
    survey = services.survey_create(
        actor=world.staff("customer_service"),
        community=world.community_a1,
        title="空问卷",
        opens_at=now,
        closes_at=now + dt.timedelta(days=1),
    )
    with pytest.raises(ApplicationError) as exc:
        services.survey_publish(actor=world.staff("customer_service"), survey=survey)
    assert exc.value.code == "no_questions"


def test_buildings_of_another_community_are_refused(world):
    with pytest.raises(ApplicationError) as exc:
        make_survey(world, buildings=[world.houses_a2[0].building])
    assert exc.value.field == "buildings"
    assert not Survey.objects.exists()


def test_other_companies_cannot_touch_a_survey(world):
    survey, _qs = make_survey(world, publish=False)
    with pytest.raises(NotFound):
        services.question_add(
            actor=world.staff("hq_admin", "b"), survey=survey, kind="text", text="x"
        )
    with pytest.raises(PermissionDenied):
        services.survey_publish(actor=world.staff("cashier"), survey=survey)
    survey.refresh_from_db()
    assert survey.state == "draft"


def test_the_deadline_task_closes_surveys(world):
    from wuyetong.community import tasks

    survey, _qs = make_survey(world)
    assert tasks.close_due_surveys(now=timezone.now().isoformat()) == []
    assert tasks.close_due_surveys(now=survey.closes_at.isoformat()) == [survey.pk]
    survey.refresh_from_db()
    assert survey.state == "closed"


# ------------------------------------------------------------------ results


def test_results_count_every_answer(world, bind_owner):
    survey, qs = make_survey(world)
    services.response_submit(user=world.owner, survey_id=survey.pk, answers=answers(qs, rating=5))
    neighbour = bind_owner("13566660003", world.houses_a1[1], name="邻居")
    services.response_submit(
        user=neighbour,
        survey_id=survey.pk,
        answers=answers(qs, single="一般", multiple=("保洁", "维修"), rating=2, text="电梯常坏"),
    )
    results = selectors_surveys.survey_results(survey)
    assert results.total == 2
    single, multiple, rating, text = results.questions
    assert [(o["text"], o["count"], str(o["percent"])) for o in single.options] == [
        ("满意", 1, "50.00"),
        ("一般", 1, "50.00"),
        ("不满意", 0, "0.00"),
    ]
    assert {o["text"]: o["count"] for o in multiple.options} == {
        "保洁": 2,
        "安保": 0,
        "绿化": 0,
        "维修": 1,
    }
    assert str(rating.average) == "3.50" and rating.ratings[4] == {"score": 5, "count": 1}
    assert text.text_count == 2 and {a.text for a in text.texts} == {"绿化再好一些", "电梯常坏"}
    assert results.target == 2  # houses of 翠苑一区 with residents in the world


# ------------------------------------------------------------------ pages


def test_console_permission_matrix(world, client, client_for):
    survey, _qs = make_survey(world)
    for name, args in [("survey_list", []), ("survey_create", []), ("survey_detail", [survey.pk])]:
        assert_page_matrix(
            world,
            client,
            client_for,
            reverse(f"community:{name}", args=args),
            object_page=bool(args),
        )


def test_denied_console_writes_change_nothing(world, client, client_for):
    survey, _qs = make_survey(world, publish=False)
    for name, data in [
        ("question_add", {"kind": "text", "text": "偷加的题"}),
        ("survey_publish", {}),
    ]:
        url = reverse(f"community:{name}", args=[survey.pk])
        assert_post_denied(
            world, client, client_for, url, data, [Survey, Question], perm_role="cashier"
        )


def test_staff_build_a_survey_on_the_page(world, client_for):
    c = client_for(world.staff("customer_service"))
    now = timezone.localtime()
    response = c.post(
        reverse("community:survey_create"),
        {
            "community": world.community_a1.pk,
            "title": "停车位需求调查",
            "answer_mode": "per_house",
            "buildings": [world.owner_house.building_id],
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302 and list(survey.buildings.all()) == [
        world.owner_house.building
    ]
    add = reverse("community:question_add", args=[survey.pk])
    bad = c.post(
        add, {"kind": "single", "text": "是否需要车位", "options": "需要", "required": "on"}
    )
    assert bad.status_code == 400 and "选择题至少需要两个选项" in bad.content.decode()
    c.post(
        add,
        {"kind": "single", "text": "是否需要车位", "options": "需要\n不需要\n", "required": "on"},
    )
    assert [o.text for o in survey.questions.get().options.all()] == ["需要", "不需要"]
    c.post(reverse("community:survey_publish", args=[survey.pk]))
    survey.refresh_from_db()
    assert survey.state == "open"


def test_the_results_page_and_export(world, client_for):
    survey, qs = make_survey(world)
    services.response_submit(user=world.owner, survey_id=survey.pk, answers=answers(qs))
    page = (
        client_for(world.staff("project_manager"))
        .get(reverse("community:survey_detail", args=[survey.pk]))
        .content.decode()
    )
    assert "回收率" in page and "data-echarts" in page and "绿化再好一些" in page
    export = client_for(world.staff("hq_admin")).get(
        reverse("community:survey_detail", args=[survey.pk]) + "?export=xlsx"
    )
    book = load_workbook(BytesIO(export.content))
    summary, detail = book.worksheets
    assert summary.title == "统计" and detail.title == "答卷明细"
    rows = list(detail.values)
    assert rows[0][:3] == ("提交时间", "房屋", "答卷人") and rows[1][2] == "王建国"
    assert rows[1][3:] == ("满意", "保洁", "4", "绿化再好一些")
    assert tuple(str(v) if i == 0 else v for i, v in enumerate(list(summary.values)[1][:4])) == (
        "1",
        "总体是否满意",
        "满意",
        1,
    )
    assert (
        client_for(world.staff("project_manager"))
        .get(reverse("community:survey_detail", args=[survey.pk]) + "?export=xlsx")
        .status_code
        == 403
    )


def test_the_owner_answers_on_the_phone(world, client_for):
    survey, qs = make_survey(world)
    c = client_for(world.owner)
    listing = c.get(reverse("owner_community:survey_list")).content.decode()
    assert "物业服务满意度调查" in listing and "去填写" in listing
    url = reverse("owner_community:survey_detail", args=[survey.pk])
    q1, q2, q3, q4 = qs
    # missing the required rating: the form comes back with the message and the ticks kept
    bad = c.post(url, {f"q{q1.pk}": opt(q1, "一般"), f"q{q2.pk}": [opt(q2, "安保")]})
    html = bad.content.decode()
    assert bad.status_code == 400 and "第3题：此题必答" in html
    assert f'value="{opt(q1, "一般")}" checked' in html
    assert not Response.objects.exists()
    good = c.post(
        url,
        {
            f"q{q1.pk}": opt(q1, "一般"),
            f"q{q2.pk}": [opt(q2, "安保"), opt(q2, "绿化")],
            f"q{q3.pk}": "3",
            f"q{q4.pk}": "",
        },
        follow=True,
    )
    assert "提交成功" in good.content.decode()
    assert Answer.objects.filter(question=q2).count() == 2
    assert "已提交" in c.get(reverse("owner_community:survey_list")).content.decode()
    assert c.post(url, {f"q{q1.pk}": opt(q1, "满意"), f"q{q3.pk}": "5"}).status_code == 400
    assert Response.objects.count() == 1


def test_owner_pages_for_strangers(world, client, client_for):
    survey, _qs = make_survey(world)
    url = reverse("owner_community:survey_detail", args=[survey.pk])
    assert client.get(url).status_code == 302
    assert client_for(world.other_owner).get(url).status_code == 404
    assert client_for(world.other_owner).post(url, {}).status_code == 404


# ------------------------------------------------------------------ API


def test_api(world, api_for):
    pm = api_for(world.staff("customer_service"))
    now = timezone.now()
    created = pm.post(
        "/api/v1/community/surveys/",
        {
            "community": world.community_a1.pk,
            "title": "快递柜满意度",
            "answer_mode": "per_person",
            "opens_at": (now - dt.timedelta(hours=1)).isoformat(),
            "closes_at": (now + dt.timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    sid = created.json()["id"]
    q = pm.post(
        f"/api/v1/community/surveys/{sid}/questions/",
        {"kind": "single", "text": "是否满意", "options": ["是", "否"]},
        format="json",
    )
    assert q.status_code == 201
    question = q.json()["questions"][0]
    assert pm.post(f"/api/v1/community/surveys/{sid}/publish/").json()["state"] == "open"
    assert (
        api_for(world.staff("hq_admin", "b")).get(f"/api/v1/community/surveys/{sid}/").status_code
        == 404
    )
    me = api_for(world.owner)
    mine = me.get("/api/v1/community/my/surveys/").json()
    assert [m["title"] for m in mine] == ["快递柜满意度"]
    url = f"/api/v1/community/my/surveys/{sid}/responses/"
    bad = me.post(url, {"answers": {str(question["id"]): 999}}, format="json")
    assert bad.status_code == 400 and f"q{question['id']}" in bad.json()["errors"]
    ok = me.post(
        url, {"answers": {str(question["id"]): question["options"][0]["id"]}}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["done_houses"]
    again = me.post(
        url, {"answers": {str(question["id"]): question["options"][1]["id"]}}, format="json"
    )
    assert again.status_code == 400 and again.json()["code"] == "already_answered"
    results = pm.get(f"/api/v1/community/surveys/{sid}/results/").json()
    assert results["total"] == 1 and results["questions"][0]["options"][0]["count"] == 1
    assert api_for(world.other_owner).post(url, {"answers": {}}, format="json").status_code == 404
