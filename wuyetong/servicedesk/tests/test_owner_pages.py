"""The owner's service-desk pages (/app/service/): reporting a repair or a complaint (field
errors in Chinese, nothing saved on a refusal, one case per client token), my cases, and the
case page's actions; who may open and act on them (another owner, an owner of another
community, staff, the bureau and anonymous get nothing and change nothing)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from wuyetong.demo import builders
from wuyetong.servicedesk import services
from wuyetong.servicedesk.models import Case, CaseCharge, CaseEvent, CasePhoto

from .conftest import JPEG, PNG

pytestmark = pytest.mark.django_db


def _photo(name="a.png", content=PNG, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _repair(desk, **over):
    data = {
        "place": f"h{desk.world.owner_house.pk}",
        "case_type": str(desk.leak.pk),
        "urgency": "urgent",
        "scope": "indoor",
        "appointment_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "description": "厨房水槽下水管漏水，地面积水",
        "client_token": "tok-1",
    }
    data.update(over)
    return data


def test_owner_reports_a_repair_with_photos_and_lands_on_its_page(desk, client_for, media):
    c = client_for(desk.world.owner)
    page = c.get(reverse("owner_servicedesk:repair_create"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "水电 / 漏水" in body and "翠苑一区 · 公共区域" in body
    data = _repair(desk)
    data["photos"] = [_photo(), _photo("b.jpg", JPEG, "image/jpeg")]
    r = c.post(reverse("owner_servicedesk:repair_create"), data)
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/app/service/{case.pk}/"
    assert (case.kind, case.house_id, case.case_type_id) == (
        "repair",
        desk.world.owner_house.pk,
        desk.leak.pk,
    )
    assert (case.urgency, case.scope, case.state) == ("urgent", "indoor", "submitted")
    assert case.appointment_at is not None and case.photos.count() == 2
    page = c.get(r["Location"]).content.decode()
    assert case.number in page and "厨房水槽下水管漏水" in page and "待派单" in page


def test_the_same_form_sent_twice_makes_one_case(desk, client_for, media):
    c = client_for(desk.world.owner)
    first = c.post(reverse("owner_servicedesk:repair_create"), _repair(desk))
    again = c.post(reverse("owner_servicedesk:repair_create"), _repair(desk))
    assert Case.objects.count() == 1
    assert first["Location"] == again["Location"]
    c.post(reverse("owner_servicedesk:repair_create"), _repair(desk, client_token="tok-2"))
    assert Case.objects.count() == 2


def test_a_common_area_repair_needs_where_and_is_public(desk, client_for, media):
    c = client_for(desk.world.owner)
    place = f"c{desk.world.community_a1.pk}"
    r = c.post(reverse("owner_servicedesk:repair_create"), _repair(desk, place=place))
    assert r.status_code == 400 and "请填写公共区域的位置" in r.content.decode()
    assert not Case.objects.exists()
    r = c.post(
        reverse("owner_servicedesk:repair_create"),
        _repair(desk, place=place, place_detail="3幢电梯"),
    )
    case = Case.objects.get()
    assert (case.house_id, case.place, case.scope) == (None, "3幢电梯", "public")


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"place": ""}, "请选择报事位置"),
        ({"case_type": ""}, "请选择类型"),
        ({"description": "  "}, "请填写问题描述"),
        ({"appointment_at": "明天上午"}, "请选择正确的预约时间"),
        ({"appointment_at": "2020-01-01T09:00"}, "时间不能早于现在"),
        ({"urgency": "panic"}, "请选择维修程度"),
    ],
)
def test_bad_report_fields_are_named_and_nothing_saved(desk, client_for, media, over, message):
    r = client_for(desk.world.owner).post(
        reverse("owner_servicedesk:repair_create"), _repair(desk, **over)
    )
    assert r.status_code == 400 and message in r.content.decode()
    assert not Case.objects.exists()


def test_another_persons_house_or_another_companys_type_is_refused(desk, client_for, media):
    c = client_for(desk.world.owner)
    other = f"h{desk.world.other_owner_house.pk}"
    r = c.post(reverse("owner_servicedesk:repair_create"), _repair(desk, place=other))
    assert r.status_code == 400 and "请选择报事位置" in r.content.decode()
    services.case_type_defaults_create(company_id=desk.world.company_b.pk)
    from wuyetong.servicedesk.models import CaseType

    foreign = CaseType.objects.filter(company=desk.world.company_b).first()
    r = c.post(reverse("owner_servicedesk:repair_create"), _repair(desk, case_type=str(foreign.pk)))
    assert r.status_code == 400 and "请选择类型" in r.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("evil.jpg", b"<script>alert(1)</script>", "image/jpeg")], "JPG、PNG 或 WEBP"),
        ([("big.jpg", JPEG + b"\0" * (10 * 1024 * 1024), "image/jpeg")], "10MB"),
        ([(f"{i}.png", PNG, "image/png") for i in range(10)], "照片最多9张"),
    ],
)
def test_bad_uploads_are_refused_with_a_message_and_nothing_saved(
    desk, client_for, media, files, message
):
    data = _repair(desk)
    data["photos"] = [_photo(*f) for f in files]
    r = client_for(desk.world.owner).post(reverse("owner_servicedesk:repair_create"), data)
    assert r.status_code == 400 and message in r.content.decode()
    assert not Case.objects.exists() and not CasePhoto.objects.exists()
    assert not list(media.rglob("*.*"))


def test_owner_reports_a_complaint(desk, client_for, media):
    c = client_for(desk.world.owner)
    page = c.get(reverse("owner_servicedesk:complaint_create")).content.decode()
    assert "投诉原因" in page and "期望处理时间" in page and "维修程度" not in page
    data = {
        "place": f"h{desk.world.owner_house.pk}",
        "case_type": str(desk.noise.pk),
        "reason": "",
        "description": "楼上每晚11点后装修",
        "client_token": "c-1",
    }
    r = c.post(reverse("owner_servicedesk:complaint_create"), data)
    assert r.status_code == 400 and "请填写投诉原因" in r.content.decode()
    data["reason"] = "夜间施工噪音"
    data["expected_at"] = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = c.post(reverse("owner_servicedesk:complaint_create"), data)
    case = Case.objects.get()
    assert (case.kind, case.reason, case.expected_at is not None) == (
        "complaint",
        "夜间施工噪音",
        True,
    )


def test_my_cases_lists_open_and_past_with_their_states(desk, client_for):
    open_case = desk.submit()
    done = desk.drive(desk.submit(kind="complaint"), "closed")
    c = client_for(desk.world.owner)
    body = c.get(reverse("owner_servicedesk:case_list")).content.decode()
    assert open_case.number in body and done.number not in body and "待派单" in body
    body = c.get(reverse("owner_servicedesk:case_list") + "?tab=past").content.decode()
    assert done.number in body and open_case.number not in body and "已关闭" in body


def test_case_page_shows_the_timeline_without_internal_events(desk, client_for):
    case = desk.drive(desk.submit(), "accepted")
    CaseEvent.objects.create(case=case, kind="warning", note="内部预警XYZ", at=timezone.now())
    body = (
        client_for(desk.world.owner)
        .get(reverse("owner_servicedesk:case_detail", args=[case.pk]))
        .content.decode()
    )
    assert "提交" in body and "派单" in body and "接单" in body and desk.worker.name in body
    assert "内部预警XYZ" not in body


def test_owner_cancels_before_dispatch_but_not_after(desk, client_for):
    c = client_for(desk.world.owner)
    case = desk.submit()
    r = c.post(reverse("owner_servicedesk:case_cancel", args=[case.pk]), {"reason": "已自行修好"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == "cancelled"
    other = desk.drive(desk.submit(client_token="x"), "dispatched")
    r = c.post(reverse("owner_servicedesk:case_cancel", args=[other.pk]))
    assert r.status_code == 400 and "不能取消" in r.content.decode()
    other.refresh_from_db()
    assert other.state == "dispatched"


def test_owner_adds_information_and_the_message_thread_shows_both_sides(desk, client_for, media):
    case = desk.drive(desk.submit(), "accepted")
    services.case_message(actor=desk.worker, case_id=case.pk, note="请问家里下午有人吗？")
    c = client_for(desk.world.owner)
    r = c.post(
        reverse("owner_servicedesk:case_add_info", args=[case.pk]),
        {"note": "下午3点后在家", "photos": [_photo()]},
    )
    assert r.status_code == 302
    assert case.photos.filter(stage="info").count() == 1
    body = c.get(reverse("owner_servicedesk:case_detail", args=[case.pk])).content.decode()
    assert "请问家里下午有人吗？" in body and "下午3点后在家" in body
    r = c.post(reverse("owner_servicedesk:case_add_info", args=[case.pk]), {"note": ""})
    assert r.status_code == 400 and "请填写补充内容" in r.content.decode()


def test_owner_accepts_a_quote_and_a_charge_is_recorded(desk, client_for):
    case = desk.drive(desk.submit(), "in_progress")
    services.case_quote(actor=desk.worker, case_id=case.pk, amount="120.50", note="更换水管")
    c = client_for(desk.world.owner)
    body = c.get(reverse("owner_servicedesk:case_detail", args=[case.pk])).content.decode()
    assert "¥120.50" in body and "同意报价" in body
    # The handler re-quoted after the owner opened the page: the old amount is refused.
    services.case_quote(actor=desk.worker, case_id=case.pk, amount="150", note="")
    r = c.post(
        reverse("owner_servicedesk:case_quote_accept", args=[case.pk]),
        {"expected_amount": "120.50"},
    )
    assert r.status_code == 400 and "报价已变更为 ¥150.00" in r.content.decode()
    assert not CaseCharge.objects.exists()
    r = c.post(
        reverse("owner_servicedesk:case_quote_accept", args=[case.pk]),
        {"expected_amount": "150.00"},
    )
    assert r.status_code == 302
    assert CaseCharge.objects.get(case=case).amount == Decimal("150.00")


def test_owner_rates_the_finished_work_and_a_bad_rating_needs_a_reason(desk, client_for):
    case = desk.drive(desk.submit(), "completed")
    c = client_for(desk.world.owner)
    url = reverse("owner_servicedesk:case_rate", args=[case.pk])
    r = c.post(url, {"rating": "bad", "comment": ""})
    assert r.status_code == 400 and "差评请写明原因" in r.content.decode()
    case.refresh_from_db()
    assert case.state == "completed" and not case.rating
    r = c.post(url, {"rating": "fair", "comment": "来得有点晚"})
    case.refresh_from_db()
    assert (case.state, case.rating, case.rating_comment) == ("rated", "fair", "来得有点晚")


def test_owner_reopens_within_seven_days_only(desk, client_for):
    case = desk.drive(desk.submit(), "closed")
    c = client_for(desk.world.owner)
    url = reverse("owner_servicedesk:case_reopen", args=[case.pk])
    assert (
        "重新打开"
        in c.get(reverse("owner_servicedesk:case_detail", args=[case.pk])).content.decode()
    )
    r = c.post(url, {"reason": ""})
    assert r.status_code == 400 and "请填写重开原因" in r.content.decode()
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=8))
    assert (
        "重新打开"
        not in c.get(reverse("owner_servicedesk:case_detail", args=[case.pk])).content.decode()
    )
    r = c.post(url, {"reason": "又漏了"})
    assert r.status_code == 400 and "超过7天" in r.content.decode()
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=2))
    r = c.post(url, {"reason": "又漏了"})
    case.refresh_from_db()
    assert (case.state, case.reopen_count) == ("reopened", 1)


# ------------------------------------------------------------------ permission matrix


def _personas(desk):
    w = desk.world
    neighbour = builders.user_create("13500000077", "邻居")
    builders.owner_bind(user=neighbour, house=w.houses_a1[1])
    return {
        "another owner": neighbour,
        "owner of another community": w.other_owner,
        "worker": desk.worker,
        "other company's worker": w.staff("repair_worker", "b"),
        "bureau": w.bureau_official,
    }


def test_only_the_reporter_opens_or_acts_on_a_case(desk, client_for, client, media):
    case = desk.submit(photos=[_photo()])
    done = desk.drive(desk.submit(client_token="d"), "completed")
    photo = case.photos.get()
    gets = [
        reverse("owner_servicedesk:case_detail", args=[case.pk]),
        reverse("owner_servicedesk:case_photo", args=[case.pk, photo.pk]),
    ]
    posts = [
        (reverse("owner_servicedesk:case_cancel", args=[case.pk]), {"reason": "x"}),
        (reverse("owner_servicedesk:case_add_info", args=[case.pk]), {"note": "x"}),
        (reverse("owner_servicedesk:case_quote_accept", args=[case.pk]), {"expected_amount": "1"}),
        (reverse("owner_servicedesk:case_rate", args=[done.pk]), {"rating": "good"}),
        (reverse("owner_servicedesk:case_reopen", args=[done.pk]), {"reason": "x"}),
    ]
    before = list(CaseEvent.objects.order_by("pk").values_list("pk", flat=True))
    for who, user in _personas(desk).items():
        c = client_for(user)
        for url in gets:
            assert c.get(url).status_code == 404, (who, url)
        for url, data in posts:
            assert c.post(url, data).status_code == 404, (who, url)
        listing = c.get(reverse("owner_servicedesk:case_list")).content.decode()
        assert case.number not in listing, who
    for url in [*gets, reverse("owner_servicedesk:case_list")]:
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/app/login/"), url
    for url, data in posts:
        r = client.post(url, data)
        assert r.status_code == 302 and r["Location"].startswith("/app/login/"), url
    assert list(CaseEvent.objects.order_by("pk").values_list("pk", flat=True)) == before
    case.refresh_from_db()
    done.refresh_from_db()
    assert (case.state, done.state, done.rating) == ("submitted", "completed", "")
    owner = client_for(desk.world.owner)
    assert owner.get(gets[0]).status_code == 200
    photo_response = owner.get(gets[1])
    assert photo_response.status_code == 200 and photo_response["Content-Type"] == "image/png"


def test_report_pages_need_a_house_and_anonymous_goes_to_login(desk, client_for, client):
    for name in ("repair_create", "complaint_create"):
        url = reverse(f"owner_servicedesk:{name}")
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/app/login/")
        for user in (desk.worker, desk.world.bureau_official):
            c = client_for(user)
            assert "绑定房屋后才能报事报修" in c.get(url).content.decode()
            c.post(url, _repair(desk))
    assert not Case.objects.exists()


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_do_not_query_per_case(desk, client_for):
    """My cases and the worker's task list cost the same with two cases as with eight."""
    owner, worker = client_for(desk.world.owner), client_for(desk.worker)
    lists = [
        (owner, reverse("owner_servicedesk:case_list")),
        (worker, reverse("servicedesk:m_tasks")),
    ]

    def make(n, start):
        for i in range(n):
            case = desk.submit(client_token=f"q{start + i}")
            if i % 2:
                desk.drive(case, "accepted")

    make(2, 0)
    before = [_queries(c, url) for c, url in lists]
    make(6, 10)
    assert [_queries(c, url) for c, url in lists] == before
