"""A project manager filters the house list, opens a house and moves a resident in."""

from __future__ import annotations

import pytest

from wuyetong.conftest import browser_login
from wuyetong.estates.choices import HouseState
from wuyetong.estates.models import House, Occupancy


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_filters_houses_opens_one_and_moves_resident_in(world, page_for):
    target = world.houses_a1[3]
    House.objects.filter(pk=target.pk).update(state=HouseState.DELIVERED)
    page = page_for()
    browser_login(page, world.staff("project_manager").phone)

    page.goto("/estates/houses/")
    # Each select re-filters the list in place (htmx) and keeps the URL shareable.
    page.select_option("select[name=community]", str(world.community_a1.pk))
    page.wait_for_url(f"**community={world.community_a1.pk}**")
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=state]", HouseState.DELIVERED)
    page.wait_for_url("**state=delivered**")
    page.wait_for_load_state("networkidle")
    assert page.locator("#list-total").inner_text() == str(
        House.objects.filter(community=world.community_a1, state=HouseState.DELIVERED).count()
    )
    rows = page.locator("table.grid tbody tr")
    assert rows.count() >= 1
    page.screenshot(path="/tmp/estates_house_list.png", full_page=True)

    page.click(f"a[href='/estates/houses/{target.pk}/']")
    page.wait_for_load_state("networkidle")
    assert target.room_no in page.locator("h1").inner_text()

    form = page.locator("#move-in")
    form.locator("select[name=relation]").select_option("owner")
    form.locator("input[name=name]").fill("林晓")
    form.locator("input[name=phone]").fill("13812349876")
    form.locator("input[name=start_date]").fill("2024-05-01")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    assert "林晓 已入住" in page.locator(".messages").inner_text()
    assert "林晓" in page.locator("#current-residents").inner_text()
    assert "林晓" in page.locator("#occupancy-history").inner_text()
    page.screenshot(path="/tmp/estates_house_page.png", full_page=True)
    occupancy = Occupancy.objects.get(house=target, resident__phone="13812349876")
    assert occupancy.end_date is None and str(occupancy.start_date) == "2024-05-01"
