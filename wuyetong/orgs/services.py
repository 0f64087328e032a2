"""Organisation actions (C1). Every change writes an operation-log entry."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.middleware import current_ip

from .choices import ApprovalStatus, OpAction, OrgKind
from .models import Community, Company, Employee, Merchant, OperationLog, OrgUnit, Role
from .permissions import ROLE_TEMPLATES, all_permissions

LOGGED_SKIP = {"created_at", "updated_at", "password", "path"}


def _plain(value):
    if isinstance(value, (Decimal, date, datetime)):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict:
    """Field values worth logging, keyed by verbose name's field name."""
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in LOGGED_SKIP or f.primary_key:
            continue
        data[f.name] = _plain(getattr(obj, f.attname))
    return data


def diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def oplog_record(*, actor, action: str, obj: models.Model, changes: dict | None = None,
                 company: Company | int | None = None, note: str = "") -> OperationLog:
    company_id = company.pk if isinstance(company, Company) else company
    if company_id is None:
        company_id = getattr(obj, "company_id", None)
    return OperationLog.objects.create(
        company_id=company_id,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
        note=note[:200],
        ip=current_ip.get(),
    )


@transaction.atomic
def org_unit_create(*, actor, company: Company, kind: str, name: str, parent: OrgUnit | None = None) -> OrgUnit:
    name = (name or "").strip()
    if not name:
        raise ApplicationError("请填写组织名称", field="name")
    if kind not in OrgKind.values:
        raise ApplicationError("组织层级不正确", field="kind")
    if kind == OrgKind.HQ:
        if parent is not None:
            raise ApplicationError("总部不能有上级组织", field="parent")
        if company.org_units.filter(kind=OrgKind.HQ).exists():
            raise ApplicationError("每个公司只能有一个总部", field="kind")
    else:
        if parent is None or parent.company_id != company.pk:
            raise ApplicationError("请选择本公司的上级组织", field="parent")
        if parent.kind == OrgKind.PROJECT:
            raise ApplicationError("项目下不能再设下级组织", field="parent")
        if kind == OrgKind.REGION and parent.kind != OrgKind.HQ:
            raise ApplicationError("区域公司的上级必须是总部", field="parent")
    if OrgUnit.objects.filter(company=company, parent=parent, name=name).exists():
        raise ApplicationError("同一上级下已有同名组织", field="name")
    unit = OrgUnit.objects.create(company=company, kind=kind, name=name, parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    oplog_record(actor=actor, action=OpAction.CREATE, obj=unit, changes=snapshot(unit))
    return unit


@transaction.atomic
def role_create_from_template(*, actor, company: Company, template: str, name: str | None = None) -> Role:
    spec = ROLE_TEMPLATES.get(template)
    if spec is None:
        raise ApplicationError("角色模板不存在", field="template")
    name = name or spec["name"]
    if Role.objects.filter(company=company, name=name).exists():
        raise ApplicationError("已有同名角色", field="name")
    role = Role.objects.create(
        company=company, name=name, template=template, permissions=list(spec["permissions"]),
        data_scope=spec["scope"],
    )
    oplog_record(actor=actor, action=OpAction.CREATE, obj=role, changes=snapshot(role))
    return role


@transaction.atomic
def role_update(*, actor, role: Role, name: str, permissions: list[str], data_scope: str,
                description: str = "") -> Role:
    valid = set(all_permissions())
    unknown = [p for p in permissions if p not in valid]
    if unknown:
        raise ApplicationError(f"未知权限：{', '.join(unknown)}", field="permissions")
    if Role.objects.filter(company_id=role.company_id, name=name).exclude(pk=role.pk).exists():
        raise ApplicationError("已有同名角色", field="name")
    before = snapshot(role)
    role.name, role.permissions, role.data_scope, role.description = name, sorted(set(permissions)), data_scope, description
    role.full_clean()
    role.save()
    oplog_record(actor=actor, action=OpAction.UPDATE, obj=role, changes=diff(before, snapshot(role)))
    return role


def _review(obj, *, actor, approve: bool, reason: str, company_id=None):
    if obj.status != ApprovalStatus.PENDING and approve and obj.status == ApprovalStatus.APPROVED:
        raise ApplicationError("已审核通过，无需重复操作", code="already_approved")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ApplicationError("驳回时必须填写原因", field="reason")
    before = snapshot(obj)
    obj.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    obj.reject_reason = "" if approve else reason[:200]
    return before


@transaction.atomic
def company_review(*, actor, company: Company, approve: bool, reason: str = "",
                   modules: list[str] | None = None) -> Company:
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = _review(company, actor=actor, approve=approve, reason=reason)
    if approve and modules is not None:
        company.modules = list(modules)
    company.save()
    oplog_record(actor=actor, action=OpAction.APPROVE if approve else OpAction.REJECT, obj=company,
                 changes=diff(before, snapshot(company)), note=reason)
    return company


@transaction.atomic
def company_grant_modules(*, actor, company: Company, modules: list[str]) -> Company:
    from .permissions import MODULE_LABELS

    unknown = [m for m in modules if m not in MODULE_LABELS]
    if unknown:
        raise ApplicationError(f"未知模块：{', '.join(unknown)}", field="modules")
    before = snapshot(company)
    company.modules = sorted(set(modules))
    company.save(update_fields=["modules", "updated_at"])
    oplog_record(actor=actor, action=OpAction.GRANT, obj=company, changes=diff(before, snapshot(company)))
    return company


@transaction.atomic
def community_review(*, actor, community: Community, approve: bool, reason: str = "") -> Community:
    community = Community.objects.select_for_update().get(pk=community.pk)
    before = _review(community, actor=actor, approve=approve, reason=reason)
    community.save()
    oplog_record(actor=actor, action=OpAction.APPROVE if approve else OpAction.REJECT, obj=community,
                 changes=diff(before, snapshot(community)), note=reason)
    return community


@transaction.atomic
def merchant_review(*, actor, merchant: Merchant, approve: bool, reason: str = "") -> Merchant:
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    before = _review(merchant, actor=actor, approve=approve, reason=reason)
    merchant.is_active = approve
    merchant.save()
    oplog_record(actor=actor, action=OpAction.APPROVE if approve else OpAction.REJECT, obj=merchant,
                 changes=diff(before, snapshot(merchant)), note=reason)
    return merchant


@transaction.atomic
def employee_assign_roles(*, actor, employee: Employee, roles: list[Role]) -> Employee:
    if any(r.company_id != employee.company_id for r in roles):
        raise ApplicationError("只能分配本公司的角色", field="roles")
    before = sorted(employee.roles.values_list("name", flat=True))
    employee.roles.set(roles)
    after = sorted(r.name for r in roles)
    oplog_record(actor=actor, action=OpAction.GRANT, obj=employee, changes={"roles": [before, after]})
    return employee
