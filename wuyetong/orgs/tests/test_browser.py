"""End-to-end in Chromium: the platform admin reviews; an HQ admin makes and assigns a role."""

from __future__ import annotations

import os

import pytest

from wuyetong.conftest import browser_login
from wuyetong.orgs.choices import ApprovalStatus
from wuyetong.orgs.models import Community, Company, Employee
from wuyetong.orgs.permissions import DEFAULT_COMPANY_MODULES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("WUYETONG_SCREENSHOTS", "/tmp")


def shot(page, name):
    page.screenshot(path=f"{SHOTS}/orgs_{name}.png", full_page=True)


def test_platform_admin_rejects_a_community_and_approves_a_company(world, page_for):
    from wuyetong.demo import builders as b

    pending_community = b.community_create(
        company=world.company_a,
        project=world.a.projects[1],
        district=world.districts[0],
        name="云栖公寓",
        code="YQ01",
        approved=False,
    )
    pending_company = b.company_create(
        name="杭州新锐物业有限公司",
        short_name="新锐",
        credit_code="91330100MA2C000003",
        city=world.city,
        approved=False,
    ).company
    page = page_for()
    browser_login(page, world.admin.phone)

    page.goto("/orgs/platform/communities/?status=pending")
    shot(page, "platform_community_list")
    page.click("text=云栖公寓")
    page.click("button:has-text('驳回')")
    page.wait_for_selector("text=驳回时必须填写原因")
    assert Community.objects.get(pk=pending_community.pk).status == ApprovalStatus.PENDING
    page.fill("textarea[name=reason]", "物业服务合同未上传")
    page.click("button:has-text('驳回')")
    page.wait_for_selector(".msg:has-text('已驳回')")
    shot(page, "platform_community_detail")
    c = Community.objects.get(pk=pending_community.pk)
    assert (c.status, c.reject_reason) == (ApprovalStatus.REJECTED, "物业服务合同未上传")

    page.goto("/orgs/platform/companies/?status=pending")
    page.click("text=杭州新锐物业有限公司")
    page.click("button:has-text('审核通过')")
    page.wait_for_selector(".msg:has-text('已审核通过')")
    shot(page, "platform_company_detail")
    approved = Company.objects.get(pk=pending_company.pk)
    assert approved.status == ApprovalStatus.APPROVED
    assert approved.modules == sorted(DEFAULT_COMPANY_MODULES)  # granted with the approval

    page.goto("/orgs/platform/companies/")
    shot(page, "platform_company_list")
    page.goto("/orgs/platform/bureaus/")
    shot(page, "platform_bureau_list")

    page.goto("/orgs/oplog/")
    assert page.locator("td:has-text('云栖公寓')").count() >= 1
    shot(page, "platform_oplog")


def test_hq_admin_creates_a_role_from_a_template_and_assigns_it(world, page_for):
    cleaner = Employee.objects.get(user=world.staff("cleaner"))
    page = page_for()
    browser_login(page, world.staff("hq_admin").phone)

    page.goto("/orgs/units/")
    shot(page, "orgunit_list")
    page.goto("/orgs/roles/")
    shot(page, "role_list")
    page.select_option("select[name=template]", "customer_service")
    page.fill("#role-create input[name=name]", "夜班客服")
    page.click("#role-create button:has-text('创建')")
    page.wait_for_selector("h1:has-text('夜班客服')")
    page.click(".matrix td.toggle:has-text('通知公告')")  # row toggle: all of 通知公告 on
    assert page.is_checked("input[value='notices.delete']")
    page.uncheck("input[value='community.add']")
    page.check("input[value='servicedesk.export']")
    shot(page, "role_edit")
    page.click("button:has-text('保存权限')")
    page.wait_for_selector(".msg:has-text('权限已保存')")
    role = world.company_a.roles.get(name="夜班客服")
    assert "servicedesk.export" in role.permissions and "community.add" not in role.permissions
    assert "notices.export" in role.permissions

    page.goto("/orgs/employees/")
    shot(page, "employee_list")
    page.click(f"text={cleaner.employee_no}")
    page.check("#roles-form label:has-text('夜班客服') input")
    page.click("button:has-text('保存角色')")
    page.wait_for_selector(".msg:has-text('角色已更新')")
    shot(page, "employee_detail")
    assert set(cleaner.roles.values_list("name", flat=True)) == {"保洁", "夜班客服"}
    page.goto("/orgs/oplog/")
    assert page.locator("td.changes:has-text('夜班客服')").count() >= 1
    shot(page, "company_oplog")
