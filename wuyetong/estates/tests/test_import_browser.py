"""A clerk imports houses in Chromium: a bad file shows the error table, a good one is confirmed."""

from __future__ import annotations

import os

import pytest

from wuyetong.conftest import browser_login
from wuyetong.estates.models import House

from .import_helpers import GOOD_STRUCTURE_ROWS, structure_file

SHOTS = os.environ.get("WUYETONG_SCREENSHOTS", "")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clerk_fixes_a_bad_file_and_imports_houses(world, page_for, tmp_path, settings):
    settings.WUYETONG_IMPORT_DIR = str(tmp_path / "imports")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        structure_file(
            [
                ["9幢", "1单元", "101", 1, None, "九十", None, None, "已售", None, None],
                ["1幢", "1单元", "101", 1, None, 90, None, None, None, None, None],
            ]
        )
    )
    good = tmp_path / "good.xlsx"
    good.write_bytes(structure_file(GOOD_STRUCTURE_ROWS))
    before = House.objects.count()

    page = page_for()
    browser_login(page, world.staff("project_manager").phone)
    page.goto("/estates/import/")
    page.select_option("select[name=community]", str(world.community_a1.pk))
    page.check("input[name=kind][value=structure]")
    page.set_input_files("input[name=file]", str(bad))
    page.click("button:has-text('上传并预览')")
    page.wait_for_selector("#import-errors")
    errors = page.inner_text("#import-errors")
    assert "必须是数字" in errors and "只能是：未售" in errors and "已存在" in errors
    assert "文件中有 2 行、3 处错误" in page.inner_text("#import-errors-summary")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "import-errors.png"), full_page=True)
    assert House.objects.count() == before

    page.set_input_files("input[name=file]", str(good))
    page.click("button:has-text('上传并预览')")
    page.wait_for_selector("#import-counts")
    assert "新增房屋" in page.inner_text("#import-counts")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "import-preview.png"), full_page=True)
    assert House.objects.count() == before
    page.click("button:has-text('确认导入')")
    page.wait_for_selector("#import-summary")
    assert "导入完成" in page.inner_text("h1")
    assert "6" in page.inner_text("#import-summary")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "import-result.png"), full_page=True)
    assert House.objects.count() == before + 6
