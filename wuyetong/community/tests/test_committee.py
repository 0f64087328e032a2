"""业委会: seats added, corrected, changed and ended with history kept; one sitting 主任;
members are owners of the community; scoped to the company and visible to the bureau."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from wuyetong.community import selectors, services
from wuyetong.community.models import CommitteeMember
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.estates.models import Resident
from wuyetong.orgs.models import OperationLog

from .conftest import assert_page_matrix, assert_post_denied

pytestmark = pytest.mark.django_db

D = dt.date


def _owner_resident(world):
    return Resident.objects.get(user=world.owner)


def _director(world, **extra):
    return services.committee_member_add(
        actor=world.staff("project_manager"),
        community=world.community_a1,
        role="director",
        term_start=D(2023, 3, 1),
        term_end=D(2028, 2, 28),
        resident=_owner_resident(world),
        **extra,
    )


def test_a_linked_owner_fills_name_and_phone_and_the_add_is_logged(world):
    member = _director(world)
    assert (member.name, member.phone) == ("王建国", "13500000001")
    assert member.is_current
    log = OperationLog.objects.get(
        content_type=ContentType.objects.get_for_model(CommitteeMember),
        object_id=str(member.pk),
        action="create",
    )
    assert log.company_id == world.company_a.pk and log.changes["role"] == "director"


def test_only_one_sitting_director_per_community(world):
    _director(world)
    with pytest.raises(ApplicationError) as exc:
        services.committee_member_add(
            actor=world.staff("project_manager"),
            community=world.community_a1,
            role="director",
            name="李四",
            term_start=D(2023, 3, 1),
        )
    assert exc.value.field == "role" and "已有在任主任" in exc.value.message
    assert CommitteeMember.objects.count() == 1


def test_a_linked_resident_must_own_a_house_in_the_community(world):
    # The owner lives in 翠苑一区, not in 西溪花园.
    with pytest.raises(ApplicationError) as exc:
        services.committee_member_add(
            actor=world.staff("hq_admin"),
            community=world.community_a2,
            role="member",
            term_start=D(2023, 3, 1),
            resident=_owner_resident(world),
        )
    assert exc.value.field == "resident"
    assert not CommitteeMember.objects.exists()


def test_a_name_is_required_without_a_linked_owner(world):
    with pytest.raises(ApplicationError) as exc:
        services.committee_member_add(
            actor=world.staff("project_manager"),
            community=world.community_a1,
            role="member",
            term_start=D(2023, 3, 1),
        )
    assert exc.value.field == "name"


def test_the_term_cannot_end_before_it_starts(world):
    with pytest.raises(ApplicationError) as exc:
        services.committee_member_add(
            actor=world.staff("project_manager"),
            community=world.community_a1,
            role="member",
            name="李四",
            term_start=D(2023, 3, 1),
            term_end=D(2023, 1, 1),
        )
    assert exc.value.field == "term_end"
    assert not CommitteeMember.objects.exists()


def test_a_role_change_ends_the_seat_and_opens_a_new_one(world):
    member = _director(world)
    new = services.committee_member_change_role(
        actor=world.staff("project_manager"), member=member, role="member", on=D(2024, 5, 1)
    )
    member.refresh_from_db()
    assert member.ended_on == D(2024, 5, 1) and "主任→委员" in member.end_reason
    assert new.is_current and new.role == "member" and new.term_start == D(2024, 5, 1)
    assert new.resident_id == member.resident_id and new.term_end == member.term_end
    # Both seats are the person's history; a new director may now be added.
    assert [s.pk for s in selectors.committee_seats_of(new)] == [new.pk, member.pk]
    services.committee_member_add(
        actor=world.staff("project_manager"),
        community=world.community_a1,
        role="director",
        name="李四",
        term_start=D(2024, 5, 1),
    )


def test_ending_a_seat_keeps_it_and_it_can_no_longer_be_edited(world):
    member = _director(world)
    services.committee_member_end(
        actor=world.staff("project_manager"), member=member, ended_on=D(2024, 1, 2), reason="辞职"
    )
    member.refresh_from_db()
    assert not member.is_current and member.end_reason == "辞职"
    with pytest.raises(ApplicationError):
        services.committee_member_update(
            actor=world.staff("project_manager"), member=member, phone="13900001111"
        )
    with pytest.raises(ApplicationError):
        services.committee_member_end(
            actor=world.staff("project_manager"), member=member, ended_on=D(2024, 2, 1), reason="x"
        )


def test_an_end_date_in_the_future_or_before_the_term_is_refused(world):
    member = _director(world)
    for day in (D(2022, 1, 1), D(2999, 1, 1)):
        with pytest.raises(ApplicationError) as exc:
            services.committee_member_end(
                actor=world.staff("project_manager"), member=member, ended_on=day, reason="x"
            )
        assert exc.value.field == "ended_on"
    member.refresh_from_db()
    assert member.is_current


def test_other_companies_and_roles_without_the_module_cannot_touch_it(world):
    member = _director(world)
    with pytest.raises(NotFound):
        services.committee_member_update(
            actor=world.staff("hq_admin", "b"), member=member, name="改"
        )
    with pytest.raises(PermissionDenied):
        services.committee_member_update(actor=world.staff("cashier"), member=member, name="改")
    with pytest.raises(ApplicationError) as exc:
        services.committee_member_add(
            actor=world.staff("hq_admin", "b"),
            community=world.community_a1,
            role="member",
            name="李四",
            term_start=D(2023, 1, 1),
        )
    assert exc.value.field == "community"
    member.refresh_from_db()
    assert member.name == "王建国"


def test_the_bureau_of_the_district_reads_the_committee_and_others_do_not(world):
    member = _director(world)
    assert list(selectors.committee_member_list(world.bureau_official)) == [member]
    assert list(selectors.committee_member_list(world.bureau_b_official)) == []
    assert list(selectors.committee_member_list(world.bureau_official, "change")) == []
    assert list(selectors.committee_member_list(world.staff("hq_admin", "b"))) == []
    assert list(selectors.committee_member_list(world.owner)) == []


def test_the_owner_on_the_committee_is_known_as_a_member(world):
    _director(world)
    assert selectors.committee_communities_of(world.owner) == {world.community_a1.pk}
    assert selectors.committee_communities_of(world.other_owner) == set()


# ---------------------------------------------------------------- console pages


def test_console_pages_permission_matrix(world, client, client_for):
    member = _director(world)
    for name, args in [
        ("committee_list", []),
        ("committee_create", []),
        ("committee_detail", [member.pk]),
    ]:
        url = reverse(f"community:{name}", args=args)
        assert_page_matrix(world, client, client_for, url, object_page=bool(args))
    edit = reverse("community:committee_edit", args=[member.pk])
    assert client_for(world.staff("project_manager")).get(edit).status_code == 200


def test_denied_console_writes_change_nothing(world, client, client_for):
    member = _director(world)
    posts = [
        ("committee_edit", {"name": "改名", "phone": "13911112222"}),
        ("committee_end", {"ended_on": "2024-01-01", "reason": "x"}),
        ("committee_role", {"role": "member", "on": "2024-01-01"}),
    ]
    for name, data in posts:
        url = reverse(f"community:{name}", args=[member.pk])
        assert_post_denied(
            world, client, client_for, url, data, [CommitteeMember], perm_role="cashier"
        )


def test_staff_add_a_member_through_the_form_and_see_the_list(world, client_for):
    c = client_for(world.staff("customer_service"))
    resident = _owner_resident(world)
    page = c.get(reverse("community:committee_create") + f"?community={world.community_a1.pk}")
    assert f'value="{resident.pk}"' in page.content.decode()  # owners of the community
    response = c.post(
        reverse("community:committee_create"),
        {
            "community": world.community_a1.pk,
            "role": "deputy",
            "resident": resident.pk,
            "term_start": "2023-03-01",
            "term_end": "2028-02-28",
        },
    )
    member = CommitteeMember.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{member.pk}/")
    listing = c.get(reverse("community:committee_list")).content.decode()
    assert "王建国" in listing and "副主任" in listing and "13500000001" in listing


def test_a_read_only_role_sees_phones_masked(world, client_for, viewer):
    _director(world)
    listing = client_for(viewer).get(reverse("community:committee_list")).content.decode()
    assert "135****0001" in listing and "13500000001" not in listing


def test_a_bad_form_names_the_field_and_saves_nothing(world, client_for):
    c = client_for(world.staff("project_manager"))
    response = c.post(
        reverse("community:committee_create"),
        {"community": world.community_a1.pk, "role": "member", "term_start": "2023-03-01"},
    )
    assert response.status_code == 400
    assert "请填写姓名或选择关联业主" in response.content.decode()
    assert not CommitteeMember.objects.exists()


def test_ending_a_seat_from_its_page(world, client_for):
    member = _director(world)
    c = client_for(world.staff("project_manager"))
    url = reverse("community:committee_end", args=[member.pk])
    response = c.post(url, {"ended_on": "2024-06-30", "reason": "任期内辞职"}, follow=True)
    assert "王建国 已离任" in response.content.decode()
    member.refresh_from_db()
    assert member.ended_on == D(2024, 6, 30)
    # A second end is refused with a message; nothing changes.
    response = c.post(url, {"ended_on": "2024-07-01", "reason": "x"}, follow=True)
    assert "该成员已离任" in response.content.decode()
    member.refresh_from_db()
    assert member.ended_on == D(2024, 6, 30)


def test_changing_the_role_from_the_page_opens_the_new_seat(world, client_for):
    member = _director(world)
    c = client_for(world.staff("project_manager"))
    response = c.post(
        reverse("community:committee_role", args=[member.pk]),
        {"role": "deputy", "on": "2024-05-01"},
    )
    new = CommitteeMember.objects.get(ended_on__isnull=True)
    assert response["Location"] == reverse("community:committee_detail", args=[new.pk])
    page = c.get(response["Location"]).content.decode()
    assert "职务变更：主任→副主任" in page


def test_committee_list_query_count_does_not_grow_with_rows(
    world, client_for, django_assert_max_num_queries
):
    c = client_for(world.staff("project_manager"))
    for i in range(30):
        services.committee_member_add(
            actor=world.staff("project_manager"),
            community=world.community_a1,
            role="member",
            name=f"委员{i}",
            term_start=D(2023, 3, 1),
        )
    c.get(reverse("community:committee_list"))  # warm the session and access caches
    with django_assert_max_num_queries(12):
        response = c.get(reverse("community:committee_list"))
    assert response.content.decode().count("委员2") >= 1


# ---------------------------------------------------------------- API


def test_api_permission_matrix_and_actions(world, api_for, viewer):
    member = _director(world)
    url = "/api/v1/community/committee-members/"
    detail = f"{url}{member.pk}/"
    assert api_for().get(url).status_code in (401, 403)
    assert api_for(world.owner).get(url).status_code == 403
    assert api_for(world.staff("cashier")).get(url).status_code == 403
    assert api_for(world.staff("hq_admin", "b")).get(url).json()["count"] == 0
    assert api_for(world.staff("hq_admin", "b")).get(detail).status_code == 404
    assert api_for(world.staff("hq_admin", "b")).patch(detail, {"name": "x"}).status_code == 404
    ro = api_for(viewer)
    body = ro.get(url).json()
    assert body["count"] == 1 and body["results"][0]["phone"] == "135****0001"
    assert ro.post(f"{detail}end/", {"ended_on": "2024-01-01", "reason": "x"}).status_code == 403
    pm = api_for(world.staff("project_manager"))
    assert pm.get(detail).json()["phone"] == "13500000001"
    created = pm.post(
        url,
        {
            "community": world.community_a1.pk,
            "role": "member",
            "name": "李四",
            "term_start": "2023-03-01",
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["role_display"] == "委员"
    refused = pm.post(
        url,
        {
            "community": world.community_a1.pk,
            "role": "director",
            "name": "张三",
            "term_start": "2023-03-01",
        },
        format="json",
    )
    assert refused.status_code == 400 and "role" in refused.json()["errors"]
    changed = pm.post(
        f"{detail}change-role/", {"role": "member", "on": "2024-05-01"}, format="json"
    )
    assert changed.status_code == 201 and changed.json()["is_current"]
    member.refresh_from_db()
    assert member.ended_on == D(2024, 5, 1)
    # another company's community id reads as absent
    foreign = pm.post(
        url,
        {
            "community": world.community_b1.pk,
            "role": "member",
            "name": "x",
            "term_start": "2023-03-01",
        },
        format="json",
    )
    assert foreign.status_code == 400 and "community" in foreign.json()["errors"]
