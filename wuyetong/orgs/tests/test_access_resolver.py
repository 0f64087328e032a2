"""The access resolver: personas, data scope, granted modules."""

import pytest

from wuyetong.core.access import get_access, reset_access
from wuyetong.estates.models import House
from wuyetong.orgs.models import Community, Employee

pytestmark = pytest.mark.django_db


def test_platform_admin_sees_everything(world):
    access = get_access(world.admin)
    assert access.is_platform
    assert Community.objects.for_user(world.admin).count() == 3


def test_hq_admin_sees_whole_company_only(world):
    user = world.staff("hq_admin")
    assert set(Community.objects.for_user(user)) == {world.community_a1, world.community_a2}
    assert not House.objects.for_user(user).filter(community=world.community_b1).exists()


def test_project_role_sees_only_its_project(world):
    pm = world.staff("project_manager")  # sits in project 1 → community A1 only
    assert list(Community.objects.for_user(pm)) == [world.community_a1]
    assert House.objects.for_user(pm).count() == len(world.houses_a1)


def test_subtree_role_sees_region_subtree(world):
    finance = world.staff("finance")  # sits in the region → both projects
    assert set(Community.objects.for_user(finance)) == {world.community_a1, world.community_a2}


def test_role_without_module_permission_sees_nothing(world):
    cleaner = world.staff("cleaner")  # operations only
    assert not get_access(cleaner).can("estates.view")
    assert House.objects.for_user(cleaner).count() == 0


def test_module_not_granted_to_company_removes_permission(world):
    pm = world.staff("project_manager")
    assert get_access(pm).can("estates.view")
    world.company_a.modules = [m for m in world.company_a.modules if m != "estates"]
    world.company_a.save()
    reset_access(pm)
    assert not get_access(pm).can("estates.view")
    assert House.objects.for_user(pm).count() == 0


def test_inactive_employee_has_no_staff_access(world):
    pm = world.staff("project_manager")
    Employee.objects.filter(user=pm).update(is_active=False)
    reset_access(pm)
    assert not get_access(pm).is_staff_member


def test_bureau_jurisdiction_is_its_district(world):
    access = get_access(world.bureau_official)
    assert access.is_bureau
    assert access.bureau_community_ids == {world.community_a1.pk, world.community_a2.pk}
    assert set(Community.objects.for_access(access, "")) == {world.community_a1, world.community_a2}


def test_owner_access_lists_bound_houses(world):
    access = get_access(world.owner)
    assert access.house_ids == {world.owner_house.pk}
    assert not access.is_staff_member
    assert House.objects.for_user(world.owner).count() == 0  # owners never use staff scoping


def test_merchant_access(world):
    assert get_access(world.merchant_user).merchant_ids == {world.merchant.pk}


def test_platform_admin_reads_but_never_changes_tenant_data(world):
    access = get_access(world.admin)
    assert access.can("estates.view") and access.can("bindings.export")
    assert not access.can("estates.change") and not access.can("bindings.approve")
    assert House.objects.for_user(world.admin, "view").count() > 0
    assert House.objects.for_user(world.admin, "change").count() == 0
