"""Accounts API: token login with lock-out, SMS codes, registration, passwords, me."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from wuyetong.accounts import sms
from wuyetong.accounts.models import User
from wuyetong.demo.builders import DEMO_PASSWORD, make_id_card
from wuyetong.estates.models import BindingRequest

pytestmark = pytest.mark.django_db
BASE = "/api/v1/accounts"


@pytest.fixture(autouse=True)
def _outbox():
    cache.clear()  # the per-address SMS counter lives in the cache
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def test_login_returns_a_token_that_authenticates(world):
    api = APIClient()
    response = api.post(
        f"{BASE}/login/", {"phone": world.owner.phone, "password": DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["user"]["phone"] == world.owner.phone
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(f"{BASE}/me/").json()["name"] == world.owner.name


def test_login_errors_use_the_one_error_format_and_lock_after_five(world):
    api = APIClient()
    for left in (4, 3, 2, 1):
        body = api.post(
            f"{BASE}/login/", {"phone": world.owner.phone, "password": "nope"}, format="json"
        ).json()
        assert body["code"] == "bad_credentials" and f"还可尝试{left}次" in body["message"]
        assert body["errors"] == {"password": [body["message"]]}
    body = api.post(
        f"{BASE}/login/", {"phone": world.owner.phone, "password": "nope"}, format="json"
    ).json()
    assert body["code"] == "locked"
    response = api.post(
        f"{BASE}/login/", {"phone": world.owner.phone, "password": DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "locked"


def test_missing_fields_are_named(world):
    response = APIClient().post(f"{BASE}/login/", {"phone": world.owner.phone}, format="json")
    assert response.status_code == 400 and "password" in response.json()["errors"]


def test_logout_revokes_the_token(world):
    api = APIClient()
    token = api.post(
        f"{BASE}/login/", {"phone": world.owner.phone, "password": DEMO_PASSWORD}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post(f"{BASE}/logout/").status_code == 204
    assert not Token.objects.filter(key=token).exists()
    assert api.get(f"{BASE}/me/").status_code == 401


def test_anonymous_gets_401_on_private_endpoints(world):
    api = APIClient()
    assert api.get(f"{BASE}/me/").status_code == 401
    assert api.post(f"{BASE}/logout/").status_code == 401
    response = api.post(f"{BASE}/password/change/", {}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_register_over_the_api(world, django_capture_on_commit_callbacks):
    api = APIClient()
    phone = "13622223333"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{BASE}/sms-code/", {"phone": phone, "purpose": "register"}, format="json"
        )
    assert response.status_code == 200 and response.json() == {"resend_after": 60}
    again = api.post(f"{BASE}/sms-code/", {"phone": phone, "purpose": "register"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "too_soon"
    code = re.search(r"\d{6}", sms.outbox[-1].text).group(0)
    options = api.get(f"{BASE}/register/options/").json()["options"]
    assert {o["name"] for o in options} == {"翠苑一区", "西溪花园", "江南名府"}
    house = world.houses_a1[1]
    rooms = api.get(f"{BASE}/register/options/", {"unit": house.unit_id}).json()["options"]
    assert house.pk in [r["id"] for r in rooms]
    payload = {
        "phone": phone,
        "password": "Lanting2024",
        "confirm_password": "Lanting2024",
        "name": "孙注册",
        "id_card": make_id_card(31),
        "house": house.pk,
        "sms_code": code,
        "agreed_terms": True,
    }
    bad = api.post(f"{BASE}/register/", {**payload, "id_card": "330106199001011234"}, format="json")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["id_card"]
    assert not User.objects.filter(phone=phone).exists()
    response = api.post(f"{BASE}/register/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["binding"]["status"] == "pending" and body["token"]
    assert BindingRequest.objects.get(pk=body["binding"]["id"]).user.phone == phone


def test_password_change_and_reset_by_sms(world, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(world.owner)
    bad = api.post(
        f"{BASE}/password/change/",
        {"old_password": "x", "new_password": "Newpass2024", "confirm_password": "Newpass2024"},
        format="json",
    )
    assert bad.status_code == 400 and "old_password" in bad.json()["errors"]
    ok = api.post(
        f"{BASE}/password/change/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password": "Newpass2024",
            "confirm_password": "Newpass2024",
        },
        format="json",
    )
    assert ok.status_code == 204
    anon = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        anon.post(
            f"{BASE}/sms-code/", {"phone": world.owner.phone, "purpose": "reset"}, format="json"
        )
    code = re.search(r"\d{6}", sms.outbox[-1].text).group(0)
    Token.objects.create(user=world.owner)
    response = anon.post(
        f"{BASE}/password/reset/",
        {
            "phone": world.owner.phone,
            "sms_code": code,
            "new_password": "Another2024",
            "confirm_password": "Another2024",
        },
        format="json",
    )
    assert response.status_code == 204
    world.owner.refresh_from_db()
    assert world.owner.check_password("Another2024")
    assert not Token.objects.filter(user=world.owner).exists()


def test_profile_patch_and_verified_name_is_fixed(world):
    api = APIClient()
    api.force_authenticate(world.owner)
    response = api.patch(f"{BASE}/me/", {"email": "bad"}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["email"]
    response = api.patch(
        f"{BASE}/me/", {"email": "wang@example.com", "gender": "M", "name": "王建國"}, format="json"
    )
    assert response.status_code == 200 and response.json()["name"] == "王建國"
    User.objects.filter(pk=world.owner.pk).update(real_name_verified=True)
    world.owner.refresh_from_db()
    response = api.patch(f"{BASE}/me/", {"name": "别人"}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["name"]
    world.owner.refresh_from_db()
    assert world.owner.name == "王建國" and world.owner.email == "wang@example.com"


def test_sms_code_api_answers_429_when_one_address_asks_too_often(world, settings):
    settings.SMS_CODE_IP_HOURLY_LIMIT = 1
    api = APIClient()
    assert (
        api.post(
            f"{BASE}/sms-code/", {"phone": "13622224444", "purpose": "register"}, format="json"
        ).status_code
        == 200
    )
    response = api.post(
        f"{BASE}/sms-code/", {"phone": "13622225555", "purpose": "register"}, format="json"
    )
    assert response.status_code == 429 and response.json()["code"] == "ip_limit"


def test_login_by_sms_code_returns_a_token(world, django_capture_on_commit_callbacks):
    api = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{BASE}/sms-code/", {"phone": world.owner.phone, "purpose": "login"}, format="json"
        )
    assert response.status_code == 200
    code = re.search(r"\d{6}", sms.outbox[-1].text).group(0)
    bad = api.post(
        f"{BASE}/login/sms/", {"phone": world.owner.phone, "sms_code": "12345x"}, format="json"
    )
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["sms_code"]
    response = api.post(
        f"{BASE}/login/sms/", {"phone": world.owner.phone, "sms_code": code}, format="json"
    )
    assert response.status_code == 200 and response.json()["user"]["id"] == world.owner.pk
    unknown = api.post(
        f"{BASE}/sms-code/", {"phone": "13999990000", "purpose": "login"}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_phone"


def test_register_options_search_communities_by_name(world):
    options = APIClient().get(f"{BASE}/register/options/", {"q": "西溪"}).json()["options"]
    assert [o["name"] for o in options] == ["西溪花园"]
