"""The company tree (总部 → 区域 → 项目), departments and positions."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError

from ..choices import OpAction, OrgKind
from ..models import Company, Department, OrgUnit, Position
from .oplog import diff, oplog_record, refuse_duplicates, snapshot


def _clean_name(name: str | None, *, label: str, max_length: int) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("请填写%(label)s") % {"label": label}, field="name")
    if len(name) > max_length:
        raise ApplicationError(
            _("%(label)s不能超过%(max)s个字") % {"label": label, "max": max_length}, field="name"
        )
    return name


@transaction.atomic
def org_unit_create(
    *, actor, company: Company, kind: str, name: str, parent: OrgUnit | None = None
) -> OrgUnit:
    name = _clean_name(name, label=_("组织名称"), max_length=100)
    if kind not in OrgKind.values:
        raise ApplicationError(_("组织层级不正确"), field="kind")
    if kind == OrgKind.HQ:
        if parent is not None:
            raise ApplicationError(_("总部不能有上级组织"), field="parent")
        if company.org_units.filter(kind=OrgKind.HQ).exists():
            raise ApplicationError(_("每个公司只能有一个总部"), field="kind")
    else:
        if parent is None or parent.company_id != company.pk:
            raise ApplicationError(_("请选择本公司的上级组织"), field="parent")
        if parent.kind == OrgKind.PROJECT:
            raise ApplicationError(_("项目下不能再设下级组织"), field="parent")
        if kind == OrgKind.REGION and parent.kind != OrgKind.HQ:
            raise ApplicationError(_("区域公司的上级必须是总部"), field="parent")
    if OrgUnit.objects.filter(company=company, parent=parent, name=name).exists():
        raise ApplicationError(_("同一上级下已有同名组织"), field="name")
    with refuse_duplicates(_("同一上级下已有同名组织"), "name"):
        unit = OrgUnit.objects.create(company=company, kind=kind, name=name, parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    oplog_record(actor=actor, action=OpAction.CREATE, obj=unit, changes=snapshot(unit))
    return unit


@transaction.atomic
def org_unit_rename(*, actor, unit: OrgUnit, name: str) -> OrgUnit:
    name = _clean_name(name, label=_("组织名称"), max_length=100)
    siblings = OrgUnit.objects.filter(
        company_id=unit.company_id, parent_id=unit.parent_id, name=name
    )
    if siblings.exclude(pk=unit.pk).exists():
        raise ApplicationError(_("同一上级下已有同名组织"), field="name")
    before = snapshot(unit)
    unit.name = name
    with refuse_duplicates(_("同一上级下已有同名组织"), "name"):
        unit.save(update_fields=["name", "updated_at"])
    changes = diff(before, snapshot(unit))
    if changes:
        oplog_record(actor=actor, action=OpAction.UPDATE, obj=unit, changes=changes)
    return unit


@transaction.atomic
def department_create(*, actor, org_unit: OrgUnit, name: str) -> Department:
    name = _clean_name(name, label=_("部门名称"), max_length=50)
    if Department.objects.filter(org_unit=org_unit, name=name).exists():
        raise ApplicationError(_("该组织下已有同名部门"), field="name")
    with refuse_duplicates(_("该组织下已有同名部门"), "name"):
        dept = Department.objects.create(
            company_id=org_unit.company_id, org_unit=org_unit, name=name
        )
    oplog_record(actor=actor, action=OpAction.CREATE, obj=dept, changes=snapshot(dept))
    return dept


def _rename(*, actor, obj, name: str, label, siblings, duplicate_message):
    """Rename a department or position: unique among `siblings`, logged when it changes."""
    name = _clean_name(name, label=label, max_length=50)
    if siblings.filter(name=name).exclude(pk=obj.pk).exists():
        raise ApplicationError(duplicate_message, field="name")
    before = snapshot(obj)
    obj.name = name
    with refuse_duplicates(duplicate_message, "name"):
        obj.save(update_fields=["name", "updated_at"])
    changes = diff(before, snapshot(obj))
    if changes:
        oplog_record(actor=actor, action=OpAction.UPDATE, obj=obj, changes=changes)
    return obj


@transaction.atomic
def department_rename(*, actor, department: Department, name: str) -> Department:
    return _rename(
        actor=actor,
        obj=department,
        name=name,
        label=_("部门名称"),
        siblings=Department.objects.filter(org_unit_id=department.org_unit_id),
        duplicate_message=_("该组织下已有同名部门"),
    )


@transaction.atomic
def position_create(*, actor, company: Company, name: str) -> Position:
    name = _clean_name(name, label=_("岗位名称"), max_length=50)
    if Position.objects.filter(company=company, name=name).exists():
        raise ApplicationError(_("已有同名岗位"), field="name")
    with refuse_duplicates(_("已有同名岗位"), "name"):
        position = Position.objects.create(company=company, name=name)
    oplog_record(actor=actor, action=OpAction.CREATE, obj=position, changes=snapshot(position))
    return position


@transaction.atomic
def position_rename(*, actor, position: Position, name: str) -> Position:
    return _rename(
        actor=actor,
        obj=position,
        name=name,
        label=_("岗位名称"),
        siblings=Position.objects.filter(company_id=position.company_id),
        duplicate_message=_("已有同名岗位"),
    )


@transaction.atomic
def org_unit_move(*, actor, unit: OrgUnit, parent: OrgUnit) -> OrgUnit:
    """Re-hangs a region or project (and everything under it) below another unit, e.g. when
    a project passes to another region. Paths of the whole subtree are rewritten."""
    if unit.kind == OrgKind.HQ:
        raise ApplicationError(_("总部不能调整上级"), field="parent")
    if parent is None or parent.company_id != unit.company_id:
        raise ApplicationError(_("请选择本公司的上级组织"), field="parent")
    if parent.path.startswith(unit.path):
        raise ApplicationError(_("不能移到自身或其下级组织之下"), field="parent")
    if parent.kind == OrgKind.PROJECT:
        raise ApplicationError(_("项目下不能再设下级组织"), field="parent")
    if unit.kind == OrgKind.REGION and parent.kind != OrgKind.HQ:
        raise ApplicationError(_("区域公司的上级必须是总部"), field="parent")
    if parent.pk == unit.parent_id:
        return unit
    if OrgUnit.objects.filter(company_id=unit.company_id, parent=parent, name=unit.name).exists():
        raise ApplicationError(_("新上级下已有同名组织"), field="parent")
    old_parent = str(unit.parent) if unit.parent_id else None
    old_path, new_path = unit.path, f"{parent.path}{unit.pk}/"
    subtree = list(
        OrgUnit.objects.select_for_update().filter(
            company_id=unit.company_id, path__startswith=old_path
        )
    )
    for node in subtree:
        node.path = new_path + node.path[len(old_path) :]
        if node.pk == unit.pk:
            node.parent = parent
    with refuse_duplicates(_("新上级下已有同名组织"), "parent"):
        OrgUnit.objects.bulk_update(subtree, ["path", "parent"])
    unit.refresh_from_db()
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=unit,
        changes={"parent": [old_parent, str(parent)]},
        note=_("调整上级组织"),
    )
    return unit


@transaction.atomic
def department_delete(*, actor, department: Department) -> None:
    if department.employees.filter(is_active=True).exists():
        raise ApplicationError(_("该部门仍有在职员工，请先调整员工部门"), field="department")
    oplog_record(actor=actor, action=OpAction.DELETE, obj=department, changes=snapshot(department))
    department.delete()  # former employees keep their record with no department


@transaction.atomic
def position_delete(*, actor, position: Position) -> None:
    if position.employees.filter(is_active=True).exists():
        raise ApplicationError(_("该岗位仍有在职员工，请先调整员工岗位"), field="position")
    oplog_record(actor=actor, action=OpAction.DELETE, obj=position, changes=snapshot(position))
    position.delete()
