"""OCR'd digits are checked against the template's arithmetic (extractors.arithmetic.ocr_digits):
resolved where exactly one reading satisfies every identity, unreadable with candidates else."""

from __future__ import annotations

from extractors.arithmetic.ocr_digits import readings, resolve_ocr
from extractors.records import Cell, Row, Value

PARTS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
         "legal_service_org", "other_org"]


def row(printed: list[str], confs: list[float | None], total: str, total_conf: float | None = 0.99) -> list[Value]:
    """applications.new_received: six parts and the total, as OCR read them."""
    out = []
    for i, (col, text, conf) in enumerate(zip([*PARTS, "total"], [*printed, total], [*confs, total_conf], strict=True)):
        out.append(Value("applications", "new_received", col, float(text), "number", text, "一、本年新收", None,
                         1.0, 3, 0, 5, i + 1, seq=i, ocr_confidence=conf))
    return out


def by_col(values: list[Value]) -> dict[str, Value]:
    return {v.column: v for v in values}


def test_readings_change_one_confusable_digit():
    v = Value("t", "r", "c", 18.0, "number", "18", None, None, None, None, None, None, None)
    assert readings(v) == [18.0, 78.0, 10.0, 13.0, 16.0, 19.0]
    zero = Value("t", "r", "c", 0.0, "number", "0", None, None, None, None, None, None, None)
    assert readings(zero) == [0.0, 6.0, 8.0, 9.0]


def test_a_low_confidence_digit_is_pinned_by_the_row_total():
    values = row(["8", "2", "0", "0", "0", "1"], [0.55, 0.99, 0.99, 0.99, 0.99, 0.99], "3")
    findings = resolve_ocr(values, [], "gb2021")
    cell = by_col(values)["natural_person"]
    assert (cell.value, cell.value_kind, cell.raw_value) == (0.0, "number", "8")
    assert [(f.check, f.column) for f in findings] == [("ocr_digit_resolved", "natural_person")]
    assert findings[0].detail["read"] == "8" and findings[0].detail["value"] == 0.0


def test_a_confident_reading_the_arithmetic_refutes_is_corrected_when_one_digit_explains_it():
    values = row(["0", "2", "0", "0", "0", "1"], [0.99] * 6, "8")
    findings = resolve_ocr(values, [], "gb2021")
    assert by_col(values)["total"].value == 3.0
    assert [f.check for f in findings] == ["ocr_digit_resolved"]


def test_two_doubtful_cells_the_arithmetic_cannot_tell_apart_are_unreadable_with_candidates():
    values = row(["6", "0", "0", "0", "0", "0"], [0.5, 0.99, 0.99, 0.99, 0.99, 0.5], "6")
    findings = resolve_ocr(values, [], "gb2021")
    cells = by_col(values)
    assert cells["natural_person"].value_kind == "unreadable" and cells["natural_person"].value is None
    assert cells["other_org"].value_kind == "unreadable"
    assert {f.check for f in findings} == {"ocr_digit_unresolved"}
    by = {f.column: f for f in findings}
    assert by["natural_person"].detail["candidates"] == by["other_org"].detail["candidates"] == ["0", "6"]
    # the total's one identity now has unknown cells: nothing confirms it, so it is not stored either
    assert cells["total"].value_kind == "unreadable" and "not confirmed" in by["total"].message


def test_a_doubtful_cell_no_identity_checks_is_unreadable():
    v = Value("active_disclosure", "rules", "new_made", 8.0, "number", "8", "规章", None, 1.0, 2, 0, 2, 1,
              ocr_confidence=0.4)
    findings = resolve_ocr([v], [], "gb2021")
    assert v.value_kind == "unreadable" and v.value is None
    assert findings[0].check == "ocr_digit_unresolved" and "no identity" in findings[0].message
    assert findings[0].detail["candidates"] == ["8", "0", "3", "6", "9"]


def test_confident_cells_that_add_up_are_left_alone():
    values = row(["1", "2", "0", "0", "0", "1"], [0.99] * 6, "4")
    assert resolve_ocr(values, [], "gb2021") == []
    assert [v.value for v in values] == [1.0, 2.0, 0.0, 0.0, 0.0, 1.0, 4.0]


def test_values_not_read_by_ocr_are_not_touched():
    values = row(["8", "2", "0", "0", "0", "1"], [None] * 6, "3", total_conf=None)
    assert resolve_ocr(values, [], "gb2021") == []
    assert by_col(values)["natural_person"].value == 8.0


def test_the_confidence_comes_from_the_cell_the_value_was_read_from():
    values = row(["1", "2", "0", "0", "0", "1"], [None] * 6, "4", total_conf=None)
    cells = [Cell(v.raw_value, page=3, table=0, row=5, col=i + 1, confidence=0.97) for i, v in enumerate(values)]
    resolve_ocr(values, [Row("table", [Cell("一、本年新收", table=0, row=5, col=0), *cells])], "gb2021")
    assert [v.ocr_confidence for v in values] == [0.97] * 7


def test_an_empty_ocr_cell_where_the_total_fails_takes_the_only_value_that_closes_it():
    values = row(["1", "2", "0", "0", "0", "1"], [0.99] * 6, "7")
    values[2].value, values[2].value_kind, values[2].raw_value, values[2].ocr_confidence = None, "blank", "", None
    findings = resolve_ocr(values, [], "gb2021")
    cell = by_col(values)["research_institution"]
    assert (cell.value, cell.value_kind) == (3.0, "number")
    assert [f.check for f in findings] == ["ocr_digit_resolved"] and "empty cell" in findings[0].message


def test_an_empty_ocr_cell_the_arithmetic_agrees_with_stays_blank():
    values = row(["1", "2", "0", "0", "0", "1"], [0.99] * 6, "4")
    values[2].value, values[2].value_kind, values[2].raw_value, values[2].ocr_confidence = None, "blank", "", None
    assert resolve_ocr(values, [], "gb2021") == []
    assert by_col(values)["research_institution"].value_kind == "blank"


def test_a_number_read_with_a_leading_zero_is_doubtful_and_may_lose_a_digit():
    values = row(["02", "2", "0", "0", "0", "1"], [0.99] * 6, "3")
    findings = resolve_ocr(values, [], "gb2021")
    assert by_col(values)["natural_person"].value == 0.0
    assert [f.check for f in findings] == ["ocr_digit_resolved"]


def test_a_row_that_fails_as_read_with_no_confusion_to_explain_it_stores_no_number():
    """A digit shifted a column, or two digits misread, look like the report's own error: the
    OCR'd numbers of the failing identity are unreadable, never stored as read."""
    values = row(["1", "2", "0", "0", "0", "0"], [0.99] * 6, "5")  # 1 + 2 is not 5, and no one digit fixes it
    findings = resolve_ocr(values, [], "gb2021")
    assert all(v.value_kind == "unreadable" and v.value is None for v in values)
    assert {f.check for f in findings} == {"ocr_digit_unresolved"}
    assert any("fails as read" in f.message for f in findings)


def test_a_reading_no_identity_can_check_is_not_stored():
    """A cell whose every identity has another cell missing is confirmed by nothing."""
    values = row(["1", "2", "0", "0", "0", "0"], [0.99] * 6, "3")
    values[2].value, values[2].value_kind = None, "unreadable"  # research_institution unread
    findings = resolve_ocr(values, [], "gb2021")
    assert all(v.value is None for v in values)
    assert all("no identity it takes part in can be checked" in f.message for f in findings if f.column != "research_institution")


def test_a_row_that_holds_as_read_is_kept():
    values = row(["1", "2", "0", "0", "0", "0"], [0.99] * 6, "3")
    assert resolve_ocr(values, [], "gb2021") == []
    assert [v.value for v in values] == [1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 3.0]
