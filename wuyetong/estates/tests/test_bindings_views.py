"""Console review pages of binding requests: permission matrix, masking, the three actions."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from wuyetong.demo.builders import make_id_card
from wuyetong.estates.choices import BindingStatus, Relation
from wuyetong.estates.models import BindingRequest, Occupancy
from wuyetong.estates.services import bindings as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(world) -> BindingRequest:
    return services.binding_request_create(
        user=world.owner,
        house_id=world.houses_a1[2].pk,
        applicant_name="王建国",
        applicant_id_card=make_id_card(1),
    )


def detail(binding) -> str:
    return reverse("estates:binding_detail", args=[binding.pk])


def snapshot(binding) -> tuple:
    binding.refresh_from_db()
    return (
        binding.status,
        binding.applicant_name,
        binding.house_id,
        binding.reject_reason,
        Occupancy.objects.count(),
    )


def test_anonymous_is_sent_to_login(world, pending):
    for url in (reverse("estates:binding_list"), detail(pending)):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    before = snapshot(pending)
    response = Client().post(detail(pending), {"action": "approve"})
    assert response.status_code == 302
    assert snapshot(pending) == before


@pytest.mark.parametrize("who", ["owner", "other_owner"])
def test_owners_get_403_on_console_pages(world, pending, client_for, who):
    client = client_for(getattr(world, who))
    assert client.get(reverse("estates:binding_list")).status_code == 403
    before = snapshot(pending)
    assert client.post(detail(pending), {"action": "approve"}).status_code == 403
    assert snapshot(pending) == before


def test_role_without_bindings_view_gets_403(world, pending, client_for):
    client = client_for(world.staff("cashier"))
    assert client.get(reverse("estates:binding_list")).status_code == 403
    assert client.get(detail(pending)).status_code == 403
    before = snapshot(pending)
    assert client.post(detail(pending), {"action": "approve"}).status_code == 403
    assert snapshot(pending) == before


def test_staff_of_another_company_get_404_and_an_empty_list(world, pending, client_for):
    client = client_for(world.staff("hq_admin", "b"))
    response = client.get(reverse("estates:binding_list"))
    assert response.status_code == 200 and "王建国" not in response.content.decode()
    assert client.get(detail(pending)).status_code == 404
    before = snapshot(pending)
    for action in ("approve", "reject", "correct"):
        assert client.post(detail(pending), {"action": action, "reason": "x"}).status_code == 404
    assert snapshot(pending) == before


def test_viewer_without_approve_right_sees_but_cannot_decide(world, pending, client_for):
    from wuyetong.orgs.models import Role

    role = Role.objects.get(company=world.company_a, template="customer_service")
    role.permissions = [p for p in role.permissions if p != "bindings.approve"]
    role.save()
    client = client_for(world.staff("customer_service"))
    response = client.get(detail(pending))
    assert response.status_code == 200 and "没有审核权限" in response.content.decode()
    before = snapshot(pending)
    assert client.post(detail(pending), {"action": "approve"}).status_code == 403
    assert client.post(detail(pending), {"action": "reject", "reason": "不符"}).status_code == 403
    assert snapshot(pending) == before


def test_list_filters_by_status_and_searches_by_name_or_phone(world, pending, client_for):
    other = services.binding_request_create(
        user=world.owner,
        house_id=world.houses_a1[3].pk,
        applicant_name="王建国",
        applicant_id_card=make_id_card(1),
    )
    services.binding_reject(actor=world.staff("customer_service"), binding=other, reason="重复")
    client = client_for(world.staff("customer_service"))
    html = client.get(reverse("estates:binding_list"), {"status": "pending"}).content.decode()
    assert html.count("tag pending") == 1 and "tag rejected" not in html
    html = client.get(reverse("estates:binding_list"), {"q": "13500000001"}).content.decode()
    assert html.count("<tr>") == 3  # header + two requests
    html = client.get(reverse("estates:binding_list"), {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的申请" in html


def test_list_masks_phone_and_id_unless_the_role_may_see_them(world, pending, client_for):
    html = (
        client_for(world.staff("customer_service"))
        .get(reverse("estates:binding_list"))
        .content.decode()
    )
    assert "135****0001" in html and world.owner.phone not in html and make_id_card(1) not in html
    html = (
        client_for(world.staff("project_manager"))
        .get(reverse("estates:binding_list"))
        .content.decode()
    )
    assert world.owner.phone in html and make_id_card(1) in html


def test_list_query_count_does_not_grow_with_rows(world, client_for, django_assert_max_num_queries):
    for house in world.houses_a1[2:8]:
        services.binding_request_create(
            user=world.owner,
            house_id=house.pk,
            applicant_name="王建国",
            applicant_id_card=make_id_card(1),
        )
    client = client_for(world.staff("customer_service"))
    client.get(reverse("estates:binding_list"))  # warm the session and access caches
    with django_assert_max_num_queries(14):
        assert client.get(reverse("estates:binding_list")).status_code == 200


def test_approve_from_the_review_page(world, pending, client_for):
    client = client_for(world.staff("customer_service"))
    response = client.post(detail(pending), {"action": "approve"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == BindingStatus.APPROVED and pending.occupancy is not None
    # A second click (e.g. the back button) changes nothing and does not fail.
    client.post(detail(pending), {"action": "approve"})
    assert (
        Occupancy.objects.filter(house=world.houses_a1[2], resident__user=world.owner).count() == 1
    )


def test_reject_without_reason_shows_the_error_in_chinese(world, pending, client_for):
    client = client_for(world.staff("customer_service"))
    response = client.post(detail(pending), {"action": "reject", "reason": ""})
    assert response.status_code == 400 and "驳回时必须填写原因" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == BindingStatus.PENDING
    response = client.post(detail(pending), {"action": "reject", "reason": "请上传房产证"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == BindingStatus.REJECTED and pending.reject_reason == "请上传房产证"


def test_correct_with_bad_id_card_names_the_field(world, pending, client_for):
    client = client_for(world.staff("customer_service"))
    response = client.post(
        detail(pending),
        {
            "action": "correct",
            "applicant_name": "王建国",
            "applicant_id_card": "12345",
            "house": world.houses_a1[2].pk,
            "relation": Relation.OWNER,
        },
    )
    assert (
        response.status_code == 400 and "身份证号码格式或校验位不正确" in response.content.decode()
    )


def test_correct_keeps_the_hidden_id_card_when_sent_back_masked(world, pending, client_for):
    from wuyetong.core.masking import mask_id_card

    client = client_for(world.staff("customer_service"))
    page = client.get(detail(pending)).content.decode()
    assert make_id_card(1) not in page
    response = client.post(
        detail(pending),
        {
            "action": "correct",
            "applicant_name": "王建業",
            "applicant_id_card": mask_id_card(make_id_card(1)),
            "house": world.houses_a1[3].pk,
            "relation": Relation.OWNER,
        },
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.applicant_id_card == make_id_card(1)
    assert pending.applicant_name == "王建業" and pending.house_id == world.houses_a1[3].pk


def test_dashboard_card_link_resolves(world, client_for):
    assert client_for(world.staff("customer_service")).get("/").status_code == 200


def test_htmx_filter_returns_only_the_rows_fragment(world, pending, client_for):
    client = client_for(world.staff("customer_service"))
    response = client.get(
        reverse("estates:binding_list"), {"status": "pending"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert (
        response.status_code == 200 and "<table" in html and "<nav" not in html and "王建国" in html
    )


def test_bulk_approve_handles_only_own_pending_requests(world, client_for):
    mine = [
        services.binding_request_create(
            user=world.owner,
            house_id=h.pk,
            applicant_name="王建国",
            applicant_id_card=make_id_card(1),
        )
        for h in world.houses_a1[2:4]
    ]
    theirs = services.binding_request_create(
        user=world.other_owner,
        house_id=world.houses_b1[1].pk,
        applicant_name="赵其他",
        applicant_id_card=make_id_card(2),
    )
    url = reverse("estates:binding_bulk_approve")
    ids = [b.pk for b in [*mine, theirs]]
    assert client_for(world.staff("cashier")).post(url, {"ids": ids}).status_code == 403
    assert Client().post(url, {"ids": ids}).status_code == 302  # to login
    assert BindingRequest.objects.filter(status=BindingStatus.APPROVED).count() == 0
    client = client_for(world.staff("customer_service"))
    assert (
        "批量通过所选"
        in client.get(reverse("estates:binding_list"), {"status": "pending"}).content.decode()
    )
    response = client.post(url, {"ids": ids, "back": "status=pending"}, follow=True)
    assert "已通过 2 条认证申请" in response.content.decode()
    assert response.redirect_chain[-1][0] == f"{reverse('estates:binding_list')}?status=pending"
    for b in mine:
        b.refresh_from_db()
        assert b.status == BindingStatus.APPROVED
    theirs.refresh_from_db()
    assert theirs.status == BindingStatus.PENDING


@pytest.mark.parametrize("bad", ["99999999999999999999999", "abc"])
def test_absurd_ids_on_review_pages_are_not_found_never_a_500(
    world, pending, client_for, api_for, bad
):
    staff = client_for(world.staff("customer_service"))
    staff.raise_request_exception = False
    api = api_for(world.staff("customer_service"))
    assert staff.get(reverse("estates:binding_list"), {"community": bad}).status_code == 200
    assert staff.post(reverse("estates:binding_bulk_approve"), {"ids": [bad]}).status_code == 302
    assert staff.get("/estates/bindings/99999999999999999999999/").status_code == 404
    assert api.get("/api/v1/estates/bindings/", {"community": bad}).status_code == 200
    assert api.get("/api/v1/estates/bindings/99999999999999999999999/").status_code == 404
    response = api.post(
        f"/api/v1/estates/bindings/{pending.pk}/correct/",
        {"applicant_name": "王建国", "house": bad, "relation": "owner"},
        format="json",
    )
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.house_id == world.houses_a1[2].pk


def test_review_page_links_the_house_and_its_current_residents(world, pending, client_for):
    html = client_for(world.staff("customer_service")).get(detail(pending)).content.decode()
    assert reverse("estates:house_detail", args=[world.houses_a1[2].pk]) in html
    approved = services.binding_request_create(
        user=world.other_owner,
        house_id=world.owner_house.pk,
        applicant_name="赵其他",
        applicant_id_card=make_id_card(2),
    )
    html = client_for(world.staff("customer_service")).get(detail(approved)).content.decode()
    resident = Occupancy.objects.get(house=world.owner_house, end_date__isnull=True).resident
    assert reverse("estates:resident_detail", args=[resident.pk]) in html and "王建国" in html
