"""The API is a thin shell over the services: the same rules, Chinese messages in the one
error body, 404 for other tenants' cases, never a 500."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from wuyetong.servicedesk.models import Case, CaseEvent

from .conftest import PNG

BASE = "/api/v1/servicedesk"


def test_owner_reports_with_photo_and_follows_the_timeline(desk, api_for, media, pushes):
    api = api_for(desk.world.owner)
    types = api.get(f"{BASE}/types/?kind=repair").json()
    assert {t["name"] for t in types} >= {"水电", "漏水", "门窗"}
    res = api.post(
        f"{BASE}/my/cases/",
        {
            "kind": "repair",
            "case_type": desk.leak.pk,
            "description": "卫生间漏水",
            "house": desk.world.owner_house.pk,
            "photos": [SimpleUploadedFile("a.png", PNG, content_type="image/png")],
        },
        format="multipart",
    )
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["state"] == "submitted" and body["timeline"][0]["action"] == "submit"
    case = Case.objects.get(pk=body["id"])
    assert case.photos.count() == 1
    listed = api.get(f"{BASE}/my/cases/?open=1").json()
    assert [c["id"] for c in listed["results"]] == [case.pk]
    res = api.post(f"{BASE}/my/cases/{case.pk}/cancel/", {"reason": "修好了"}, format="json")
    assert res.status_code == 200 and res.json()["state"] == "cancelled"


def test_bad_input_gets_a_field_message_not_a_500(desk, api_for):
    api = api_for(desk.world.owner)
    res = api.post(
        f"{BASE}/my/cases/",
        {"kind": "repair", "case_type": desk.leak.pk, "description": "x", "house": 2**70},
        format="json",
    )
    assert res.status_code == 400
    assert res.json()["errors"].keys() == {"house"}
    res = api.post(f"{BASE}/my/cases/", {"kind": "magic"}, format="json")
    assert res.status_code == 400 and "kind" in res.json()["errors"]
    assert not Case.objects.exists()


def test_refused_transition_answers_400_with_chinese_message(desk, api_for):
    case = desk.drive(desk.submit(), "dispatched")
    res = api_for(desk.world.owner).post(f"{BASE}/my/cases/{case.pk}/cancel/", {}, format="json")
    assert res.status_code == 400
    assert res.json()["code"] == "invalid_state" and "已派单" in res.json()["message"]


def test_staff_work_the_case_through_the_api(desk, api_for):
    case = desk.submit()
    cs, worker = api_for(desk.cs), api_for(desk.worker)
    res = cs.post(
        f"{BASE}/cases/{case.pk}/dispatch/", {"assignee": desk.emp(desk.worker).pk}, format="json"
    )
    assert res.status_code == 200 and res.json()["assignee_name"] == desk.worker.name
    assert "****" in res.json()["reporter_phone"]
    for action in ("accept", "arrive", "start"):
        assert worker.post(f"{BASE}/cases/{case.pk}/{action}/").status_code == 200
    res = worker.post(f"{BASE}/cases/{case.pk}/pause/", {"reason": ""}, format="json")
    assert res.status_code == 400 and res.json()["errors"] == {"reason": ["请填写暂停原因"]}
    res = worker.post(f"{BASE}/cases/{case.pk}/complete/", {"note": "好了"}, format="multipart")
    assert res.json()["state"] == "completed"
    mine = worker.get(f"{BASE}/cases/?mine=1").json()["results"]
    assert [c["id"] for c in mine] == [case.pk]


def test_other_company_staff_get_404_and_change_nothing(desk, api_for):
    case = desk.submit()
    outsider = api_for(desk.world.staff("hq_admin", "b"))
    assert outsider.get(f"{BASE}/cases/{case.pk}/").status_code == 404
    assert outsider.get(f"{BASE}/cases/").json()["results"] == []
    res = outsider.post(f"{BASE}/cases/{case.pk}/round-robin/")
    assert res.status_code == 404
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_other_owner_and_anonymous_get_nothing(desk, api_for):
    case = desk.submit()
    assert api_for(desk.world.other_owner).get(f"{BASE}/my/cases/{case.pk}/").status_code == 404
    assert api_for().get(f"{BASE}/my/cases/").status_code in (401, 403)
    assert api_for(desk.world.owner).get(f"{BASE}/cases/").status_code == 403
    assert api_for(desk.cs).get(f"{BASE}/cases/{2**70}/").status_code == 404


def test_bureau_reads_and_urges_but_cannot_handle(desk, api_for):
    case = desk.submit()
    Case.objects.filter(pk=case.pk).update(escalation_level=1)
    bureau = api_for(desk.world.bureau_official)
    assert [c["id"] for c in bureau.get(f"{BASE}/bureau/cases/").json()["results"]] == [case.pk]
    res = bureau.post(f"{BASE}/bureau/cases/{case.pk}/urge/", {"note": "请尽快处理"}, format="json")
    assert res.status_code == 200 and res.json()["timeline"][-1]["action"] == "urge"
    assert bureau.post(f"{BASE}/cases/{case.pk}/grab/").status_code == 403
    assert (
        api_for(desk.world.bureau_b_official).get(f"{BASE}/bureau/cases/{case.pk}/").status_code
        == 404
    )
    urge_id = case.urges.get().pk
    res = api_for(desk.world.staff("project_manager")).post(
        f"{BASE}/urges/{urge_id}/answer/", {"answer": "已安排"}, format="json"
    )
    assert res.status_code == 200 and res.json()["answered_at"]


def test_list_endpoints_do_not_grow_queries_with_rows(desk, api_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = (
        (desk.world.owner, f"{BASE}/my/cases/"),
        (desk.cs, f"{BASE}/cases/"),
        (desk.world.bureau_official, f"{BASE}/bureau/cases/"),
    )

    def counts() -> list[int]:
        Case.objects.update(escalation_level=1)
        out = []
        for user, url in urls:
            api = api_for(user)
            api.get(url)  # resolves and caches the user's access
            with CaptureQueriesContext(connection) as ctx:
                res = api.get(url)
            assert res.status_code == 200
            assert res.json()["results"][0]["assignee_name"] == desk.worker.name
            out.append(len(ctx.captured_queries))
        return out

    desk.drive(desk.submit(), "dispatched")
    few = counts()
    for _ in range(4):
        desk.drive(desk.submit(), "dispatched")
    assert counts() == few
