"""The permission catalogue: modules × actions, and the built-in role templates (C1)."""

from __future__ import annotations

from wuyetong.core.access import ACTIONS

from .choices import DataScope

# (code, label); a company is granted a subset of these by the platform admin.
MODULES: list[tuple[str, str]] = [
    ("org", "组织与员工"),
    ("roles", "角色权限"),
    ("estates", "资源管理"),
    ("residents", "住户管理"),
    ("bindings", "业主认证"),
    ("billing", "财务管理"),
    ("servicedesk", "工单管理"),
    ("notices", "通知公告"),
    ("community", "客户关系"),
    ("operations", "运营管理"),
    ("backoffice", "后勤办公"),
    ("reports", "统计报表"),
    ("oplog", "操作日志"),
]
MODULE_LABELS = dict(MODULES)
ACTION_LABELS = {
    "view": "查看",
    "add": "新增",
    "change": "修改",
    "delete": "删除",
    "approve": "审核",
    "export": "导出",
}
# Extra fine-grained permissions outside the module × action grid.
EXTRA_PERMISSIONS = {
    "residents.view_sensitive": "查看完整手机号和身份证号",
}
DEFAULT_COMPANY_MODULES = [code for code, _ in MODULES]


def all_permissions(modules: list[str] | None = None) -> list[str]:
    modules = modules if modules is not None else [m for m, _ in MODULES]
    perms = [f"{m}.{a}" for m in modules for a in ACTIONS]
    perms += [p for p in EXTRA_PERMISSIONS if p.split(".")[0] in modules]
    return perms


def permission_label(code: str) -> str:
    if code in EXTRA_PERMISSIONS:
        return EXTRA_PERMISSIONS[code]
    module, action = code.split(".", 1)
    return f"{MODULE_LABELS.get(module, module)}·{ACTION_LABELS.get(action, action)}"


def _grid(spec: dict[str, str]) -> list[str]:
    """spec maps module -> action letters: v a c d p(approve) e(export)."""
    letters = {"v": "view", "a": "add", "c": "change", "d": "delete", "p": "approve", "e": "export"}
    return [f"{m}.{letters[ch]}" for m, acts in spec.items() for ch in acts]


ROLE_TEMPLATES: dict[str, dict] = {
    "hq_admin": {
        "name": "总部管理员",
        "scope": DataScope.COMPANY,
        "permissions": all_permissions(),
    },
    "project_manager": {
        "name": "项目经理",
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
        "name": "客服",
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
        "name": "收费员",
        "scope": DataScope.PROJECT,
        "permissions": _grid({"estates": "v", "residents": "v", "billing": "vac"}),
    },
    "repair_worker": {
        "name": "维修工",
        "scope": DataScope.PROJECT,
        "permissions": _grid({"estates": "v", "servicedesk": "vc"}),
    },
    "security_guard": {
        "name": "保安",
        "scope": DataScope.PROJECT,
        "permissions": _grid({"estates": "v", "operations": "vc"}),
    },
    "cleaner": {
        "name": "保洁",
        "scope": DataScope.PROJECT,
        "permissions": _grid({"operations": "vc"}),
    },
    "finance": {
        "name": "财务",
        "scope": DataScope.SUBTREE,
        "permissions": _grid(
            {"estates": "v", "residents": "v", "billing": "vacpe", "reports": "ve"}
        ),
    },
}
