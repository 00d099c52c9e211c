"""Cell conventions of the spec: blanks are null, '/' is not applicable, '无' is 0."""

import pytest

from extractors.tables.cells import is_value_like, parse_value


@pytest.mark.parametrize("text,value,kind", [
    ("0", 0, "number"), ("12", 12, "number"), ("1,647,000", 1647000, "number"), ("１２", 12, "number"),
    ("0　", 0, "number"), ("24252.311082", 24252.311082, "number"), ("-8", -8, "number"), ("+3", 3, "number"),
    ("", None, "blank"), ("　", None, "blank"), ("/", None, "not_applicable"), ("／", None, "not_applicable"),
    ("-", None, "not_applicable"), ("—", None, "not_applicable"), ("——", None, "not_applicable"),
    ("无", 0, "number"), ("O", None, "unreadable"), ("l2", None, "unreadable"),
])
def test_conventions(text, value, kind):
    p = parse_value(text)
    assert (p.value, p.kind) == (value, kind)


def test_units_in_cells():
    p = parse_value("160.5964万元")
    assert (p.value, p.unit) == (160.5964, "万元")
    assert parse_value("73802895.90元").value == pytest.approx(73802895.9)
    assert parse_value("73802895.90元", column_unit="万元").value == pytest.approx(7380.28959)


def test_value_like_vs_labels():
    assert is_value_like("0　") and is_value_like("/") and is_value_like("1,647,000") and is_value_like("l2")
    assert not is_value_like("1．属于国家秘密") and not is_value_like("规章") and not is_value_like("")
