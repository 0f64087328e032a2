"""Neighbour help: residents post, comment and report within their community; staff hide
and restore with a reason the author sees; other communities never see a post."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuyetong.community import selectors_life, services
from wuyetong.community.models import HelpModeration, HelpPost, HelpReport
from wuyetong.core.exceptions import ApplicationError, NotFound

from .conftest import assert_page_matrix, assert_post_denied

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(world, bind_owner):
    return bind_owner("13588880001", world.houses_a1[1], name="李邻居")


def post_of(world, **kw):
    data = {
        "kind": "carpool",
        "title": "明早7点顺路去滨江",
        "body": "可带两人，分摊油费。",
        "contact": "微信 wjg1980",
    }
    return services.help_post_create(user=world.owner, community_id=None, **{**data, **kw})


def test_a_post_is_seen_by_neighbours_and_not_by_other_communities(world, neighbour):
    post = post_of(world)
    assert post.community == world.community_a1
    assert list(selectors_life.owner_help_posts(neighbour)) == [post]
    assert list(selectors_life.owner_help_posts(world.other_owner)) == []
    with pytest.raises(NotFound):
        services.help_comment_create(user=world.other_owner, post_id=post.pk, body="我也去")


def test_bad_posts_name_the_field_and_save_nothing(world):
    for kw, field in [
        ({"title": " "}, "title"),
        ({"title": "长" * 61}, "title"),
        ({"kind": "sale"}, "kind"),
        ({"body": ""}, "body"),
        ({"contact": "x" * 31}, "contact"),
    ]:
        with pytest.raises(ApplicationError) as exc:
            post_of(world, **kw)
        assert exc.value.field == field
    with pytest.raises(ApplicationError) as exc:
        services.help_post_create(
            user=world.owner, community_id=world.community_b1.pk, kind="swap", title="x", body="x"
        )
    assert exc.value.field == "community"
    with pytest.raises(ApplicationError):  # staff without a house live nowhere
        services.help_post_create(
            user=world.staff("cashier"), community_id=None, kind="swap", title="x", body="x"
        )
    assert not HelpPost.objects.exists()


def test_comments_reports_and_moderation_with_the_reason_shown_to_the_author(
    world, neighbour, client_for
):
    post = post_of(world)
    comment = services.help_comment_create(
        user=neighbour, post_id=post.pk, body="加我微信：广告代购"
    )
    services.help_report(user=world.owner, post_id=post.pk, comment_id=comment.pk, reason="spam")
    with pytest.raises(ApplicationError) as exc:
        services.help_report(
            user=world.owner, post_id=post.pk, comment_id=comment.pk, reason="spam"
        )
    assert exc.value.code == "already_reported"
    with pytest.raises(ApplicationError) as exc:
        services.help_report(user=world.owner, post_id=post.pk, reason="spam")  # own post
    assert exc.value.code == "own"
    post.refresh_from_db()
    assert (post.comment_count, post.open_reports) == (1, 1)

    services.help_moderate(
        actor=world.staff("customer_service"),
        post=post,
        action="hide",
        reason="含广告推销信息",
        comment_id=comment.pk,
    )
    post.refresh_from_db()
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_reason == "含广告推销信息"
    assert (post.comment_count, post.open_reports) == (0, 0)
    assert HelpReport.objects.get().resolution == "hide"
    # others no longer see it; its author sees it and why
    owner_view = client_for(world.owner).get(reverse("owner_community:help_detail", args=[post.pk]))
    assert "加我微信" not in owner_view.content.decode()
    author_view = client_for(neighbour).get(reverse("owner_community:help_detail", args=[post.pk]))
    assert "您的评论已被物业隐藏。原因：含广告推销信息" in author_view.content.decode()

    services.help_moderate(
        actor=world.staff("customer_service"),
        post=post,
        action="restore",
        reason="误判，已核实",
        comment_id=comment.pk,
    )
    comment.refresh_from_db()
    assert not comment.hidden
    assert list(HelpModeration.objects.values_list("action", flat=True).order_by("pk")) == [
        "hide",
        "restore",
    ]


def test_a_hidden_post_disappears_for_neighbours_but_its_author_sees_why(
    world, neighbour, client_for
):
    post = post_of(world)
    services.help_report(user=neighbour, post_id=post.pk, reason="fraud", detail="冒充顺风车")
    services.help_moderate(
        actor=world.staff("project_manager"), post=post, action="hide", reason="经核实为虚假信息"
    )
    assert list(selectors_life.owner_help_posts(neighbour)) == []
    with pytest.raises(NotFound):
        services.help_comment_create(user=neighbour, post_id=post.pk, body="?")
    page = (
        client_for(world.owner)
        .get(reverse("owner_community:help_detail", args=[post.pk]))
        .content.decode()
    )
    assert "您的帖子已被物业隐藏，其他邻居看不到。原因：经核实为虚假信息" in page
    assert (
        client_for(neighbour)
        .get(reverse("owner_community:help_detail", args=[post.pk]))
        .status_code
        == 404
    )
    mine = (
        client_for(world.owner)
        .get(reverse("owner_community:help_list") + "?kind=mine")
        .content.decode()
    )
    assert "已被隐藏" in mine


def test_moderation_needs_a_reason_and_the_permission(world, neighbour):
    post = post_of(world)
    with pytest.raises(ApplicationError) as exc:
        services.help_moderate(
            actor=world.staff("customer_service"), post=post, action="hide", reason=" "
        )
    assert exc.value.field == "reason"
    with pytest.raises(NotFound):
        services.help_moderate(
            actor=world.staff("hq_admin", "b"), post=post, action="hide", reason="x"
        )
    with pytest.raises(ApplicationError) as exc:
        services.help_moderate(
            actor=world.staff("customer_service"), post=post, action="dismiss", reason="x"
        )
    assert exc.value.code == "no_reports"
    post.refresh_from_db()
    assert not post.hidden and not HelpModeration.objects.exists()


def test_dismissing_reports_keeps_the_post(world, neighbour):
    post = post_of(world)
    services.help_report(user=neighbour, post_id=post.pk, reason="other", detail="看着不舒服")
    services.help_moderate(
        actor=world.staff("customer_service"), post=post, action="dismiss", reason="内容正常"
    )
    post.refresh_from_db()
    assert not post.hidden and post.open_reports == 0
    assert HelpReport.objects.get().resolution == "dismiss"


def test_the_author_closes_their_post_and_nobody_else_can(world, neighbour):
    post = post_of(world)
    with pytest.raises(NotFound):
        services.help_post_close(user=neighbour, post_id=post.pk)
    services.help_post_close(user=world.owner, post_id=post.pk)
    with pytest.raises(ApplicationError) as exc:
        services.help_comment_create(user=neighbour, post_id=post.pk, body="还有位吗")
    assert exc.value.code == "closed"


# ------------------------------------------------------------------ pages


def test_console_pages_permission_matrix(world, client, client_for, neighbour):
    post = post_of(world)
    for name, args in [("help_list", []), ("help_detail", [post.pk])]:
        assert_page_matrix(
            world,
            client,
            client_for,
            reverse(f"community:{name}", args=args),
            object_page=bool(args),
        )
    url = reverse("community:help_moderate", args=[post.pk])
    assert_post_denied(
        world,
        client,
        client_for,
        url,
        {"action": "hide", "reason": "x"},
        [HelpPost, HelpModeration],
        perm_role="cashier",
    )


def test_the_moderation_queue_shows_reported_posts_first(world, neighbour, client_for):
    quiet = post_of(world, title="出闲置婴儿车")
    loud = post_of(world, title="高价回收黄金")
    services.help_report(user=neighbour, post_id=loud.pk, reason="spam")
    page = (
        client_for(world.staff("customer_service"))
        .get(reverse("community:help_list"))
        .content.decode()
    )
    assert page.index("高价回收黄金") < page.index("出闲置婴儿车")
    reported = (
        client_for(world.staff("customer_service"))
        .get(reverse("community:help_list") + "?status=reported")
        .content.decode()
    )
    assert "高价回收黄金" in reported and "出闲置婴儿车" not in reported
    response = client_for(world.staff("customer_service")).post(
        reverse("community:help_moderate", args=[loud.pk]),
        {"action": "hide", "reason": "广告"},
        follow=True,
    )
    assert "已隐藏" in response.content.decode()
    loud.refresh_from_db()
    quiet.refresh_from_db()
    assert loud.hidden and not quiet.hidden


def test_owner_pages_post_comment_report(world, neighbour, client_for):
    c = client_for(world.owner)
    bad = c.post(reverse("owner_community:help_new"), {"kind": "swap", "title": "", "body": "x"})
    assert bad.status_code == 400 and "请填写标题" in bad.content.decode()
    made = c.post(
        reverse("owner_community:help_new"),
        {"kind": "lost_found", "title": "捡到一串钥匙", "body": "在3幢门口捡到，已交物业前台。"},
    )
    post = HelpPost.objects.get()
    assert made.status_code == 302 and post.kind == "lost_found"
    n = client_for(neighbour)
    feed = n.get(reverse("owner_community:help_list") + "?kind=lost_found").content.decode()
    assert "捡到一串钥匙" in feed and "王**" in feed  # the author's name masked
    n.post(reverse("owner_community:help_comment", args=[post.pk]), {"body": "是我的，谢谢！"})
    n.post(
        reverse("owner_community:help_report", args=[post.pk]),
        {"reason": "other", "detail": "测试"},
    )
    post.refresh_from_db()
    assert post.comment_count == 1 and post.open_reports == 1
    empty = n.post(reverse("owner_community:help_comment", args=[post.pk]), {"body": " "})
    assert empty.status_code == 400 and "请填写评论" in empty.content.decode()
    assert (
        client_for(world.other_owner)
        .get(reverse("owner_community:help_detail", args=[post.pk]))
        .status_code
        == 404
    )


def test_help_list_query_count_is_flat(world, neighbour, client_for, django_assert_max_num_queries):
    for i in range(25):
        post_of(world, title=f"闲置物品{i}")
    c = client_for(world.staff("customer_service"))
    c.get(reverse("community:help_list"))
    with django_assert_max_num_queries(12):
        c.get(reverse("community:help_list"))
    o = client_for(neighbour)
    o.get(reverse("owner_community:help_list"))
    with django_assert_max_num_queries(10):
        o.get(reverse("owner_community:help_list"))


# ------------------------------------------------------------------ API


def test_api(world, neighbour, api_for):
    me = api_for(world.owner)
    made = me.post(
        "/api/v1/community/my/help-posts/",
        {"kind": "swap", "title": "换一个儿童座椅", "body": "九成新"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    pid = made.json()["id"]
    them = api_for(neighbour)
    assert them.get("/api/v1/community/my/help-posts/").json()["count"] == 1
    assert (
        them.post(
            f"/api/v1/community/my/help-posts/{pid}/comments/", {"body": "我要"}, format="json"
        ).status_code
        == 201
    )
    assert (
        them.post(
            f"/api/v1/community/my/help-posts/{pid}/reports/", {"reason": "spam"}, format="json"
        ).status_code
        == 201
    )
    cs = api_for(world.staff("customer_service"))
    listing = cs.get("/api/v1/community/help-posts/?status=reported").json()
    assert listing["count"] == 1 and listing["results"][0]["open_reports"] == 1
    hidden = cs.post(
        f"/api/v1/community/help-posts/{pid}/moderate/",
        {"action": "hide", "reason": "重复发布"},
        format="json",
    )
    assert hidden.status_code == 200 and hidden.json()["hidden"]
    assert them.get(f"/api/v1/community/my/help-posts/{pid}/").status_code == 404
    mine = me.get(f"/api/v1/community/my/help-posts/{pid}/").json()
    assert mine["hidden_reason"] == "重复发布"
    assert api_for(world.staff("cashier")).get("/api/v1/community/help-posts/").status_code == 403
    assert (
        api_for(world.staff("hq_admin", "b"))
        .post(
            f"/api/v1/community/help-posts/{pid}/moderate/",
            {"action": "restore", "reason": "x"},
            format="json",
        )
        .status_code
        == 404
    )
    assert api_for(world.other_owner).get("/api/v1/community/my/help-posts/").json()["count"] == 0
