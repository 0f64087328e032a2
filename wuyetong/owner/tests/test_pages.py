"""The owner's phone app pages: start, registration, houses, add / rebind, me, PWA files."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from wuyetong.accounts import sms
from wuyetong.accounts.models import User
from wuyetong.demo.builders import DEMO_PASSWORD, make_id_card
from wuyetong.estates.choices import BindingStatus
from wuyetong.estates.models import BindingRequest, Occupancy
from wuyetong.estates.services import bindings as binding_services
from wuyetong.orgs.choices import ApprovalStatus

pytestmark = pytest.mark.django_db
PHONE = "13633334444"


@pytest.fixture(autouse=True)
def _outbox():
    cache.clear()  # the per-address SMS counter lives in the cache
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def form_data(world, **overrides) -> dict:
    house = world.houses_a1[1]
    data = {
        "agreed_terms": "on",
        "name": "周业主",
        "phone": PHONE,
        "password": "Lanting2024",
        "confirm_password": "Lanting2024",
        "id_card": make_id_card(55),
        "community": house.community_id,
        "building": house.building_id,
        "unit": house.unit_id,
        "house": house.pk,
        "relation": "owner",
        "email": "",
        "gender": "F",
    }
    data.update(overrides)
    return data


def send_code(client, django_capture_on_commit_callbacks, phone=PHONE, purpose="register") -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/app/sms/", {"phone": phone, "purpose": purpose})
    assert response.status_code == 200, response.content
    return re.search(r"\d{6}", sms.outbox[-1].text).group(0)


def test_anonymous_sees_the_start_screen_and_private_pages_redirect_to_it(world):
    client = Client()
    html = client.get("/app/").content.decode()
    assert "手机号登录" in html and "注册新账号" in html and 'rel="manifest"' in html
    for url in ("/app/houses/", "/app/houses/add/", "/app/me/", "/app/me/password/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/app/login/?next=")


def test_owner_logs_in_from_the_app_and_sees_the_bound_house(world):
    client = Client()
    response = client.post(
        "/app/login/", {"phone": world.owner.phone, "password": DEMO_PASSWORD, "remember": "on"}
    )
    assert response["Location"] == "/app/"
    html = client.get("/app/").content.decode()
    assert "王建国" in html and "1幢1单元101" in html and "已认证" in html


def test_app_login_shows_lock_out_message(world):
    client = Client()
    for _ in range(5):
        client.post("/app/login/", {"phone": world.owner.phone, "password": "bad"})
    html = client.post(
        "/app/login/", {"phone": world.owner.phone, "password": DEMO_PASSWORD}
    ).content.decode()
    assert "账号已锁定至" in html


def test_register_through_the_wizard(world, django_capture_on_commit_callbacks):
    client = Client()
    assert "用户协议" in client.get("/app/register/").content.decode()
    check = client.post("/app/register/check/", form_data(world))
    assert check.json() == {"ok": True}
    code = send_code(client, django_capture_on_commit_callbacks)
    response = client.post("/app/register/", {**form_data(world), "sms_code": code})
    assert response.status_code == 302 and response["Location"] == "/app/"
    user = User.objects.get(phone=PHONE)
    assert user.agreed_terms_at and user.gender == "F"
    html = client.get("/app/").content.decode()
    assert "待审核" in html and "注册成功" in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_card": "330106199001011234"}, "id_card", "身份证号码格式或校验位不正确"),
        ({"confirm_password": "Other2024x"}, "confirm_password", "两次输入的密码不一致"),
        ({"agreed_terms": ""}, "agreed_terms", "请阅读并同意"),
    ],
)
def test_register_check_names_the_field_and_writes_nothing(world, overrides, field, message):
    before = (User.objects.count(), BindingRequest.objects.count())
    response = Client().post("/app/register/check/", form_data(world, **overrides))
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [field] and message in body["errors"][field][0]
    assert (User.objects.count(), BindingRequest.objects.count()) == before


def test_register_with_unapproved_community_is_refused_on_the_page(
    world, django_capture_on_commit_callbacks
):
    world.community_a1.status = ApprovalStatus.PENDING
    world.community_a1.save(update_fields=["status"])
    client = Client()
    code = send_code(client, django_capture_on_commit_callbacks)
    response = client.post("/app/register/", {**form_data(world), "sms_code": code})
    assert response.status_code == 200
    html = response.content.decode()
    assert "所选房屋不存在或小区尚未开通" in html and 'data-start="2"' in html
    assert not User.objects.filter(phone=PHONE).exists()
    # An unapproved community is not offered in the picker either.
    assert world.community_a1.pk not in [
        o["id"] for o in client.get("/app/picker/").json()["options"]
    ]


def test_wrong_code_reopens_the_sms_step(world, django_capture_on_commit_callbacks):
    client = Client()
    code = send_code(client, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    html = client.post("/app/register/", {**form_data(world), "sms_code": wrong}).content.decode()
    assert "验证码不正确" in html and 'data-start="3"' in html
    # The cascade is refilled so the user does not have to pick the house again.
    assert f'<option value="{world.houses_a1[1].pk}" selected>' in html


def test_sms_send_errors_are_json_and_rate_limited(world, django_capture_on_commit_callbacks):
    client = Client()
    send_code(client, django_capture_on_commit_callbacks)
    response = client.post("/app/sms/", {"phone": PHONE, "purpose": "register"})
    assert response.status_code == 429 and "发送太频繁" in response.json()["message"]
    response = client.post("/app/sms/", {"phone": "123", "purpose": "register"})
    assert response.status_code == 400 and "phone" in response.json()["errors"]
    assert client.post("/app/sms/", {"phone": PHONE, "purpose": "login"}).status_code == 400


def test_picker_walks_down_the_cascade(world):
    house = world.houses_a1[0]
    client = Client()
    buildings = client.get("/app/picker/", {"community": house.community_id}).json()["options"]
    assert [b["name"] for b in buildings] == ["1幢", "2幢"]
    units = client.get("/app/picker/", {"building": house.building_id}).json()["options"]
    rooms = client.get("/app/picker/", {"unit": units[0]["id"]}).json()["options"]
    assert house.pk in [r["id"] for r in rooms]
    assert client.get("/app/picker/", {"community": "abc"}).status_code == 200


def test_add_and_rebind_a_house(world, client_for):
    client = client_for(world.owner)
    html = client.get("/app/houses/").content.decode()
    assert "改绑" in html
    old = Occupancy.objects.get(resident__user=world.owner)
    page = client.get(f"/app/houses/add/?replaces={old.pk}").content.decode()
    assert "原房屋" in page
    target = world.houses_a1[3]
    response = client.post(
        "/app/houses/add/",
        {
            "replaces": old.pk,
            "community": target.community_id,
            "building": target.building_id,
            "unit": target.unit_id,
            "house": target.pk,
            "relation": "owner",
            "applicant_name": "王建国",
            "applicant_id_card": make_id_card(1),
        },
    )
    assert response.status_code == 302
    binding = BindingRequest.objects.get(user=world.owner)
    assert binding.replaces == old and binding.status == BindingStatus.PENDING
    binding_services.binding_approve(actor=world.staff("customer_service"), binding=binding)
    html = client.get("/app/houses/").content.decode()
    assert f"{target.building.name}{target.unit.name}{target.room_no}" in html and "已通过" in html
    old.refresh_from_db()
    assert old.end_date is not None
    assert "历史绑定" in html and "已解除" in html and "改绑至" in html


def test_rebind_of_someone_elses_occupancy_is_404(world, client_for):
    others = Occupancy.objects.get(resident__user=world.other_owner)
    assert client_for(world.owner).get(f"/app/houses/add/?replaces={others.pk}").status_code == 404


def test_add_house_error_is_shown_in_chinese(world, client_for):
    html = (
        client_for(world.owner)
        .post(
            "/app/houses/add/",
            {"relation": "owner", "applicant_name": "王建国", "applicant_id_card": make_id_card(1)},
        )
        .content.decode()
    )
    assert "请选择房屋" in html
    assert not BindingRequest.objects.exists()


def test_rejected_request_shows_the_reason_on_home(world, client_for):
    binding = binding_services.binding_request_create(
        user=world.owner, house_id=world.houses_a1[2].pk, applicant_id_card=make_id_card(1)
    )
    binding_services.binding_reject(
        actor=world.staff("customer_service"), binding=binding, reason="请携带房产证到物业中心"
    )
    html = client_for(world.owner).get("/app/").content.decode()
    assert "驳回原因：请携带房产证到物业中心" in html


def test_withdraw_own_request_but_not_anothers(world, client_for):
    binding = binding_services.binding_request_create(
        user=world.owner, house_id=world.houses_a1[2].pk, applicant_id_card=make_id_card(1)
    )
    assert (
        client_for(world.other_owner).post(f"/app/bindings/{binding.pk}/cancel/").status_code == 404
    )
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING
    client_for(world.owner).post(f"/app/bindings/{binding.pk}/cancel/")
    binding.refresh_from_db()
    assert binding.status == BindingStatus.CANCELLED


def test_me_page_change_password_and_logout(world, client_for):
    client = client_for(world.owner)
    html = client.get("/app/me/").content.decode()
    assert "13500000001" in html and "退出登录" in html and world.owner.id_card not in html
    html = client.post(
        "/app/me/password/",
        {"old_password": "bad", "new_password": "Newpass2024", "confirm_password": "Newpass2024"},
    ).content.decode()
    assert "原密码不正确" in html
    response = client.post(
        "/app/me/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password": "Newpass2024",
            "confirm_password": "Newpass2024",
        },
    )
    assert response["Location"] == "/app/me/"
    response = client.post("/accounts/logout/", {"next": "/app/"})
    assert response["Location"] == "/app/"
    assert client.get("/app/me/").status_code == 302


def test_password_reset_in_the_app(world, django_capture_on_commit_callbacks):
    client = Client()
    code = send_code(
        client, django_capture_on_commit_callbacks, phone=world.owner.phone, purpose="reset"
    )
    response = client.post(
        "/app/password/reset/",
        {
            "phone": world.owner.phone,
            "sms_code": code,
            "new_password": "Reset2024x",
            "confirm_password": "Reset2024x",
        },
    )
    assert response["Location"] == "/app/login/"
    world.owner.refresh_from_db()
    assert world.owner.check_password("Reset2024x")


def test_installable_manifest_and_service_worker(world):
    client = Client()
    manifest = json.loads(client.get("/app/manifest.webmanifest").content)
    assert manifest["start_url"] == "/app/" and manifest["display"] == "standalone"
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    sw = client.get("/app/sw.js")
    assert (
        sw["Content-Type"] == "application/javascript" and sw["Service-Worker-Allowed"] == "/app/"
    )
    assert b"/app/offline/" in b"".join(sw.streaming_content)
    assert client.get("/app/offline/").status_code == 200


def test_profile_edit(world, client_for):
    client = client_for(world.owner)
    html = client.post(
        "/app/me/profile/", {"name": "王建国", "email": "bad", "gender": "M"}
    ).content.decode()
    assert "电子邮箱格式不正确" in html
    response = client.post(
        "/app/me/profile/", {"name": "王建國", "email": "w@example.com", "gender": "M"}
    )
    assert response["Location"] == "/app/me/"
    world.owner.refresh_from_db()
    assert (world.owner.name, world.owner.email, world.owner.gender) == (
        "王建國",
        "w@example.com",
        "M",
    )
    assert client_for(world.other_owner).get("/app/me/profile/").status_code == 200
    assert Client().get("/app/me/profile/").status_code == 302


@override_settings(SMS_CODE_IP_HOURLY_LIMIT=2)
def test_one_address_cannot_walk_through_many_phone_numbers(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    for phone in ("13600000011", "13600000012"):
        send_code(client, django_capture_on_commit_callbacks, phone=phone)
    response = client.post("/app/sms/", {"phone": "13600000013", "purpose": "register"})
    assert response.status_code == 429 and response.json()["errors"] == {
        "phone": ["验证码请求过于频繁，请稍后再试"]
    }
    assert len(sms.outbox) == 2
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        other.post("/app/sms/", {"phone": "13600000013", "purpose": "register"}).status_code == 200
    )


def test_resubmit_after_rejection_starts_from_the_same_house(world, client_for):
    house = world.houses_a1[2]
    binding = binding_services.binding_request_create(
        user=world.owner, house_id=house.pk, applicant_id_card=make_id_card(1)
    )
    binding_services.binding_reject(
        actor=world.staff("customer_service"), binding=binding, reason="身份证号有误"
    )
    client = client_for(world.owner)
    assert f"/app/houses/add/?house={house.pk}" in client.get("/app/houses/").content.decode()
    html = client.get(f"/app/houses/add/?house={house.pk}").content.decode()
    assert f'<option value="{house.pk}" selected>' in html
    assert f'<option value="{house.unit_id}" selected>' in html


def test_app_login_page_sends_a_logged_in_user_home(world, client_for):
    assert client_for(world.owner).get("/app/login/")["Location"] == "/app/"


def test_without_javascript_the_code_button_posts_the_form(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/app/register/", {**form_data(world), "send_sms": "1"})
    html = response.content.decode()
    assert "验证码已发送" in html and 'data-start="3"' in html and 'value="周业主"' in html
    code = re.search(r"\d{6}", sms.outbox[-1].text).group(0)
    assert (
        client.post("/app/register/", {**form_data(world), "sms_code": code})["Location"] == "/app/"
    )
    html = (
        Client()
        .post("/app/password/reset/", {"phone": "13999990000", "send_sms": "1"})
        .content.decode()
    )
    assert "该手机号尚未注册" in html


def test_owner_pages_use_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    for house in world.houses_a1[2:7]:
        binding_services.binding_request_create(
            user=world.owner, house_id=house.pk, applicant_id_card=make_id_card(1)
        )
    client = client_for(world.owner)
    # Home reads each module's summary (bills, cases, notices, messages, weather) once.
    for url, most in (("/app/", 16), ("/app/houses/", 8), ("/app/me/", 8)):
        client.get(url)
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def test_login_with_an_sms_code_also_lifts_a_password_lock(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    for _ in range(5):
        client.post("/app/login/", {"phone": world.owner.phone, "password": "bad"})
    world.owner.refresh_from_db()
    assert world.owner.locked_until is not None
    assert "验证码登录" in client.get("/app/login/").content.decode()
    html = client.post(
        "/app/login/sms/", {"phone": "13999990000", "send_sms": "1"}
    ).content.decode()
    assert "该手机号尚未注册" in html
    code = send_code(
        client, django_capture_on_commit_callbacks, phone=world.owner.phone, purpose="login"
    )
    html = client.post(
        "/app/login/sms/",
        {"phone": world.owner.phone, "sms_code": "000000" if code != "000000" else "111111"},
    ).content.decode()
    assert "验证码不正确" in html
    response = client.post(
        "/app/login/sms/", {"phone": world.owner.phone, "sms_code": code, "remember": "on"}
    )
    assert response["Location"] == "/app/"
    world.owner.refresh_from_db()
    assert world.owner.locked_until is None
    assert "王建国" in client.get("/app/").content.decode()


@pytest.mark.parametrize("bad", ["99999999999999999999999", "-3", "abc", "0"])
def test_absurd_ids_are_not_found_never_a_500(world, client_for, api_for, bad):
    anon = Client(raise_request_exception=False)
    owner = client_for(world.owner)
    owner.raise_request_exception = False
    responses = [
        anon.get(f"/app/picker/?unit={bad}"),
        anon.get(f"/app/picker/?community={bad}"),
        owner.get(f"/app/houses/add/?replaces={bad}"),
        owner.get(f"/app/houses/add/?house={bad}"),
        owner.post("/app/houses/add/", {"house": bad, "relation": "owner"}),
        anon.post("/app/register/check/", {"house": bad, "agreed_terms": "on"}),
        api_for().get(f"/api/v1/accounts/register/options/?unit={bad}"),
        api_for(world.owner).post("/api/v1/me/bindings/", {"house": bad}, format="json"),
        api_for(world.owner).post(
            "/api/v1/me/bindings/",
            {"house": world.houses_a1[2].pk, "replaces": bad, "applicant_id_card": make_id_card(1)},
            format="json",
        ),
    ]
    assert [r.status_code for r in responses if r.status_code >= 500] == []
    assert not BindingRequest.objects.exists()
