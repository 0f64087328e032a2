"""Console login, lock-out, logout and where each persona lands (C2)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wuyetong.accounts.models import User
from wuyetong.demo.builders import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _post_login(client, phone, password, **extra):
    return client.post(LOGIN, {"phone": phone, "password": password, "remember": "on", **extra})


def test_staff_member_lands_on_the_console_dashboard(world):
    response = _post_login(Client(), world.staff("customer_service").phone, DEMO_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:dashboard")


def test_owner_only_user_lands_in_the_phone_app(world):
    response = _post_login(Client(), world.owner.phone, DEMO_PASSWORD)
    assert response["Location"] == "/app/"


@pytest.mark.parametrize("who", ["admin", "bureau_official", "merchant_user"])
def test_platform_bureau_and_merchant_land_on_the_console(world, who):
    response = _post_login(Client(), getattr(world, who).phone, DEMO_PASSWORD)
    assert response["Location"] == "/"


def test_next_parameter_is_followed_only_within_the_site(world):
    client = Client()
    response = _post_login(client, world.owner.phone, DEMO_PASSWORD, next="/app/me/")
    assert response["Location"] == "/app/me/"
    response = _post_login(Client(), world.owner.phone, DEMO_PASSWORD, next="https://evil.example/")
    assert response["Location"] == "/app/"


def test_wrong_password_says_how_many_tries_are_left(world):
    response = _post_login(Client(), world.owner.phone, "wrong-password")
    assert response.status_code == 200
    assert "手机号或密码不正确，还可尝试4次" in response.content.decode()


def test_five_failures_lock_the_account_for_fifteen_minutes_then_it_unlocks(world):
    client = Client()
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start):
        for _ in range(5):
            _post_login(client, world.owner.phone, "wrong-password")
        user = User.objects.get(pk=world.owner.pk)
        assert user.locked_until == start + timedelta(minutes=15)
        # Even the right password is refused while locked, with a clear message.
        response = _post_login(client, world.owner.phone, DEMO_PASSWORD)
        assert response.status_code == 200
        assert "登录失败次数过多，账号已锁定至" in response.content.decode()
        assert "_auth_user_id" not in client.session
    with mock.patch(
        "django.utils.timezone.now", return_value=start + timedelta(minutes=14, seconds=59)
    ):
        response = _post_login(client, world.owner.phone, DEMO_PASSWORD)
        assert "已锁定" in response.content.decode()
    with mock.patch(
        "django.utils.timezone.now", return_value=start + timedelta(minutes=15, seconds=1)
    ):
        response = _post_login(client, world.owner.phone, DEMO_PASSWORD)
        assert response.status_code == 302
    user.refresh_from_db()
    assert user.failed_logins == 0 and user.locked_until is None


def test_unknown_phone_and_malformed_phone_are_refused_without_500(world):
    response = _post_login(Client(), "13999999999", "whatever1")
    assert "手机号或密码不正确" in response.content.decode()
    response = _post_login(Client(), "12345", "whatever1")
    assert "请输入正确的11位手机号码" in response.content.decode()


def test_unticked_remember_me_ends_the_session_with_the_browser(world):
    client = Client()
    client.post(LOGIN, {"phone": world.owner.phone, "password": DEMO_PASSWORD})
    assert client.session.get_expire_at_browser_close()
    client = Client()
    _post_login(client, world.owner.phone, DEMO_PASSWORD)
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 60 * 60 * 24 * 30


def test_logout_needs_post_and_ends_the_session(world, client_for):
    client = client_for(world.owner)
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_login_page_renders_for_anonymous_and_redirects_when_logged_in(world, client_for):
    assert Client().get(LOGIN).status_code == 200
    assert client_for(world.staff("cashier")).get(LOGIN)["Location"] == "/"


def test_platform_admin_unlocks_an_account_in_the_admin(world, client_for):
    User.objects.filter(pk=world.owner.pk).update(
        failed_logins=3, locked_until=timezone.now() + timedelta(minutes=9)
    )
    client = client_for(world.admin)
    response = client.post(
        "/django-admin/accounts/user/", {"action": "unlock", "_selected_action": [world.owner.pk]}
    )
    assert response.status_code == 302
    world.owner.refresh_from_db()
    assert world.owner.locked_until is None and world.owner.failed_logins == 0
    assert client.get("/django-admin/accounts/smscode/").status_code == 200
    assert client.get(f"/django-admin/accounts/user/{world.owner.pk}/change/").status_code == 200
    assert (
        client_for(world.staff("hq_admin")).get("/django-admin/accounts/user/").status_code == 302
    )
