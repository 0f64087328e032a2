"""The duty desk in Chromium on the ASGI server (HTTP and /ws/ as `make run` serves them): a
case reported by an owner pops up on an open console page within a second, with the badge
counting the pool and the tone once sound is on; after a dropped connection the cases
reported meanwhile are shown as missed. Screenshots land in $WUYETONG_SCREENSHOTS (/tmp)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from wuyetong.conftest import browser_login
from wuyetong.servicedesk import services
from wuyetong.servicedesk.choices import CaseKind, Urgency
from wuyetong.servicedesk.models import Case

pytestmark = [pytest.mark.browser]
SHOTS = os.environ.get("WUYETONG_SCREENSHOTS", "/tmp")


def shot(page, name):
    page.screenshot(path=f"{SHOTS}/servicedesk_{name}.png", full_page=False)


class OwnerApp:
    """The owner reports through the API of the same server (as the phone app does), so the
    push leaves from the server's own event loop, as in production."""

    def __init__(self, desk, page):
        self.desk = desk
        self.request = page.context.request
        self.token = Token.objects.create(user=desk.world.owner).key

    def report(self, kind=CaseKind.REPAIR, urgency=Urgency.NORMAL, description="厨房水管漏水"):
        data = {
            "kind": kind,
            "case_type": (self.desk.leak if kind == CaseKind.REPAIR else self.desk.noise).pk,
            "description": description,
            "house": self.desk.world.owner_house.pk,
            "urgency": urgency,
            "reason": "夜间施工" if kind == CaseKind.COMPLAINT else "",
        }
        r = self.request.post(
            "/api/v1/servicedesk/my/cases/",
            data=data,
            headers={"Authorization": f"Token {self.token}"},
        )
        assert r.status == 201, r.text()
        return Case.objects.get(pk=r.json()["id"])


def test_new_case_pops_up_on_the_duty_desk_and_missed_ones_replay(desk, asgi_page_for):
    page = asgi_page_for()
    owner = OwnerApp(desk, asgi_page_for(phone=True))
    browser_login(page, desk.cs.phone)
    page.goto("/servicedesk/cases/")
    page.wait_for_function("document.body.dataset.liveState === 'open'")
    page.wait_for_function("document.querySelector('#desk b').dataset.n === '0'")
    page.click("#desk-sound")  # the gesture that allows audio
    page.wait_for_function("document.getElementById('desk').dataset.beeps === '1'")
    # It pops up without a reload. How fast (the 1 s goal) is measured by bench/desk_popup.py,
    # not here: timed assertions fail on a loaded CI machine and say nothing of the code.
    case = owner.report(urgency=Urgency.URGENT, description="电梯困人")
    page.wait_for_selector(f".desk-card[data-case='{case.pk}']")
    card = page.locator(f".desk-card[data-case='{case.pk}']")
    assert "紧急" in card.inner_text() and "翠苑一区" in card.inner_text()
    page.wait_for_function("document.querySelector('#desk b').dataset.n === '1'")
    page.wait_for_selector(f"#list-region a:has-text('{case.number}')")  # the list followed
    page.wait_for_function("document.getElementById('desk').dataset.beeps === '2'")
    shot(page, "desk_popup")
    # Another community of the company: the project's clerk is not responsible for it.
    # (Only 翠苑一区 is in this clerk's scope; nothing pops up for 西溪花园.)

    # The connection drops; two cases are reported meanwhile; it reconnects and shows them.
    page.evaluate(
        "window.__reconnects = 0; window.addEventListener('live:open', () => window.__reconnects++)"
    )
    page.evaluate("window.liveSocket.close()")
    page.wait_for_function("document.body.dataset.liveState === 'closed'")
    missed = [owner.report(description="楼道灯不亮"), owner.report(kind=CaseKind.COMPLAINT)]
    page.wait_for_function("window.__reconnects >= 1", timeout=5000)
    for m in missed:
        page.wait_for_selector(f".desk-card[data-case='{m.pk}'] .missed", timeout=3000)
    page.wait_for_function("document.querySelector('#desk b').dataset.n === '3'")
    for m in missed:  # the list on screen caught up too
        page.wait_for_selector(f"#list-region a:has-text('{m.number}')")
    shot(page, "desk_replay")
    # A housing bureau urges one (from this test's thread: core.realtime hands the push to the
    # server's loop): its own card, with the note, at once.
    Case.objects.filter(pk=missed[1].pk).update(submitted_at=timezone.now() - timedelta(days=4))
    urge = services.bureau_urge(
        official=desk.world.bureau_official, case_id=missed[1].pk, note="请今日内书面答复"
    )
    page.wait_for_selector(f".desk-card[data-urge='{urge.pk}']")
    assert "请今日内书面答复" in page.inner_text(f".desk-card[data-urge='{urge.pk}']")
    page.wait_for_timeout(300)  # the card's slide-in
    shot(page, "desk_urge")
    # Click a card: the case page.
    page.click(f".desk-card[data-case='{missed[0].pk}']")
    page.wait_for_selector(f"h1:has-text('{missed[0].number}')")
    page.select_option("select[name=dispatch-assignee]", str(desk.emp(desk.worker).pk))
    page.click("form[data-action=dispatch] button")
    page.wait_for_selector("#case-state:has-text('已派单')")
    assert page.locator("#case-assignee").inner_text() == desk.worker.name
    page.wait_for_function("document.querySelector('#desk b').dataset.n === '2'")
    shot(page, "case_dispatched")
    # The missed cards are not replayed again on the next page.
    page.wait_for_function("document.body.dataset.liveState === 'open'")
    page.wait_for_timeout(300)
    assert page.locator(".desk-card").count() == 0
