"""The .xlsx import service (C3): every bad cell reported, nothing half-saved, exact counts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from wuyetong.core.access import reset_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.demo.builders import make_id_card
from wuyetong.estates.choices import HouseState, HouseUse, Relation
from wuyetong.estates.models import Building, House, Occupancy, Resident, Unit
from wuyetong.estates.services import imports as svc
from wuyetong.orgs.models import OperationLog

from .import_helpers import (
    GOOD_STRUCTURE_ROWS,
    counts_of,
    owners_file,
    structure_file,
    upload,
)

ALL = (Building, Unit, House, Resident, Occupancy, OperationLog)


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    (tmp_path / "imports").mkdir()
    settings.WUYETONG_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def pm(world):
    return world.staff("project_manager")


def preview(actor, community, kind, data, name="f.xlsx"):
    return svc.estate_import_preview(
        actor=actor, community_id=community.pk, kind=kind, upload=upload(data, name)
    )


def run(actor, community, kind, data):
    p = preview(actor, community, kind, data)
    return p, svc.estate_import_commit(actor=actor, token=p.token)


def errors_of(exc: svc.ImportInvalid) -> set[tuple[int, str, str]]:
    return {(e.row, e.column, e.message) for e in exc.row_errors}


def test_bad_structure_file_lists_every_error_and_writes_nothing(world, pm, import_dir):
    rows = [
        [None, "1单元", "101", 1, "住宅", 90, None, None, "入住", None, None],  # row 2
        ["9幢", "1单元", "102", 1, "住宅", "abc", None, None, "入住", None, None],  # 3
        ["9幢", "1单元", "103", 1, "住宅", -5, None, None, "入住", None, None],  # 4
        ["9幢", "1单元", "104", 1, "住宅", "89.123", None, None, "入住", None, None],  # 5
        ["9幢", "1单元", "105", 1, "住宅", 90, None, None, "已售", None, None],  # 6
        ["9幢", "1单元", "106", 1, "住宅", 90, None, None, "入住", "2021-13-45", None],  # 7
        ["9幢", "1单元", "107", 1, "住宅", 90, None, None, "入住", None, None],  # 8
        ["9幢", "1单元", "107", 1, "住宅", 90, None, None, "入住", None, None],  # 9 duplicate of 8
        ["1幢", "1单元", "101", 1, "住宅", 90, None, None, "入住", None, None],  # 10 exists
        ["9幢", "1单元", "108", 1, "住宅", 90, 95, None, "入住", None, None],  # 11 inner > area
        [
            "9幢",
            "1单元",
            "109",
            "一楼",
            "别墅",
            None,
            None,
            "x",
            None,
            None,
            None,
        ],  # 12 four errors
    ]
    before = counts_of(*ALL)
    with pytest.raises(svc.ImportInvalid) as info:
        preview(pm, world.community_a1, "structure", structure_file(rows))
    found = errors_of(info.value)
    assert found == {
        (2, "楼栋", "必填，不能为空"),
        (3, "建筑面积", "必须是数字"),
        (4, "建筑面积", "不能为负数"),
        (5, "建筑面积", "最多 2 位小数"),
        (6, "房屋状态", "只能是：未售、已交房、入住、空置、装修、出租"),
        (7, "交房日期", "日期格式不正确，应为 2021-06-01"),
        (9, "房号", "与第 8 行的房屋重复"),
        (10, "房号", "房屋 1幢/1单元/101 已存在"),
        (11, "套内面积", "套内面积不能大于建筑面积"),
        (12, "楼层", "必须是整数"),
        (12, "用途", "只能是：住宅、商业、办公"),
        (12, "建筑面积", "必填，不能为空"),
        (12, "收费系数", "必须是数字"),
    }
    assert info.value.code == "import_invalid"
    assert info.value.errors["第3行/建筑面积"] == ["必须是数字"]
    assert counts_of(*ALL) == before
    assert len(list(import_dir.iterdir())) == 1, "kept only for the error report"
    with pytest.raises(ApplicationError, match="凭据无效"):  # a report token cannot commit
        svc.estate_import_commit(actor=pm, token=info.value.report_token)


def test_error_report_marks_bad_cells_in_the_clerks_file(world, pm):
    from openpyxl import load_workbook

    rows = [
        ["9幢", "1单元", "101", 1, None, "abc", None, None, "已售", None, None],
        ["9幢", "1单元", "102", 1, None, 90, None, None, None, None, None],
    ]
    with pytest.raises(svc.ImportInvalid) as info:
        preview(pm, world.community_a1, "structure", structure_file(rows), name="一期.xlsx")
    token = info.value.report_token
    with pytest.raises(ApplicationError, match="凭据无效"):
        svc.estate_import_error_report(actor=world.staff("hq_admin"), token=token)
    name, data = svc.estate_import_error_report(actor=pm, token=token)
    assert name == "一期-错误报告.xlsx"
    ws = load_workbook(io.BytesIO(data))["房屋导入"]
    assert ws["L1"].value == "错误说明"
    assert (
        ws["L2"].value
        == "建筑面积：必须是数字；房屋状态：只能是：未售、已交房、入住、空置、装修、出租"
    )
    assert ws["L3"].value is None
    assert ws["F2"].fill.fgColor.rgb.endswith("FFC7CE") and ws["I2"].fill.fgColor.rgb.endswith(
        "FFC7CE"
    )
    assert not str(ws["F3"].fill.fgColor.rgb).endswith("FFC7CE")
    # the clerk fixes the marked file and uploads it again: the extra column is ignored
    ws["F2"], ws["I2"] = 95, "入住"
    buffer = io.BytesIO()
    ws.parent.save(buffer)
    assert preview(pm, world.community_a1, "structure", buffer.getvalue()).counts["houses"] == 2


def test_good_structure_file_writes_exact_rows_and_one_log_entry(world, pm, import_dir):
    before = counts_of(*ALL)
    p, result = run(pm, world.community_a1, "structure", structure_file(GOOD_STRUCTURE_ROWS))
    assert p.counts == {"buildings": 2, "units": 4, "houses": 6}
    assert result.counts == p.counts
    b, u, h, r, o, log = counts_of(*ALL)
    assert (b, u, h, r, o, log) == (
        before[0] + 2,
        before[1] + 4,
        before[2] + 6,
        before[3],
        before[4],
        before[5] + 1,
    )
    house = House.objects.get(
        community=world.community_a1, building__name="9幢", unit__name="1单元", room_no="102"
    )
    assert house.building_area == Decimal("96.00") and house.inner_area == Decimal("75.00")
    assert house.fee_coefficient == Decimal("1.200") and house.state == HouseState.VACANT
    assert house.handover_date == dt.date(2021, 6, 2) and house.notes == "朝南" and house.floor == 1
    plain = House.objects.get(building__name="9幢", unit__name="2单元", room_no="201")
    assert plain.use == HouseUse.RESIDENTIAL and plain.state == HouseState.UNSOLD
    assert plain.fee_coefficient == Decimal("1.000") and plain.inner_area is None
    assert House.objects.get(building__name="10幢").handover_date == dt.date(2022, 1, 5)
    first = House.objects.get(building__name="9幢", unit__name="1单元", room_no="101")
    assert first.handover_date == dt.date(2021, 6, 1)  # a real date cell survives preview → confirm
    assert Building.objects.get(community=world.community_a1, name="9幢").floors == 2
    # the existing building 1幢 got a new unit, not a second building
    assert Building.objects.filter(community=world.community_a1, name="1幢").count() == 1
    assert (
        Unit.objects.filter(building__name="1幢", building__community=world.community_a1).count()
        == 2
    )
    entry = OperationLog.objects.latest("pk")
    assert entry.action == "import" and entry.actor == pm and entry.company_id == world.company_a.pk
    assert entry.changes["houses"] == 6 and entry.changes["kind"] == "structure"
    assert not any(import_dir.iterdir()), "the kept file is removed after commit"


def test_reimporting_the_same_structure_is_refused_and_writes_nothing(world, pm):
    run(pm, world.community_a1, "structure", structure_file(GOOD_STRUCTURE_ROWS))
    before = counts_of(*ALL)
    with pytest.raises(svc.ImportInvalid) as info:
        preview(pm, world.community_a1, "structure", structure_file(GOOD_STRUCTURE_ROWS))
    assert len(info.value.row_errors) == len(GOOD_STRUCTURE_ROWS)
    assert all(e.column == "房号" and e.message.endswith("已存在") for e in info.value.row_errors)
    assert counts_of(*ALL) == before


def test_commit_revalidates_against_the_database(world, pm):
    p = preview(pm, world.community_a1, "structure", structure_file(GOOD_STRUCTURE_ROWS[:1]))
    run(
        pm, world.community_a1, "structure", structure_file(GOOD_STRUCTURE_ROWS[:1])
    )  # someone else was faster
    before = counts_of(*ALL)
    with pytest.raises(svc.ImportInvalid):
        svc.estate_import_commit(actor=pm, token=p.token)
    assert counts_of(*ALL) == before


def test_a_token_works_once_and_only_for_its_user(world, pm):
    p = preview(pm, world.community_a1, "structure", structure_file(GOOD_STRUCTURE_ROWS[:1]))
    with pytest.raises(ApplicationError, match="凭据无效"):
        svc.estate_import_commit(actor=world.staff("hq_admin"), token=p.token)
    with pytest.raises(ApplicationError, match="凭据无效"):
        svc.estate_import_commit(actor=pm, token=p.token[:-2] + "xx")
    svc.estate_import_commit(actor=pm, token=p.token)
    before = counts_of(*ALL)
    with pytest.raises(ApplicationError, match="已导入或已失效"):
        svc.estate_import_commit(actor=pm, token=p.token)
    assert counts_of(*ALL) == before


def test_bad_owner_rows_are_all_reported(world, pm):
    good_id = make_id_card(7)
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    rows = [
        ["1幢", "1单元", "102", "李四", "业主", "1381234", None, None, None, None],  # 2 bad phone
        [
            "1幢",
            "1单元",
            "102",
            "李五",
            "业主",
            "13811110001",
            bad_id,
            None,
            None,
            None,
        ],  # 3 bad id
        [
            "1幢",
            "1单元",
            "102",
            "李六",
            "朋友",
            "13811110002",
            None,
            None,
            None,
            None,
        ],  # 4 relation
        [
            "9幢",
            "1单元",
            "101",
            "李七",
            "业主",
            "13811110003",
            None,
            None,
            None,
            None,
        ],  # 5 no house
        ["1幢", "1单元", "102", "李八", "租户", None, None, None, None, None],  # 6 tenant w/o phone
        [
            "1幢",
            "1单元",
            "201",
            "李九",
            "业主",
            "13811110004",
            None,
            "男",
            future,
            None,
        ],  # 7 future
        [
            "1幢",
            "1单元",
            "201",
            "李十",
            "家庭成员",
            None,
            330106198001010018,
            None,
            None,
            None,
        ],  # 8 id number
        ["1幢", "1单元", "202", "张三", "业主", "13811110005", None, None, None, None],  # 9 ok
        [
            "1幢",
            "1单元",
            "202",
            "张叁",
            "家庭成员",
            "13811110005",
            None,
            None,
            None,
            None,
        ],  # 10 same phone
        [
            "1幢",
            "1单元",
            "202",
            "王大",
            "业主",
            "13500000001",
            None,
            None,
            None,
            None,
        ],  # 11 name differs
        [
            "1幢",
            "1单元",
            "101",
            "王建国",
            "业主",
            "13500000001",
            None,
            None,
            None,
            None,
        ],  # 12 bound already
        [
            "1幢",
            "1单元",
            "202",
            "张三",
            "业主",
            "13811110005",
            None,
            None,
            None,
            None,
        ],  # 13 duplicate
        ["2幢", "1单元", "101", "张三", "业主", "13811110005", good_id, None, None, None],  # 14 ok
        [
            "2幢",
            "1单元",
            "102",
            "张三",
            "业主",
            "13811110005",
            make_id_card(8),
            None,
            None,
            None,
        ],  # 15
    ]
    before = counts_of(*ALL)
    with pytest.raises(svc.ImportInvalid) as info:
        preview(pm, world.community_a1, "owners", owners_file(rows))
    found = errors_of(info.value)
    assert (2, "手机号", "手机号应为 11 位大陆手机号码") in found
    assert (3, "身份证号", "身份证号格式或校验位不正确") in found
    assert (4, "身份", "只能是：业主、家庭成员、租户") in found
    assert (5, "房号", "房屋 9幢/1单元/101 不存在，请先导入房屋") in found
    assert (6, "手机号", "租户必须填写手机号") in found
    assert (7, "入住日期", "入住日期不能晚于今天") in found
    assert any(r == 8 and c == "身份证号" and "数字" in m for r, c, m in found)
    assert not any(r == 9 for r, _, _ in found)
    assert (10, "姓名", "与第 9 行手机号相同但姓名不同") in found
    assert (11, "姓名", "该手机号已登记为本公司住户「王**」，姓名不一致") in found
    assert (12, "姓名", "与第 11 行手机号相同但姓名不同") in found
    assert (12, "姓名", "该住户已绑定此房屋") in found
    assert (13, "姓名", "与第 9 行是同一房屋的同一住户") in found
    assert not any(r == 14 for r, _, _ in found)
    assert (15, "身份证号", "与第 14 行手机号相同但身份证号不同") in found
    assert counts_of(*ALL) == before


def test_good_owner_file_creates_residents_and_occupancies(world, pm):
    existing = Resident.objects.get(phone="13500000001", company=world.company_a)
    id_card = make_id_card(42)
    rows = [
        ["1幢", "1单元", "102", "张三", "业主", "13811110005", id_card, "男", "2021-03-01", None],
        ["1幢", "1单元", "102", "李梅", "家庭成员", None, None, "女", None, None],
        [
            "1幢",
            "1单元",
            "201",
            "张三",
            "业主",
            13811110005,
            None,
            None,
            None,
            None,
        ],  # 2nd house, same person
        ["1幢", "1单元", "201", "赵租", "租户", "13811110006", None, None, "2024-01-01", None],
        [
            "2幢",
            "1单元",
            "101",
            "王建国",
            "业主",
            "13500000001",
            None,
            None,
            None,
            None,
        ],  # known resident
    ]
    before = counts_of(*ALL)
    p, _ = run(pm, world.community_a1, "owners", owners_file(rows))
    assert p.counts == {"residents": 3, "residents_existing": 1, "occupancies": 5, "houses": 3}
    after = counts_of(*ALL)
    assert after[3] == before[3] + 3 and after[4] == before[4] + 5 and after[5] == before[5] + 1
    zhang = Resident.objects.get(company=world.company_a, phone="13811110005")
    assert zhang.name == "张三" and zhang.id_card == id_card and zhang.gender == "M"
    assert sorted(zhang.occupancies.values_list("house__room_no", flat=True)) == ["102", "201"]
    h102 = House.objects.get(community=world.community_a1, building__name="1幢", room_no="102")
    family = Occupancy.objects.get(house=h102, relation=Relation.FAMILY)
    assert family.resident.name == "李梅" and family.resident.phone == ""
    assert family.start_date == (h102.handover_date or dt.date.today())
    assert Occupancy.objects.get(house=h102, resident=zhang).start_date == dt.date(2021, 3, 1)
    tenant = Occupancy.objects.get(resident__phone="13811110006")
    assert tenant.relation == Relation.TENANT and tenant.end_date is None
    assert (
        existing.occupancies.filter(house__building__name="2幢", end_date__isnull=True).count() == 1
    )
    assert Resident.objects.filter(phone="13500000001").count() == 1


def test_error_table_masks_personal_data_without_view_sensitive(world):
    rows = [["1幢", "1单元", "102", "张三", "业主", "13811110005", "330106198001010019"]]
    role = world.a.roles["customer_service"]
    role.permissions += ["estates.add"]
    role.save()
    with pytest.raises(svc.ImportInvalid) as info:
        preview(world.staff("customer_service"), world.community_a1, "owners", owners_file(rows))
    assert [(e.column, e.value) for e in info.value.row_errors] == [
        ("身份证号", "3301**********0019")
    ]
    with pytest.raises(svc.ImportInvalid) as info:
        preview(world.staff("project_manager"), world.community_a1, "owners", owners_file(rows))
    assert info.value.row_errors[0].value == "330106198001010019"


def test_preview_sample_masks_personal_data_without_view_sensitive(world):
    rows = [
        ["1幢", "1单元", "102", "张三", "业主", "13811110005", make_id_card(42), None, None, None]
    ]
    cs = world.staff("customer_service")
    world.a.roles["customer_service"].permissions += ["estates.add"]
    world.a.roles["customer_service"].save()
    p = preview(cs, world.community_a1, "owners", owners_file(rows))
    assert p.sample[0][5] == "138****0005" and "*" in p.sample[0][6]
    p = preview(world.staff("project_manager"), world.community_a1, "owners", owners_file(rows))
    assert p.sample[0][5] == "13811110005"


def test_scope_and_permissions(world):
    data = structure_file(GOOD_STRUCTURE_ROWS[:1])
    with pytest.raises(NotFound):
        preview(world.staff("hq_admin", "b"), world.community_a1, "structure", data)
    with pytest.raises(NotFound):  # project manager of project 1 does not see project 2
        preview(world.staff("project_manager"), world.community_a2, "structure", data)
    with pytest.raises(PermissionDenied):
        preview(world.staff("cleaner"), world.community_a1, "structure", data)
    role = world.a.roles["project_manager"]
    role.permissions = [p for p in role.permissions if p != "residents.add"]
    role.save()
    pm = world.staff("project_manager")
    reset_access(pm)
    preview(pm, world.community_a1, "structure", data)
    with pytest.raises(PermissionDenied):
        preview(
            pm,
            world.community_a1,
            "owners",
            owners_file([["1幢", "1单元", "102", "张", "家庭成员"]]),
        )


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", ["structure", "owners"])
def test_query_count_does_not_grow_with_rows(world, pm, kind):
    def rows(n, start):
        if kind == "structure":
            return structure_file(
                [
                    [
                        f"{start}幢",
                        f"{i % 3}单元",
                        str(i),
                        1,
                        None,
                        90,
                        None,
                        None,
                        None,
                        None,
                        None,
                    ]
                    for i in range(n)
                ]
            )
        return owners_file(
            [
                ["1幢", "1单元", "102", f"人{start}{i}", "业主", f"138{start:02d}{i:06d}"]
                for i in range(n)
            ]
        )

    def counted(n, start):
        preview_queries = _queries(lambda: preview(pm, world.community_a1, kind, rows(n, start)))
        p = preview(pm, world.community_a1, kind, rows(n, start))
        return preview_queries, _queries(lambda: svc.estate_import_commit(actor=pm, token=p.token))

    counted(3, 10)  # warm the access and content-type caches
    assert counted(5, 11) == counted(60, 12)


def test_full_width_digits_match_existing_buildings_and_pass_checks(world, pm):
    run(
        pm,
        world.community_a1,
        "structure",
        structure_file(
            [["１幢", "３单元", "１０１", 1, None, "９０", None, None, None, None, None]]
        ),
    )
    assert (
        Building.objects.filter(community=world.community_a1, name__in=["1幢", "１幢"]).count() == 1
    )
    assert House.objects.filter(building__name="1幢", unit__name="3单元", room_no="101").exists()
    _, result = run(
        pm,
        world.community_a1,
        "owners",
        owners_file([["１幢", "1单元", "102", "张三", "业主", "１３８１１１１０００５"]]),
    )
    assert result.counts["occupancies"] == 1
    assert Resident.objects.filter(phone="13811110005").exists()


def test_a_clash_while_writing_rolls_everything_back(world, pm, monkeypatch):
    from django.db import IntegrityError

    p = preview(pm, world.community_a1, "structure", structure_file(GOOD_STRUCTURE_ROWS))
    real_write = svc._write

    def write_then_clash(plan):
        real_write(plan)  # everything inserted …
        raise IntegrityError("house_unique_room")  # … then a concurrent writer wins

    monkeypatch.setattr(svc, "_write", write_then_clash)
    before = counts_of(*ALL)
    with pytest.raises(ApplicationError, match="未导入任何数据"):
        svc.estate_import_commit(actor=pm, token=p.token)
    assert counts_of(*ALL) == before


def test_merged_building_cells_get_a_hint(world, pm):
    rows = [
        ["9幢", "1单元", "101", 1, None, 90, None, None, None, None, None],
        [None, None, "102", 1, None, 90, None, None, None, None, None],
    ]
    with pytest.raises(svc.ImportInvalid) as info:
        preview(pm, world.community_a1, "structure", structure_file(rows))
    hint = "必填，不能为空（如是合并单元格，请取消合并并向下填充）"
    assert errors_of(info.value) == {(3, "楼栋", hint), (3, "单元", hint)}
