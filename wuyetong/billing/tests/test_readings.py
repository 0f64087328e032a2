"""Meter reading (抄表): the previous reading from the last one, lower readings refused unless
the meter was changed, all-or-nothing saves, readings billed by the month's run; the grid,
the phone page and the .xlsx import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from wuyetong.billing import services
from wuyetong.billing.models import Bill, BillRun, MeterReading
from wuyetong.billing.services.readings import (
    ReadingInput,
    ReadingsInvalid,
    meter_readings_save,
)
from wuyetong.core.exceptions import ApplicationError

from .conftest import set_house

pytestmark = pytest.mark.django_db
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)


@pytest.fixture
def water(world, fees):
    """水费 at 3.50 a ton on the first four houses of 翠苑一区 (all handed over)."""
    houses = [set_house(h) for h in world.houses_a1[:4]]
    standard = services.fee_standard_create(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        fee_item=fees["水费"],
        name="居民水价",
        method="metered",
        unit_price="3.50",
        timing="postpaid",
        due_day=10,
        effective_from=dt.date(2024, 1, 1),
    )
    services.fee_assign(
        actor=world.staff("hq_admin"), standard=standard, houses=houses, start_date=JAN
    )
    return houses


def _save(world, fees, month, rows, **kwargs):
    return meter_readings_save(
        actor=world.staff("cashier"),
        community=world.community_a1,
        fee_item=fees["水费"],
        period=month,
        rows=rows,
        read_on=month + dt.timedelta(days=27),
        **kwargs,
    )


def test_the_previous_reading_is_the_last_one_entered(world, fees, water):
    h = water[0]
    _save(world, fees, JAN, [ReadingInput(h.pk, "100", previous="80")])
    result = _save(world, fees, FEB, [ReadingInput(h.pk, "112.5")])
    feb = result.readings[0]
    assert (feb.previous_reading, feb.current_reading, feb.usage) == (
        Decimal("100"),
        Decimal("112.5"),
        Decimal("12.5"),
    )
    # a different previous reading than the last one is refused, naming the field
    with pytest.raises(ReadingsInvalid) as exc:
        _save(world, fees, MAR, [ReadingInput(h.pk, "120", previous="90")])
    assert exc.value.problems[0].field == "previous_reading"
    assert "上次读数应为 112.5" in exc.value.problems[0].message


def test_a_first_reading_needs_a_starting_reading(world, fees, water):
    with pytest.raises(ReadingsInvalid) as exc:
        _save(world, fees, JAN, [ReadingInput(water[0].pk, "100")])
    assert "首次抄表请填写上次读数" in exc.value.message or exc.value.problems[0].message


def test_a_lower_reading_is_refused_unless_marked_as_a_meter_change(world, fees, water):
    h = water[0]
    _save(world, fees, JAN, [ReadingInput(h.pk, "500", previous="480")])
    with pytest.raises(ReadingsInvalid) as exc:
        _save(world, fees, FEB, [ReadingInput(h.pk, "12")])
    assert "小于上次读数 500" in exc.value.problems[0].message
    assert not MeterReading.objects.filter(period=FEB).exists()
    # changed meter: old meter ran to 503, the new one shows 12 → 3 + 12 = 15
    result = _save(
        world, fees, FEB, [ReadingInput(h.pk, "12", meter_changed=True, old_meter_final="503")]
    )
    assert result.readings[0].usage == Decimal("15")


def test_one_bad_row_saves_nothing_and_every_bad_row_is_named(world, fees, water):
    rows = [
        ReadingInput(water[0].pk, "10", previous="0"),
        ReadingInput(water[1].pk, "abc", previous="0"),
        ReadingInput(water[2].pk, "-1", previous="0"),
        ReadingInput(world.houses_a2[0].pk, "5", previous="0"),  # another community
    ]
    with pytest.raises(ReadingsInvalid) as exc:
        _save(world, fees, JAN, rows)
    named = {(p.ref, p.field) for p in exc.value.problems}
    assert named == {
        (water[1].pk, "current_reading"),
        (water[2].pk, "current_reading"),
        (world.houses_a2[0].pk, "house"),
    }
    assert not MeterReading.objects.exists()


def test_a_billed_reading_cannot_change_until_its_run_is_voided(world, fees, water):
    h = water[0]
    _save(world, fees, JAN, [ReadingInput(h.pk, "20", previous="10")])
    services.bill_run_commit(actor=world.staff("cashier"), community=world.community_a1, period=JAN)
    with pytest.raises(ReadingsInvalid) as exc:
        _save(world, fees, JAN, [ReadingInput(h.pk, "25", previous="10")])
    assert "已出账" in exc.value.problems[0].message
    run = BillRun.objects.get(fee_item=fees["水费"])
    services.bill_run_void(actor=world.staff("project_manager"), run=run, reason="读数抄错")
    _save(world, fees, JAN, [ReadingInput(h.pk, "25", previous="10")])
    services.bill_run_commit(actor=world.staff("cashier"), community=world.community_a1, period=JAN)
    live = Bill.objects.get(house=h, state="unpaid")
    assert live.amount == Decimal("52.50")  # 15 × 3.50
    assert MeterReading.objects.get(house=h).bill_id == live.pk


def test_the_run_bills_readings_and_reports_those_it_cannot(world, fees, water):
    _save(
        world,
        fees,
        JAN,
        [
            ReadingInput(water[0].pk, "110", previous="100"),
            ReadingInput(water[1].pk, "7.25", previous="0"),
            ReadingInput(water[2].pk, "30", previous="30"),  # no usage
        ],
    )
    # a house without the water standard attached
    stray = set_house(world.houses_a1[5])
    _save(world, fees, JAN, [ReadingInput(stray.pk, "9", previous="1")])
    preview = services.bill_run_preview(
        actor=world.staff("cashier"), community=world.community_a1, period=JAN
    )
    assert preview.by_fee_item["水费"] == (2, Decimal("60.38"))  # 35.00 + 25.375→25.38
    assert "水费：1 条读数未关联计量收费标准，未出账" in preview.skipped
    assert "水费：1 条读数用量为零，未出账" in preview.skipped
    services.bill_run_commit(actor=world.staff("cashier"), community=world.community_a1, period=JAN)
    bill = Bill.objects.get(house=water[0])
    assert bill.amount == Decimal("35.00") and bill.due_date == dt.date(2024, 2, 10)
    assert "读数 100 → 110，用量 10" in bill.calculation
    assert MeterReading.objects.filter(bill__isnull=False).count() == 2
    # re-running makes nothing new
    again = services.bill_run_preview(
        actor=world.staff("cashier"), community=world.community_a1, period=JAN
    )
    assert again.count == 0 and again.existing_count == 2


def test_readings_of_a_future_month_are_refused(world, fees, water):
    future = dt.date.today().replace(day=1) + dt.timedelta(days=40)
    with pytest.raises(ApplicationError) as exc:
        _save(world, fees, future.replace(day=1), [ReadingInput(water[0].pk, "1", previous="0")])
    assert exc.value.field == "period"


# ---------------------------------------------------------------- pages


def _scope(world, fees, building=None, month="2024-01"):
    return {
        "community": world.community_a1.pk,
        "building": (building or world.houses_a1[0].building).pk,
        "fee_item": fees["水费"].pk,
        "period": month,
    }


def test_grid_saves_typed_rows_and_shows_every_error_without_saving(world, fees, water, client_for):
    client = client_for(world.staff("cashier"))
    scope = _scope(world, fees)
    page = client.get(reverse("billing:reading_grid"), scope).content.decode()
    assert f'name="current_{water[0].pk}"' in page and f'name="previous_{water[0].pk}"' in page
    bad = client.post(
        reverse("billing:reading_grid"),
        {
            **scope,
            f"previous_{water[0].pk}": "10",
            f"current_{water[0].pk}": "15",
            f"previous_{water[1].pk}": "20",
            f"current_{water[1].pk}": "19",
        },
    )
    body = bad.content.decode()
    assert bad.status_code == 400 and "本次读数 19 小于上次读数 20" in body
    assert 'value="15"' in body  # what was typed stays
    assert not MeterReading.objects.exists()
    ok = client.post(
        reverse("billing:reading_grid"),
        {
            **scope,
            f"previous_{water[0].pk}": "10",
            f"current_{water[0].pk}": "15",
            f"previous_{water[1].pk}": "20",
            f"current_{water[1].pk}": "29",
        },
    )
    assert ok.status_code == 302
    assert dict(MeterReading.objects.values_list("house_id", "usage")) == {
        water[0].pk: Decimal("5"),
        water[1].pk: Decimal("9"),
    }


def test_phone_page_enters_one_house_then_goes_to_the_next(world, fees, water, client_for):
    client = client_for(world.staff("cashier"))
    scope = _scope(world, fees)
    page = client.get(reverse("billing:reading_phone"), scope).content.decode()
    first = water[0]
    assert f'name="house" value="{first.pk}"' in page and 'inputmode="decimal"' in page
    response = client.post(
        reverse("billing:reading_phone"),
        {**scope, "house": first.pk, "previous": "3", "current": "8.5"},
    )
    assert response.status_code == 302
    assert MeterReading.objects.get(house=first).source == "phone"
    nxt = client.get(response["Location"]).content.decode()
    assert f'name="house" value="{first.pk}"' not in nxt
    low = client.post(
        reverse("billing:reading_phone"),
        {**scope, "house": water[1].pk, "previous": "9", "current": "2"},
    )
    assert low.status_code == 400 and "小于上次读数" in low.content.decode()


def _workbook(rows, headers=("楼栋", "单元", "房号", "上次读数", "本次读数", "换表", "旧表止数")):
    wb = Workbook()
    ws = wb.active
    ws.title = "抄表导入"
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buf = BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("读数.xlsx", buf.getvalue())


def _label(h):
    return (h.building.name, h.unit.name, h.room_no)


def test_import_lists_every_bad_cell_and_writes_nothing(world, fees, water, client_for):
    client = client_for(world.staff("cashier"))
    upload = _workbook(
        [
            (*_label(water[0]), 10, 15, "否", None),
            (*_label(water[1]), 20, 18, "否", None),  # lower without a meter change
            (*_label(water[2]), None, "x", None, None),  # not a number, no start reading
            ("9幢", "1单元", "101", 1, 2, None, None),  # no such house
            (*_label(water[3]), 5, 6, "可能", None),  # 换表 must be 是/否
        ]
    )
    response = client.post(
        reverse("billing:reading_import"),
        {
            "community": world.community_a1.pk,
            "fee_item": fees["水费"].pk,
            "period": "2024-01",
            "file": upload,
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "未导入任何读数" in body
    assert "本次读数 18 小于上次读数 20" in body
    assert "本次读数必须是数字" in body
    assert "房屋 9幢/1单元/101 不存在" in body
    assert "只能是：是、否" in body
    assert not MeterReading.objects.exists()
    token = body.split("reading_errors")[0]  # the report link is on the page
    assert 'id="import-error-report"' in body
    del token


def test_import_preview_then_confirm_writes_all_rows(world, fees, water, client_for):
    client = client_for(world.staff("cashier"))
    upload = _workbook([(*_label(h), 10 * i, 10 * i + 3, "否", None) for i, h in enumerate(water)])
    response = client.post(
        reverse("billing:reading_import"),
        {
            "community": world.community_a1.pk,
            "fee_item": fees["水费"].pk,
            "period": "2024-01",
            "file": upload,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "4 行读数全部有效" in body
    assert not MeterReading.objects.exists()  # preview writes nothing
    token = body.split('name="token" value="')[1].split('"')[0]
    done = client.post(reverse("billing:reading_import_confirm"), {"token": token})
    assert done.status_code == 302
    assert MeterReading.objects.filter(source="import").count() == 4
    assert set(MeterReading.objects.values_list("usage", flat=True)) == {Decimal("3")}
    # the same token twice imports nothing more
    again = client.post(reverse("billing:reading_import_confirm"), {"token": token})
    assert again.status_code == 302 and MeterReading.objects.count() == 4


def test_import_template_has_the_columns(world, client_for):
    response = client_for(world.staff("cashier")).get(reverse("billing:reading_template"))
    sheet = load_workbook(BytesIO(response.content))["抄表导入"]
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["楼栋*", "单元*", "房号*", "上次读数", "本次读数*"]


PAGES = ["reading_list", "reading_grid", "reading_phone", "reading_import", "reading_template"]


@pytest.mark.parametrize("name", PAGES)
def test_reading_pages_permission_matrix(world, fees, water, client, client_for, name):
    url = reverse(f"billing:{name}")
    assert client.get(url).status_code == 302
    assert client_for(world.owner).get(url).status_code == 403
    assert client_for(world.staff("customer_service")).get(url).status_code == 403
    pm = client_for(world.staff("project_manager")).get(url).status_code
    assert pm == (200 if name == "reading_list" else 403)  # reads, does not enter
    assert client_for(world.staff("cashier")).get(url).status_code == 200


def test_another_company_cannot_enter_readings_for_our_houses(world, fees, water, client_for):
    other = client_for(world.staff("hq_admin", "b"))
    scope = _scope(world, fees)
    response = other.post(
        reverse("billing:reading_grid"),
        {**scope, f"previous_{water[0].pk}": "1", f"current_{water[0].pk}": "2"},
    )
    assert response.status_code == 400  # our community is not a choice for them
    listing = other.get(reverse("billing:reading_list")).content.decode()
    assert "翠苑一区" not in listing
    assert not MeterReading.objects.exists()
