"""The permission matrix of every community console page not covered next to its feature,
and query counts of the remaining lists: anonymous → login, owners and roles without the
module → 403, another company → 404 for an object, nothing changed on a denied write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from wuyetong.community import services
from wuyetong.community.models import (
    Activity,
    CommitteeMember,
    Question,
    Survey,
    Vote,
)

from .conftest import assert_page_matrix, assert_post_denied

pytestmark = pytest.mark.django_db


@pytest.fixture
def objs(world):
    pm = world.staff("project_manager")
    now = timezone.now()
    member = services.committee_member_add(
        actor=pm,
        community=world.community_a1,
        role="member",
        name="张委员",
        term_start=dt.date(2023, 1, 1),
    )
    vote = services.vote_create(
        actor=pm,
        community=world.community_a1,
        title="草稿表决",
        matter="other",
        opens_at=now,
        closes_at=now + dt.timedelta(days=3),
    )
    survey = services.survey_create(
        actor=pm,
        community=world.community_a1,
        title="草稿问卷",
        opens_at=now,
        closes_at=now + dt.timedelta(days=3),
    )
    question = services.question_add(actor=pm, survey=survey, kind="text", text="建议")
    activity = services.activity_create(
        actor=pm,
        community=world.community_a1,
        title="草稿活动",
        place="会所",
        starts_at=now + dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=3, hours=1),
        signup_deadline=now + dt.timedelta(days=2),
    )
    return {
        "member": member,
        "vote": vote,
        "survey": survey,
        "question": question,
        "activity": activity,
    }


EDIT_PAGES = [
    ("committee_edit", "member"),
    ("vote_edit", "vote"),
    ("survey_edit", "survey"),
    ("activity_edit", "activity"),
]


@pytest.mark.parametrize(("name", "key"), EDIT_PAGES)
def test_edit_pages(world, client, client_for, objs, name, key):
    url = reverse(f"community:{name}", args=[objs[key].pk])
    assert_page_matrix(world, client, client_for, url, object_page=True)


MODELS = [CommitteeMember, Vote, Survey, Question, Activity]


def _posts(objs):
    return [
        ("committee_edit", [objs["member"].pk], {"name": "改名"}, "cashier"),
        ("vote_edit", [objs["vote"].pk], {"title": "改", "matter": "other"}, "cashier"),
        ("vote_publish", [objs["vote"].pk], {}, "customer_service"),
        ("survey_edit", [objs["survey"].pk], {"title": "改"}, "cashier"),
        ("survey_publish", [objs["survey"].pk], {}, "cashier"),
        ("survey_close", [objs["survey"].pk], {}, "cashier"),
        ("question_delete", [objs["survey"].pk, objs["question"].pk], {}, "cashier"),
        ("activity_edit", [objs["activity"].pk], {"title": "改"}, "cashier"),
        ("activity_publish", [objs["activity"].pk], {}, "cashier"),
    ]


def test_denied_writes_change_nothing(world, client, client_for, objs):
    for name, args, data, role in _posts(objs):
        url = reverse(f"community:{name}", args=args)
        assert_post_denied(world, client, client_for, url, data, MODELS, perm_role=role)


def test_the_role_with_the_permission_saves_an_edit(world, client_for, objs):
    c = client_for(world.staff("customer_service"))
    now = timezone.localtime()
    response = c.post(
        reverse("community:activity_edit", args=[objs["activity"].pk]),
        {
            "title": "中秋灯会",
            "place": "会所",
            "starts_at": (now + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(days=3, hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "signup_deadline": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "max_party": 2,
        },
    )
    assert response.status_code == 302
    objs["activity"].refresh_from_db()
    assert objs["activity"].title == "中秋灯会" and objs["activity"].max_party == 2


def _rows(world, start: int, n: int) -> None:
    pm = world.staff("project_manager")
    now = timezone.now()
    for i in range(start, start + n):
        services.survey_create(
            actor=pm,
            community=world.community_a1,
            title=f"问卷{i}",
            opens_at=now,
            closes_at=now + dt.timedelta(days=1),
        )
        services.activity_create(
            actor=pm,
            community=world.community_a1,
            title=f"活动{i}",
            place="会所",
            starts_at=now + dt.timedelta(days=3),
            ends_at=now + dt.timedelta(days=3, hours=1),
            signup_deadline=now + dt.timedelta(days=2),
        )
        services.emergency_contact_create(
            actor=pm, community=world.community_a1, name=f"电话{i}", phone=f"9600{i:02d}"
        )
        services.committee_member_add(
            actor=pm,
            community=world.community_a1,
            role="member",
            name=f"委员{i}",
            term_start=dt.date(2023, 1, 1),
        )


@pytest.mark.parametrize(
    "name", ["survey_list", "activity_list", "emergency_list", "committee_list"]
)
def test_lists_take_the_same_number_of_queries_for_2_or_30_rows(world, client_for, name):
    c = client_for(world.staff("project_manager"))
    url = reverse(f"community:{name}")
    _rows(world, 0, 2)
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    _rows(world, 2, 28)
    with CaptureQueriesContext(connection) as many:
        response = c.get(url)
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries) <= 14


def test_api_permission_matrix_of_the_remaining_endpoints(world, api_for, objs):
    endpoints = [
        ("get", f"/api/v1/community/surveys/{objs['survey'].pk}/"),
        ("get", f"/api/v1/community/activities/{objs['activity'].pk}/"),
        ("get", f"/api/v1/community/votes/{objs['vote'].pk}/"),
        ("post", f"/api/v1/community/surveys/{objs['survey'].pk}/publish/"),
        ("post", f"/api/v1/community/activities/{objs['activity'].pk}/publish/"),
        ("post", f"/api/v1/community/votes/{objs['vote'].pk}/publish/"),
        (
            "delete",
            f"/api/v1/community/surveys/{objs['survey'].pk}/questions/{objs['question'].pk}/",
        ),
    ]
    for method, url in endpoints:
        assert getattr(api_for(), method)(url).status_code in (401, 403), url
        assert getattr(api_for(world.owner), method)(url).status_code == 403, url
        assert getattr(api_for(world.staff("cashier")), method)(url).status_code == 403, url
        assert getattr(api_for(world.staff("hq_admin", "b")), method)(url).status_code == 404, url
    for model in (Vote, Survey, Activity):
        assert set(model.objects.values_list("state", flat=True)) == {"draft"}
    assert Question.objects.count() == 1
