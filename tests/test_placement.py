"""Placing printed cells into the template's columns (extractors.tables.assemble.assemble)
on hand-built row streams: by position when a row prints every value, pinned by the row's
arithmetic or left unreadable when it prints fewer, never shifted on a guess."""

from __future__ import annotations

import time
import tracemalloc

import pytest
from reportgen import APPLICATION_COLUMNS as APPLICANTS
from reportgen import NEW_RECEIVED as NEW
from reportgen import REVIEW_COLUMNS as REVIEW
from reportgen import TABLE3_HEADING as TABLE3
from reportgen import TABLE4_HEADING as TABLE4

from extractors.arithmetic.checks import _table_equations, run_checks
from extractors.records import Cell, Finding, RawDocument, Row
from extractors.settings import DEFAULT
from extractors.tables.assemble import assemble


def text(line: str) -> Row:
    return Row("text", [Cell(line)])


def row(*texts: str) -> Row:
    """A table row as a text format gives it: cells in printed order, no grid position."""
    return Row("table", [Cell(t) for t in texts])


def grid_row(r: int, *texts: str, table: int = 0, page: int | None = None) -> Row:
    """A row of a real grid (docx/html/pdf): each cell knows its table, row and column."""
    return Row("table", [Cell(t, page, table, r, c) for c, t in enumerate(texts)], positional=True)


def run(*rows: Row, year: int = 2022):
    doc = RawDocument("txt", list(rows), "\n".join(r.text for r in rows))
    return assemble(doc, year, DEFAULT)


def cells(asm, table="applications", key="new_received"):
    """column -> (value, kind, raw_value) of one canonical row."""
    return {v.column: (v.value, v.value_kind, v.raw_value) for v in asm.values if (v.table, v.row) == (table, key)}


# ---- a full row -----------------------------------------------------------------------------
def test_a_full_row_is_placed_by_position():
    asm = run(text(TABLE3), row(NEW, "3", "1", "0", "0", "1", "0", "5"))
    assert (asm.template, asm.template_evidence, asm.tables_found) == ("gb2021", "year 2022", ["applications"])
    assert [(v.column, v.value, v.value_kind, v.raw_value) for v in asm.values] == [
        ("natural_person", 3.0, "number", "3"), ("commercial_enterprise", 1.0, "number", "1"),
        ("research_institution", 0.0, "number", "0"), ("social_welfare_org", 0.0, "number", "0"),
        ("legal_service_org", 1.0, "number", "1"), ("other_org", 0.0, "number", "0"),
        ("total", 5.0, "number", "5")]
    assert {(v.table, v.row, v.raw_row_label, v.match_score) for v in asm.values} == {
        ("applications", "new_received", NEW, 1.0)}
    assert [v.seq for v in asm.values] == list(range(7))
    assert asm.findings == []


def test_a_grid_row_keeps_its_source_position():
    asm = run(text(TABLE3), grid_row(4, NEW, "3", "1", "0", "0", "1", "0", "5", table=2, page=3))
    total = asm.values[-1]
    assert (total.column, total.page, total.source_table, total.source_row, total.source_col) == ("total", 3, 2, 4, 7)
    assert [v.source_col for v in asm.values] == [1, 2, 3, 4, 5, 6, 7]


def test_a_path_of_labels_is_matched_by_its_leaf_and_kept_whole():
    asm = run(text(TABLE3), row("三、本年度办理结果", "（三）不予公开", "1．属于国家秘密", *"0000000"))
    assert {(v.row, v.raw_row_label, v.match_score) for v in asm.values} == {
        ("results.withheld.state_secret", "三、本年度办理结果/（三）不予公开/1．属于国家秘密", 1.0)}


# ---- short rows ------------------------------------------------------------------------------
def test_short_row_whose_arithmetic_pins_the_missing_total():
    # 6 of 7 printed: only "total missing" is consistent (any other gap would need a negative cell)
    asm = run(text(TABLE3), row(NEW, "3", "1", "0", "0", "1", "0"))
    assert cells(asm) == {
        "natural_person": (3.0, "number", "3"), "commercial_enterprise": (1.0, "number", "1"),
        "research_institution": (0.0, "number", "0"), "social_welfare_org": (0.0, "number", "0"),
        "legal_service_org": (1.0, "number", "1"), "other_org": (0.0, "number", "0"),
        "total": (5.0, "number", None)}  # computed, not printed
    assert asm.findings == [Finding(
        "placement_inferred", "info",
        "applications.new_received: 6 of 7 values printed; the row's arithmetic pins every cell",
        "applications", "new_received", detail={"printed": ["3", "1", "0", "0", "1", "0"], "inferred": ["total"]})]


def test_short_row_of_zeros_is_pinned_everywhere():
    # every placement of six zeros gives 0 in every column: all seven values are inferred
    asm = run(text(TABLE3), row(NEW, *"000000"))
    assert cells(asm) == {c: (0.0, "number", None) for c in APPLICANTS}
    assert [(f.check, f.detail["inferred"]) for f in asm.findings] == [("placement_inferred", list(APPLICANTS))]


def test_short_row_whose_placement_is_ambiguous_is_not_shifted():
    # 2 0 0 0 1 3: the gap may be any part (it is then 0) or the total (it is then 6), so the
    # cells that differ between those placements are unreadable; the two columns every
    # placement fills with 0 are kept as computed values.
    asm = run(text(TABLE3), row(NEW, "2", "0", "0", "0", "1", "3"))
    unreadable = (None, "unreadable", None)
    assert cells(asm) == {
        "natural_person": unreadable, "commercial_enterprise": unreadable,
        "research_institution": (0.0, "number", None), "social_welfare_org": (0.0, "number", None),
        "legal_service_org": unreadable, "other_org": unreadable, "total": unreadable}
    assert asm.findings == [Finding(
        "placement_ambiguous", "warning",
        "applications.new_received: 6 of 7 values printed; 5 cell(s) cannot be placed with certainty "
        "and are stored as unreadable", "applications", "new_received",
        detail={"printed": ["2", "0", "0", "0", "1", "3"],
                "unreadable": ["natural_person", "commercial_enterprise", "legal_service_org", "other_org", "total"]})]


def test_short_row_where_no_column_agrees_is_all_unreadable():
    asm = run(text(TABLE3), row(NEW, "3", "1", "0", "1", "0", "5"))
    assert cells(asm) == {c: (None, "unreadable", None) for c in APPLICANTS}
    assert [(f.check, f.detail["unreadable"]) for f in asm.findings] == [("placement_ambiguous", list(APPLICANTS))]


def test_a_printed_blank_is_a_value_in_a_grid_row():
    # In a grid row an empty cell is a printed blank, not a gap: nothing to place.
    asm = run(text(TABLE3), grid_row(0, NEW, "", "1", "0", "0", "1", "0", "2"))
    assert cells(asm)["natural_person"] == (None, "blank", "")
    assert cells(asm)["total"] == (2.0, "number", "2")
    assert asm.findings == []


def test_leading_and_trailing_empty_cells_of_a_text_row_are_debris():
    asm = run(text(TABLE3), row(NEW, "", "3", "1", "0", "0", "1", "0", "5", ""))
    assert cells(asm)["natural_person"] == (3.0, "number", "3")
    assert cells(asm)["total"] == (5.0, "number", "5")
    assert asm.findings == []


# ---- extra cells -----------------------------------------------------------------------------
def test_extra_cells_are_not_placed():
    asm = run(text(TABLE3), row(NEW, "3", "1", "0", "0", "1", "0", "5", "9"))
    assert cells(asm) == {c: (None, "unreadable", None) for c in APPLICANTS}
    printed = ["3", "1", "0", "0", "1", "0", "5", "9"]
    # today both findings are written: extra_cells, and placement_ambiguous for the same row
    assert asm.findings == [
        Finding("extra_cells", "warning", "applications.new_received prints 8 values where the template has 7; "
                "none could be placed with certainty", "applications", "new_received", detail={"printed": printed}),
        Finding("placement_ambiguous", "warning", "applications.new_received: 8 of 7 values printed; 7 cell(s) "
                "cannot be placed with certainty and are stored as unreadable", "applications", "new_received",
                detail={"printed": printed, "unreadable": list(APPLICANTS)})]


@pytest.mark.parametrize("padding", [1, 2])
def test_blank_grid_cells_left_of_a_table3_row_are_dropped(padding):
    # a table-3 grid row fills from the right: empty cells on its left are not extra values
    asm = run(text(TABLE3), grid_row(0, NEW, *[""] * padding, "3", "1", "0", "0", "1", "0", "5"))
    assert cells(asm)["natural_person"] == (3.0, "number", "3")
    assert asm.values[0].source_col == 1 + padding
    assert asm.findings == []


def test_table2_row_fills_from_the_left():
    asm = run(text("二、主动公开政府信息情况"), grid_row(0, "规章", "2", "0", "7", ""))
    assert cells(asm, "active_disclosure", "rules") == {
        "issued": (2.0, "number", "2"), "repealed": (0.0, "number", "0"), "in_force": (7.0, "number", "7")}
    assert asm.findings == []


def test_a_value_merged_across_grid_columns_is_read_once():
    # gb2021's one-value rows of table 2 span the block's three columns in a merged grid
    asm = run(text("二、主动公开政府信息情况"), grid_row(0, "行政许可", "12", "12", "12"))
    assert cells(asm, "active_disclosure", "licensing") == {"decisions": (12.0, "number", "12")}
    assert asm.findings == []


# ---- table 4 ---------------------------------------------------------------------------------
def test_table4_as_one_row_of_15_cells():
    asm = run(text(TABLE4), row(*"2 0 0 0 2 1 0 0 0 1 0 0 0 0 0".split()))
    assert asm.tables_found == ["review_litigation"]
    got = {(v.row, v.column): (v.value, v.raw_value, v.raw_row_label) for v in asm.values}
    assert got == {
        **{("review", c): (x, str(int(x)), "行政复议") for c, x in zip(REVIEW, (2.0, 0, 0, 0, 2.0), strict=True)},
        **{("litigation_direct", c): (x, str(int(x)), "行政诉讼/未经复议直接起诉")
           for c, x in zip(REVIEW, (1.0, 0, 0, 0, 1.0), strict=True)},
        **{("litigation_after_review", c): (0.0, "0", "行政诉讼/复议后起诉") for c in REVIEW}}
    assert asm.findings == []


def test_15_values_with_no_label_open_table4_anywhere():
    asm = run(row(*"0 0 0 0 0 0 0 0 0 0 3 0 0 0 3".split()))
    assert asm.tables_found == ["review_litigation"]
    assert cells(asm, "review_litigation", "litigation_after_review")["total"] == (3.0, "number", "3")


def test_a_second_table4_is_stored_unmatched():
    first, second = "2 0 0 0 2 1 0 0 0 1 0 0 0 0 0", "3 0 0 0 3 1 0 0 0 1 0 0 0 0 0"
    asm = run(text(TABLE4), row(*first.split()), row(*second.split()))
    assert cells(asm, "review_litigation", "review")["total"] == (2.0, "number", "2")  # the first copy counts
    extra = [v for v in asm.values if v.row is None]
    assert [v.raw_value for v in extra] == second.split()
    assert {(v.table, v.column, v.raw_row_label, v.match_score) for v in extra} == {
        ("review_litigation", None, "行政复议", None)}
    assert asm.findings == [Finding("duplicate_row", "warning",
                                    "table 4 printed twice; the second copy is stored unmatched",
                                    "review_litigation", "review")]


# ---- duplicates and unmatched labels -----------------------------------------------------------
def test_a_duplicate_row_is_stored_unmatched():
    asm = run(text(TABLE3), row(NEW, *"3100105"), row(NEW, *"1100002"))
    assert cells(asm)["total"] == (5.0, "number", "5")  # the first copy is the row
    extra = [v for v in asm.values if v.row is None]
    assert [(v.table, v.column, v.value, v.raw_value, v.raw_row_label, v.match_score) for v in extra] == [
        ("applications", None, float(x), x, NEW, None) for x in "1100002"]
    assert asm.findings == [Finding(
        "duplicate_row", "warning",
        f"applications.new_received printed a second time (label {NEW!r}); stored unmatched", "applications",
        detail={"raw_label": NEW, "values": list("1100002")})]


def test_an_unmatched_label_is_kept_with_row_none_and_a_finding():
    asm = run(text(TABLE3), row("本年度收到的信件数量", "4", "", "2"))
    assert [(v.table, v.row, v.column, v.value, v.value_kind, v.raw_value, v.raw_row_label, v.match_score)
            for v in asm.values] == [
        ("applications", None, None, 4.0, "number", "4", "本年度收到的信件数量", None),
        ("applications", None, None, 2.0, "number", "2", "本年度收到的信件数量", None)]  # no blank stored
    assert asm.findings == [Finding(
        "unmatched_label", "warning", "row label '本年度收到的信件数量' matches no canonical row", "applications",
        detail={"raw_label": "本年度收到的信件数量", "values": ["4", "", "2"]})]


def test_an_unmatched_row_outside_any_table_is_in_table_unknown():
    asm = run(row("本年度收到的信件数量", "4"))
    assert [(v.table, v.row, v.value) for v in asm.values] == [("unknown", None, 4.0)]
    assert [(f.check, f.table) for f in asm.findings] == [("unmatched_label", "unknown")]


def test_no_template_markers_and_no_year_assumes_gb2021_with_a_finding():
    asm = run(text(TABLE3), row(NEW, *"3100105"), year=None)
    assert (asm.template, asm.template_evidence) == (None, "no template markers and no year")
    assert cells(asm)["total"] == (5.0, "number", "5")
    assert asm.findings == [Finding("template_unclear", "warning",
                                    "template could not be told from labels or year; gb2021 columns assumed")]


def test_template_markers_outweigh_the_year():
    asm = run(text("二、主动公开政府信息情况"), row("信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"),
              row("规章", "1", "2", "3"), year=2023)
    assert (asm.template, asm.template_evidence) == ("gb2019", "labels: 本年新制作数量, 本年新公开数量, 对外公开总数量")
    assert cells(asm, "active_disclosure", "rules") == {
        "new_made": (1.0, "number", "1"), "new_published": (2.0, "number", "2"), "total_published": (3.0, "number", "3")}


# ---- cell kinds ------------------------------------------------------------------------------------
@pytest.mark.parametrize("printed,value,kind", [
    ("", None, "blank"), ("/", None, "not_applicable"), ("／", None, "not_applicable"),
    ("—", None, "not_applicable"), ("-", None, "not_applicable"), ("无", 0.0, "number"),
    ("1,000", 1000.0, "number"), ("１２", 12.0, "number"), ("O", None, "unreadable"),
])
def test_cell_kinds(printed, value, kind):
    asm = run(text(TABLE3), grid_row(0, NEW, printed, "0", "0", "0", "0", "0", "0"))
    assert cells(asm)["natural_person"] == (value, kind, printed)
    expected = [Finding("unreadable_value", "warning", f"cell {printed!r} is not a number", "applications",
                        "new_received", "natural_person", detail={"raw": printed})] if kind == "unreadable" else []
    assert asm.findings == expected


def test_a_unit_printed_in_a_cell_is_converted_and_reported():
    asm = run(text("二、主动公开政府信息情况"), grid_row(0, "行政事业性收费", "73802895.90元"))
    (fee,) = asm.values
    assert (fee.column, fee.value_kind, fee.raw_value) == ("amount_10k_yuan", "number", "73802895.90元")
    assert fee.value == pytest.approx(7380.28959)
    assert asm.findings == [Finding("unit_in_cell", "info", "cell printed with unit '元': '73802895.90元'",
                                    "active_disclosure", "fees", "amount_10k_yuan")]


# ---- the checks' equations, worked out once per printed layout ----------------------------------
def _checked(asm):
    found, summary = run_checks(asm.values, asm.findings, asm.template)
    return [f.as_record() for f in found], (summary.passed, summary.failed, summary.not_evaluated, summary.suspected)


def test_the_checks_of_a_report_do_not_depend_on_the_reports_checked_before():
    """Reports printing (六)其他处理 as one row and as its three parts, checked in turn,
    get what each gets checked alone (the equations are remembered per printed layout)."""
    head = [text(TABLE3), row("（一）予以公开", "1", "0", "0", "0", "0", "0", "1")]
    undivided = run(*head, row("（六）其他处理", "2", "0", "0", "0", "0", "0", "2"),
                    row("（七）总计", "3", "0", "0", "0", "0", "0", "4"))
    divided = run(*head, row("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "2", "0", "0", "0", "0", "0", "2"),
                  row("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "1", "0", "0", "0", "0", "0", "1"),
                  row("3.其他", "0", "0", "0", "0", "0", "0", "0"),
                  row("（七）总计", "4", "0", "0", "0", "0", "0", "4"))
    warm = [_checked(undivided), _checked(divided), _checked(undivided)]
    alone = []
    for asm in (undivided, divided, undivided):
        _table_equations.cache_clear()
        alone.append(_checked(asm))
    assert warm == alone
    assert warm[0] != warm[1]  # the layouts give different equations and verdicts
    assert any("total" in f["message"] for f in warm[0][0])  # 1 + 2 is not the printed 4


def test_a_long_document_assembles_in_bounded_time_and_memory():
    """3,000 rows of one label (every copy after the first stored unmatched) take a small
    fraction of a second and a few MB: no row costs more because many came before it."""
    body = [text(TABLE3)] + [row(f"（{n}）予以公开" if n % 2 else "（一）予以公开", "1", "2", "3", "4", "5", "6", "21")
                             for n in range(3000)]
    run(*body)  # the 1,501 distinct labels are matched once, as in any run
    start = time.process_time()
    asm = run(*body)
    seconds = time.process_time() - start
    tracemalloc.start()
    run(*body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(asm.values) == 3000 * 7
    # 1 s: about 0.3 s on an idle core; a cost growing with the rows before would take minutes.
    assert seconds < 1.0, f"{seconds:.2f} s for 3,000 rows"
    assert peak < 40_000_000, f"{peak / 1e6:.0f} MB for 3,000 rows"


# ---- OCR'd cells ------------------------------------------------------------------------------
def ocr_row(*texts: str, conf: float = 0.99) -> Row:
    """A table row as the OCR reader gives it: every cell with the recogniser's confidence."""
    return Row("table", [Cell(t, confidence=None if i == 0 else conf) for i, t in enumerate(texts)])


def test_an_ocr_cell_whose_digits_stand_apart_is_unreadable_not_one_number():
    # two cells' zeros and a speck between them, run together where a column rule was lost:
    # read as one number it would be 10, and the row's arithmetic would then "confirm" it
    asm = run(text(TABLE3), ocr_row(NEW, "0", "0 1 0", "0", "0", "0", "0", "0"))
    got = cells(asm)
    assert got["commercial_enterprise"] == (None, "unreadable", "0 1 0")
    assert all(v != 10.0 for v, _, _ in got.values())
    # the same text from a text layer (no confidence) is the typesetter's spacing: one number
    asm = run(text(TABLE3), row(NEW, "0", "0 1 0", "0", "0", "0", "0", "10"))
    assert cells(asm)["commercial_enterprise"] == (10.0, "number", "0 1 0")
