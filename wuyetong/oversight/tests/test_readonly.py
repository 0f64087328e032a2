"""The bureau reads cases but never changes their handling: every write endpoint of the
service desk — API and pages, staff and owner — refuses a bureau official, and nothing about
the case changes."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from wuyetong.servicedesk import services
from wuyetong.servicedesk.api import views as api_views
from wuyetong.servicedesk.models import Case, CaseEvent, CaseUrge

ACTIONS = [
    "dispatch",
    "round_robin",
    "grab",
    "accept",
    "arrive",
    "start",
    "pause",
    "resume",
    "transfer",
    "return_to_pool",
    "quote",
    "complete",
    "reply",
    "return_visit",
    "close",
    "reopen",
    "cancel",
    "rate",
    "add_info",
    "quote_accept",
    "message",
    "answer",
]


def _snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.state,
        case.assignee_id,
        case.accepted_at,
        case.completed_at,
        case.rating,
        case.reply,
        case.quote_amount,
        case.updated_at,
        CaseEvent.objects.filter(case=case).count(),
        case.photos.count(),
    )


def _payload(emp_pk: int) -> dict:
    # Valid bodies, so a refusal is the bureau's, not the input's.
    return {
        "assignee": emp_pk,
        "reason": "房管部门试图操作",
        "note": "房管部门试图操作",
        "amount": "10.00",
        "expected_amount": "10.00",
        "reply": "答复",
        "rating": "good",
        "comment": "好",
        "answer": "答复",
    }


def _patterns(patterns, prefix: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def test_every_service_desk_write_refuses_the_bureau_and_changes_nothing(seen, api_for, client_for):
    world = seen.desk.world
    official = world.bureau_official
    cases = [seen.fresh, seen.old_open, seen.queued]
    # In the bureau's own jurisdiction, a case it has urged: still not its to handle.
    services.bureau_urge(official=official, case_id=seen.queued.pk, note="请处理")
    urge = CaseUrge.objects.get(case=seen.queued)
    before = {c.pk: _snapshot(c) for c in cases}
    body = _payload(seen.desk.emp(seen.desk.worker).pk)
    api = api_for(official)
    tried = 0
    for prefix, actions in (
        ("cases", api_views.STAFF_ACTIONS),
        ("my/cases", api_views.OWNER_ACTIONS),
    ):
        for name, *_rest in actions:
            for case in cases:
                url = f"/api/v1/servicedesk/{prefix}/{case.pk}/{name.replace('_', '-')}/"
                res = api.post(url, body, format="json")
                assert res.status_code in (403, 404), (url, res.status_code, res.content)
                tried += 1
    res = api.post(f"/api/v1/servicedesk/urges/{urge.pk}/answer/", body, format="json")
    assert res.status_code in (403, 404)
    assert tried >= 3 * (len(api_views.STAFF_ACTIONS) + len(api_views.OWNER_ACTIONS))
    # Every page of the service desk that takes a case (console, worker phone pages, owner
    # app): a POST with any action is refused too.
    from wuyetong.servicedesk import owner_urls, urls

    web = client_for(official)
    for module, base in ((urls, "/servicedesk/"), (owner_urls, "/app/service/")):
        for route, pattern in _patterns(module.urlpatterns):
            params = pattern.pattern.converters
            if "pk" not in params:
                continue
            for case in cases:
                for action in ACTIONS if "action" in params else [""]:
                    url = base + route.replace("<str:pk>", str(case.pk)).replace(
                        "<int:pk>", str(case.pk)
                    )
                    url = url.replace("<slug:action>", action).replace("<str:action>", action)
                    res = web.post(url, body)
                    assert res.status_code in (302, 403, 404, 405), (url, res.status_code)
                    if res.status_code == 302:
                        assert "/accounts/login/" not in res["Location"]
    assert {c.pk: _snapshot(c) for c in cases} == before
    assert urge.answer == "" and CaseUrge.objects.get(pk=urge.pk).answered_at is None
    # What the bureau may read it still reads.
    assert api.get(f"/api/v1/servicedesk/bureau/cases/{seen.queued.pk}/").status_code == 200
