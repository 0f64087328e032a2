"""Workbooks for the import tests, built the way a clerk's file looks."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

STRUCTURE_HEADERS = [
    "楼栋*",
    "单元*",
    "房号*",
    "楼层",
    "用途",
    "建筑面积*",
    "套内面积",
    "收费系数",
    "房屋状态",
    "交房日期",
    "备注",
]
OWNER_HEADERS = [
    "楼栋*",
    "单元*",
    "房号*",
    "姓名*",
    "身份*",
    "手机号",
    "身份证号",
    "性别",
    "入住日期",
    "备注",
]


def xlsx_bytes(headers: list[str], rows: list[list], title: str = "Sheet1") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "import.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def structure_file(rows: list[list]) -> bytes:
    return xlsx_bytes(STRUCTURE_HEADERS, rows, "房屋导入")


def owners_file(rows: list[list]) -> bytes:
    return xlsx_bytes(OWNER_HEADERS, rows, "住户导入")


GOOD_STRUCTURE_ROWS = [
    ["9幢", "1单元", "101", 1, "住宅", 89.5, 70.12, 1, "入住", dt.date(2021, 6, 1), ""],
    ["9幢", "1单元", "102", 1, "住宅", "96.00", "75", "1.2", "空置", "2021/6/2", "朝南"],
    ["9幢", "2单元", "101", 1, "商业", 120, None, None, "出租", None, None],
    ["9幢", "2单元", "201", 2, None, 120.25, None, None, None, None, None],
    ["10幢", "1单元", "101", 1, "办公", 60, 50, 0.8, "装修", "2022年1月5日", None],
    ["1幢", "2单元", "101", 1, "住宅", 88, 70, 1, "已交房", "2020-01-01", None],
]


def counts_of(*models) -> tuple[int, ...]:
    return tuple(m.objects.count() for m in models)
