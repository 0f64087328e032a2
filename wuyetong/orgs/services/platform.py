"""What only the platform admin does: review companies, communities and merchants, grant
modules, set up housing bureaus and their officials."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.masking import mask_phone
from wuyetong.core.validators import is_mobile

from ..choices import ApprovalStatus, OpAction, OrgKind
from ..models import Bureau, BureauMember, City, Community, Company, District, Employee, Merchant
from ..permissions import MODULE_LABELS, ROLE_TEMPLATES
from .oplog import diff, oplog_record, refuse_duplicates, snapshot
from .staff import employee_assign_roles, employee_create, role_create_from_template
from .structure import org_unit_create


def _review(obj, *, approve: bool, reason: str) -> dict:
    if approve and obj.status == ApprovalStatus.APPROVED:
        raise ApplicationError(_("已审核通过，无需重复操作"), code="already_approved")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ApplicationError(_("驳回时必须填写原因"), field="reason")
    if len(reason) > 200:
        raise ApplicationError(_("原因不能超过200个字"), field="reason")
    before = snapshot(obj)
    obj.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    obj.reject_reason = "" if approve else reason
    return before


def _clean_modules(modules: list[str]) -> list[str]:
    unknown = [m for m in modules if m not in MODULE_LABELS]
    if unknown:
        raise ApplicationError(
            _("未知模块：%(codes)s") % {"codes": ", ".join(unknown)}, field="modules"
        )
    return sorted(set(modules))


@transaction.atomic
def company_review(
    *, actor, company: Company, approve: bool, reason: str = "", modules: list[str] | None = None
) -> Company:
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = _review(company, approve=approve, reason=reason)
    if approve and modules is not None:
        company.modules = _clean_modules(modules)
    company.save()
    oplog_record(
        actor=actor,
        action=OpAction.APPROVE if approve else OpAction.REJECT,
        obj=company,
        changes=diff(before, snapshot(company)),
        note=reason,
    )
    return company


@transaction.atomic
def company_grant_modules(*, actor, company: Company, modules: list[str]) -> Company:
    """Modules the company may use; roles keep their settings but lose what is not granted."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = snapshot(company)
    company.modules = _clean_modules(modules)
    company.save(update_fields=["modules", "updated_at"])
    changes = diff(before, snapshot(company))
    if changes:
        oplog_record(actor=actor, action=OpAction.GRANT, obj=company, changes=changes)
    return company


@transaction.atomic
def community_review(*, actor, community: Community, approve: bool, reason: str = "") -> Community:
    community = Community.objects.select_for_update().get(pk=community.pk)
    before = _review(community, approve=approve, reason=reason)
    community.save()
    oplog_record(
        actor=actor,
        action=OpAction.APPROVE if approve else OpAction.REJECT,
        obj=community,
        changes=diff(before, snapshot(community)),
        note=reason,
    )
    return community


@transaction.atomic
def merchant_review(*, actor, merchant: Merchant, approve: bool, reason: str = "") -> Merchant:
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    before = _review(merchant, approve=approve, reason=reason)
    merchant.is_active = approve
    merchant.save()
    oplog_record(
        actor=actor,
        action=OpAction.APPROVE if approve else OpAction.REJECT,
        obj=merchant,
        changes=diff(before, snapshot(merchant)),
        note=reason,
    )
    return merchant


@transaction.atomic
def bureau_create(*, actor, name: str, city: City, district: District | None = None) -> Bureau:
    """A city bureau (no district) oversees the whole city; a district bureau its district.
    It starts inactive until the platform admin opens it."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("请填写部门名称"), field="name")
    if len(name) > 100:
        raise ApplicationError(_("部门名称不能超过100个字"), field="name")
    if city is None:
        raise ApplicationError(_("请选择城市"), field="city")
    if district is not None and district.city_id != city.pk:
        raise ApplicationError(_("所选区县不属于该城市"), field="district")
    if Bureau.objects.filter(name=name).exists():
        raise ApplicationError(_("已有同名房管部门"), field="name")
    with refuse_duplicates(_("已有同名房管部门"), "name"):
        bureau = Bureau.objects.create(name=name, city=city, district=district, is_active=False)
    oplog_record(actor=actor, action=OpAction.CREATE, obj=bureau, changes=snapshot(bureau))
    return bureau


@transaction.atomic
def bureau_member_add(
    *, actor, bureau: Bureau, phone: str, name: str = "", title: str = ""
) -> BureauMember:
    phone, name, title = (phone or "").strip(), (name or "").strip(), (title or "").strip()
    if not is_mobile(phone):
        raise ApplicationError(_("请输入正确的11位手机号码"), field="phone")
    if len(title) > 50:
        raise ApplicationError(_("职务不能超过50个字"), field="title")
    user_model = get_user_model()
    user = user_model.objects.filter(phone=phone).first()
    if user is None:
        if not name:
            raise ApplicationError(_("新用户请填写姓名"), field="name")
        user = user_model.objects.create_user(phone=phone, password=None, name=name)
    else:
        if Employee.objects.filter(user=user, is_active=True).exists():
            raise ApplicationError(_("该手机号是物业公司在职员工，不能加入房管部门"), field="phone")
        if BureauMember.objects.filter(user=user).exists():
            raise ApplicationError(_("该手机号已是房管部门人员"), field="phone")
    with refuse_duplicates(_("该手机号已是房管部门人员"), "phone"):
        member = BureauMember.objects.create(bureau=bureau, user=user, title=title)
    oplog_record(
        actor=actor,
        action=OpAction.GRANT,
        obj=bureau,
        changes={"members": [None, f"{user.name or ''} {mask_phone(phone)} {title}".strip()]},
    )
    return member


@transaction.atomic
def bureau_set_active(*, actor, bureau: Bureau, active: bool) -> Bureau:
    if bureau.is_active == active:
        return bureau
    before = snapshot(bureau)
    bureau.is_active = active
    bureau.save(update_fields=["is_active", "updated_at"])
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=bureau,
        changes=diff(before, snapshot(bureau)),
        note=_("开通") if active else _("停用"),
    )
    return bureau


@transaction.atomic
def company_admin_add(*, actor, company: Company, phone: str, name: str) -> Employee:
    """The platform appoints a company's first (or another) 总部管理员: an employee at the
    head office holding the company's 总部管理员 role, both made when missing."""
    hq = company.org_units.filter(kind=OrgKind.HQ).first()
    if hq is None:
        hq = org_unit_create(
            actor=actor,
            company=company,
            kind=OrgKind.HQ,
            name=_("%(company)s总部") % {"company": company.short_name or company.name},
        )
    template_name = str(ROLE_TEMPLATES["hq_admin"]["name"])
    role = company.roles.filter(template="hq_admin").order_by("pk").first()
    if role is None:
        if company.roles.filter(name=template_name).exists():
            raise ApplicationError(
                _("已有名为「%(name)s」的自定义角色，请先改名") % {"name": template_name},
                field="phone",
            )
        role = role_create_from_template(actor=actor, company=company, template="hq_admin")
    number = 1
    while company.employees.filter(employee_no=f"ADMIN{number:02d}").exists():
        number += 1
    employee = employee_create(
        actor=actor,
        company=company,
        phone=phone,
        name=name,
        org_unit=hq,
        employee_no=f"ADMIN{number:02d}",
    )
    employee_assign_roles(actor=actor, employee=employee, roles=[role])
    return employee
