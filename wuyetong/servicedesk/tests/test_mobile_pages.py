"""The worker's phone pages (/servicedesk/m/): my tasks and the grab pool of my types, and a
task worked from grab to completion with photos; refusals in place (a pause without a reason,
bad uploads) change nothing; who may open them (another worker of the company sees but cannot
act, another company's worker, owners, the bureau and anonymous get nothing)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from wuyetong.servicedesk.models import Case, CaseEvent, CasePhoto

from .conftest import JPEG, PNG

pytestmark = pytest.mark.django_db


def _photo(name="a.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def _task(pk):
    return reverse("servicedesk:m_task", args=[pk])


def test_my_tasks_and_the_pool_of_my_types(desk, client_for):
    mine = desk.drive(desk.submit(), "accepted")
    poolable = desk.submit(client_token="p")  # 漏水, under 水电 on the worker's card
    other_type = desk.submit(client_token="d", case_type_id=desk.door.pk)
    someone_elses = desk.submit(client_token="s")
    from wuyetong.servicedesk import services

    services.case_dispatch(
        actor=desk.cs, case_id=someone_elses.pk, assignee_id=desk.emp(desk.worker2).pk
    )
    Case.objects.filter(pk=mine.pk).update(resolution_due_at=timezone.now() - timedelta(hours=2))
    body = client_for(desk.worker).get(reverse("servicedesk:m_tasks")).content.decode()
    mine_part, pool_part = body.split("抢单池", 1)
    assert mine.number in mine_part and someone_elses.number not in body
    assert poolable.number in pool_part and other_type.number not in body
    assert "解决超时 2小时" in mine_part  # the overdue task says so


def test_a_worker_grabs_and_works_a_case_to_completion(desk, client_for, media):
    case = desk.submit()
    c = client_for(desk.worker)
    for action in ("grab", "arrive", "start"):
        r = c.post(_task(case.pk), {"action": action})
        assert r.status_code == 302 and r["Location"] == _task(case.pk), action
    case.refresh_from_db()
    assert case.state == "in_progress" and case.assignee.user == desk.worker
    r = c.post(_task(case.pk), {"action": "pause", "pause-reason": ""})
    assert r.status_code == 400 and "请填写暂停原因" in r.content.decode()
    r = c.post(_task(case.pk), {"action": "pause", "pause-reason": "等配件"})
    case.refresh_from_db()
    assert (case.state, case.pause_reason) == ("paused", "等配件")
    c.post(_task(case.pk), {"action": "resume"})
    r = c.post(
        _task(case.pk),
        {"action": "photos", "photos-note": "拆开后的水管", "photos-photos": [_photo()]},
    )
    assert r.status_code == 302
    r = c.post(
        _task(case.pk),
        {
            "action": "complete",
            "complete-note": "已更换下水管",
            "complete-photos": [_photo("b.jpg", JPEG)],
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == "completed" and case.photos.filter(stage="completion").count() == 2
    assert CaseEvent.objects.filter(case=case, action="complete", note="已更换下水管").exists()
    page = c.get(_task(case.pk)).content.decode()
    assert "拆开后的水管" in page and "当前状态下您没有可执行的操作" in page


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("evil.png", b"MZ\x90\x00 not an image")], "JPG、PNG 或 WEBP"),
        ([("big.jpg", JPEG + b"\0" * (10 * 1024 * 1024))], "10MB"),
        ([(f"{i}.png", PNG) for i in range(10)], "照片最多9张"),
        ([], "请选择照片"),
    ],
)
def test_bad_work_photos_are_refused_and_nothing_saved(desk, client_for, media, files, message):
    case = desk.drive(desk.submit(), "in_progress")
    events = CaseEvent.objects.count()
    c = client_for(desk.worker)
    r = c.post(_task(case.pk), {"action": "photos", "photos-photos": [_photo(*f) for f in files]})
    assert r.status_code == 400 and message in r.content.decode()
    r = c.post(
        _task(case.pk),
        {"action": "complete", "complete-photos": [_photo(*f) for f in files if files]},
    )
    if files:
        assert r.status_code == 400 and message in r.content.decode()
        case.refresh_from_db()
        assert case.state == "in_progress"
        assert CaseEvent.objects.count() == events
        assert not CasePhoto.objects.exists()


def test_who_may_open_and_act_on_the_phone_pages(desk, client_for, client, media):
    w = desk.world
    case = desk.drive(desk.submit(photos=[_photo()]), "accepted")
    pool = desk.submit(client_token="pool")
    photo = case.photos.get()
    photo_url = reverse("servicedesk:m_photo", args=[case.pk, photo.pk])
    before = list(CaseEvent.objects.values_list("pk", flat=True))
    # Another worker of the company sees the task but cannot work it.
    other = client_for(desk.worker2)
    assert other.get(_task(case.pk)).status_code == 200
    assert other.post(_task(case.pk), {"action": "arrive"}).status_code == 403
    # Another company's worker: the cases do not exist; their list shows none of them.
    foreign = client_for(w.staff("repair_worker", "b"))
    for url in (_task(case.pk), _task(pool.pk), photo_url):
        assert foreign.get(url).status_code == 404, url
    assert foreign.post(_task(pool.pk), {"action": "grab"}).status_code == 404
    listing = foreign.get(reverse("servicedesk:m_tasks")).content.decode()
    assert case.number not in listing and pool.number not in listing
    # Owners (the reporter too) and the bureau are not staff who work cases.
    for user in (w.owner, w.other_owner, w.bureau_official):
        c = client_for(user)
        for url in (reverse("servicedesk:m_tasks"), _task(case.pk), photo_url):
            assert c.get(url).status_code == 403, (user, url)
        assert c.post(_task(pool.pk), {"action": "grab"}).status_code == 403
    for url in (reverse("servicedesk:m_tasks"), _task(case.pk), photo_url):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/"), url
    assert client.post(_task(pool.pk), {"action": "grab"}).status_code == 302
    assert list(CaseEvent.objects.values_list("pk", flat=True)) == before
    assert Case.objects.get(pk=pool.pk).assignee_id is None
    assert client_for(desk.worker).get(photo_url)["Content-Type"] == "image/png"


def test_desk_only_actions_are_not_on_the_phone(desk, client_for):
    case = desk.submit()
    r = client_for(desk.cs).post(
        _task(case.pk), {"action": "dispatch", "dispatch-assignee": desk.emp(desk.worker).pk}
    )
    assert r.status_code == 404
    case.refresh_from_db()
    assert case.state == "submitted"


def test_the_assigned_worker_sees_the_whole_number_to_call_others_see_it_masked(desk, client_for):
    phone = desk.world.owner.phone
    masked = f"{phone[:3]}****{phone[-4:]}"
    case = desk.drive(desk.submit(), "accepted")
    page = client_for(desk.worker).get(_task(case.pk)).content.decode()
    assert f'href="tel:{phone}"' in page
    # Another worker of the company may look, but has no call to make.
    other = client_for(desk.worker2).get(_task(case.pk)).content.decode()
    assert phone not in other and masked in other
    # Once closed, the handler's need has passed.
    closed = desk.drive(desk.submit(client_token="closed"), "closed")
    page = client_for(desk.worker).get(_task(closed.pk)).content.decode()
    assert phone not in page and masked in page
