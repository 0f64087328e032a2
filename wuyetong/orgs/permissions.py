"""The permission catalogue: modules × actions, and the built-in role templates (C1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import ACTIONS

from .choices import DataScope

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# (code, label); a company is granted a subset of these by the platform admin.
MODULES: list[tuple[str, StrOrPromise]] = [
    ("org", _("组织与员工")),
    ("roles", _("角色权限")),
    ("estates", _("资源管理")),
    ("residents", _("住户管理")),
    ("bindings", _("业主认证")),
    ("billing", _("财务管理")),
    ("servicedesk", _("工单管理")),
    ("notices", _("通知公告")),
    ("community", _("客户关系")),
    ("operations", _("运营管理")),
    ("backoffice", _("后勤办公")),
    ("reports", _("统计报表")),
    ("oplog", _("操作日志")),
]
MODULE_LABELS = dict(MODULES)
ACTION_LABELS = {
    "view": _("查看"),
    "add": _("新增"),
    "change": _("修改"),
    "delete": _("删除"),
    "approve": _("审核"),
    "export": _("导出"),
}
# Extra fine-grained permissions outside the module × action grid.
EXTRA_PERMISSIONS = {
    "residents.view_sensitive": _("查看完整手机号和身份证号"),
}
DEFAULT_COMPANY_MODULES = [code for code, _label in MODULES]


def all_permissions(modules: list[str] | None = None) -> list[str]:
    modules = modules if modules is not None else [m for m, _label in MODULES]
    perms = [f"{m}.{a}" for m in modules for a in ACTIONS]
    perms += [p for p in EXTRA_PERMISSIONS if p.split(".")[0] in modules]
    return perms


def permission_label(code: str) -> str:
    if code in EXTRA_PERMISSIONS:
        return str(EXTRA_PERMISSIONS[code])
    module, action = code.split(".", 1)
    return f"{MODULE_LABELS.get(module, module)}·{ACTION_LABELS.get(action, action)}"


def _grid(spec: dict[str, str]) -> list[str]:
    """spec maps module -> action letters: v a c d p(approve) e(export)."""
    letters = {"v": "view", "a": "add", "c": "change", "d": "delete", "p": "approve", "e": "export"}
    return [f"{m}.{letters[ch]}" for m, acts in spec.items() for ch in acts]


ROLE_TEMPLATES: dict[str, dict] = {
    "hq_admin": {
        "name": _("总部管理员"),
        "scope": DataScope.COMPANY,
        "permissions": all_permissions(),
    },
    "project_manager": {
        "name": _("项目经理"),
        "scope": DataScope.PROJECT,
        "permissions": [
            *_grid(
                {
                    "org": "v",
                    "estates": "vacde",
                    "residents": "vacde",
                    "bindings": "vp",
                    "billing": "vpe",
                    "servicedesk": "vacpe",
                    "notices": "vacdp",
                    "community": "vacdp",
                    "operations": "vacde",
                    "reports": "ve",
                    "oplog": "v",
                }
            ),
            "residents.view_sensitive",
        ],
    },
    "customer_service": {
        "name": _("客服"),
        "scope": DataScope.PROJECT,
        "permissions": _grid(
            {
                "estates": "v",
                "residents": "vac",
                "bindings": "vp",
                "servicedesk": "vac",
                "notices": "vac",
                "community": "vac",
            }
        ),
    },
    "cashier": {
        "name": _("收费员"),
        "scope": DataScope.PROJECT,
        "permissions": _grid({"estates": "v", "residents": "v", "billing": "vac"}),
    },
    "repair_worker": {
        "name": _("维修工"),
        "scope": DataScope.PROJECT,
        "permissions": _grid({"estates": "v", "servicedesk": "vc"}),
    },
    "security_guard": {
        "name": _("保安"),
        "scope": DataScope.PROJECT,
        "permissions": _grid({"estates": "v", "operations": "vc"}),
    },
    "cleaner": {
        "name": _("保洁"),
        "scope": DataScope.PROJECT,
        "permissions": _grid({"operations": "vc"}),
    },
    "finance": {
        "name": _("财务"),
        "scope": DataScope.SUBTREE,
        "permissions": _grid(
            {"estates": "v", "residents": "v", "billing": "vacpe", "reports": "ve"}
        ),
    },
}
