"""Vote pages and API: staff follow and publish, owners cast on the phone, committee
members see progress, the bureau sees results of its district; the permission matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wuyetong.community import services
from wuyetong.community.models import Ballot, Vote, VoteVoter

from .conftest import assert_page_matrix, assert_post_denied

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_vote(world):
    """An open vote in 翠苑一区 (the world's owner lives there), running now."""
    now = timezone.now()
    vote = services.vote_create(
        actor=world.staff("project_manager"),
        community=world.community_a1,
        title="续聘安居物业",
        matter="manager",
        description="续聘三年，服务费标准不变。",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=7),
    )
    return services.vote_publish(actor=world.staff("project_manager"), vote=vote)


def test_staff_pages_permission_matrix(world, client, client_for, open_vote):
    for name, args in [
        ("vote_list", []),
        ("vote_create", []),
        ("vote_detail", [open_vote.pk]),
    ]:
        assert_page_matrix(
            world,
            client,
            client_for,
            reverse(f"community:{name}", args=args),
            object_page=bool(args),
        )


def test_denied_vote_actions_change_nothing(world, client, client_for, open_vote):
    house = world.owner_house
    posts = [
        ("vote_cancel", {"reason": "x"}, "customer_service"),
        ("vote_close", {}, "customer_service"),
        ("vote_paper", {"house": house.pk, "choice": "agree", "paper_ref": "1"}, "cashier"),
    ]
    for name, data, role in posts:
        url = reverse(f"community:{name}", args=[open_vote.pk])
        assert_post_denied(world, client, client_for, url, data, [Vote, Ballot], perm_role=role)


def test_the_detail_page_shows_the_four_ratios_and_the_roll(world, client_for, open_vote):
    services.ballot_cast(user=world.owner, vote_id=open_vote.pk, choice="agree")
    page = client_for(world.staff("project_manager")).get(
        reverse("community:vote_detail", args=[open_vote.pk])
    )
    html = page.content.decode()
    for text in (
        "参与表决的专有部分面积占比",
        "参与表决的业主人数占比",
        "同意的面积占参与表决面积",
    ):
        assert text in html
    assert "目前参与人数或面积未达三分之二" in html and "data-echarts" in html
    assert "王建国" in html and "同意" in html
    pending = client_for(world.staff("project_manager")).get(
        reverse("community:vote_detail", args=[open_vote.pk]) + "?roll=pending"
    )
    assert "王建国" not in pending.content.decode()


def test_paper_ballot_entry_from_the_page(world, client_for, open_vote):
    house = world.houses_a1[1]
    c = client_for(world.staff("customer_service"))
    url = reverse("community:vote_paper", args=[open_vote.pk])
    response = c.post(url, {"house": house.pk, "choice": "oppose", "paper_ref": "ZP-0001"})
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    assert (
        ballot.channel == "paper"
        and ballot.choice == "oppose"
        and ballot.cast_by == world.staff("customer_service")
    )
    again = c.post(url, {"house": house.pk, "choice": "agree", "paper_ref": "ZP-0002"})
    assert again.status_code == 400
    assert Ballot.objects.get().choice == "oppose"


def test_publishing_from_the_page_freezes_the_roll(world, client_for):
    now = timezone.now()
    vote = services.vote_create(
        actor=world.staff("customer_service"),
        community=world.community_a1,
        title="电梯加装",
        matter="rebuild",
        opens_at=now,
        closes_at=now + dt.timedelta(days=3),
    )
    denied = client_for(world.staff("customer_service")).post(
        reverse("community:vote_publish", args=[vote.pk])
    )
    assert denied.status_code == 403
    response = client_for(world.staff("project_manager")).post(
        reverse("community:vote_publish", args=[vote.pk]), follow=True
    )
    vote.refresh_from_db()
    assert vote.state == "open" and vote.major
    assert VoteVoter.objects.filter(vote=vote).count() == vote.total_owners
    assert f"{vote.total_owners} 名业主" in response.content.decode()


def test_the_roll_exports_to_excel(world, client_for, open_vote):
    from io import BytesIO

    from openpyxl import load_workbook

    services.ballot_cast(user=world.owner, vote_id=open_vote.pk, choice="abstain")
    response = client_for(world.staff("hq_admin")).get(
        reverse("community:vote_detail", args=[open_vote.pk]) + "?export=xlsx"
    )
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[0][:4] == ("房屋", "业主", "专有部分面积(㎡)", "表决意见")
    assert len(rows) == 1 + open_vote.total_owners
    assert any(r[1] == "王建国" and r[3] == "弃权" for r in rows[1:])
    assert (
        client_for(world.staff("customer_service"))
        .get(reverse("community:vote_detail", args=[open_vote.pk]) + "?export=xlsx")
        .status_code
        == 403
    )


def test_vote_list_query_count_is_flat(world, client_for, django_assert_max_num_queries):
    now = timezone.now()
    for i in range(25):
        services.vote_create(
            actor=world.staff("project_manager"),
            community=world.community_a1,
            title=f"事项{i}",
            matter="other",
            opens_at=now,
            closes_at=now + dt.timedelta(days=1),
        )
    c = client_for(world.staff("project_manager"))
    c.get(reverse("community:vote_list"))
    with django_assert_max_num_queries(12):
        assert c.get(reverse("community:vote_list")).status_code == 200


# ---------------------------------------------------------------- owner pages


def test_the_owner_casts_once_on_the_phone_and_cannot_change_it(world, client_for, open_vote):
    c = client_for(world.owner)
    listing = c.get(reverse("owner_community:vote_list")).content.decode()
    assert "续聘安居物业" in listing and "待投票" in listing
    detail = reverse("owner_community:vote_detail", args=[open_vote.pk])
    page = c.get(detail).content.decode()
    assert "提交表决意见" in page and "计票进度" not in page  # not on the committee
    ballot_url = reverse("owner_community:vote_cast", args=[open_vote.pk])
    response = c.post(ballot_url, {"choice": "agree"}, follow=True)
    assert "已提交：同意" in response.content.decode()
    again = c.post(ballot_url, {"choice": "oppose"})
    assert again.status_code == 400 and "不能更改" in again.content.decode()
    assert Ballot.objects.get().choice == "agree"
    assert "已投：同意" in c.get(reverse("owner_community:vote_list")).content.decode()


def test_a_bad_choice_is_refused_and_nothing_saved(world, client_for, open_vote):
    response = client_for(world.owner).post(
        reverse("owner_community:vote_cast", args=[open_vote.pk]), {"choice": "yes"}
    )
    assert response.status_code == 400 and "请选择同意、反对或弃权" in response.content.decode()
    assert not Ballot.objects.exists()


def test_owners_of_other_communities_get_404_and_tenants_have_no_vote(
    world, client, client_for, open_vote, bind_owner
):
    detail = reverse("owner_community:vote_detail", args=[open_vote.pk])
    cast = reverse("owner_community:vote_cast", args=[open_vote.pk])
    assert client.get(detail).status_code == 302
    assert client_for(world.other_owner).get(detail).status_code == 404
    assert client_for(world.other_owner).post(cast, {"choice": "agree"}).status_code == 404
    tenant = bind_owner("13566667777", world.houses_a1[2], name="租客", relation="tenant")
    page = client_for(tenant).get(detail).content.decode()
    assert "不在本次表决的业主名册中" in page
    assert client_for(tenant).post(cast, {"choice": "agree"}).status_code == 400
    assert not Ballot.objects.exists()


def test_a_committee_member_sees_the_progress(world, client_for, open_vote):
    from wuyetong.estates.models import Resident

    services.committee_member_add(
        actor=world.staff("project_manager"),
        community=world.community_a1,
        role="member",
        resident=Resident.objects.get(user=world.owner),
        term_start=dt.date(2023, 1, 1),
    )
    page = (
        client_for(world.owner)
        .get(reverse("owner_community:vote_detail", args=[open_vote.pk]))
        .content.decode()
    )
    assert "计票进度" in page and "参与表决的业主人数占比" in page
    listing = client_for(world.owner).get(reverse("owner_community:vote_list")).content.decode()
    assert "王建国" in listing and "委员" in listing  # the committee card


def test_the_result_after_closing_for_owner_and_bureau(world, client_for, open_vote):
    services.ballot_cast(user=world.owner, vote_id=open_vote.pk, choice="agree")
    services.vote_close(vote=open_vote, now=open_vote.closes_at)
    page = (
        client_for(world.owner)
        .get(reverse("owner_community:vote_detail", args=[open_vote.pk]))
        .content.decode()
    )
    assert "表决结果" in page and "表决无效（参与表决未达三分之二）" in page
    # the district's bureau: list and result; the other district's bureau: nothing
    bureau = client_for(world.bureau_official)
    listing = bureau.get(reverse("community:bureau_vote_list")).content.decode()
    assert "续聘安居物业" in listing and "无效（参与不足）" in listing
    result = bureau.get(reverse("community:bureau_vote_detail", args=[open_vote.pk]))
    assert "参与表决的专有部分面积占比" in result.content.decode()
    other = client_for(world.bureau_b_official)
    assert "续聘安居物业" not in other.get(reverse("community:bureau_vote_list")).content.decode()
    assert (
        other.get(reverse("community:bureau_vote_detail", args=[open_vote.pk])).status_code == 404
    )
    # staff and owners are not the bureau
    assert (
        client_for(world.staff("hq_admin")).get(reverse("community:bureau_vote_list")).status_code
        == 403
    )
    assert client_for(world.owner).get(reverse("community:bureau_vote_list")).status_code == 403


def test_the_bureau_sees_open_votes_without_their_count(world, client_for, open_vote):
    page = (
        client_for(world.bureau_official)
        .get(reverse("community:bureau_vote_detail", args=[open_vote.pk]))
        .content.decode()
    )
    assert "截止后显示表决结果" in page and "参与表决的专有部分面积占比" not in page


# ---------------------------------------------------------------- API


def test_staff_api(world, api_for, open_vote):
    url = "/api/v1/community/votes/"
    pm = api_for(world.staff("project_manager"))
    assert pm.get(url).json()["count"] == 1
    assert api_for(world.staff("hq_admin", "b")).get(f"{url}{open_vote.pk}/").status_code == 404
    assert api_for(world.staff("cashier")).get(url).status_code == 403
    assert api_for(world.owner).get(url).status_code == 403
    result = pm.get(f"{url}{open_vote.pk}/result/").json()
    assert result["final"] is False and len(result["ratios"]) == 4
    paper = pm.post(
        f"{url}{open_vote.pk}/paper-ballot/",
        {"house": world.houses_a1[1].pk, "choice": "agree", "paper_ref": "P-9"},
        format="json",
    )
    assert paper.status_code == 201 and paper.json()["channel"] == "paper"
    roll = pm.get(f"{url}{open_vote.pk}/roll/?status=voted").json()
    assert roll["count"] == 1
    early = pm.post(f"{url}{open_vote.pk}/close/")
    assert early.status_code == 400 and early.json()["code"] == "too_early"
    assert (
        api_for(world.staff("customer_service")).post(f"{url}{open_vote.pk}/close/").status_code
        == 403
    )
    edit = pm.patch(f"{url}{open_vote.pk}/", {"title": "改"}, format="json")
    assert edit.status_code == 400 and edit.json()["code"] == "published"


def test_owner_api(world, api_for, open_vote):
    me = api_for(world.owner)
    listing = me.get("/api/v1/community/my/votes/").json()
    assert [(r["vote"]["title"], r["on_roll"], r["ballot"]) for r in listing] == [
        ("续聘安居物业", True, None)
    ]
    cast = me.post(
        f"/api/v1/community/my/votes/{open_vote.pk}/ballot/", {"choice": "oppose"}, format="json"
    )
    assert cast.status_code == 201 and cast.json()["ballot"]["choice"] == "oppose"
    assert cast.json()["result"] is None
    again = me.post(
        f"/api/v1/community/my/votes/{open_vote.pk}/ballot/", {"choice": "agree"}, format="json"
    )
    assert again.status_code == 400 and again.json()["code"] == "already_voted"
    bad = me.post(
        f"/api/v1/community/my/votes/{open_vote.pk}/ballot/", {"choice": "x"}, format="json"
    )
    assert bad.status_code == 400 and "choice" in bad.json()["errors"]
    other = api_for(world.other_owner)
    assert other.get(f"/api/v1/community/my/votes/{open_vote.pk}/").status_code == 404
    assert (
        other.post(
            f"/api/v1/community/my/votes/{open_vote.pk}/ballot/", {"choice": "agree"}, format="json"
        ).status_code
        == 404
    )
    assert Ballot.objects.get().choice == "oppose"
    assert Ballot.objects.get().area == Decimal(
        str(VoteVoter.objects.get(ballot__isnull=False).area)
    )
