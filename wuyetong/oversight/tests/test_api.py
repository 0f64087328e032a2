"""The statistics API: the same figures as the pages, for the same people only, with the
cases behind any figure; bad parameters answer 400 naming the field."""

from __future__ import annotations

from wuyetong.servicedesk import stats
from wuyetong.servicedesk.models import Case

BUREAU = "/api/v1/oversight/bureau"
COMPANY = "/api/v1/oversight/company"


def _in_range():
    first, last = stats.default_months()
    start, end = stats.month_bounds(first, last)
    return Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)


def test_only_the_right_persona_reads_each_endpoint(seen, api_for):
    world = seen.desk.world
    for url in (f"{BUREAU}/figures/", f"{BUREAU}/cases/"):
        assert api_for().get(url).status_code in (401, 403)
        for user in (world.owner, world.staff("hq_admin"), world.merchant_user, world.admin):
            assert api_for(user).get(url).status_code == 403, (url, user)
        assert api_for(world.bureau_official).get(url).status_code == 200
    for url in (f"{COMPANY}/figures/", f"{COMPANY}/cases/"):
        assert api_for().get(url).status_code in (401, 403)
        for user in (world.owner, world.bureau_official, world.staff("cleaner"), world.admin):
            assert api_for(user).get(url).status_code == 403, (url, user)
        assert api_for(world.staff("hq_admin")).get(url).status_code == 200


def test_figures_equal_direct_counts_and_the_cases_behind_them(seen, api_for):
    world = seen.desk.world
    api = api_for(world.bureau_official)
    body = api.get(f"{BUREAU}/figures/?by=company").json()
    mine = _in_range().filter(community__district=world.districts[0])
    assert body["total"]["received"] == mine.count()
    assert [r["company_name"] for r in body["results"]] == [world.company_a.name]
    assert body["results"][0]["figures"]["overdue"] == body["total"]["overdue"]
    assert "month" not in body["results"][0]
    months = api.get(f"{BUREAU}/figures/?by=month").json()
    assert months["count"] == 6 and sum(r["figures"]["received"] for r in months["results"]) == (
        mine.count()
    )
    per_community = api.get(f"{BUREAU}/figures/?by=community&o=overdue").json()
    names = {r["community_name"] for r in per_community["results"]}
    assert names == {"翠苑一区", "西溪花园"}
    for metric in ("overdue", "escalated", "good", "urged"):
        listed = api.get(f"{BUREAU}/cases/?metric={metric}").json()
        assert listed["count"] == body["total"][metric], metric
    complaints = api.get(f"{BUREAU}/cases/?metric=rated&kind=complaint").json()
    assert {c["kind"] for c in complaints["results"]} <= {"complaint"}
    # Company B's staff: their own cases only, none of A's.
    b = api_for(world.staff("hq_admin", "b")).get(f"{COMPANY}/figures/?by=community").json()
    assert b["total"]["received"] == _in_range().filter(company=world.company_b).count()
    assert {r["community_name"] for r in b["results"]} <= {"江南名府"}


def test_bad_parameters_answer_400_naming_the_field(seen, api_for):
    api = api_for(seen.desk.world.bureau_official)
    for query, field in (
        ("by=year", "by"),
        ("month_from=2025-13", "month_from"),
        ("month_from=2025-05&month_to=2025-01", "month_to"),
        (f"company={seen.desk.world.company_b.pk}", "company"),
        (f"community={2**70}", "community"),
        ("kind=x", "kind"),
    ):
        res = api.get(f"{BUREAU}/figures/?{query}")
        assert res.status_code == 400, query
        assert field in res.json()["errors"], (query, res.json())
    res = api.get(f"{BUREAU}/cases/?metric=nothing")
    assert res.status_code == 400 and "metric" in res.json()["errors"]
