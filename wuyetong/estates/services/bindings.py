"""Owner registration and house binding (C2, C3).

An owner registers (or, once registered, asks for another house); the request waits for the
property company, whose staff may correct the details, then approve or reject it. Approval
links the user to the company's resident record and opens an occupancy; a rebind closes the
occupancy it replaces, so the history of who lived where is kept.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.accounts import services as account_services
from wuyetong.accounts.choices import SmsPurpose
from wuyetong.accounts.models import User
from wuyetong.core.access import get_access, reset_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.core.ids import lookup_pk, parse_pk
from wuyetong.core.masking import mask_id_card
from wuyetong.core.realtime import publish
from wuyetong.core.validators import is_id_card, is_mobile
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import diff, oplog_record, snapshot

from ..choices import BindingStatus, Relation
from ..models import BindingRequest, House, Occupancy, Resident

NAME_MAX = 50


def _clean_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("请填写姓名"), field=field)
    if len(name) > NAME_MAX:
        raise ApplicationError(_("姓名不能超过%(max)s个字") % {"max": NAME_MAX}, field=field)
    return name


def _clean_id_card(value: str, *, field: str = "id_card", required: bool = True) -> str:
    value = (value or "").strip().upper()
    if not value and not required:
        return ""
    if not is_id_card(value):
        raise ApplicationError(
            _("身份证号码格式或校验位不正确"), field=field, code="invalid_id_card"
        )
    return value


def _clean_relation(relation: str) -> str:
    if relation not in Relation.values:
        raise ApplicationError(_("请选择与房屋的关系（业主/家庭成员/租户）"), field="relation")
    return relation


def _bindable_house(house_id) -> House:
    """A house of an approved community of an approved company that has the owner-binding
    module (otherwise nobody could ever review the request), or a field error."""
    pk = parse_pk(house_id)
    if pk is None:
        raise ApplicationError(_("请选择房屋"), field="house")
    house = (
        House.objects.select_related("community", "community__company", "building", "unit")
        .filter(pk=pk, community__in=Community.objects.approved())
        .first()
    )
    if house is None:
        raise ApplicationError(_("所选房屋不存在或小区尚未开通"), field="house")
    if "bindings" not in (house.community.company.modules or []):
        raise ApplicationError(_("该小区的物业暂未开通业主认证，请联系物业服务中心"), field="house")
    return house


def _announce_new(binding: BindingRequest) -> None:
    """Open console screens of the company learn of a new request (after commit). No personal
    data in the payload: every staff member of the company is in that group."""
    community = binding.house.community
    publish(
        f"company.{community.company_id}",
        {
            "type": "binding.created",
            "id": binding.pk,
            "community_id": community.pk,
            "community": community.name,
        },
    )


def _announce_reviewed(binding: BindingRequest) -> None:
    publish(
        f"user.{binding.user_id}",
        {
            "type": "binding.reviewed",
            "id": binding.pk,
            "status": binding.status,
            "reject_reason": binding.reject_reason,
        },
    )


def registration_check(
    *,
    phone: str,
    password: str,
    confirm_password: str,
    name: str,
    id_card: str,
    house_id,
    relation: str = Relation.OWNER,
    email: str = "",
    gender: str = "",
    agreed_terms: bool,
) -> dict:
    """Validate a registration without writing anything; returns the cleaned values.

    The phone app calls it before the SMS step so that mistakes show up at once.
    """
    if not agreed_terms:
        raise ApplicationError(_("请阅读并同意用户协议和隐私政策"), field="agreed_terms")
    cleaned_name = _clean_name(name)
    phone = (phone or "").strip()
    if not is_mobile(phone):
        raise ApplicationError(_("请输入正确的11位手机号码"), field="phone")
    if User.objects.filter(phone=phone).exists():
        raise ApplicationError(_("该手机号已注册，请直接登录"), field="phone", code="phone_taken")
    account_services.check_new_password(
        password=password,
        confirm=confirm_password,
        user=User(phone=phone, name=cleaned_name),
        field="password",
    )
    cleaned_id = _clean_id_card(id_card)
    email = account_services.clean_email(email)
    gender = account_services.clean_gender(gender)
    return {
        "phone": phone,
        "password": password,
        "name": cleaned_name,
        "id_card": cleaned_id,
        "email": email,
        "gender": gender,
        "house": _bindable_house(house_id),
        "relation": _clean_relation(relation),
    }


def owner_register(
    *,
    phone: str,
    password: str,
    confirm_password: str,
    name: str,
    id_card: str,
    house_id,
    sms_code: str,
    relation: str = Relation.OWNER,
    email: str = "",
    gender: str = "",
    agreed_terms: bool,
    now: dt.datetime | None = None,
) -> tuple[User, BindingRequest]:
    """Create the owner's account and a pending binding request for the chosen house.

    The SMS code is checked after every other field and in its own transaction, so a wrong
    code still counts towards the code's attempt limit; the account and the request are then
    written together or not at all.
    """
    now = now or timezone.now()
    data = registration_check(
        phone=phone,
        password=password,
        confirm_password=confirm_password,
        name=name,
        id_card=id_card,
        house_id=house_id,
        relation=relation,
        email=email,
        gender=gender,
        agreed_terms=agreed_terms,
    )
    account_services.sms_code_verify(
        phone=data["phone"], purpose=SmsPurpose.REGISTER, code=sms_code, now=now
    )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                phone=data["phone"],
                password=data["password"],
                name=data["name"],
                id_card=data["id_card"],
                email=data["email"],
                gender=data["gender"],
                agreed_terms_at=now,
                date_joined=now,
            )
            binding = BindingRequest.objects.create(
                user=user,
                house=data["house"],
                relation=data["relation"],
                applicant_name=data["name"],
                applicant_id_card=data["id_card"],
            )
            oplog_record(
                actor=user,
                action=OpAction.CREATE,
                obj=binding,
                company=data["house"].community.company_id,
                changes=snapshot(binding),
                note=_("业主注册"),
            )
            _announce_new(binding)
    except IntegrityError:
        # Two submissions of the same phone at once: the unique key decides, the loser is told.
        raise ApplicationError(
            _("该手机号已注册，请直接登录"), field="phone", code="phone_taken"
        ) from None
    return user, binding


def _own_active_occupancy(user: User, occupancy_id) -> Occupancy:
    occupancy = (
        Occupancy.objects.select_related("house", "house__community", "resident")
        .filter(pk=lookup_pk(occupancy_id), resident__user=user, end_date__isnull=True)
        .first()
    )
    if occupancy is None:
        raise ApplicationError(_("要改绑的房屋不存在或已解除绑定"), field="replaces")
    return occupancy


@transaction.atomic
def binding_request_create(
    *,
    user: User,
    house_id,
    relation: str = Relation.OWNER,
    applicant_name: str = "",
    applicant_id_card: str = "",
    replaces_id=None,
) -> BindingRequest:
    """A registered user asks to be bound to a(nother) house, or to move a binding (改绑)."""
    house = _bindable_house(house_id)
    relation = _clean_relation(relation)
    name = _clean_name(applicant_name or user.name, field="applicant_name")
    id_card = _clean_id_card(
        applicant_id_card or user.id_card,
        field="applicant_id_card",
        required=relation == Relation.OWNER,
    )
    replaces = None
    if replaces_id not in (None, ""):
        replaces = _own_active_occupancy(user, replaces_id)
        if replaces.house_id == house.pk:
            raise ApplicationError(_("新房屋与原房屋相同，无需改绑"), field="house")
        if replaces.house.community.company_id != house.community.company_id:
            raise ApplicationError(
                _("只能改绑到同一物业公司管理的房屋；其他小区请使用“添加房屋”"), field="house"
            )
    if Occupancy.objects.filter(house=house, resident__user=user, end_date__isnull=True).exists():
        raise ApplicationError(_("您已绑定该房屋"), field="house", code="already_bound")
    if BindingRequest.objects.filter(user=user, house=house, status=BindingStatus.PENDING).exists():
        raise ApplicationError(
            _("该房屋已有待审核的申请，请耐心等待物业审核"), field="house", code="duplicate"
        )
    binding = BindingRequest.objects.create(
        user=user,
        house=house,
        relation=relation,
        applicant_name=name,
        applicant_id_card=id_card,
        replaces=replaces,
    )
    oplog_record(
        actor=user,
        action=OpAction.CREATE,
        obj=binding,
        company=house.community.company_id,
        changes=snapshot(binding),
        note=_("改绑申请") if replaces else _("绑定申请"),
    )
    _announce_new(binding)
    return binding


@transaction.atomic
def binding_cancel(*, user: User, binding: BindingRequest) -> BindingRequest:
    """The owner withdraws their own pending request."""
    locked = BindingRequest.objects.select_for_update().filter(pk=binding.pk, user=user).first()
    if locked is None:
        raise NotFound()
    binding = locked
    if binding.status != BindingStatus.PENDING:
        raise ApplicationError(_("只有待审核的申请可以撤回"), code="not_pending")
    binding.status = BindingStatus.CANCELLED
    binding.save(update_fields=["status", "updated_at"])
    oplog_record(
        actor=user,
        action=OpAction.UPDATE,
        obj=binding,
        company=binding.house.community.company_id,
        changes={"status": [BindingStatus.PENDING, BindingStatus.CANCELLED]},
        note=_("业主撤回"),
    )
    return binding


def _locked_for_review(actor, binding: BindingRequest) -> BindingRequest:
    """Re-read the request under a row lock, through the actor's scope (defence in depth:
    views already fetched it scoped, but a service must not trust its caller)."""
    access = get_access(actor)
    if not access.can("bindings.approve"):
        raise PermissionDenied()
    locked = (
        BindingRequest.objects.for_access(access, "approve")
        .select_for_update(of=("self",))
        .filter(pk=binding.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    return locked


def _require_pending(binding: BindingRequest) -> None:
    if binding.status != BindingStatus.PENDING:
        raise ApplicationError(
            _("该申请%(status)s，不能再处理") % {"status": binding.get_status_display()},
            code="not_pending",
        )


@transaction.atomic
def binding_correct(
    *,
    actor,
    binding: BindingRequest,
    applicant_name: str,
    applicant_id_card: str | None,
    house_id,
    relation: str,
) -> BindingRequest:
    """Staff fix the applicant's name, ID number, house or relation before deciding.
    `applicant_id_card=None`, or the masked number sent back unchanged, keeps the number (a
    reviewer who may not see it whole is shown the masked value and cannot retype it)."""
    binding = _locked_for_review(actor, binding)
    _require_pending(binding)
    if applicant_id_card is not None and applicant_id_card == mask_id_card(
        binding.applicant_id_card
    ):
        applicant_id_card = None
    name = _clean_name(applicant_name, field="applicant_name")
    relation = _clean_relation(relation)
    id_card = _clean_id_card(
        binding.applicant_id_card if applicant_id_card is None else applicant_id_card,
        field="applicant_id_card",
        required=relation == Relation.OWNER,
    )
    access = get_access(actor)
    house = (
        House.objects.for_access(access, "view")
        .select_related("community")
        .filter(pk=lookup_pk(house_id))
        .first()
    )
    if house is None:
        raise ApplicationError(_("所选房屋不存在或不在您的管理范围内"), field="house")
    replaces = binding.replaces
    if replaces is not None and replaces.house.community.company_id != house.community.company_id:
        raise ApplicationError(_("改绑只能在同一物业公司的房屋之间进行"), field="house")
    if (
        house.pk != binding.house_id
        and BindingRequest.objects.filter(
            user_id=binding.user_id, house=house, status=BindingStatus.PENDING
        ).exists()
    ):
        raise ApplicationError(_("该业主对此房屋已有另一条待审核申请"), field="house")
    before = snapshot(binding)
    binding.applicant_name, binding.applicant_id_card = name, id_card
    binding.house, binding.relation = house, relation
    binding.save(
        update_fields=["applicant_name", "applicant_id_card", "house", "relation", "updated_at"]
    )
    changes = diff(before, snapshot(binding))
    if changes:
        oplog_record(
            actor=actor,
            action=OpAction.UPDATE,
            obj=binding,
            company=house.community.company_id,
            changes=changes,
            note=_("审核前更正"),
        )
    return binding


def _resident_for(*, company_id: int, user: User, binding: BindingRequest) -> Resident:
    """The company's one resident record for this phone (unique per company and phone),
    linked to the user and carrying the checked name and ID number."""
    resident = (
        Resident.objects.select_for_update().filter(company_id=company_id, phone=user.phone).first()
    )
    if resident is None:
        try:
            with transaction.atomic():  # savepoint: staff may have just created the record
                return Resident.objects.create(
                    company_id=company_id,
                    user=user,
                    phone=user.phone,
                    name=binding.applicant_name,
                    id_card=binding.applicant_id_card,
                    gender=user.gender,
                )
        except IntegrityError:
            resident = Resident.objects.select_for_update().get(
                company_id=company_id, phone=user.phone
            )
    resident.user = user
    resident.name = binding.applicant_name
    resident.id_card = binding.applicant_id_card or resident.id_card
    resident.save(update_fields=["user", "name", "id_card", "updated_at"])
    return resident


@transaction.atomic
def binding_approve(
    *, actor, binding: BindingRequest, today: dt.date | None = None
) -> BindingRequest:
    """Approve: link (or create) the company's resident record, open the occupancy, close
    the replaced one. A second click on an approved request changes nothing."""
    binding = _locked_for_review(actor, binding)
    if binding.status == BindingStatus.APPROVED:
        return binding
    _require_pending(binding)
    today = today or timezone.localdate()
    house = House.objects.select_related("community").get(pk=binding.house_id)
    company_id = house.community.company_id
    user = User.objects.select_for_update().get(pk=binding.user_id)
    resident = _resident_for(company_id=company_id, user=user, binding=binding)
    occupancy = Occupancy.objects.filter(
        house=house, resident=resident, end_date__isnull=True
    ).first()
    if occupancy is None:
        occupancy = Occupancy.objects.create(
            house=house, resident=resident, relation=binding.relation, start_date=today
        )
        oplog_record(
            actor=actor,
            action=OpAction.CREATE,
            obj=occupancy,
            company=company_id,
            changes=snapshot(occupancy),
            note=_("业主认证通过"),
        )
    elif occupancy.relation != binding.relation:
        occupancy.relation = binding.relation
        occupancy.save(update_fields=["relation", "updated_at"])
    if binding.replaces_id:
        old = (
            Occupancy.objects.select_for_update()
            .filter(pk=binding.replaces_id, end_date__isnull=True)
            .first()
        )
        if old is not None and old.pk != occupancy.pk:
            old.end_date = max(today, old.start_date)
            old.end_reason = (_("改绑至%(house)s") % {"house": house})[:100]
            old.save(update_fields=["end_date", "end_reason", "updated_at"])
            oplog_record(
                actor=actor,
                action=OpAction.UPDATE,
                obj=old,
                company=company_id,
                changes={"end_date": [None, str(old.end_date)]},
                note=_("业主改绑，原绑定解除"),
            )
    if binding.applicant_id_card and (
        not user.real_name_verified or user.id_card != binding.applicant_id_card
    ):
        # The company checked the ID card against the owner's papers: that is the real-name check.
        user.id_card = binding.applicant_id_card
        user.real_name_verified = True
        user.save(update_fields=["id_card", "real_name_verified"])
    before = snapshot(binding)
    binding.status = BindingStatus.APPROVED
    binding.reject_reason = ""
    binding.reviewed_by = actor
    binding.reviewed_at = timezone.now()
    binding.occupancy = occupancy
    binding.save()
    oplog_record(
        actor=actor,
        action=OpAction.APPROVE,
        obj=binding,
        company=company_id,
        changes=diff(before, snapshot(binding)),
    )
    reset_access(user)
    _announce_reviewed(binding)
    return binding


@transaction.atomic
def binding_reject(*, actor, binding: BindingRequest, reason: str) -> BindingRequest:
    """Reject with a reason the owner will read."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("驳回时必须填写原因"), field="reason")
    if len(reason) > 200:
        raise ApplicationError(_("驳回原因不能超过200字"), field="reason")
    binding = _locked_for_review(actor, binding)
    _require_pending(binding)
    before = snapshot(binding)
    binding.status = BindingStatus.REJECTED
    binding.reject_reason = reason
    binding.reviewed_by = actor
    binding.reviewed_at = timezone.now()
    binding.save()
    oplog_record(
        actor=actor,
        action=OpAction.REJECT,
        obj=binding,
        company=binding.house.community.company_id,
        changes=diff(before, snapshot(binding)),
        note=reason,
    )
    _announce_reviewed(binding)
    return binding
