"""End to end on a phone and a desk: an owner registers, customer service approves, the owner
sees the house as bound. Screenshots go to /tmp for a look at the pages."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from wuyetong.accounts import sms
from wuyetong.conftest import browser_login
from wuyetong.demo.builders import DEMO_PASSWORD, make_id_card
from wuyetong.estates.models import BindingRequest

PHONE = "13655556666"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_registers_on_a_phone_and_staff_approve_on_a_desk(world, page_for, live_server):
    sms.outbox.clear()
    cache.clear()
    house = world.houses_a1[1]
    phone = page_for(phone=True)
    phone.goto("/app/")
    # Installable: the manifest is linked and the service worker takes control of /app/.
    scope = phone.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/app/"
    phone.screenshot(path="/tmp/owner_start.png")
    phone.click("text=注册新账号")

    # Step 1: the agreement must be accepted.
    phone.wait_for_selector("[data-step='1'].on")
    phone.screenshot(path="/tmp/owner_register_agreement.png")
    phone.click("[data-agree]")
    assert "请阅读并同意" in phone.inner_text("[data-error-for=agreed_terms]")
    phone.check("input[name=agreed_terms]")
    phone.click("[data-agree]")

    # Step 2: details and the house cascade; a bad ID number is caught before any SMS.
    phone.fill("input[name=name]", "孙晓梅")
    phone.fill("input[name=phone]", PHONE)
    phone.fill("input[name=password]", "Lanting2024")
    phone.fill("input[name=confirm_password]", "Lanting2024")
    phone.fill("input[name=id_card]", "330106199001011234")
    phone.select_option("select[name=community]", label=house.community.name)
    phone.wait_for_selector(
        f"select[name=building] option:has-text('{house.building.name}')", state="attached"
    )
    phone.select_option("select[name=building]", label=house.building.name)
    phone.wait_for_selector(
        f"select[name=unit] option:has-text('{house.unit.name}')", state="attached"
    )
    phone.select_option("select[name=unit]", label=house.unit.name)
    phone.wait_for_selector(f"select[name=house] option[value='{house.pk}']", state="attached")
    phone.select_option("select[name=house]", value=str(house.pk))
    phone.click(".seg label:has(input[value=F])")
    phone.screenshot(path="/tmp/owner_register_details.png", full_page=True)
    phone.click("[data-check]")
    phone.wait_for_function(
        "document.querySelector('[data-error-for=id_card]').textContent.length > 0"
    )
    assert "身份证号码格式或校验位不正确" in phone.inner_text("[data-error-for=id_card]")
    assert sms.outbox == []
    phone.fill("input[name=id_card]", make_id_card(88))
    phone.click("[data-check]")

    # Step 3: SMS code with a countdown, then the account exists and the request is pending.
    phone.wait_for_selector("[data-step='3'].on")
    phone.click("[data-sms-button]")
    phone.wait_for_function(
        "document.querySelector('[data-sms-button]').textContent.includes('秒后重发')"
    )
    code = re.search(r"\d{6}", sms.outbox[-1].text).group(0)
    phone.fill("input[name=sms_code]", code)
    phone.screenshot(path="/tmp/owner_register_sms.png")
    phone.click("button[type=submit]:has-text('完成注册')")
    phone.wait_for_url(f"{live_server.url}/app/")
    assert "待审核" in phone.inner_text("body")
    phone.screenshot(path="/tmp/owner_home_pending.png", full_page=True)
    binding = BindingRequest.objects.get(user__phone=PHONE)

    # Customer service reviews it on the desktop console.
    desk = page_for()
    browser_login(desk, world.staff("customer_service").phone, DEMO_PASSWORD)
    desk.goto("/estates/bindings/?status=pending")
    assert "孙晓梅" in desk.inner_text("table.grid")
    assert "136****6666" in desk.inner_text("table.grid")
    desk.screenshot(path="/tmp/console_binding_list.png", full_page=True)
    desk.click(f"a[href='/estates/bindings/{binding.pk}/']")
    desk.wait_for_selector("text=审核通过")
    desk.screenshot(path="/tmp/console_binding_review.png", full_page=True)
    desk.on("dialog", lambda dialog: dialog.accept())
    desk.click("button:has-text('审核通过')")
    desk.wait_for_url(re.compile(r".*/estates/bindings/\?status=pending$"))
    assert "已通过 孙晓梅 的认证申请" in desk.inner_text("body")
    assert "没有待审核的申请" in desk.inner_text("#binding-rows")
    # The status filter swaps just the rows (htmx) and keeps the URL shareable.
    desk.select_option("select[name=status]", "approved")
    desk.wait_for_function("document.querySelector('#binding-rows').innerText.includes('孙晓梅')")
    assert "status=approved" in desk.url and "已通过" in desk.inner_text("#binding-rows")

    # Back on the phone the house is bound.
    phone.goto("/app/")
    body = phone.inner_text("body")
    assert f"{house.building.name}{house.unit.name}{house.room_no}" in body and "已认证" in body
    phone.screenshot(path="/tmp/owner_home_bound.png", full_page=True)
    phone.goto("/app/houses/")
    phone.screenshot(path="/tmp/owner_houses.png", full_page=True)

    # The owner moves the binding to another house of the same company (改绑).
    target = world.houses_a1[2]
    phone.click("a:has-text('改绑')")
    phone.wait_for_selector("text=原房屋")
    phone.wait_for_selector(
        f"select[name=community] option[value='{target.community_id}']", state="attached"
    )
    phone.select_option("select[name=community]", value=str(target.community_id))
    phone.wait_for_selector(
        f"select[name=building] option[value='{target.building_id}']", state="attached"
    )
    phone.select_option("select[name=building]", value=str(target.building_id))
    phone.wait_for_selector(f"select[name=unit] option[value='{target.unit_id}']", state="attached")
    phone.select_option("select[name=unit]", value=str(target.unit_id))
    phone.wait_for_selector(f"select[name=house] option[value='{target.pk}']", state="attached")
    phone.select_option("select[name=house]", value=str(target.pk))
    phone.screenshot(path="/tmp/owner_rebind.png", full_page=True)
    phone.click("button:has-text('提交认证申请')")
    phone.wait_for_url(f"{live_server.url}/app/houses/")
    assert "改绑申请" in phone.inner_text("body")
    rebind = BindingRequest.objects.get(user__phone=PHONE, house=target)
    binding.refresh_from_db()
    assert rebind.replaces_id == binding.occupancy_id
    phone.goto("/app/me/")
    phone.screenshot(path="/tmp/owner_me.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_logs_in_with_an_sms_code_on_a_phone(world, page_for, live_server):
    sms.outbox.clear()
    cache.clear()
    phone = page_for(phone=True)
    phone.goto("/app/")
    phone.click("text=验证码登录")
    phone.fill("input[name=phone]", "13999990000")
    phone.click("[data-sms-button]")
    phone.wait_for_function(
        "document.querySelector('[data-error-for=phone]').textContent.length > 0"
    )
    assert phone.inner_text("[data-error-for=phone]") == "该手机号尚未注册"
    phone.fill("input[name=phone]", world.owner.phone)
    phone.click("[data-sms-button]")
    phone.wait_for_function(
        "document.querySelector('[data-sms-button]').textContent.includes('秒后重发')"
    )
    phone.fill("input[name=sms_code]", re.search(r"\d{6}", sms.outbox[-1].text).group(0))
    phone.screenshot(path="/tmp/owner_login_sms.png")
    phone.click("button:has-text('登录')")
    phone.wait_for_url(f"{live_server.url}/app/")
    assert "您好，王建国" in phone.inner_text("body")
