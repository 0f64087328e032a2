from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuyetong.core.masking import mask_id_card, mask_phone
from wuyetong.core.money import to_money
from wuyetong.core.validators import (
    id_card_check_digit,
    is_id_card,
    is_mobile,
    normalize_plate,
    validate_plate,
)


def test_known_id_card_checksums():
    # GB 11643-1999 example number and its published check digit.
    assert is_id_card("11010519491231002X")
    assert not is_id_card("110105194912310021")
    assert not is_id_card("110105194902300026")  # 30 February does not exist
    assert not is_id_card("11010519491231002")  # 17 characters


@given(st.from_regex(r"\A[1-6]\d{5}(19[5-9]\d|200\d)(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}\Z"))
def test_every_first17_has_exactly_one_valid_check_char(first17):
    valid = [c for c in "0123456789X" if is_id_card(first17 + c)]
    assert valid == [id_card_check_digit(first17)]


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("13812345678", True),
        ("19912345678", True),
        ("12812345678", False),
        ("1381234567", False),
        ("138123456789", False),
        ("1381234567a", False),
    ],
)
def test_mobile_numbers(phone, ok):
    assert is_mobile(phone) is ok


@pytest.mark.parametrize("plate", ["浙A12345", "浙AD12345", "京A·12345", "沪b1234学"])
def test_valid_plates(plate):
    validate_plate(plate)


@pytest.mark.parametrize("plate", ["A12345", "浙I12345", "浙A1234", "浙A123456789"])
def test_invalid_plates(plate):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_plate(plate)


def test_plate_is_normalised():
    assert normalize_plate(" 浙a·12345 ") == "浙A12345"


def test_masks_hide_the_middle():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_card("110105194912310021") == "1101**********0021"
    assert mask_phone("") == "" and mask_id_card(None) == ""


def test_money_rounds_half_up_and_refuses_floats():
    assert to_money("2.345") == Decimal("2.35")
    assert to_money(Decimal("-2.345")) == Decimal("-2.35")
    with pytest.raises(TypeError):
        to_money(2.5)
