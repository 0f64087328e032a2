import pytest

from wuyetong.core.ids import PK_MAX, lookup_pk, parse_pk


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (7, 7), (" 3 ", 3), (str(PK_MAX), PK_MAX)],
)
def test_plain_ids_parse(value, expected):
    assert parse_pk(value) == expected


@pytest.mark.parametrize(
    "value",
    [None, True, "", "0", "-1", "+1", "1.0", "abc", "²", "١", "１", str(PK_MAX + 1), "9" * 40],
)
def test_anything_else_is_no_such_object(value):
    assert parse_pk(value) is None
    assert lookup_pk(value) == 0
