"""The bureau reads each community's 业委会 in its district — composition, terms, history —
and nothing else: other districts are absent, phones masked, no form to change anything."""

from __future__ import annotations

import datetime as dt

from wuyetong.community import services
from wuyetong.community.models import CommitteeMember


def _committee(world):
    hq = world.staff("hq_admin")
    a1 = world.community_a1
    director = services.committee_member_add(
        actor=hq,
        community=a1,
        role="director",
        name="陈主任",
        phone="13812345678",
        term_start=dt.date(2024, 1, 1),
        term_end=dt.date(2028, 12, 31),
    )
    services.committee_member_add(
        actor=hq, community=a1, role="deputy", name="林副主任", term_start=dt.date(2024, 1, 1)
    )
    old = services.committee_member_add(
        actor=hq, community=a1, role="member", name="老委员", term_start=dt.date(2020, 1, 1)
    )
    services.committee_member_end(
        actor=hq, member=old, ended_on=dt.date(2023, 12, 31), reason="任期届满"
    )
    b_hq = world.staff("hq_admin", "b")
    services.committee_member_add(
        actor=b_hq,
        community=world.community_b1,
        role="director",
        name="江主任",
        term_start=dt.date(2024, 1, 1),
    )
    return director


def test_the_bureau_sees_each_communitys_committee_in_its_district(world, client, client_for):
    _committee(world)
    bureau = client_for(world.bureau_official)
    res = bureau.get("/oversight/committees/")
    html = res.content.decode()
    assert res.status_code == 200
    assert "陈主任" in html and "林副主任" in html and "2 人在任" in html
    assert "未成立" in html  # 西溪花园 has none
    assert "江主任" not in html and "江南名府" not in html  # 滨江区
    formed = bureau.get("/oversight/committees/?formed=yes").context["page"].paginator.count
    missing = bureau.get("/oversight/committees/?formed=no").context["page"].paginator.count
    assert (formed, missing) == (1, 1)
    detail = bureau.get(f"/oversight/committees/{world.community_a1.pk}/")
    html = detail.content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert "老委员" in html and "任期届满" in html  # history kept
    assert "<form" not in html.split('<main class="content"')[1]  # read only
    # Another district's community is absent, whoever asks by id.
    assert bureau.get(f"/oversight/committees/{world.community_b1.pk}/").status_code == 404
    assert bureau.get(f"/oversight/committees/{2**70}/").status_code == 404
    other = client_for(world.bureau_b_official).get("/oversight/committees/").content.decode()
    assert "江主任" in other and "陈主任" not in other


def test_only_a_bureau_official_opens_the_committee_pages(world, client, client_for):
    _committee(world)
    for url in ("/oversight/committees/", f"/oversight/committees/{world.community_a1.pk}/"):
        assert client.get(url).status_code == 302
        for user in (world.owner, world.staff("hq_admin"), world.merchant_user, world.admin):
            assert client_for(user).get(url).status_code == 403, (url, user)
    # The bureau cannot change a seat through the company's pages or API either.
    seat = CommitteeMember.objects.get(name="陈主任")
    bureau = client_for(world.bureau_official)
    for url in (
        "/community/committee/new/",
        f"/community/committee/{seat.pk}/edit/",
        f"/community/committee/{seat.pk}/end/",
        f"/community/committee/{seat.pk}/role/",
    ):
        assert bureau.post(url, {"name": "篡改", "role": "member"}).status_code in (403, 404)
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.bureau_official)
    res = api.patch(
        f"/api/v1/community/committee-members/{seat.pk}/", {"name": "篡改"}, format="json"
    )
    assert res.status_code in (403, 404, 405)
    seat.refresh_from_db()
    assert seat.name == "陈主任"


def test_the_committee_list_exports_and_keeps_its_queries_flat(world, client_for):
    import io

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from openpyxl import load_workbook

    _committee(world)
    bureau = client_for(world.bureau_official)
    res = bureau.get("/oversight/committees/?export=xlsx")
    rows = list(load_workbook(io.BytesIO(res.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("区县", "小区", "物业公司", "业委会")
    assert {r[1]: r[4] for r in rows[1:]} == {"翠苑一区": "陈主任", "西溪花园": None}
    bureau.get("/oversight/committees/")
    with CaptureQueriesContext(connection) as few:
        bureau.get("/oversight/committees/")
    services.committee_member_add(
        actor=world.staff("hq_admin"),
        community=world.community_a2,
        role="director",
        name="新主任",
        term_start=dt.date(2025, 1, 1),
    )
    with CaptureQueriesContext(connection) as more:
        bureau.get("/oversight/committees/")
    assert len(few) == len(more)
