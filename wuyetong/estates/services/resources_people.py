"""Resident actions: records of people and their occupancy of houses (move in, move out,
rebind). History is never deleted: moving out closes a binding."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, PermissionDenied
from wuyetong.core.masking import mask_id_card, mask_phone
from wuyetong.core.validators import is_id_card, is_mobile
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.services import diff, oplog_record, snapshot

from ..choices import HouseState, Relation
from ..models import (
    House,
    Occupancy,
    Resident,
)
from .resources_common import (
    RESIDENT_FIELDS,
    apply_data,
    create_logged,
    ensure_in_scope,
    ensure_unique,
    require_perm,
    save_logged,
    save_unique,
)

# ---------------------------------------------------------------- residents and occupancy


def _resident_rules(r: Resident) -> None:
    r.id_card = (r.id_card or "").upper()
    if not r.name:
        raise ApplicationError(_("请填写姓名"), field="name")
    if r.phone and not is_mobile(r.phone):
        raise ApplicationError(_("请输入正确的11位手机号码"), field="phone")
    if r.id_card and not is_id_card(r.id_card):
        raise ApplicationError(_("身份证号码格式或校验位不正确"), field="id_card")
    if r.gender not in ("", "M", "F"):
        raise ApplicationError(_("性别不正确"), field="gender")
    if r.phone:
        ensure_unique(
            Resident.objects.filter(company_id=r.company_id, phone=r.phone),
            r,
            "phone",
            _("本公司已有使用该手机号的住户，请直接选择该住户"),
        )


@transaction.atomic
def resident_create(
    *, actor, name: str, phone: str = "", id_card: str = "", gender: str = "", notes: str = ""
) -> Resident:
    require_perm(actor, "residents.add")
    access = get_access(actor)
    if access.company_id is None:
        raise PermissionDenied()
    resident = Resident(company_id=access.company_id)
    apply_data(
        resident,
        {"name": name, "phone": phone, "id_card": id_card, "gender": gender, "notes": notes},
        RESIDENT_FIELDS,
    )
    _resident_rules(resident)
    return create_logged(actor, resident)


@transaction.atomic
def resident_update(*, actor, resident: Resident, **data) -> Resident:
    ensure_in_scope(actor, resident, "change", field="resident", label=_("住户"))
    if not get_access(actor).can("residents.view_sensitive"):
        for name, mask in (("phone", mask_phone), ("id_card", mask_id_card)):
            current = getattr(resident, name)
            if name in data and (data[name] or "") == mask(current):
                data.pop(name)  # the masked value the caller was shown: unchanged
            if name in data and (data[name] or "") != current:
                raise PermissionDenied(
                    _("修改手机号或身份证号需要“查看完整个人信息”的权限"), field=name
                )
    before = snapshot(resident)
    apply_data(resident, data, RESIDENT_FIELDS)
    _resident_rules(resident)
    return save_logged(actor, resident, before)


def _occupancy_house(actor, house: House | None, field: str = "house") -> House:
    if house is None:
        raise ApplicationError(_("请选择房屋"), field=field)
    if not House.objects.for_user(actor, "view").filter(pk=house.pk).exists():
        raise ApplicationError(_("房屋不存在或无权操作"), field=field, code="not_found")
    return house


def _check_can_start(
    house: House, resident: Resident, relation: str, start_date, *, field="resident"
) -> None:
    if relation not in Relation.values:
        raise ApplicationError(_("请选择身份（业主/家庭成员/租户）"), field="relation")
    if start_date is None:
        raise ApplicationError(_("请填写入住日期"), field="start_date")
    if start_date > timezone.localdate() + dt.timedelta(days=366):
        raise ApplicationError(_("入住日期不能晚于一年以后"), field="start_date")
    if house.state == HouseState.UNSOLD and relation in (Relation.OWNER, Relation.TENANT):
        raise ApplicationError(_("未售房屋不能登记业主或租户，请先修改房屋状态"), field="relation")
    if Occupancy.objects.filter(house=house, resident=resident, end_date__isnull=True).exists():
        raise ApplicationError(
            _("%(name)s已在该房屋入住") % {"name": resident.name}, field=field, code="duplicate"
        )


@transaction.atomic
def occupancy_move_in(
    *,
    actor,
    house: House,
    relation: str,
    start_date: dt.date,
    resident: Resident | None = None,
    name: str = "",
    phone: str = "",
    id_card: str = "",
    gender: str = "",
    notes: str = "",
    house_state: str = "",
) -> Occupancy:
    """Bind a resident to a house from `start_date`. Give an existing `resident`, or the
    person's details: a resident of this company with the same phone is reused, otherwise a
    new resident record is made. `house_state`, when given, also sets the house's state
    (e.g. 入住 when the owner moves in) — only on request, never implied.

    A resident with that phone is reused only if the actor can see them (a project-scoped
    clerk sees only the people of their own projects). Otherwise the move-in is refused, not
    made with a new record: a second record for the same phone would break the company's
    one-phone-one-resident rule, and reusing it would bind — and reveal — a person of another
    project. The message names nobody; someone who can see both projects does the binding."""
    require_perm(actor, "residents.add")
    house = _occupancy_house(actor, house)
    company_id = house.community.company_id
    if resident is None:
        phone = (phone or "").strip()
        existing = (
            Resident.objects.filter(company_id=company_id, phone=phone).first() if phone else None
        )
        if existing is not None:
            if not Resident.objects.for_user(actor, "view").filter(pk=existing.pk).exists():
                raise ApplicationError(
                    _("该手机号已登记为其他项目的住户，您无权查看，请联系公司管理员办理入住"),
                    field="phone",
                    code="not_found",
                )
            resident = existing
        else:
            if not (name or "").strip():
                raise ApplicationError(_("请填写住户姓名"), field="name")
            resident = resident_create(
                actor=actor, name=name, phone=phone, id_card=id_card, gender=gender, notes=notes
            )
    elif resident.company_id != company_id:
        raise ApplicationError(_("住户不存在或无权操作"), field="resident", code="not_found")
    else:
        ensure_in_scope(actor, resident, "view", field="resident", label=_("住户"))
    _check_can_start(house, resident, relation, start_date)
    occupancy = save_unique(
        Occupancy(house=house, resident=resident, relation=relation, start_date=start_date),
        field="resident",
    )
    oplog_record(
        actor=actor,
        action=OpAction.CREATE,
        obj=occupancy,
        company=company_id,
        changes=snapshot(occupancy),
        note=_("%(name)s 入住 %(house)s") % {"name": resident.name, "house": house.label},
    )
    _set_house_state(actor, house, house_state, note=_("%(name)s 入住") % {"name": resident.name})
    return occupancy


def _set_house_state(actor, house: House, state: str, *, note: str) -> None:
    if not state:
        return
    if state not in HouseState.values:
        raise ApplicationError(_("房屋状态不正确"), field="house_state")
    if not get_access(actor).can("estates.change"):
        raise ApplicationError(
            _("没有修改房屋状态的权限"), field="house_state", code="permission_denied"
        )
    house = House.objects.select_for_update().get(pk=house.pk)
    if house.state == state:
        return
    before = house.state
    house.state = state
    house.save(update_fields=["state", "updated_at"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=house,
        company=house.community.company_id,
        changes={"state": [before, state]},
        note=note,
    )


def _close(actor, occupancy: Occupancy, end_date, reason: str) -> Occupancy:
    occupancy = (
        Occupancy.objects.select_for_update()
        .select_related("resident", "house__community")
        .get(pk=occupancy.pk)
    )
    if occupancy.end_date is not None:
        raise ApplicationError(_("该住户已迁出，不能重复操作"), code="already_ended")
    if end_date is None:
        raise ApplicationError(_("请填写迁出日期"), field="end_date")
    if end_date < occupancy.start_date:
        raise ApplicationError(
            _("迁出日期不能早于入住日期（%(date)s）")
            % {"date": format(occupancy.start_date, "%Y-%m-%d")},
            field="end_date",
        )
    if end_date > timezone.localdate() + dt.timedelta(days=366):
        raise ApplicationError(_("迁出日期不能晚于一年以后"), field="end_date")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写迁出原因"), field="end_reason")
    before = snapshot(occupancy)
    occupancy.end_date, occupancy.end_reason = end_date, reason[:100]
    occupancy.save(update_fields=["end_date", "end_reason", "updated_at"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=occupancy,
        company=occupancy.resident.company_id,
        changes=diff(before, snapshot(occupancy)),
        note=_("%(name)s 迁出 %(house)s")
        % {"name": occupancy.resident.name, "house": occupancy.house.label},
    )
    return occupancy


def _occupancy_in_scope(actor, occupancy: Occupancy) -> None:
    if not Occupancy.objects.for_user(actor, "change").filter(pk=occupancy.pk).exists():
        raise ApplicationError(_("住户绑定不存在或无权操作"), code="not_found")


@transaction.atomic
def occupancy_move_out(
    *, actor, occupancy: Occupancy, end_date: dt.date, end_reason: str, house_state: str = ""
) -> Occupancy:
    """Close a binding; the row stays as history. `house_state`, when given, also sets the
    house's state (e.g. 空置 when the last tenant leaves)."""
    _occupancy_in_scope(actor, occupancy)
    closed = _close(actor, occupancy, end_date, end_reason)
    _set_house_state(
        actor, closed.house, house_state, note=_("%(name)s 迁出") % {"name": closed.resident.name}
    )
    return closed


@transaction.atomic
def occupancy_rebind(
    *,
    actor,
    occupancy: Occupancy,
    house: House,
    date: dt.date,
    relation: str | None = None,
    reason: str = "",
) -> Occupancy:
    """业主地址重新绑定: the binding to the old house ends on `date` and a new one to `house`
    starts that day, with the same identity unless another is given. Returns the new one."""
    _occupancy_in_scope(actor, occupancy)
    house = _occupancy_house(actor, house)
    if house.pk == occupancy.house_id:
        raise ApplicationError(_("请选择另一套房屋"), field="house")
    old = Occupancy.objects.select_related("resident", "house__community").get(pk=occupancy.pk)
    if house.community.company_id != old.resident.company_id:
        raise ApplicationError(_("房屋不存在或无权操作"), field="house", code="not_found")
    if date is None:
        raise ApplicationError(_("请填写改绑日期"), field="date")
    relation = relation or old.relation
    _check_can_start(house, old.resident, relation, date, field="house")
    note = (reason or "").strip() or _("业主地址重新绑定")
    _close(
        actor,
        old,
        date,
        (_("改绑至 %(house)s：%(note)s") % {"house": house.label, "note": note})[:100],
    )
    new = save_unique(
        Occupancy(house=house, resident=old.resident, relation=relation, start_date=date),
        field="house",
    )
    oplog_record(
        actor=actor,
        action=OpAction.CREATE,
        obj=new,
        company=old.resident.company_id,
        changes=snapshot(new),
        note=_("%(name)s 由 %(old)s 改绑至 %(new)s")
        % {"name": old.resident.name, "old": old.house.label, "new": house.label},
    )
    return new
