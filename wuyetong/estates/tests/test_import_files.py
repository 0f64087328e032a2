"""File-level checks of the .xlsx import: type, size, corruption, headers, template."""

from __future__ import annotations

import io

import pytest

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.services import imports as svc

from .import_helpers import (
    GOOD_STRUCTURE_ROWS,
    owners_file,
    structure_file,
    upload,
    xlsx_bytes,
)


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.WUYETONG_IMPORT_DIR = str(tmp_path)
    return tmp_path


@pytest.fixture
def pm(world):
    return world.staff("project_manager")


def preview(actor, community, kind, data, name="f.xlsx"):
    return svc.estate_import_preview(
        actor=actor, community_id=community.pk, kind=kind, upload=upload(data, name)
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.xls", b"\xd0\xcf\x11\xe0whatever", "只支持 .xlsx"),
        ("a.xlsx", b"not a zip at all", "不是有效的 .xlsx"),
        ("a.xlsx", b"PK\x03\x04" + b"\0" * 100, "不是有效的 .xlsx"),
        ("a.xlsx", b"", "文件是空的"),
        ("a.csv", b"a,b", "只支持 .xlsx"),
    ],
)
def test_unreadable_files_get_a_clear_message(world, pm, name, data, message):
    with pytest.raises(ApplicationError, match=message) as info:
        preview(pm, world.community_a1, "structure", data, name=name)
    assert info.value.field == "file"


def test_corrupt_zip_that_is_not_a_workbook(world, pm):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ApplicationError, match="无法读取"):
        preview(pm, world.community_a1, "structure", buffer.getvalue())


def test_wrong_headers_and_wrong_kind_are_explained(world, pm):
    with pytest.raises(ApplicationError, match="缺少必填列：楼栋、单元、房号、建筑面积"):
        preview(pm, world.community_a1, "structure", xlsx_bytes(["a", "b"], [[1, 2]]))
    owners = owners_file(
        [["1幢", "1单元", "102", "张三", "业主", "13811110005", None, None, None, None]]
    )
    with pytest.raises(ApplicationError, match="「住户」导入文件"):
        preview(pm, world.community_a1, "structure", owners)


def test_too_big_and_too_many_rows(world, pm, monkeypatch):
    monkeypatch.setattr(svc, "MAX_ROWS", 3)
    rows = [
        ["9幢", "1单元", str(100 + i), 1, None, 90, None, None, None, None, None] for i in range(5)
    ]
    with pytest.raises(ApplicationError, match="超过 3 行"):
        preview(pm, world.community_a1, "structure", structure_file(rows))
    monkeypatch.setattr(svc, "MAX_BYTES", 100)
    with pytest.raises(ApplicationError, match="文件过大"):
        preview(pm, world.community_a1, "structure", structure_file(rows))


def test_template_example_row_is_skipped_and_headers_parse(world, pm):
    _, data = svc.estate_import_template("structure")
    with pytest.raises(ApplicationError, match="没有可导入的数据行"):
        preview(pm, world.community_a1, "structure", data)
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["房屋导入", "填写说明"]
    ws = wb["房屋导入"]
    assert ws["A1"].value == "楼栋*" and ws["I1"].value == "房屋状态"
    assert any("未售" in dv.formula1 for dv in ws.data_validations.dataValidation)
    ws.append(["20幢", "1单元", "101", 1, "住宅", 90, None, None, "入住", None, None])
    buffer = io.BytesIO()
    wb.save(buffer)
    p = preview(pm, world.community_a1, "structure", buffer.getvalue())
    assert p.counts == {"buildings": 1, "units": 1, "houses": 1}


def test_a_wrong_declared_sheet_size_does_not_drop_rows(world, pm):
    import re
    import zipfile

    rows = [
        ["9幢", "1单元", str(100 + i), 1, None, 90, None, None, None, None, None] for i in range(5)
    ]
    source, target = io.BytesIO(structure_file(rows)), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', content)
            zout.writestr(item, content)
    assert preview(pm, world.community_a1, "structure", target.getvalue()).counts["houses"] == 5


def test_zip_bomb_is_refused_before_parsing(world, pm, monkeypatch):
    from wuyetong.estates.services import import_sheets

    monkeypatch.setattr(import_sheets, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ApplicationError, match="文件内容过大"):
        preview(pm, world.community_a1, "structure", structure_file(GOOD_STRUCTURE_ROWS))
