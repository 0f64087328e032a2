"""The console menu: each entry shows only when the user's access allows it (C1)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from wuyetong.core.access import Access


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str = ""  # "" = any member of the persona
    persona: str = "staff"  # staff / platform / bureau / merchant


NAV: list[tuple[str, list[NavItem]]] = [
    (
        "平台管理",
        [
            NavItem("平台总览", "web:dashboard", persona="platform"),
            NavItem("物业公司", "orgs:platform_company_list", persona="platform"),
            NavItem("小区审核", "orgs:platform_community_list", persona="platform"),
            NavItem("商户审核", "orgs:platform_merchant_list", persona="platform"),
            NavItem("房管部门", "orgs:platform_bureau_list", persona="platform"),
            NavItem("操作日志", "orgs:oplog_list", persona="platform"),
        ],
    ),
    (
        "监管",
        [
            NavItem("监管总览", "web:dashboard", persona="bureau"),
            NavItem("辖区小区", "orgs:bureau_community_list", persona="bureau"),
        ],
    ),
    (
        "商户",
        [
            NavItem("商户主页", "web:dashboard", persona="merchant"),
        ],
    ),
    (
        "工作台",
        [
            NavItem("工作台", "web:dashboard"),
        ],
    ),
    (
        "资源管理",
        [
            NavItem("小区", "estates:community_list", "estates.view"),
            NavItem("楼栋单元", "estates:building_list", "estates.view"),
            NavItem("房屋", "estates:house_list", "estates.view"),
            NavItem("商铺", "estates:shop_list", "estates.view"),
            NavItem("车场", "estates:lot_list", "estates.view"),
            NavItem("车位", "estates:space_list", "estates.view"),
            NavItem("车辆", "estates:vehicle_list", "estates.view"),
            NavItem("场地", "estates:venue_list", "estates.view"),
            NavItem("广告位", "estates:adspace_list", "estates.view"),
            NavItem("批量导入", "estates:import", "estates.add"),
            NavItem("资源统计", "estates:resource_report", "estates.view"),
        ],
    ),
    (
        "住户",
        [
            NavItem("住户档案", "estates:resident_list", "residents.view"),
            NavItem("业主认证", "estates:binding_list", "bindings.view"),
        ],
    ),
    (
        "组织权限",
        [
            NavItem("组织架构", "orgs:orgunit_list", "org.view"),
            NavItem("员工", "orgs:employee_list", "org.view"),
            NavItem("角色", "orgs:role_list", "roles.view"),
            NavItem("操作日志", "orgs:oplog_list", "oplog.view"),
        ],
    ),
]


def _visible(item: NavItem, access: Access) -> bool:
    if item.persona == "platform":
        return access.is_platform
    if access.is_platform:
        return False
    if item.persona == "bureau":
        return access.is_bureau and not access.is_staff_member
    if item.persona == "merchant":
        return access.is_merchant and not access.is_staff_member
    if not access.is_staff_member:
        return False
    return not item.permission or access.can(item.permission)


def build_menu(access: Access, current_path: str = "") -> list[dict]:
    menu = []
    for title, items in NAV:
        entries = []
        for item in items:
            if not _visible(item, access):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            entries.append(
                {
                    "label": item.label,
                    "url": url,
                    "active": (url != "/" and current_path.startswith(url)) or url == current_path,
                }
            )
        if entries:
            menu.append({"title": title, "items": entries})
    return menu
