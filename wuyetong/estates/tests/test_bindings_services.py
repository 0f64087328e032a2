"""Owner registration and the review of binding requests (C2, C3)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache

from wuyetong.accounts import services as account_services
from wuyetong.accounts import sms
from wuyetong.accounts.choices import SmsPurpose
from wuyetong.accounts.models import SmsCode, User
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.demo.builders import make_id_card
from wuyetong.estates.choices import BindingStatus, Relation
from wuyetong.estates.models import BindingRequest, Occupancy, Resident
from wuyetong.estates.services import bindings as services
from wuyetong.orgs.choices import ApprovalStatus
from wuyetong.orgs.models import OperationLog

pytestmark = pytest.mark.django_db
NEW_PHONE = "13611112222"


@pytest.fixture(autouse=True)
def _outbox():
    cache.clear()  # the per-address SMS counter lives in the cache
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def send_code(
    django_capture_on_commit_callbacks, phone=NEW_PHONE, purpose=SmsPurpose.REGISTER
) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        account_services.sms_code_send(phone=phone, purpose=purpose)
    return re.search(r"\d{6}", sms.outbox[-1].text).group(0)


def registration(world, **overrides) -> dict:
    data = {
        "phone": NEW_PHONE,
        "password": "Lanting2024",
        "confirm_password": "Lanting2024",
        "name": "李新业",
        "id_card": make_id_card(77),
        "house_id": world.houses_a1[1].pk,
        "relation": Relation.OWNER,
        "email": "li@example.com",
        "gender": "M",
        "agreed_terms": True,
    }
    data.update(overrides)
    return data


def counts() -> tuple:
    return (
        User.objects.count(),
        BindingRequest.objects.count(),
        Occupancy.objects.count(),
        Resident.objects.count(),
    )


def logs_for(obj) -> list[str]:
    ct = ContentType.objects.get_for_model(obj)
    return list(
        OperationLog.objects.filter(content_type=ct, object_id=str(obj.pk)).values_list(
            "action", flat=True
        )
    )


def test_registration_creates_account_and_pending_request(
    world, django_capture_on_commit_callbacks
):
    code = send_code(django_capture_on_commit_callbacks)
    user, binding = services.owner_register(**registration(world), sms_code=code)
    assert user.check_password("Lanting2024") and user.agreed_terms_at is not None
    assert user.id_card == make_id_card(77) and not user.real_name_verified
    assert binding.status == BindingStatus.PENDING and binding.house == world.houses_a1[1]
    assert binding.applicant_name == "李新业"
    assert logs_for(binding) == ["create"]
    assert not Occupancy.objects.filter(resident__user=user).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_card": "330106199001011234"}, "id_card"),
        ({"confirm_password": "Different2024"}, "confirm_password"),
        ({"password": "12345678", "confirm_password": "12345678"}, "password"),
        ({"agreed_terms": False}, "agreed_terms"),
        ({"name": "  "}, "name"),
        ({"phone": "1234"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"house_id": ""}, "house"),
    ],
)
def test_bad_registration_names_the_field_and_writes_nothing(
    world, django_capture_on_commit_callbacks, overrides, field
):
    code = send_code(django_capture_on_commit_callbacks)
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        services.owner_register(**registration(world, **overrides), sms_code=code)
    assert exc.value.field == field
    assert counts() == before
    # The code was not consumed either: it still works once the mistake is fixed.
    services.owner_register(**registration(world), sms_code=code)


def test_house_of_an_unapproved_community_is_refused(world, django_capture_on_commit_callbacks):
    community = world.community_a2
    community.status = ApprovalStatus.PENDING
    community.save(update_fields=["status"])
    code = send_code(django_capture_on_commit_callbacks)
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        services.owner_register(
            **registration(world, house_id=world.houses_a2[0].pk), sms_code=code
        )
    assert exc.value.field == "house"
    assert counts() == before


def test_wrong_sms_code_creates_nothing_and_counts_the_attempt(
    world, django_capture_on_commit_callbacks
):
    code = send_code(django_capture_on_commit_callbacks)
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        services.owner_register(
            **registration(world), sms_code="000000" if code != "000000" else "111111"
        )
    assert exc.value.field == "sms_code"
    assert counts() == before
    assert SmsCode.objects.get(phone=NEW_PHONE).attempts == 1


def test_registered_phone_cannot_register_again(world, django_capture_on_commit_callbacks):
    with pytest.raises(ApplicationError) as exc:
        services.owner_register(**registration(world, phone=world.owner.phone), sms_code="123456")
    assert exc.value.field == "phone"


def _pending(world, user=None, house=None, **kw) -> BindingRequest:
    user = user or world.owner
    return services.binding_request_create(
        user=user,
        house_id=(house or world.houses_a1[2]).pk,
        applicant_name=user.name,
        applicant_id_card=make_id_card(1),
        **kw,
    )


def test_approval_creates_resident_and_occupancy_and_verifies_real_name(world):
    user = User.objects.create_user(phone="13611113333", password="x", name="钱新")
    binding = services.binding_request_create(
        user=user,
        house_id=world.houses_a1[3].pk,
        applicant_name="钱新",
        applicant_id_card=make_id_card(5),
    )
    staff = world.staff("customer_service")
    services.binding_approve(actor=staff, binding=binding)
    binding.refresh_from_db()
    user.refresh_from_db()
    assert binding.status == BindingStatus.APPROVED and binding.reviewed_by == staff
    resident = Resident.objects.get(company=world.company_a, phone=user.phone)
    assert resident.user == user and resident.id_card == make_id_card(5)
    assert binding.occupancy.resident == resident and binding.occupancy.end_date is None
    assert user.real_name_verified and user.id_card == make_id_card(5)
    assert logs_for(binding) == ["approve", "create"]  # newest first


def test_double_click_on_approve_binds_once(world):
    binding = _pending(world)
    staff = world.staff("customer_service")
    services.binding_approve(actor=staff, binding=binding)
    services.binding_approve(actor=staff, binding=binding)
    assert (
        Occupancy.objects.filter(house=world.houses_a1[2], resident__user=world.owner).count() == 1
    )
    assert Resident.objects.filter(company=world.company_a, phone=world.owner.phone).count() == 1
    assert logs_for(binding).count("approve") == 1


def test_existing_resident_record_of_the_company_is_reused(world):
    binding = _pending(world)
    before = Resident.objects.filter(company=world.company_a).count()
    services.binding_approve(actor=world.staff("customer_service"), binding=binding)
    assert Resident.objects.filter(company=world.company_a).count() == before


def test_rebind_closes_the_old_occupancy_and_keeps_history(world):
    old = Occupancy.objects.get(resident__user=world.owner, house=world.owner_house)
    binding = _pending(world, replaces_id=old.pk)
    services.binding_approve(
        actor=world.staff("customer_service"), binding=binding, today=dt.date(2026, 5, 1)
    )
    old.refresh_from_db()
    assert old.end_date == dt.date(2026, 5, 1) and "改绑" in old.end_reason
    assert Occupancy.objects.filter(pk=old.pk).exists()  # history kept
    active = Occupancy.objects.filter(resident__user=world.owner, end_date__isnull=True)
    assert [o.house_id for o in active] == [world.houses_a1[2].pk]


def test_rebind_must_replace_ones_own_active_binding(world):
    others = Occupancy.objects.get(resident__user=world.other_owner)
    with pytest.raises(ApplicationError) as exc:
        _pending(world, replaces_id=others.pk)
    assert exc.value.field == "replaces"


def test_rebind_to_another_companys_house_is_refused(world):
    old = Occupancy.objects.get(resident__user=world.owner, house=world.owner_house)
    with pytest.raises(ApplicationError) as exc:
        _pending(world, house=world.houses_b1[1], replaces_id=old.pk)
    assert exc.value.field == "house"


def test_duplicate_pending_request_and_already_bound_house_are_refused(world):
    _pending(world)
    with pytest.raises(ApplicationError) as exc:
        _pending(world)
    assert exc.value.code == "duplicate"
    with pytest.raises(ApplicationError) as exc:
        _pending(world, house=world.owner_house)
    assert exc.value.code == "already_bound"


def test_reject_needs_a_reason_and_records_it(world):
    binding = _pending(world)
    staff = world.staff("customer_service")
    with pytest.raises(ApplicationError) as exc:
        services.binding_reject(actor=staff, binding=binding, reason="  ")
    assert exc.value.field == "reason"
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING
    services.binding_reject(actor=staff, binding=binding, reason="房产证姓名与申请人不符")
    binding.refresh_from_db()
    assert (
        binding.status == BindingStatus.REJECTED
        and binding.reject_reason == "房产证姓名与申请人不符"
    )
    with pytest.raises(ApplicationError):
        services.binding_approve(actor=staff, binding=binding)
    assert (
        not Occupancy.objects.filter(house=world.houses_a1[2])
        .filter(resident__user=world.owner)
        .exists()
    )


def test_correct_fixes_details_before_approval(world):
    binding = _pending(world)
    staff = world.staff("customer_service")
    services.binding_correct(
        actor=staff,
        binding=binding,
        applicant_name="王建國",
        applicant_id_card=make_id_card(9),
        house_id=world.houses_a1[4].pk,
        relation=Relation.FAMILY,
    )
    binding.refresh_from_db()
    assert (binding.applicant_name, binding.house_id, binding.relation) == (
        "王建國",
        world.houses_a1[4].pk,
        "family",
    )
    assert "update" in logs_for(binding)
    with pytest.raises(ApplicationError) as exc:
        services.binding_correct(
            actor=staff,
            binding=binding,
            applicant_name="王建国",
            applicant_id_card="123",
            house_id=world.houses_a1[4].pk,
            relation=Relation.OWNER,
        )
    assert exc.value.field == "applicant_id_card"
    with pytest.raises(ApplicationError) as exc:
        services.binding_correct(
            actor=staff,
            binding=binding,
            applicant_name="王建国",
            applicant_id_card=make_id_card(9),
            house_id=world.houses_b1[0].pk,
            relation=Relation.OWNER,
        )
    assert exc.value.field == "house"
    binding.refresh_from_db()
    assert binding.house_id == world.houses_a1[4].pk


def test_services_refuse_staff_without_the_right_or_of_another_company(world):
    binding = _pending(world)
    with pytest.raises(PermissionDenied):
        services.binding_approve(actor=world.staff("cashier"), binding=binding)
    with pytest.raises(NotFound):
        services.binding_approve(actor=world.staff("customer_service", "b"), binding=binding)
    with pytest.raises(PermissionDenied):
        services.binding_reject(actor=world.owner, binding=binding, reason="x")
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING


def test_owner_can_withdraw_only_their_own_pending_request(world):
    binding = _pending(world)
    with pytest.raises(NotFound):
        services.binding_cancel(user=world.other_owner, binding=binding)
    services.binding_cancel(user=world.owner, binding=binding)
    binding.refresh_from_db()
    assert binding.status == BindingStatus.CANCELLED


def test_company_without_the_binding_module_cannot_receive_requests(world):
    company = world.company_a
    company.modules = [m for m in company.modules if m != "bindings"]
    company.save(update_fields=["modules"])
    with pytest.raises(ApplicationError) as exc:
        _pending(world)
    assert exc.value.field == "house" and "暂未开通业主认证" in exc.value.message
    assert not BindingRequest.objects.exists()


def test_new_request_and_decision_are_announced_after_commit(
    world, django_capture_on_commit_callbacks
):
    from unittest import mock

    with mock.patch("wuyetong.core.realtime.get_channel_layer") as layer:
        sent = []
        layer.return_value.group_send = mock.AsyncMock(
            side_effect=lambda g, e: sent.append((g, e["payload"]))
        )
        with django_capture_on_commit_callbacks(execute=True):
            binding = _pending(world)
        with django_capture_on_commit_callbacks(execute=True):
            services.binding_reject(
                actor=world.staff("customer_service"), binding=binding, reason="资料不全"
            )
    assert sent[0][0] == f"company.{world.company_a.pk}" and sent[0][1]["type"] == "binding.created"
    assert world.owner.phone not in str(sent[0][1]) and "王建国" not in str(sent[0][1])
    assert sent[1] == (
        f"user.{world.owner.pk}",
        {
            "type": "binding.reviewed",
            "id": binding.pk,
            "status": "rejected",
            "reject_reason": "资料不全",
        },
    )
