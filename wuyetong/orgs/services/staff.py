"""Employees and roles. Nobody grants more than they hold: a role's permissions and data
scope may not exceed the acting user's own (the platform admin excepted)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from wuyetong.core.access import Access, get_access
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.masking import mask_phone
from wuyetong.core.validators import is_mobile

from ..choices import DataScope, OpAction
from ..models import Company, Department, Employee, OrgUnit, Position, Role
from ..permissions import MODULE_LABELS, ROLE_TEMPLATES, all_permissions, permission_label
from .oplog import diff, oplog_record, refuse_duplicates, snapshot


def _actor_access(actor) -> Access | None:
    """None for system actions (demo loader, migrations); otherwise the actor's access."""
    if actor is None or not getattr(actor, "pk", None):
        return None
    return get_access(actor)


def _check_grantable(
    actor, *, company: Company, permissions: list[str], data_scope: str, field: str
) -> None:
    access = _actor_access(actor)
    if access is None or access.is_platform:
        return
    granted = set(company.modules or [])
    beyond = [p for p in permissions if p.split(".")[0] in granted and p not in access.permissions]
    if beyond:
        labels = "、".join(permission_label(p) for p in beyond[:5])
        raise ApplicationError(
            _("不能授予自己没有的权限：%(labels)s") % {"labels": labels}, field=field
        )
    if data_scope == DataScope.COMPANY and access.org_unit_ids is not None:
        raise ApplicationError(_("您的数据范围不是全公司，不能授予全公司范围的角色"), field=field)


def _check_unit(
    company: Company,
    org_unit: OrgUnit | None,
    department: Department | None,
    position: Position | None,
) -> None:
    if org_unit is None or org_unit.company_id != company.pk:
        raise ApplicationError(_("请选择本公司的组织"), field="org_unit")
    if department is not None and department.org_unit_id != org_unit.pk:
        raise ApplicationError(_("所选部门不属于该组织"), field="department")
    if position is not None and position.company_id != company.pk:
        raise ApplicationError(_("请选择本公司的岗位"), field="position")


@transaction.atomic
def employee_create(
    *,
    actor,
    company: Company,
    phone: str,
    name: str,
    org_unit: OrgUnit,
    employee_no: str,
    department: Department | None = None,
    position: Position | None = None,
    hired_on: date | None = None,
) -> Employee:
    """Adds a staff member. The phone is the login: an existing user with that phone is
    reused, otherwise a user is made without a password (they set one by SMS)."""
    phone = (phone or "").strip()
    name = (name or "").strip()
    employee_no = (employee_no or "").strip()
    if not is_mobile(phone):
        raise ApplicationError(_("请输入正确的11位手机号码"), field="phone")
    if not name:
        raise ApplicationError(_("请填写姓名"), field="name")
    if not employee_no:
        raise ApplicationError(_("请填写工号"), field="employee_no")
    _check_unit(company, org_unit, department, position)
    if Employee.objects.filter(company=company, employee_no=employee_no).exists():
        raise ApplicationError(_("工号已被使用"), field="employee_no")
    user_model = get_user_model()
    user = user_model.objects.filter(phone=phone).first()
    if user is not None:
        if Employee.objects.filter(company=company, user=user).exists():
            raise ApplicationError(_("该手机号已是本公司员工"), field="phone")
        if Employee.objects.filter(user=user, is_active=True).exists():
            raise ApplicationError(_("该手机号已在其他物业公司任职"), field="phone")
        if user.bureau_memberships.exists():
            # A regulator does not also work for a regulated company.
            raise ApplicationError(_("该手机号是房管部门人员，不能登记为物业员工"), field="phone")
        if user.is_superuser:
            raise ApplicationError(_("平台管理员账号不能登记为物业员工"), field="phone")
        if not user.name:
            user.name = name
            user.save(update_fields=["name"])
    else:
        user = user_model.objects.create_user(phone=phone, password=None, name=name)
    # A concurrent request may take the phone or number after the checks above.
    with refuse_duplicates(_("工号或手机号已被使用"), "employee_no"):
        employee = Employee.objects.create(
            company=company,
            user=user,
            org_unit=org_unit,
            department=department,
            position=position,
            employee_no=employee_no,
            hired_on=hired_on,
        )
    changes = snapshot(employee)
    changes["phone"] = mask_phone(phone)  # the log is a list: SPEC §4 masking
    oplog_record(actor=actor, action=OpAction.CREATE, obj=employee, changes=changes)
    return employee


@transaction.atomic
def employee_update(
    *,
    actor,
    employee: Employee,
    org_unit: OrgUnit,
    employee_no: str,
    department: Department | None = None,
    position: Position | None = None,
    hired_on: date | None = None,
) -> Employee:
    employee_no = (employee_no or "").strip()
    if not employee_no:
        raise ApplicationError(_("请填写工号"), field="employee_no")
    _check_unit(employee.company, org_unit, department, position)
    dupes = Employee.objects.filter(company_id=employee.company_id, employee_no=employee_no)
    if dupes.exclude(pk=employee.pk).exists():
        raise ApplicationError(_("工号已被使用"), field="employee_no")
    before = snapshot(employee)
    employee.org_unit, employee.department, employee.position = org_unit, department, position
    employee.employee_no, employee.hired_on = employee_no, hired_on
    employee.save()
    changes = diff(before, snapshot(employee))
    if changes:
        oplog_record(actor=actor, action=OpAction.UPDATE, obj=employee, changes=changes)
    return employee


@transaction.atomic
def employee_set_active(*, actor, employee: Employee, active: bool) -> Employee:
    """离职 (deactivate) or 复职 (reactivate). A deactivated employee loses all staff access."""
    if not active and getattr(actor, "pk", None) == employee.user_id:
        raise ApplicationError(_("不能停用自己的账号"), field="is_active")
    if employee.is_active == active:
        return employee
    if active and Employee.objects.filter(user_id=employee.user_id, is_active=True).exists():
        raise ApplicationError(_("该员工已在其他物业公司任职"), field="is_active")
    before = snapshot(employee)
    employee.is_active = active
    employee.save(update_fields=["is_active", "updated_at"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=employee,
        changes=diff(before, snapshot(employee)),
        note=_("复职") if active else _("离职"),
    )
    return employee


@transaction.atomic
def employee_assign_roles(*, actor, employee: Employee, roles: list[Role]) -> Employee:
    if any(r.company_id != employee.company_id for r in roles):
        raise ApplicationError(_("只能分配本公司的角色"), field="roles")
    current = {r.pk: r for r in employee.roles.all()}
    added = [r for r in roles if r.pk not in current]
    for role in added:
        _check_grantable(
            actor,
            company=employee.company,
            permissions=role.permissions,
            data_scope=role.data_scope,
            field="roles",
        )
    before = sorted(r.name for r in current.values())
    after = sorted(r.name for r in roles)
    employee.roles.set(roles)
    if before != after:
        oplog_record(
            actor=actor, action=OpAction.GRANT, obj=employee, changes={"roles": [before, after]}
        )
    return employee


@transaction.atomic
def role_create_from_template(
    *, actor, company: Company, template: str, name: str | None = None
) -> Role:
    """A new role from a built-in template (or blank when `template` is ""). Permissions of
    modules the company was not granted stay dormant: access ignores them until granted."""
    if template:
        spec = ROLE_TEMPLATES.get(template)
        if spec is None:
            raise ApplicationError(_("角色模板不存在"), field="template")
    else:
        spec = {"name": "", "scope": DataScope.PROJECT, "permissions": []}
    name = (name or "").strip() or str(spec["name"])
    if not name:
        raise ApplicationError(_("请填写角色名称"), field="name")
    if len(name) > 50:
        raise ApplicationError(_("角色名称不能超过50个字"), field="name")
    if Role.objects.filter(company=company, name=name).exists():
        raise ApplicationError(_("已有同名角色"), field="name")
    permissions = sorted(set(spec["permissions"]))
    _check_grantable(
        actor, company=company, permissions=permissions, data_scope=spec["scope"], field="template"
    )
    with refuse_duplicates(_("已有同名角色"), "name"):
        role = Role.objects.create(
            company=company,
            name=name,
            template=template,
            permissions=permissions,
            data_scope=spec["scope"],
        )
    oplog_record(actor=actor, action=OpAction.CREATE, obj=role, changes=snapshot(role))
    return role


@transaction.atomic
def role_update(
    *, actor, role: Role, name: str, permissions: list[str], data_scope: str, description: str = ""
) -> Role:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("请填写角色名称"), field="name")
    if len(name) > 50:
        raise ApplicationError(_("角色名称不能超过50个字"), field="name")
    if data_scope not in DataScope.values:
        raise ApplicationError(_("数据范围不正确"), field="data_scope")
    valid = set(all_permissions())
    unknown = [p for p in permissions if p not in valid]
    if unknown:
        raise ApplicationError(
            _("未知权限：%(codes)s") % {"codes": ", ".join(unknown[:5])}, field="permissions"
        )
    granted = set(role.company.modules or [])
    current = set(role.permissions)
    closed = sorted({p.split(".")[0] for p in permissions if p not in current} - granted)
    if closed:
        labels = "、".join(str(MODULE_LABELS[m]) for m in closed)
        raise ApplicationError(
            _("平台未开通的模块不能授权：%(labels)s") % {"labels": labels}, field="permissions"
        )
    # The matrix shows granted modules only; what the role holds in the others is kept.
    permissions = [*permissions, *(p for p in current if p.split(".")[0] not in granted)]
    if Role.objects.filter(company_id=role.company_id, name=name).exclude(pk=role.pk).exists():
        raise ApplicationError(_("已有同名角色"), field="name")
    new_perms = sorted(set(permissions))
    # Only what is being added must be within the actor's reach, so an admin with a narrower
    # role can still rename or trim a role someone else configured.
    _check_grantable(
        actor,
        company=role.company,
        permissions=[p for p in new_perms if p not in role.permissions],
        data_scope=data_scope if data_scope != role.data_scope else "",
        field="permissions",
    )
    before = snapshot(role)
    role.name, role.permissions, role.data_scope = name, new_perms, data_scope
    role.description = (description or "").strip()[:200]
    with refuse_duplicates(_("已有同名角色"), "name"):
        role.save()
    changes = diff(before, snapshot(role))
    if changes:
        oplog_record(actor=actor, action=OpAction.UPDATE, obj=role, changes=changes)
    return role


@transaction.atomic
def role_delete(*, actor, role: Role) -> None:
    if role.employees.exists():
        raise ApplicationError(_("仍有员工持有该角色，请先取消分配"), field="role")
    oplog_record(actor=actor, action=OpAction.DELETE, obj=role, changes=snapshot(role))
    role.delete()
