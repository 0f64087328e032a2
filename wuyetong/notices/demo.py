"""Demo data for notices and the information feed, made through the services so the demo
shows what the product records: a company's community notices in every state (pinned with a
PDF, urgent to a few houses, to one building, scheduled, draft), a company announcement, the
bureau's policy and public message, read receipts and a reminder, subscriptions and this
morning's weather push. Called by the demo loader (outside this app)."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from wuyetong.estates.models import House, Resident

from . import services
from .choices import FeedSlot, FeedTopic, NoticeKind, NoticeTarget
from .feed import services as feed_services
from .models import Notice, NoticeDelivery


def schedule_pdf(title: str, lines: list[str]) -> SimpleUploadedFile:
    """A one-page PDF with Chinese text (ReportLab's built-in CID font needs no font file)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title)
    pdf.setFont("STSong-Light", 18)
    pdf.drawString(72, 770, title)
    pdf.setFont("STSong-Light", 12)
    for i, line in enumerate(lines):
        pdf.drawString(72, 730 - i * 22, line)
    pdf.showPage()
    pdf.save()
    return SimpleUploadedFile(f"{title}.pdf", buffer.getvalue(), content_type="application/pdf")


def _app_accounts(community, n: int) -> list:
    """Give `n` residents of the community (with a phone, no account yet) an app account that
    cannot log in, so the read receipts of the demo have people in them."""
    User = get_user_model()
    residents = list(
        Resident.objects.filter(
            occupancies__house__community=community,
            occupancies__end_date__isnull=True,
            user__isnull=True,
        )
        .exclude(phone="")
        .order_by("phone")
        .distinct()[:n]
    )
    users = []
    for r in residents:
        user = User(phone=r.phone, name=r.name)
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    by_phone = {u.phone: u for u in User.objects.filter(phone__in=[r.phone for r in residents])}
    for r in residents:
        r.user = by_phone[r.phone]
    Resident.objects.bulk_update(residents, ["user"])
    return list(by_phone.values())


def _read_some(notice: Notice, share: float, start: datetime, rng: random.Random, skip=()):
    deliveries = NoticeDelivery.objects.filter(notice=notice).exclude(user_id__in=skip)
    for d in deliveries.order_by("id"):
        if rng.random() < share:
            at = start + timedelta(minutes=rng.randint(3, 60 * 20))
            services.notice_mark_read(user=d.user, notice_id=notice.pk, now=at)


@transaction.atomic
def populate(
    *, bundle, community, owner, family, bureau_official, now: datetime | None = None
) -> dict[str, Notice]:
    now = now or timezone.now()
    rng = random.Random(5)
    cs = bundle.staff["customer_service"]
    hq = bundle.staff["hq_admin"]
    readers = _app_accounts(community, 40)
    house = (
        House.objects.filter(occupancies__resident__user=owner, community=community)
        .select_related("building", "unit")
        .first()
    )
    made: dict[str, Notice] = {}

    def publish(key: str, actor, at: datetime, **fields) -> Notice:
        notice = services.notice_create(actor=actor, now=at, **fields)
        made[key] = services.notice_publish(actor=actor, notice_id=notice.pk, now=at)
        return made[key]

    water = publish(
        "water",
        cs,
        now - timedelta(days=2, hours=3),
        kind=NoticeKind.COMMUNITY,
        target=NoticeTarget.COMMUNITY,
        community_id=community.pk,
        title="关于小区二次供水设施清洗消毒的停水通知",
        body=(
            "尊敬的业主：\n为保障饮用水卫生，物业服务中心将于本周六 8:00–16:00 对小区二次供水"
            "水箱进行清洗消毒，届时全小区暂停供水。\n请提前储备生活用水，恢复供水后请先放水"
            "2–3 分钟。停水时段安排见附件。\n给您带来的不便，敬请谅解。"
        ),
        pinned=True,
        expires_at=now + timedelta(days=5),
        attachments=[
            schedule_pdf(
                "二次供水清洗停水安排",
                [
                    "8:00  1–4 幢关闭进水阀，水箱排空",
                    "9:30  水箱清洗、消毒",
                    "13:00 取水样送检",
                    "15:30 恢复供水（先放水 2–3 分钟）",
                    "咨询电话：物业服务中心 0571-88001234",
                ],
            )
        ],
    )
    _read_some(water, 0.55, water.published_at, rng, skip=[owner.pk])  # type: ignore[arg-type]
    services.notice_remind_unread(actor=cs, notice_id=water.pk, now=now - timedelta(days=1))

    floor = house.floor or 1  # type: ignore[union-attr]
    neighbours = list(
        House.objects.filter(unit=house.unit, floor__in=[floor, floor + 1])  # type: ignore[union-attr]
        .order_by("floor", "room_no")
        .values_list("pk", flat=True)
    )
    publish(
        "burst",
        cs,
        now - timedelta(hours=5),
        kind=NoticeKind.COMMUNITY,
        target=NoticeTarget.HOUSES,
        community_id=community.pk,
        house_ids=neighbours,
        title="紧急：楼内水管爆裂抢修，今日停水",
        body="您所在楼层的立管出现漏水，维修人员正在抢修，预计 18:00 前恢复供水。",
        urgent=True,
    )
    elevator = publish(
        "elevator",
        cs,
        now - timedelta(days=6),
        kind=NoticeKind.COMMUNITY,
        target=NoticeTarget.BUILDINGS,
        community_id=community.pk,
        building_ids=[house.building_id],  # type: ignore[union-attr]
        title="电梯年度检验通知",
        body="本楼栋电梯将于下周二 9:00–11:00 接受特种设备年度检验，期间电梯暂停使用。",
    )
    _read_some(elevator, 0.8, elevator.published_at, rng)  # type: ignore[arg-type]
    festival = publish(
        "festival",
        cs,
        now - timedelta(days=9),
        kind=NoticeKind.COMMUNITY,
        target=NoticeTarget.COMMUNITY,
        community_id=community.pk,
        title="端午邻里节：包粽子活动报名",
        body="本周日上午 9 点在中心广场举办包粽子活动，材料由物业提供，欢迎业主带孩子参加。",
    )
    _read_some(festival, 0.7, festival.published_at, rng)  # type: ignore[arg-type]
    hotline = publish(
        "hotline",
        hq,
        now - timedelta(days=12),
        kind=NoticeKind.COMPANY,
        target=NoticeTarget.COMPANY,
        title="关于启用 24 小时客服热线的公告",
        body="即日起公司启用 24 小时客服热线 400-800-1234，报修、投诉、咨询均可拨打。",
    )
    _read_some(hotline, 0.6, hotline.published_at, rng)  # type: ignore[arg-type]
    made["drill"] = services.notice_publish(
        actor=cs,
        notice_id=services.notice_create(
            actor=cs,
            kind=NoticeKind.COMMUNITY,
            target=NoticeTarget.COMMUNITY,
            community_id=community.pk,
            title="消防演练通知",
            body="下周三 15:00 开展消防疏散演练，届时请听从工作人员指挥。",
            publish_at=now + timedelta(days=1, hours=2),
            now=now,
        ).pk,
        now=now,
    )
    made["draft"] = services.notice_create(
        actor=cs,
        kind=NoticeKind.COMMUNITY,
        target=NoticeTarget.COMMUNITY,
        community_id=community.pk,
        title="地面车位租赁公告（草稿）",
        body="小区新增地面车位 20 个，开放租赁，月租 300 元。",
        now=now,
    )
    policy = publish(
        "policy",
        bureau_official,
        now - timedelta(days=15),
        kind=NoticeKind.POLICY,
        target=NoticeTarget.JURISDICTION,
        title="《杭州市物业管理条例》修订要点解读",
        body="修订后的条例明确了业主大会表决、物业服务信息公开和维修资金使用等要求。",
    )
    _read_some(policy, 0.3, policy.published_at, rng)  # type: ignore[arg-type]
    publish(
        "public",
        bureau_official,
        now - timedelta(days=1),
        kind=NoticeKind.PUBLIC,
        target=NoticeTarget.JURISDICTION,
        title="防汛防台风提示",
        body="受台风外围影响，未来三天有强降雨，请检查门窗、阳台排水，地下车库车辆注意转移。",
        expires_at=now + timedelta(days=3),
    )

    feed_services.subscription_set(
        user=owner, topics=[FeedTopic.WEATHER, FeedTopic.AIR, FeedTopic.COMMUNITY_NEWS]
    )
    feed_services.subscription_set(user=family, topics=[FeedTopic.WEATHER])
    for reader in readers[:15]:
        feed_services.subscription_set(user=reader, topics=[FeedTopic.WEATHER])
    if timezone.localtime(now).hour >= 7:
        feed_services.weather_push(slot=FeedSlot.MORNING, now=now)
    return made
