"""Owners hear about community life in their message centre: a vote opening, a survey
published, an activity called off, their post or comment hidden (with the reason)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wuyetong.community import services
from wuyetong.notices.models import Message

pytestmark = pytest.mark.django_db


def titles(user) -> list[str]:
    return list(Message.objects.filter(user=user).order_by("pk").values_list("title", flat=True))


def test_a_published_vote_reaches_the_owners_on_its_roll_only(world, bind_owner):
    tenant = bind_owner("13566667777", world.houses_a1[2], name="租客", relation="tenant")
    now = timezone.now()
    vote = services.vote_create(
        actor=world.staff("project_manager"),
        community=world.community_a1,
        title="更换电梯",
        matter="fund_use",
        opens_at=now,
        closes_at=now + dt.timedelta(days=3),
    )
    services.vote_publish(actor=world.staff("project_manager"), vote=vote)
    assert titles(world.owner) == ["业主表决：更换电梯"]
    message = Message.objects.get(user=world.owner)
    assert message.link == f"/app/community/votes/{vote.pk}/"
    assert titles(tenant) == [] and titles(world.other_owner) == []


def test_a_survey_reaches_its_audience(world, bind_owner):
    family = bind_owner("13566660001", world.owner_house, name="家属", relation="family")
    now = timezone.now()
    survey = services.survey_create(
        actor=world.staff("customer_service"),
        community=world.community_a1,
        title="停车需求调查",
        opens_at=now,
        closes_at=now + dt.timedelta(days=3),
    )
    services.question_add(
        actor=world.staff("customer_service"), survey=survey, kind="text", text="建议"
    )
    services.survey_publish(actor=world.staff("customer_service"), survey=survey)
    assert titles(world.owner) == ["问卷调查：停车需求调查"] == titles(family)
    assert titles(world.other_owner) == []


def test_a_called_off_activity_tells_who_signed_up(world, bind_owner):
    now = timezone.now()
    activity = services.activity_create(
        actor=world.staff("customer_service"),
        community=world.community_a1,
        title="露天电影",
        place="草坪",
        starts_at=now + dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=3, hours=2),
        signup_deadline=now + dt.timedelta(days=2),
    )
    services.activity_publish(actor=world.staff("customer_service"), activity=activity)
    services.signup_create(user=world.owner, activity_id=activity.pk)
    neighbour = bind_owner("13566660002", world.houses_a1[1], name="邻居")
    services.activity_cancel(
        actor=world.staff("customer_service"), activity=activity, reason="暴雨预警"
    )
    message = Message.objects.get(user=world.owner)
    assert message.title == "活动已取消：露天电影" and message.body == "暴雨预警"
    assert titles(neighbour) == []


def test_the_author_of_hidden_content_is_told_why(world, bind_owner):
    neighbour = bind_owner("13566660003", world.houses_a1[1], name="邻居")
    post = services.help_post_create(
        user=world.owner, community_id=None, kind="swap", title="换书", body="十几本"
    )
    comment = services.help_comment_create(user=neighbour, post_id=post.pk, body="加我微信")
    cs = world.staff("customer_service")
    services.help_moderate(
        actor=cs, post=post, action="hide", reason="留私人联系方式", comment_id=comment.pk
    )
    message = Message.objects.get(user=neighbour)
    assert message.title == "您的评论已被物业隐藏" and "留私人联系方式" in message.body
    services.help_moderate(
        actor=cs, post=post, action="restore", reason="已核实", comment_id=comment.pk
    )
    assert titles(neighbour)[-1] == "您的评论已恢复显示"
    assert titles(world.owner) == []
