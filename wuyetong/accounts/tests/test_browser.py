"""The console login page in a real browser: error messages in place, staff reach the dashboard."""

from __future__ import annotations

import pytest

from wuyetong.demo.builders import DEMO_PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_login_shows_errors_then_reaches_the_dashboard(world, page_for, live_server):
    page = page_for()
    page.goto("/accounts/login/")
    page.fill("input[name=phone]", world.staff("project_manager").phone)
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "还可尝试4次" in page.inner_text(".errorlist")
    page.screenshot(path="/tmp/console_login_error.png")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "工作台" in page.inner_text("h1")
    page.click("text=修改密码")
    page.wait_for_selector("input[name=old_password]")
    page.screenshot(path="/tmp/console_password_change.png")
