"""Demo data for community life, made through the services so it shows what the product
records: the 业委会 of each community (with one member's history), 一键救助 numbers, a
survey with answers, a vote that passed, one that failed for participation and one open,
activities with sign-ups, and neighbour-help posts with comments, reports and moderation.
Called by the demo loader (outside this app)."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.models import Resident
from wuyetong.orgs.models import Community

from . import services
from .models import Survey, Vote, VoteVoter

User = get_user_model()


def app_residents(community: Community, n: int, *, seed: int) -> list:
    """Give `n` of the community's generated residents an app account (they registered
    with their phone; no password is known, so nobody logs in as them)."""
    rng = random.Random(seed)
    residents = list(
        Resident.objects.filter(
            occupancies__house__community=community,
            occupancies__end_date__isnull=True,
            user__isnull=True,
        )
        .exclude(phone="")
        .distinct()
        .order_by("pk")
    )
    chosen = rng.sample(residents, min(n, len(residents)))
    users = []
    for r in chosen:
        user = User(phone=r.phone, name=r.name, real_name_verified=True)
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users, batch_size=500)
    by_phone = {u.phone: u for u in User.objects.filter(phone__in=[r.phone for r in chosen])}
    for r in chosen:
        r.user = by_phone[r.phone]
    Resident.objects.bulk_update(chosen, ["user"], batch_size=500)
    return [by_phone[r.phone] for r in chosen]


def committee(*, staff, community: Community, director=None, seed: int, today: dt.date) -> None:
    rng = random.Random(seed)
    candidates = Resident.objects.filter(
        occupancies__house__community=community,
        occupancies__relation="owner",
        occupancies__end_date__isnull=True,
    )
    if director is not None:
        candidates = candidates.exclude(pk=director.pk)
    owners = list(candidates.distinct().order_by("pk")[:200])
    picked = rng.sample(owners, 5)
    term_start = dt.date(today.year - 2, 3, 18)
    term_end = dt.date(today.year + 3, 3, 17)
    seats = [("director", director or picked.pop()), ("deputy", picked.pop())]
    seats += [("member", r) for r in picked[:3]]
    made = []
    for role, resident in seats:
        made.append(
            services.committee_member_add(
                actor=staff,
                community=community,
                role=role,
                resident=resident,
                term_start=term_start,
                term_end=term_end,
            )
        )
    # One member resigned last year: the seat stays as history.
    services.committee_member_end(
        actor=staff,
        member=made[-1],
        ended_on=dt.date(today.year - 1, 9, 30),
        reason="工作调动，本人申请辞去委员职务",
    )


def emergency(*, staff, community: Community, extra: bool) -> None:
    services.emergency_defaults_create(actor=staff, community=community)
    if extra:
        services.emergency_contact_create(
            actor=staff,
            community=community,
            name="电梯困人救援",
            phone="96333",
            kind="other",
            note="电梯故障困人请拨打",
            sort=50,
        )
        services.emergency_contact_create(
            actor=staff,
            community=community,
            name="燃气抢修",
            phone="96777",
            kind="fire",
            note="闻到燃气味请先开窗，勿开关电器",
            sort=60,
        )


def _ballots(
    vote: Vote, staff, *, share: float, agree: float, seed: int, at: dt.datetime, skip=None
) -> None:
    """Signed paper ballots for a share of the roll (not the developer's entry, and not the
    demo owner's, who votes on the phone)."""
    rng = random.Random(seed)
    voters = list(
        VoteVoter.objects.filter(vote=vote, developer=False)
        .exclude(owners__resident=skip)
        .prefetch_related("houses__house")
        .order_by("pk")
    )
    for i, voter in enumerate(rng.sample(voters, int(len(voters) * share)), start=1):
        r = rng.random()
        choice = (
            "agree" if r < agree else ("oppose" if r < agree + (1 - agree) * 0.6 else "abstain")
        )
        services.ballot_record_paper(
            actor=staff,
            vote=vote,
            house=voter.houses.all()[0].house,
            choice=choice,
            paper_ref=f"{vote.pk:02d}-{i:04d}",
            now=at,
        )


def votes(*, manager, community: Community, now: dt.datetime, skip=None) -> dict[str, Vote]:
    def make(title, matter, description, opens, closes):
        vote = services.vote_create(
            actor=manager,
            community=community,
            title=title,
            matter=matter,
            description=description,
            opens_at=opens,
            closes_at=closes,
        )
        return services.vote_publish(actor=manager, vote=vote, now=opens)

    passed = make(
        "续聘杭州安居物业服务有限公司（2025—2027年）",
        "manager",
        "物业服务合同将于年底到期。业委会提议续聘现物业服务企业三年，物业费标准不变，"
        "服务内容与质量标准见公示的合同草案。",
        now - dt.timedelta(days=75),
        now - dt.timedelta(days=60),
    )
    _ballots(
        passed, manager, share=0.86, agree=0.74, seed=51, skip=skip, at=now - dt.timedelta(days=70)
    )
    services.vote_close(vote=passed, now=passed.closes_at)

    failed = make(
        "利用东门空地设置快递驿站并收取场地费",
        "common_use",
        "拟将东门内侧约80㎡空地出租用于快递驿站，场地费收入纳入公共收益。"
        "该事项属改变共有部分用途或利用共有部分从事经营活动，须四分之三以上同意。",
        now - dt.timedelta(days=40),
        now - dt.timedelta(days=25),
    )
    _ballots(
        failed, manager, share=0.52, agree=0.8, seed=52, skip=skip, at=now - dt.timedelta(days=30)
    )
    services.vote_close(vote=failed, now=failed.closes_at)

    current = make(
        "使用专项维修资金更换3幢、5幢电梯",
        "fund_use",
        "3幢、5幢电梯已使用十五年，年检多次整改。拟使用专项维修资金更换，"
        "预算约96万元，按两幢业主专有部分面积分摊。详见公告栏及物业服务中心公示。",
        now - dt.timedelta(days=3),
        now + dt.timedelta(days=11),
    )
    _ballots(
        current, manager, share=0.38, agree=0.7, seed=53, skip=skip, at=now - dt.timedelta(days=1)
    )
    return {"passed": passed, "failed": failed, "open": current}


def survey(*, staff, community: Community, users: list, now: dt.datetime) -> Survey:
    s = services.survey_create(
        actor=staff,
        community=community,
        title="2024年度物业服务满意度调查",
        description="您的意见将用于改进明年的服务计划，每户填写一份，约需2分钟。",
        answer_mode="per_house",
        opens_at=now - dt.timedelta(days=6),
        closes_at=now + dt.timedelta(days=8),
    )
    q1 = services.question_add(
        actor=staff,
        survey=s,
        kind="single",
        text="您对本小区物业服务的总体评价",
        options=["非常满意", "满意", "一般", "不满意"],
    )
    q2 = services.question_add(
        actor=staff,
        survey=s,
        kind="multiple",
        text="您希望明年重点改进哪些方面（可多选）",
        options=["环境保洁", "秩序维护", "绿化养护", "设施维修", "停车管理", "服务态度"],
    )
    q3 = services.question_add(
        actor=staff, survey=s, kind="rating", text="请为保安和门岗服务打分", max_rating=5
    )
    q4 = services.question_add(
        actor=staff, survey=s, kind="text", text="其他意见或建议", required=False
    )
    services.survey_publish(actor=staff, survey=s, now=now - dt.timedelta(days=6))
    rng = random.Random(61)
    weights = {"非常满意": 3, "满意": 5, "一般": 2, "不满意": 1}
    opts1 = {o.text: o.pk for o in q1.options.all()}
    opts2 = [o.pk for o in q2.options.all()]
    notes = [
        "地下车库灯光偏暗，希望增加照明。",
        "垃圾分类督导员早上能否再早一点到岗。",
        "快递堆放在门口影响通行。",
        "儿童游乐设施需要检修。",
        "保安夜间巡逻很负责，点赞。",
        "",
        "",
    ]
    for user in users:
        choice = rng.choices(list(weights), weights=list(weights.values()))[0]
        try:
            services.response_submit(
                user=user,
                survey_id=s.pk,
                answers={
                    q1.pk: opts1[choice],
                    q2.pk: rng.sample(opts2, rng.randint(1, 3)),
                    q3.pk: rng.choices([5, 4, 3, 2], weights=[5, 4, 2, 1])[0],
                    q4.pk: rng.choice(notes),
                },
                now=now - dt.timedelta(hours=rng.randint(1, 140)),
            )
        except ApplicationError:
            continue  # a household that already answered through another member
    return s


def activities(*, staff, community: Community, users: list, now: dt.datetime) -> None:
    rng = random.Random(71)
    day = timezone.localtime(now).replace(hour=9, minute=30, second=0, microsecond=0)

    def make(title, place, description, start, hours, capacity, max_party):
        activity = services.activity_create(
            actor=staff,
            community=community,
            title=title,
            place=place,
            description=description,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            signup_deadline=start - dt.timedelta(hours=12),
            capacity=capacity,
            max_party=max_party,
        )
        return services.activity_publish(
            actor=staff, activity=activity, now=start - dt.timedelta(days=10)
        )

    lantern = make(
        "中秋亲子灯笼制作",
        "社区活动中心二楼",
        "物业提供灯笼材料包，欢迎家长带孩子一起来做灯笼、猜灯谜。每户最多3人。",
        day + dt.timedelta(days=5, hours=5),
        2,
        30,
        3,
    )
    clinic = make(
        "社区义诊：测血压、测血糖",
        "南门小广场",
        "邀请社区卫生服务中心医生现场义诊，无需报名也可到场，报名者优先。",
        day + dt.timedelta(days=9),
        3,
        None,
        2,
    )
    zongzi = make(
        "端午包粽子邻里会",
        "3幢架空层",
        "糯米、粽叶由物业准备，包好的粽子可以带回家。",
        day - dt.timedelta(days=20),
        2,
        20,
        2,
    )
    movie = make(
        "露天电影之夜",
        "中心草坪",
        "播放经典老电影，请自带小板凳。",
        day + dt.timedelta(days=12, hours=10),
        2,
        80,
        4,
    )
    for activity, n, when in (
        (lantern, 11, now - dt.timedelta(days=1)),
        (clinic, 14, now - dt.timedelta(hours=5)),
        (zongzi, 9, zongzi.starts_at - dt.timedelta(days=3)),
        (movie, 6, now - dt.timedelta(hours=2)),
    ):
        for user in rng.sample(users, n):
            try:
                services.signup_create(
                    user=user,
                    activity_id=activity.pk,
                    party_size=rng.randint(1, activity.max_party),
                    note=rng.choice(["", "", "孩子5岁", "带老人一起"]),
                    now=when,
                )
            except ApplicationError:
                continue  # full
    services.activity_cancel(
        actor=staff, activity=movie, reason="气象台发布暴雨预警，活动取消，改期另行通知"
    )


HELP = [
    (
        "carpool",
        "工作日早上7:30去钱江新城，可带2人",
        "私家车，分摊油费，长期有效。",
        "微信 cy-7788",
    ),
    ("swap", "闲置婴儿推车免费送", "九成新，孩子大了用不上，送给有需要的邻居，自提。", ""),
    (
        "lost_found",
        "3幢门口捡到一串钥匙",
        "昨晚在3幢门口捡到，挂着一个小熊挂件，已交物业前台。",
        "",
    ),
    ("other", "求推荐靠谱的家电清洗师傅", "空调和油烟机想清洗一下，邻居们有推荐吗？", ""),
    ("swap", "换一套小学三年级课外书", "有《窗边的小豆豆》等十几本，想换高年级的书。", ""),
    (
        "lost_found",
        "寻找走失的橘猫“大福”",
        "昨天下午在5幢附近走失，胖胖的橘猫，戴蓝色项圈。",
        "138****2211 见帖请电话",
    ),
    ("swap", "高价回收黄金首饰 上门服务", "专业回收，价格公道，加微信详谈。", "微信 gold-888"),
]
COMMENTS = [
    "请问周末也去吗？",
    "我想要，怎么联系？",
    "是我的钥匙！谢谢！",
    "推荐小区门口那家，挺负责的。",
    "已私信您",
]


def help_posts(*, staff, community: Community, users: list, owner) -> None:
    rng = random.Random(81)
    posts = []
    authors = [owner, *users[:6]]
    for author, (kind, title, body, contact) in zip(authors, HELP, strict=True):
        posts.append(
            services.help_post_create(
                user=author,
                community_id=community.pk,
                kind=kind,
                title=title,
                body=body,
                contact=contact,
            )
        )
    for post in posts[:5]:
        for user in rng.sample(users[6:], 2):
            services.help_comment_create(user=user, post_id=post.pk, body=rng.choice(COMMENTS))
    services.help_post_close(user=authors[2], post_id=posts[2].pk)
    spam = posts[6]
    for user in users[10:13]:
        services.help_report(user=user, post_id=spam.pk, reason="spam", detail="广告推销")
    services.help_moderate(
        actor=staff, post=spam, action="hide", reason="含广告推销内容，违反小区互助公约第3条"
    )
    # One report still waiting in the moderation queue.
    services.help_report(user=users[13], post_id=posts[3].pk, reason="other", detail="疑似广告")


def populate(
    *, bundle, communities: list[Community], owner, now: dt.datetime | None = None
) -> None:
    """Community life for the demo: `communities[0]` (the demo owner's, where the owner
    chairs the 业委会) gets everything; the company's other communities their committee
    and numbers."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    manager = bundle.staff["project_manager"]
    service = bundle.staff["customer_service"]
    admin = bundle.staff["hq_admin"]
    main, *others = communities
    director = Resident.objects.get(user=owner, company=main.company)
    committee(staff=manager, community=main, director=director, seed=41, today=today)
    emergency(staff=admin, community=main, extra=True)
    for i, c in enumerate(others):
        committee(staff=admin, community=c, seed=44 + i, today=today)
        emergency(staff=admin, community=c, extra=False)
    users = app_residents(main, 160, seed=42)
    votes(manager=manager, community=main, now=now, skip=director)
    survey(staff=service, community=main, users=users, now=now)
    activities(staff=service, community=main, users=[owner, *users], now=now)
    help_posts(staff=service, community=main, users=users, owner=owner)


def populate_other(*, bundle, community: Community, now: dt.datetime | None = None) -> None:
    """A second company's community: its committee and numbers (the other bureau sees it)."""
    today = timezone.localdate(now or timezone.now())
    committee(
        staff=bundle.staff["hq_admin"], community=community, seed=91 + community.pk, today=today
    )
    emergency(staff=bundle.staff["hq_admin"], community=community, extra=False)
