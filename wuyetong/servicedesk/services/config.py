"""Company configuration of the service desk: the case type tree, SLA rules and the duty cards
of repair workers. Types and rules are company-wide, so only a whole-company role with the
service desk's approve permission (总部管理员) changes them; every change is in the
operation log."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Company, Employee
from wuyetong.orgs.services import diff, oplog_record, snapshot

from ..choices import CaseKind, Urgency
from ..models import CaseType, CaseWorker, SlaRule
from ._common import clean_text, is_id

MAX_TYPE_DEPTH = 3


def _config_company(actor) -> int:
    """The actor's company id, if the actor may change company-wide configuration."""
    access = get_access(actor)
    if access.company_id is None:
        raise NotFound(_("对象不存在"))
    if not access.can("servicedesk.approve") or access.org_unit_ids is not None:
        raise PermissionDenied(_("只有总部管理员可以修改工单类型和时效规则"))
    return access.company_id


def _type_for(company_id: int, case_type_id: int | None, *, field: str) -> CaseType | None:
    if case_type_id is None:
        return None
    if not is_id(case_type_id):
        raise ApplicationError(_("请选择有效的类型"), field=field)
    found = CaseType.objects.filter(pk=case_type_id, company_id=company_id).first()
    if found is None:
        raise ApplicationError(_("请选择有效的类型"), field=field)
    return found


def _depth(node: CaseType | None) -> int:
    depth = 0
    while node is not None:
        depth += 1
        node = node.parent
    return depth


@transaction.atomic
def case_type_create(
    *, actor, kind: str, name: str, parent_id: int | None = None, sort: int = 0
) -> CaseType:
    """Add a node to the company's repair or complaint type tree (at most three levels)."""
    company_id = _config_company(actor)
    if kind not in CaseKind.values:
        raise ApplicationError(_("请选择报修或投诉"), field="kind")
    name = clean_text(name, field="name", label=_("类型名称"), max_length=50, required=True)
    parent = _type_for(company_id, parent_id, field="parent")
    if parent is not None and parent.kind != kind:
        raise ApplicationError(_("上级类型的类别不一致"), field="parent")
    if _depth(parent) >= MAX_TYPE_DEPTH:
        raise ApplicationError(_("类型最多%(n)s级") % {"n": MAX_TYPE_DEPTH}, field="parent")
    if CaseType.objects.filter(company_id=company_id, kind=kind, parent=parent, name=name).exists():
        raise ApplicationError(_("同一级下已有同名类型"), field="name", code="duplicate")
    try:
        with transaction.atomic():
            node = CaseType.objects.create(
                company_id=company_id,
                kind=kind,
                parent=parent,
                name=name,
                sort=max(int(sort), 0),
            )
    except IntegrityError:
        raise ApplicationError(_("同一级下已有同名类型"), field="name", code="duplicate") from None
    oplog_record(actor=actor, action=OpAction.CREATE, obj=node, changes=snapshot(node))
    return node


@transaction.atomic
def case_type_update(
    *,
    actor,
    case_type_id: int,
    name: str | None = None,
    sort: int | None = None,
    is_active: bool | None = None,
) -> CaseType:
    """Rename, reorder or (de)activate a type. Types are never deleted: cases refer to them."""
    company_id = _config_company(actor)
    if not is_id(case_type_id):
        raise NotFound(_("类型不存在"))
    node = (
        CaseType.objects.select_for_update().filter(pk=case_type_id, company_id=company_id).first()
    )
    if node is None:
        raise NotFound(_("类型不存在"))
    before = snapshot(node)
    if name is not None:
        node.name = clean_text(
            name, field="name", label=_("类型名称"), max_length=50, required=True
        )
        clash = CaseType.objects.filter(
            company_id=node.company_id, kind=node.kind, parent_id=node.parent_id, name=node.name
        ).exclude(pk=node.pk)
        if clash.exists():
            raise ApplicationError(_("同一级下已有同名类型"), field="name", code="duplicate")
    if sort is not None:
        node.sort = max(int(sort), 0)
    if is_active is not None:
        node.is_active = bool(is_active)
    node.save()
    changes = diff(before, snapshot(node))
    if changes:
        oplog_record(actor=actor, action=OpAction.UPDATE, obj=node, changes=changes)
    return node


@transaction.atomic
def sla_rule_save(
    *,
    actor,
    kind: str,
    urgency: str,
    response_minutes: int,
    resolution_minutes: int,
    case_type_id: int | None = None,
    warn_before_minutes: int = 0,
    bureau_on_breach: bool = False,
    bureau_on_bad_rating: bool = False,
) -> SlaRule:
    """Create or replace the rule for a type (or the kind's default) at one urgency. Open
    cases keep the deadlines they were given."""
    company_id = _config_company(actor)
    if kind not in CaseKind.values:
        raise ApplicationError(_("请选择报修或投诉"), field="kind")
    if urgency not in Urgency.values:
        raise ApplicationError(_("请选择紧急程度"), field="urgency")
    case_type = _type_for(company_id, case_type_id, field="case_type")
    if case_type is not None and case_type.kind != kind:
        raise ApplicationError(_("类型的类别不一致"), field="case_type")
    minutes = {}
    for field, value in (
        ("response_minutes", response_minutes),
        ("resolution_minutes", resolution_minutes),
        ("warn_before_minutes", warn_before_minutes),
    ):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ApplicationError(_("请输入分钟数"), field=field) from None
        if number < (0 if field == "warn_before_minutes" else 1) or number > 525600:
            raise ApplicationError(_("分钟数须在1到525600之间"), field=field)
        minutes[field] = number
    if minutes["resolution_minutes"] < minutes["response_minutes"]:
        raise ApplicationError(_("解决时限不能短于响应时限"), field="resolution_minutes")
    if minutes["warn_before_minutes"] >= minutes["response_minutes"]:
        raise ApplicationError(_("提前预警须短于响应时限"), field="warn_before_minutes")
    rule = (
        SlaRule.objects.select_for_update()
        .filter(
            company_id=company_id,
            kind=kind,
            urgency=urgency,
            case_type=case_type,
        )
        .first()
    )
    before = snapshot(rule) if rule else None
    if rule is None:
        rule = SlaRule(company_id=company_id, kind=kind, urgency=urgency, case_type=case_type)
    for field, number in minutes.items():
        setattr(rule, field, number)
    rule.bureau_on_breach = bool(bureau_on_breach)
    rule.bureau_on_bad_rating = bool(bureau_on_bad_rating)
    rule.save()
    if before is None:
        oplog_record(actor=actor, action=OpAction.CREATE, obj=rule, changes=snapshot(rule))
    elif changes := diff(before, snapshot(rule)):
        oplog_record(actor=actor, action=OpAction.UPDATE, obj=rule, changes=changes)
    return rule


@transaction.atomic
def case_worker_save(
    *, actor, employee_id: int, case_type_ids: Iterable[int], on_duty: bool = True
) -> CaseWorker:
    """The desk sets which types a worker of its scope handles (for round-robin dispatch)."""
    access = get_access(actor)
    if not access.can("servicedesk.add"):
        raise PermissionDenied(_("没有权限设置维修人员"))
    if not is_id(employee_id):
        raise ApplicationError(_("请选择本项目的在职员工"), field="employee")
    employee = (
        Employee.objects.for_access(access, "").filter(pk=employee_id, is_active=True).first()
    )
    if employee is None:
        raise ApplicationError(_("请选择本项目的在职员工"), field="employee")
    ids = set(case_type_ids)
    if not all(is_id(i) for i in ids):
        raise ApplicationError(_("请选择有效的类型"), field="case_types")
    types = list(CaseType.objects.filter(company_id=employee.company_id, pk__in=ids))
    if len(types) != len(ids):
        raise ApplicationError(_("请选择有效的类型"), field="case_types")
    card, created = CaseWorker.objects.get_or_create(
        employee=employee, defaults={"company_id": employee.company_id, "on_duty": on_duty}
    )
    if not created:
        card.on_duty = bool(on_duty)
        card.save(update_fields=["on_duty", "updated_at"])
    card.case_types.set(types)
    oplog_record(
        actor=actor,
        action=OpAction.CREATE if created else OpAction.UPDATE,
        obj=card,
        changes={"case_types": sorted(t.name for t in types), "on_duty": card.on_duty},
    )
    return card


@transaction.atomic
def case_worker_set_duty(*, actor, on_duty: bool) -> CaseWorker:
    """A worker clocks on or off duty for round-robin dispatch (上班 / 下班)."""
    access = get_access(actor)
    card = (
        CaseWorker.objects.select_for_update().filter(employee_id=access.employee_id).first()
        if access.employee_id
        else None
    )
    if card is None:
        raise ApplicationError(_("您还不是维修人员，请联系客服设置"), code="not_worker")
    card.on_duty = bool(on_duty)
    card.save(update_fields=["on_duty", "updated_at"])
    return card


# Company settings of the service desk read by the return-visit scan (scans.py).
SETTING_BOUNDS = {"return_visit_days": (1, 30), "auto_close_days": (0, 30)}


@transaction.atomic
def company_settings_save(*, actor, return_visit_days: int, auto_close_days: int) -> dict:
    """Days after completion before an unrated case gets a system return visit, and days
    after rating or the visit before it closes by itself."""
    company_id = _config_company(actor)
    company = Company.objects.select_for_update().get(pk=company_id)
    values = {}
    for field, value in (
        ("return_visit_days", return_visit_days),
        ("auto_close_days", auto_close_days),
    ):
        low, high = SETTING_BOUNDS[field]
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ApplicationError(_("请输入天数"), field=field) from None
        if not low <= number <= high:
            raise ApplicationError(
                _("天数须在%(low)s到%(high)s之间") % {"low": low, "high": high}, field=field
            )
        values[field] = number
    settings = dict(company.settings or {})
    before = dict(settings.get("servicedesk") or {})
    settings["servicedesk"] = {**before, **values}
    company.settings = settings
    company.save(update_fields=["settings", "updated_at"])
    if before != settings["servicedesk"]:
        oplog_record(
            actor=actor,
            action=OpAction.UPDATE,
            obj=company,
            changes={"servicedesk": [before, settings["servicedesk"]]},
        )
    return settings["servicedesk"]


DEFAULT_TYPES: dict[str, list[tuple[str, list[str]]]] = {
    CaseKind.REPAIR: [
        ("水电", ["给排水", "电路照明"]),
        ("门窗", ["门锁", "窗户"]),
        ("公共设施", ["路灯", "健身器材", "门禁"]),
        ("电梯", []),
        ("房屋结构", ["渗漏", "墙面开裂"]),
    ],
    CaseKind.COMPLAINT: [
        ("服务态度", []),
        ("环境卫生", []),
        ("噪音扰民", []),
        ("安全秩序", []),
        ("收费问题", []),
    ],
}
# (kind, urgency) -> response, resolution, warn-before minutes.
DEFAULT_SLA = {
    (CaseKind.REPAIR, Urgency.NORMAL): (30, 24 * 60, 10),
    (CaseKind.REPAIR, Urgency.URGENT): (15, 4 * 60, 5),
    (CaseKind.COMPLAINT, Urgency.NORMAL): (60, 3 * 24 * 60, 30),
    (CaseKind.COMPLAINT, Urgency.URGENT): (30, 24 * 60, 10),
}


@transaction.atomic
def case_type_defaults_create(*, company_id: int) -> list[CaseType]:
    """A new company's starting type tree and default SLA rules (system action, e.g. when the
    platform approves a company). Running it again adds nothing."""
    created = []
    for kind, roots in DEFAULT_TYPES.items():
        for sort, (root_name, children) in enumerate(roots, start=1):
            root, made = CaseType.objects.get_or_create(
                company_id=company_id,
                kind=kind,
                parent=None,
                name=root_name,
                defaults={"sort": sort},
            )
            created += [root] if made else []
            for child_sort, child in enumerate(children, start=1):
                node, made = CaseType.objects.get_or_create(
                    company_id=company_id,
                    kind=kind,
                    parent=root,
                    name=child,
                    defaults={"sort": child_sort},
                )
                created += [node] if made else []
    for (kind, urgency), (response, resolution, warn) in DEFAULT_SLA.items():
        SlaRule.objects.get_or_create(
            company_id=company_id,
            kind=kind,
            urgency=urgency,
            case_type=None,
            defaults={
                "response_minutes": response,
                "resolution_minutes": resolution,
                "warn_before_minutes": warn,
                "bureau_on_breach": kind == CaseKind.COMPLAINT,
                "bureau_on_bad_rating": True,
            },
        )
    return created
