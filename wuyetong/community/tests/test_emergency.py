"""一键救助: staff configure each community's numbers; the owner sees big tel: buttons for
their own communities only, or the national numbers when nothing is configured."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuyetong.community import selectors, services
from wuyetong.community.models import EmergencyContact
from wuyetong.core.exceptions import ApplicationError

from .conftest import assert_page_matrix, assert_post_denied

pytestmark = pytest.mark.django_db


def _defaults(world):
    services.emergency_defaults_create(
        actor=world.staff("project_manager"), community=world.community_a1
    )
    return EmergencyContact.objects.filter(community=world.community_a1)


def test_defaults_add_the_duty_desk_and_national_numbers_once(world):
    contacts = _defaults(world)
    assert [(c.name, c.phone) for c in contacts.order_by("sort")] == [
        ("物业值班", world.community_a1.service_phone),
        ("匪警", "110"),
        ("火警", "119"),
        ("急救中心", "120"),
    ]
    again = services.emergency_defaults_create(
        actor=world.staff("project_manager"), community=world.community_a1
    )
    assert again == 0 and contacts.count() == 4


def test_bad_numbers_and_duplicate_names_are_refused_naming_the_field(world):
    pm = world.staff("project_manager")
    for phone in ("12a", "1-", "", "0571--8800"):
        with pytest.raises(ApplicationError) as exc:
            services.emergency_contact_create(
                actor=pm, community=world.community_a1, name="电梯救援", phone=phone
            )
        assert exc.value.field == "phone"
    services.emergency_contact_create(
        actor=pm, community=world.community_a1, name="电梯救援", phone="96333"
    )
    with pytest.raises(ApplicationError) as exc:
        services.emergency_contact_create(
            actor=pm, community=world.community_a1, name="电梯救援", phone="96333"
        )
    assert exc.value.field == "name"
    assert EmergencyContact.objects.count() == 1


def test_the_owner_sees_the_numbers_of_their_community_as_tap_to_call(world, client_for):
    _defaults(world)
    services.emergency_contact_create(
        actor=world.staff("project_manager"),
        community=world.community_a1,
        name="电梯救援",
        phone="96333",
        note="困梯请拨",
        sort=50,
    )
    services.emergency_defaults_create(
        actor=world.staff("hq_admin", "b"), community=world.community_b1
    )
    page = client_for(world.owner).get(reverse("owner_community:emergency"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="tel:110"' in html and 'href="tel:96333"' in html and "困梯请拨" in html
    assert world.community_a1.name in html and world.community_b1.name not in html


def test_a_community_without_numbers_shows_its_service_phone_and_the_national_ones(world):
    groups = selectors.owner_emergency_groups(world.owner)
    assert len(groups) == 1 and not groups[0]["configured"]
    assert [c["phone"] for c in groups[0]["contacts"]] == [
        world.community_a1.service_phone,
        "110",
        "119",
        "120",
    ]


def test_an_owner_page_needs_a_login_and_a_user_without_a_house_sees_national_numbers(
    world, client, client_for
):
    url = reverse("owner_community:emergency")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/app/login/")
    html = client_for(world.staff("cashier")).get(url).content.decode()
    assert 'href="tel:120"' in html and "绑定房屋后" in html


def test_console_pages_permission_matrix(world, client, client_for):
    contact = _defaults(world).first()
    assert_page_matrix(
        world, client, client_for, reverse("community:emergency_list"), object_page=False
    )
    assert_page_matrix(
        world, client, client_for, reverse("community:emergency_create"), object_page=False
    )
    assert_page_matrix(
        world,
        client,
        client_for,
        reverse("community:emergency_edit", args=[contact.pk]),
        object_page=True,
    )


def test_denied_writes_change_nothing(world, client, client_for):
    contact = _defaults(world).first()
    edit = reverse("community:emergency_edit", args=[contact.pk])
    data = {"name": "改", "phone": "110", "kind": "other", "sort": 1}
    assert_post_denied(
        world, client, client_for, edit, data, [EmergencyContact], perm_role="cashier"
    )
    delete = reverse("community:emergency_delete", args=[contact.pk])
    # customer service may change but not delete
    assert_post_denied(
        world, client, client_for, delete, {}, [EmergencyContact], perm_role="customer_service"
    )


def test_staff_edit_and_delete_a_number(world, client_for):
    contact = _defaults(world).get(phone="119")
    pm = client_for(world.staff("project_manager"))
    response = pm.post(
        reverse("community:emergency_edit", args=[contact.pk]),
        {"name": "消防", "phone": "119", "kind": "fire", "sort": 30, "note": ""},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "消防"
    bad = pm.post(
        reverse("community:emergency_edit", args=[contact.pk]),
        {"name": "消防", "phone": "电话", "kind": "fire", "sort": 30},
    )
    assert bad.status_code == 400 and "请输入正确的电话号码" in bad.content.decode()
    pm.post(reverse("community:emergency_delete", args=[contact.pk]))
    assert not EmergencyContact.objects.filter(pk=contact.pk).exists()


def test_defaults_button_for_another_companys_community_is_refused(world, client_for):
    response = client_for(world.staff("project_manager")).post(
        reverse("community:emergency_defaults"), {"community": world.community_b1.pk}, follow=True
    )
    assert response.status_code == 200
    assert not EmergencyContact.objects.exists()


def test_api(world, api_for):
    url = "/api/v1/community/emergency-contacts/"
    pm = api_for(world.staff("project_manager"))
    added = pm.post(f"{url}defaults/", {"community": world.community_a1.pk}, format="json")
    assert added.status_code == 200 and added.json() == {"added": 4}
    assert pm.get(url).json()["count"] == 4
    first = EmergencyContact.objects.order_by("sort").first()
    assert api_for(world.staff("hq_admin", "b")).delete(f"{url}{first.pk}/").status_code == 404
    assert api_for(world.staff("customer_service")).delete(f"{url}{first.pk}/").status_code == 403
    assert api_for(world.owner).get(url).status_code == 403
    bad = pm.patch(f"{url}{first.pk}/", {"phone": "x"}, format="json")
    assert bad.status_code == 400 and "phone" in bad.json()["errors"]
    assert pm.delete(f"{url}{first.pk}/").status_code == 204
    mine = api_for(world.owner).get("/api/v1/community/my/emergency-contacts/").json()
    assert [g["community_name"] for g in mine] == [world.community_a1.name]
    assert [c["phone"] for c in mine[0]["contacts"]] == ["110", "119", "120"]
    assert api_for().get("/api/v1/community/my/emergency-contacts/").status_code in (401, 403)
