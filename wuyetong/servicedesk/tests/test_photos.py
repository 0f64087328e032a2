"""Photos: only real JPG/PNG/WEBP images (by their bytes), at most 10 MB each and 9 per case;
a bad upload saves nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wuyetong.core.exceptions import ApplicationError
from wuyetong.servicedesk import services
from wuyetong.servicedesk.models import Case, CasePhoto

from .conftest import JPEG, PNG, WEBP


def _file(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_report_photos_of_the_three_types_are_saved(desk, media):
    case = desk.submit(photos=[_file("a.jpg", JPEG), _file("b.png", PNG), _file("c.webp", WEBP)])
    types = sorted(case.photos.values_list("content_type", flat=True))
    assert types == ["image/jpeg", "image/png", "image/webp"]
    assert all(p.stage == "report" for p in case.photos.all())


def test_text_file_named_jpg_is_refused_and_nothing_saved(desk, media):
    with pytest.raises(ApplicationError) as exc:
        desk.submit(photos=[_file("a.jpg", JPEG), _file("evil.jpg", b"<script>alert(1)</script>")])
    assert exc.value.field == "photos" and "JPG" in exc.value.message
    assert not Case.objects.exists() and not CasePhoto.objects.exists()


def test_photo_over_ten_megabytes_is_refused(desk, media):
    big = _file("big.jpg", JPEG + b"\x00" * (10 * 1024 * 1024))  # size is checked first
    with pytest.raises(ApplicationError) as exc:
        desk.submit(photos=[big])
    assert "10MB" in exc.value.message
    assert not Case.objects.exists()


def test_empty_photo_is_refused(desk, media):
    with pytest.raises(ApplicationError) as exc:
        desk.submit(photos=[_file("empty.jpg", b"")])
    assert exc.value.field == "photos"


def test_more_than_nine_photos_are_refused(desk, media):
    with pytest.raises(ApplicationError) as exc:
        desk.submit(photos=[_file(f"{i}.png", PNG) for i in range(10)])
    assert "9" in exc.value.message
    case = desk.submit(photos=[_file(f"{i}.png", PNG) for i in range(8)])
    with pytest.raises(ApplicationError):
        services.case_add_info(
            reporter=desk.world.owner,
            case_id=case.pk,
            note="再补两张",
            photos=[_file("x.png", PNG), _file("y.png", PNG)],
        )
    assert case.photos.count() == 8


def test_completion_photos_are_saved_with_their_stage(desk, media):
    case = desk.drive(desk.submit(), "in_progress")
    services.case_complete(actor=desk.worker, case_id=case.pk, photos=[_file("done.jpg", JPEG)])
    assert list(case.photos.values_list("stage", flat=True)) == ["completion"]


def test_truncated_image_is_refused(desk, media):
    with pytest.raises(ApplicationError) as exc:
        desk.submit(photos=[_file("cut.png", PNG[:30])])
    assert "损坏" in exc.value.message
    assert not Case.objects.exists()


def test_photos_are_stored_under_unguessable_names_and_served_only_to_who_may_see_the_case(
    desk, media, client_for, client
):
    world = desk.world
    case = desk.submit(photos=[_file("王建国家厨房.jpg", JPEG)])
    photo = case.photos.get()
    assert "王建国" not in photo.image.name and photo.image.name.endswith(".jpg")
    staff_url = f"/servicedesk/cases/{case.pk}/photos/{photo.pk}/"
    bureau_url = f"/oversight/cases/{case.pk}/photos/{photo.pk}/"
    page = client_for(desk.cs).get(f"/servicedesk/cases/{case.pk}/").content.decode()
    assert staff_url in page and photo.image.url not in page

    def fetch(user, url):
        response = (client_for(user) if user else client).get(url)
        body = b"".join(response.streaming_content) if response.status_code == 200 else b""
        return response.status_code, body

    assert fetch(desk.cs, staff_url) == (200, JPEG)
    assert fetch(world.bureau_official, bureau_url) == (200, JPEG)
    for user, url in (
        (world.staff("customer_service", "b"), staff_url),  # another company
        (world.bureau_b_official, bureau_url),  # another district's bureau
        (desk.cs, f"/servicedesk/cases/{case.pk}/photos/{photo.pk + 99}/"),
    ):
        assert fetch(user, url)[0] == 404
    assert fetch(world.owner, staff_url)[0] == 403  # owners use their app's own view
    assert fetch(world.owner, bureau_url)[0] in (302, 403)
    assert fetch(None, staff_url)[0] == 302
