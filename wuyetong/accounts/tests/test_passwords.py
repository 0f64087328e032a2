"""Change password, reset by SMS code and by e-mail link (web pages)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from wuyetong.accounts import sms
from wuyetong.demo.builders import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outbox():
    cache.clear()  # the per-address SMS counter lives in the cache
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def test_change_password_checks_old_and_confirmation(world, client_for):
    client = client_for(world.staff("cashier"))
    url = reverse("accounts:password_change")
    assert client.get(url).status_code == 200
    html = client.post(
        url,
        {"old_password": "bad", "new_password": "Newpass2024", "confirm_password": "Newpass2024"},
    ).content.decode()
    assert "原密码不正确" in html
    html = client.post(
        url,
        {
            "old_password": DEMO_PASSWORD,
            "new_password": "Newpass2024",
            "confirm_password": "Newpass2025",
        },
    ).content.decode()
    assert "两次输入的密码不一致" in html
    response = client.post(
        url,
        {
            "old_password": DEMO_PASSWORD,
            "new_password": "Newpass2024",
            "confirm_password": "Newpass2024",
        },
    )
    assert response.status_code == 302
    user = world.staff("cashier")
    user.refresh_from_db()
    assert user.check_password("Newpass2024")
    assert client.get("/").status_code == 200  # still logged in after the change


def test_change_password_needs_login(world):
    response = Client().get(reverse("accounts:password_change"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_reset_by_sms_code(world, django_capture_on_commit_callbacks):
    client = Client()
    url = reverse("accounts:password_reset_sms")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"phone": world.owner.phone, "action": "send"})
    assert "验证码已发送" in response.content.decode()
    code = re.search(r"\d{6}", sms.outbox[-1].text).group(0)
    html = client.post(
        url,
        {
            "phone": world.owner.phone,
            "sms_code": "000000" if code != "000000" else "111111",
            "new_password": "Reset2024x",
            "confirm_password": "Reset2024x",
            "action": "reset",
        },
    ).content.decode()
    assert "验证码不正确" in html
    response = client.post(
        url,
        {
            "phone": world.owner.phone,
            "sms_code": code,
            "new_password": "Reset2024x",
            "confirm_password": "Reset2024x",
            "action": "reset",
        },
    )
    assert response.status_code == 302
    world.owner.refresh_from_db()
    assert world.owner.check_password("Reset2024x")


def test_reset_code_for_unknown_phone_is_refused(world):
    html = (
        Client()
        .post(reverse("accounts:password_reset_sms"), {"phone": "13999990000", "action": "send"})
        .content.decode()
    )
    assert "该手机号尚未注册" in html
    assert sms.outbox == []


def test_reset_by_email_link(world):
    world.owner.email = "wang@example.com"
    world.owner.save(update_fields=["email"])
    client = Client()
    response = client.post(reverse("accounts:password_reset_email"), {"email": "WANG@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "72小时内" in mail.outbox[0].body  # Django's PASSWORD_RESET_TIMEOUT: 3 days
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    assert client.get(link).status_code == 200
    html = client.post(
        link, {"new_password": "Mail2024x", "confirm_password": "Mail2024y"}
    ).content.decode()
    assert "两次输入的密码不一致" in html
    assert (
        client.post(
            link, {"new_password": "Mail2024x", "confirm_password": "Mail2024x"}
        ).status_code
        == 302
    )
    world.owner.refresh_from_db()
    assert world.owner.check_password("Mail2024x")
    # The link works once: the token depends on the password hash.
    assert client.get(link).status_code == 400


def test_reset_by_email_does_not_reveal_unknown_addresses(world):
    response = Client().post(
        reverse("accounts:password_reset_email"), {"email": "nobody@example.com"}, follow=True
    )
    assert "如果该邮箱已注册" in response.content.decode()
    assert mail.outbox == []


def test_bad_reset_link_is_refused_without_500(world):
    assert Client().get("/accounts/password/reset/xx/bad-token/").status_code == 400


def test_reset_link_with_an_absurd_user_id_is_refused(world):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes("99999999999999999999999"))
    assert Client().get(f"/accounts/password/reset/{uid}/x-y/").status_code == 400


def test_every_password_reset_signs_out_api_apps_and_unlocks(
    world, django_capture_on_commit_callbacks
):
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from wuyetong.accounts import services

    owner = world.owner
    Token.objects.create(user=owner)
    owner.locked_until = timezone.now() + timezone.timedelta(minutes=10)
    owner.save(update_fields=["locked_until"])
    services.password_set(
        user=owner, new_password="Fresh-pass-2026", confirm_password="Fresh-pass-2026"
    )
    owner.refresh_from_db()
    assert not Token.objects.filter(user=owner).exists() and owner.locked_until is None

    Token.objects.create(user=owner)
    cache.clear()
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_send(phone=owner.phone, purpose="reset")
    code = re.search(r"\d{6}", sms.outbox[-1].text).group()
    services.password_reset_by_sms(
        phone=owner.phone,
        sms_code=code,
        new_password="Other-pass-2026",
        confirm_password="Other-pass-2026",
    )
    assert not Token.objects.filter(user=owner).exists()
    assert Client().login(phone=owner.phone, password="Other-pass-2026")
