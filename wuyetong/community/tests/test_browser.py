"""Community life in Chromium: every owner page driven at 390 × 844 as an owner would use it
(vote, answer a survey, sign up, post and report, call for help), and the staff and bureau
pages at a desk. Screenshots go to $SCREENSHOT_DIR (default: the temporary directory)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from wuyetong.community import services
from wuyetong.community.models import Ballot, HelpPost, Response, Signup
from wuyetong.conftest import browser_login
from wuyetong.demo.builders import DEMO_PASSWORD, owner_bind, user_create
from wuyetong.estates.models import Resident

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir())) / "wuyetong-shots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"community_{name}.png"), full_page=True)


def fits(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, page.url


def life(world) -> dict:
    """An open vote, a closed one, a survey, an activity and a neighbour in 翠苑一区; the
    world's owner chairs its 业委会."""
    pm, cs = world.staff("project_manager"), world.staff("customer_service")
    now = timezone.now()
    c = world.community_a1
    services.committee_member_add(
        actor=pm,
        community=c,
        role="director",
        resident=Resident.objects.get(user=world.owner),
        term_start=dt.date(2023, 3, 18),
        term_end=dt.date(2028, 3, 17),
    )
    services.emergency_defaults_create(actor=pm, community=c)
    neighbour = user_create("13588880001", "李晓梅")
    owner_bind(user=neighbour, house=world.houses_a1[1])
    for i, house in enumerate(world.houses_a1[2:7], start=2):
        owner_bind(user=user_create(f"135888800{i:02d}", f"业主{i}"), house=house)
    closed = services.vote_create(
        actor=pm,
        community=c,
        title="续聘安居物业（2025—2027年）",
        matter="manager",
        opens_at=now - dt.timedelta(days=20),
        closes_at=now - dt.timedelta(days=10),
    )
    closed = services.vote_publish(actor=pm, vote=closed, now=now - dt.timedelta(days=20))
    for house, choice in zip(world.houses_a1[1:7], ["agree"] * 5 + ["oppose"], strict=True):
        services.ballot_record_paper(
            actor=cs,
            vote=closed,
            house=house,
            choice=choice,
            paper_ref=f"P{house.pk}",
            now=now - dt.timedelta(days=15),
        )
    services.vote_close(vote=closed, now=closed.closes_at)
    open_vote = services.vote_create(
        actor=pm,
        community=c,
        title="使用专项维修资金更换1幢电梯",
        matter="fund_use",
        description="1幢电梯已使用十五年，拟使用专项维修资金更换，预算约48万元。",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10),
    )
    services.vote_publish(actor=pm, vote=open_vote)
    services.ballot_cast(user=neighbour, vote_id=open_vote.pk, choice="agree")
    survey = services.survey_create(
        actor=cs,
        community=c,
        title="物业服务满意度调查",
        description="每户一份，约需两分钟。",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=7),
    )
    services.question_add(
        actor=cs,
        survey=survey,
        kind="single",
        text="总体是否满意",
        options=["满意", "一般", "不满意"],
    )
    services.question_add(
        actor=cs,
        survey=survey,
        kind="multiple",
        text="希望改进哪些方面",
        options=["保洁", "安保", "绿化", "维修"],
    )
    services.question_add(actor=cs, survey=survey, kind="rating", text="保安服务打分")
    services.question_add(actor=cs, survey=survey, kind="text", text="其他建议", required=False)
    services.survey_publish(actor=cs, survey=survey)
    start = timezone.localtime(now).replace(
        hour=14, minute=0, second=0, microsecond=0
    ) + dt.timedelta(days=4)
    activity = services.activity_create(
        actor=cs,
        community=c,
        title="中秋亲子灯笼制作",
        place="社区活动中心二楼",
        description="物业提供灯笼材料包，欢迎家长带孩子来做灯笼、猜灯谜。",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        signup_deadline=start - dt.timedelta(days=1),
        capacity=20,
        max_party=3,
    )
    services.activity_publish(actor=cs, activity=activity)
    services.signup_create(user=neighbour, activity_id=activity.pk, party_size=2)
    post = services.help_post_create(
        user=neighbour,
        community_id=c.pk,
        kind="lost_found",
        title="3幢门口捡到一串钥匙",
        body="挂着小熊挂件，已交物业前台。",
    )
    return {
        "neighbour": neighbour,
        "closed": closed,
        "open": open_vote,
        "survey": survey,
        "activity": activity,
        "post": post,
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_owner_uses_community_life_on_a_phone(world, page_for, live_server):
    cache.clear()
    data = life(world)
    phone = page_for(phone=True)
    phone.on("dialog", lambda d: d.accept())
    browser_login(phone, world.owner.phone, DEMO_PASSWORD, path="/app/login/")

    # 一键救助: big tap-to-call buttons
    phone.goto("/app/community/emergency/")
    assert phone.locator("a.sos[href='tel:110']").count() == 1
    box = phone.locator("a.sos[href='tel:120']").bounding_box()
    assert box["height"] >= 60 and box["width"] > 300
    fits(phone)
    shot(phone, "owner_emergency")

    # 投票: the list, casting once, the committee member's live count, a closed result
    phone.goto("/app/community/votes/")
    assert "待投票" in phone.inner_text("body") and "通过" in phone.inner_text("body")
    fits(phone)
    shot(phone, "owner_vote_list")
    phone.click("text=使用专项维修资金更换1幢电梯")
    phone.wait_for_selector("form.ballot")
    assert "计票进度" in phone.inner_text("body")  # the owner chairs the committee
    shot(phone, "owner_vote_detail")
    phone.click("label.c-agree")
    phone.click("button:has-text('提交表决意见')")
    phone.wait_for_selector(".cast.done")
    assert "已提交：同意" in phone.inner_text("body") and "不可更改" in phone.inner_text("body")
    assert (
        Ballot.objects.get(vote=data["open"], voter__owners__resident__user=world.owner).choice
        == "agree"
    )
    fits(phone)
    shot(phone, "owner_vote_cast")
    phone.goto(f"/app/community/votes/{data['closed'].pk}/")
    assert "表决结果" in phone.inner_text("body") and "表决通过" in phone.inner_text("body")
    fits(phone)
    shot(phone, "owner_vote_result")

    # 问卷: answer on the phone; a missing answer is pointed out first
    phone.goto("/app/community/surveys/")
    phone.click("text=物业服务满意度调查")
    phone.wait_for_selector("form.survey")
    phone.click("label.opt:has-text('满意')")
    phone.click("label.opt:has-text('绿化')")
    phone.click("button:has-text('提交问卷')")
    phone.wait_for_selector(".card.q.invalid")
    assert "此题必答" in phone.inner_text(".card.q.invalid")
    shot(phone, "owner_survey_error")
    phone.click(".stars label:has-text('4')")
    phone.fill("textarea", "地下车库灯光偏暗。")
    phone.click("button:has-text('提交问卷')")
    phone.wait_for_selector("text=提交成功，感谢您的参与")
    assert Response.objects.filter(survey=data["survey"], user=world.owner).count() == 1
    fits(phone)
    shot(phone, "owner_survey_done")

    # 活动: sign up for two, then cancel
    phone.goto("/app/community/activities/")
    fits(phone)
    shot(phone, "owner_activity_list")
    phone.click("text=中秋亲子灯笼制作")
    phone.click(".seg label:has-text('2')")
    phone.fill("input[name=note]", "孩子6岁")
    shot(phone, "owner_activity_detail")
    phone.click("button:has-text('确认报名')")
    phone.wait_for_selector("text=报名成功")
    data["activity"].refresh_from_db()
    assert data["activity"].signed_count == 4
    shot(phone, "owner_activity_signed")
    phone.click("button:has-text('取消报名')")
    phone.wait_for_selector("text=已取消报名")
    assert Signup.objects.filter(user=world.owner, state="active").count() == 0

    # 邻里互助: the feed, a new post, a comment and a report
    phone.goto("/app/community/help/")
    assert "3幢门口捡到一串钥匙" in phone.inner_text("body") and "李**" in phone.inner_text("body")
    shot(phone, "owner_help_list")
    phone.click("header.bar a.end")
    assert phone.locator("select[name=community]").count() == 0  # one community: no choice
    phone.click(".seg label:has-text('拼车出行')")
    phone.fill("input[name=title]", "明早7:30去钱江新城，可带2人")
    phone.fill("textarea[name=body]", "分摊油费，工作日长期有效。")
    shot(phone, "owner_help_new")
    phone.click("button:has-text('发布')")
    phone.wait_for_selector("text=发布成功")
    mine = HelpPost.objects.get(author=world.owner)
    assert mine.kind == "carpool"
    phone.goto(f"/app/community/help/{data['post'].pk}/")
    phone.fill("input[name=body]", "是我的钥匙，谢谢！")
    phone.click("button:has-text('发送')")
    phone.wait_for_selector("text=评论已发布")
    phone.click("details.report summary")
    phone.click("label.opt:has-text('其他')")
    phone.click("button:has-text('提交举报')")
    phone.wait_for_selector("text=已举报，物业会尽快处理")
    fits(phone)
    shot(phone, "owner_help_detail")
    # staff hide the owner's post: the owner sees why
    services.help_moderate(
        actor=world.staff("customer_service"),
        post=mine,
        action="hide",
        reason="请勿留私人微信，可在评论区联系",
    )
    phone.goto(f"/app/community/help/{mine.pk}/")
    assert "您的帖子已被物业隐藏" in phone.inner_text("body")
    shot(phone, "owner_help_hidden")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_and_bureau_pages_at_a_desk(world, page_for, live_server):
    cache.clear()
    data = life(world)
    services.response_submit(
        user=data["neighbour"],
        survey_id=data["survey"].pk,
        answers={
            q.pk: (
                q.options.first().pk
                if q.kind == "single"
                else [o.pk for o in q.options.all()[:2]]
                if q.kind == "multiple"
                else 5
                if q.kind == "rating"
                else "保洁很好"
            )
            for q in data["survey"].questions.all()
        },
    )
    services.help_report(
        user=world.owner, post_id=data["post"].pk, reason="other", detail="测试举报"
    )
    desk = page_for()
    desk.on("dialog", lambda d: d.accept())
    browser_login(desk, world.staff("project_manager").phone, DEMO_PASSWORD)

    desk.goto("/community/committee/")
    assert "王建国" in desk.inner_text("table") and "主任" in desk.inner_text("table")
    shot(desk, "staff_committee_list")
    desk.click("table a:has-text('王建国')")
    desk.wait_for_selector("#seats")
    shot(desk, "staff_committee_detail")

    desk.goto(f"/community/votes/{data['open'].pk}/")
    desk.wait_for_selector("[data-echarts][data-drawn='1']")
    assert "计票进度" in desk.inner_text("body")
    shot(desk, "staff_vote_open")
    desk.goto(f"/community/votes/{data['closed'].pk}/")
    desk.wait_for_selector("[data-echarts][data-drawn='1']")
    assert "表决通过" in desk.inner_text(".verdict")
    shot(desk, "staff_vote_closed")
    desk.select_option("select[name=roll]", "pending")
    desk.wait_for_function("!document.querySelector('#roll').innerText.includes('同意')")
    shot(desk, "staff_vote_roll_pending")

    desk.goto("/community/votes/new/")
    desk.select_option("select[name=community]", str(world.community_a1.pk))
    desk.fill("input[name=title]", "增设电动自行车充电车棚")
    desk.select_option("select[name=matter]", "common_use")
    desk.fill("input[name=opens_at]", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    desk.fill(
        "input[name=closes_at]",
        (timezone.localtime() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
    )
    shot(desk, "staff_vote_new")
    desk.click("button:has-text('保存')")
    desk.wait_for_selector("text=发布表决")
    desk.click("button:has-text('发布表决')")
    desk.wait_for_selector("text=已发布，表决名册共")
    shot(desk, "staff_vote_published")

    desk.goto(f"/community/surveys/{data['survey'].pk}/")
    desk.wait_for_selector("[data-echarts][data-drawn='1']")
    assert "回收率" in desk.inner_text("body")
    shot(desk, "staff_survey_results")

    desk.goto(f"/community/activities/{data['activity'].pk}/")
    assert "李晓梅" in desk.inner_text("#signups")
    shot(desk, "staff_activity_detail")

    desk.goto("/community/help/?status=reported")
    assert "3幢门口捡到一串钥匙" in desk.inner_text("table")
    shot(desk, "staff_help_queue")
    desk.click("table a:has-text('3幢门口捡到一串钥匙')")
    desk.fill("form.moderate input[name=reason]", "内容正常")
    desk.click("form.moderate button:has-text('驳回举报')")
    desk.wait_for_selector("text=已驳回举报")
    shot(desk, "staff_help_detail")

    desk.goto("/community/emergency/")
    assert "110" in desk.inner_text("table")
    shot(desk, "staff_emergency")

    bureau = page_for()
    browser_login(bureau, world.bureau_official.phone, DEMO_PASSWORD)
    bureau.goto("/community/bureau/votes/")
    assert "续聘安居物业" in bureau.inner_text("table") and "通过" in bureau.inner_text("table")
    shot(bureau, "bureau_vote_list")
    bureau.click("table a:has-text('续聘安居物业')")
    bureau.wait_for_selector(".ratios")
    shot(bureau, "bureau_vote_result")
