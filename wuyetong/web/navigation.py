"""The console menu: each entry shows only when the user's access allows it (C1)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import Access


@dataclass(frozen=True)
class NavItem:
    label: str | Promise  # gettext_lazy: translated when the menu is built
    url_name: str
    permission: str = ""  # "" = any member of the persona
    persona: str = "staff"  # staff / platform / bureau / merchant


NAV: list[tuple[str | Promise, list[NavItem]]] = [
    (
        _("平台管理"),
        [
            NavItem(_("平台总览"), "web:dashboard", persona="platform"),
            NavItem(_("物业公司"), "orgs:platform_company_list", persona="platform"),
            NavItem(_("小区审核"), "orgs:platform_community_list", persona="platform"),
            NavItem(_("商户审核"), "orgs:platform_merchant_list", persona="platform"),
            NavItem(_("房管部门"), "orgs:platform_bureau_list", persona="platform"),
            NavItem(_("操作日志"), "orgs:oplog_list", persona="platform"),
        ],
    ),
    (
        _("监管"),
        [
            NavItem(_("监管总览"), "web:dashboard", persona="bureau"),
            NavItem(_("工单监管"), "oversight:bureau_dashboard", persona="bureau"),
            NavItem(_("督办工单"), "oversight:bureau_queue", persona="bureau"),
            NavItem(_("辖区小区"), "orgs:bureau_community_list", persona="bureau"),
            NavItem(_("业委会"), "oversight:bureau_committee_list", persona="bureau"),
            NavItem(_("业主表决"), "community:bureau_vote_list", persona="bureau"),
            NavItem(_("政策与公告"), "notices:notice_list", persona="bureau"),
        ],
    ),
    (
        _("商户"),
        [
            NavItem(_("商户主页"), "web:dashboard", persona="merchant"),
        ],
    ),
    (
        _("工作台"),
        [
            NavItem(_("工作台"), "web:dashboard"),
        ],
    ),
    (
        _("客服工单"),
        [
            NavItem(_("工单列表"), "servicedesk:case_list", "servicedesk.view"),
            NavItem(_("我的任务(手机版)"), "servicedesk:m_tasks", "servicedesk.change"),
            NavItem(_("工单类型"), "servicedesk:config_types", "servicedesk.view"),
            NavItem(_("时效规则"), "servicedesk:config_sla", "servicedesk.view"),
            NavItem(_("维修人员与值班"), "servicedesk:config_workers", "servicedesk.view"),
            NavItem(_("工单设置"), "servicedesk:config_settings", "servicedesk.view"),
        ],
    ),
    (
        _("统计分析"),
        [
            NavItem(_("工单统计"), "oversight:company_dashboard", "servicedesk.view"),
        ],
    ),
    (
        _("资源管理"),
        [
            NavItem(_("小区"), "estates:community_list", "estates.view"),
            NavItem(_("楼栋单元"), "estates:building_list", "estates.view"),
            NavItem(_("房屋"), "estates:house_list", "estates.view"),
            NavItem(_("商铺"), "estates:shop_list", "estates.view"),
            NavItem(_("车场"), "estates:lot_list", "estates.view"),
            NavItem(_("车位"), "estates:space_list", "estates.view"),
            NavItem(_("车辆"), "estates:vehicle_list", "estates.view"),
            NavItem(_("场地"), "estates:venue_list", "estates.view"),
            NavItem(_("广告位"), "estates:adspace_list", "estates.view"),
            NavItem(_("批量导入"), "estates:import", "estates.add"),
            NavItem(_("资源统计"), "estates:resource_report", "estates.view"),
        ],
    ),
    (
        _("住户"),
        [
            NavItem(_("住户档案"), "estates:resident_list", "residents.view"),
            NavItem(_("业主认证"), "estates:binding_list", "bindings.view"),
        ],
    ),
    (
        _("财务管理"),
        [
            NavItem(_("收费项目"), "billing:fee_item_list", "billing.view"),
            NavItem(_("收费标准"), "billing:standard_list", "billing.view"),
            NavItem(_("计费对象"), "billing:assignment_list", "billing.view"),
            NavItem(_("生成账单"), "billing:run_new", "billing.add"),
            NavItem(_("账单批次"), "billing:run_list", "billing.view"),
            NavItem(_("账单查询"), "billing:bill_list", "billing.view"),
            NavItem(_("抄表录入"), "billing:reading_grid", "billing.add"),
            NavItem(_("抄表读数"), "billing:reading_list", "billing.view"),
            NavItem(_("公摊"), "billing:shared_list", "billing.view"),
            NavItem(_("欠费催缴"), "billing:arrears", "billing.view"),
            NavItem(_("催缴记录"), "billing:dunning_list", "billing.view"),
            NavItem(_("财务报表"), "billing:reports", "billing.view"),
            NavItem(_("收费设置"), "billing:settings_index", "billing.change"),
            NavItem(_("收银台"), "billing:desk", "billing.add"),
            NavItem(_("收款记录"), "billing:receipt_list", "billing.view"),
            NavItem(_("日结"), "billing:daily_close", "billing.add"),
            NavItem(_("退款审批"), "billing:refund_list", "billing.view"),
            NavItem(_("发票申请"), "billing:invoice_list", "billing.view"),
            NavItem(_("预存与押金"), "billing:balance_list", "billing.view"),
            NavItem(_("在线支付"), "billing:order_list", "billing.view"),
            NavItem(_("滞纳金规则"), "billing:latefee_rules", "billing.view"),
            NavItem(_("优惠规则"), "billing:discount_list", "billing.view"),
            NavItem(_("空置优惠"), "billing:relief_list", "billing.view"),
        ],
    ),
    (
        _("通知公告"),
        [
            NavItem(_("通知公告"), "notices:notice_list", "notices.view"),
        ],
    ),
    (
        _("客户关系"),
        [
            NavItem(_("投票表决"), "community:vote_list", "community.view"),
            NavItem(_("问卷调查"), "community:survey_list", "community.view"),
            NavItem(_("社区活动"), "community:activity_list", "community.view"),
            NavItem(_("邻里互助"), "community:help_list", "community.view"),
            NavItem(_("业委会"), "community:committee_list", "community.view"),
            NavItem(_("一键救助"), "community:emergency_list", "community.view"),
        ],
    ),
    (
        _("组织权限"),
        [
            NavItem(_("组织架构"), "orgs:orgunit_list", "org.view"),
            NavItem(_("员工"), "orgs:employee_list", "org.view"),
            NavItem(_("角色"), "orgs:role_list", "roles.view"),
            NavItem(_("操作日志"), "orgs:oplog_list", "oplog.view"),
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
                    "label": str(item.label),
                    "url": url,
                    "active": (url != "/" and current_path.startswith(url)) or url == current_path,
                }
            )
        if entries:
            menu.append({"title": str(title), "items": entries})
    return menu
