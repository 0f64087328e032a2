"""Validators for Chinese identifiers: mobile numbers, ID card numbers, vehicle plates."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# 普通车牌 (7) and 新能源车牌 (8): province, letter, then letters/digits.
PLATE_RE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]$"
)


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(value or ""))


def validate_mobile(value: str) -> None:
    if not is_mobile(value):
        raise ValidationError(_("请输入正确的11位手机号码"), code="invalid_phone")


def id_card_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def is_id_card(value: str) -> bool:
    value = (value or "").upper()
    if not re.match(r"^\d{17}[\dX]$", value):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return id_card_check_digit(value[:17]) == value[17]


def validate_id_card(value: str) -> None:
    if not is_id_card(value):
        raise ValidationError(_("身份证号码格式或校验位不正确"), code="invalid_id_card")


def normalize_plate(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "").replace("·", "")


def validate_plate(value: str) -> None:
    if not PLATE_RE.match(normalize_plate(value)):
        raise ValidationError(_("车牌号格式不正确"), code="invalid_plate")
