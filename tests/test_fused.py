"""Cells that ran together (the flattened-text path): a row whose value cell is
`Cell(run, fused=True)`, as extractors.formats.txt.flattened emits it, is split back into
cells by the template arithmetic through `extractors.tables.assemble.assemble`."""

from __future__ import annotations

from reportgen import APPLICATION_COLUMNS as APPLICANTS
from reportgen import NEW_RECEIVED as NEW
from reportgen import REVIEW_COLUMNS as REVIEW
from reportgen import TABLE2_HEADING as TABLE2
from reportgen import TABLE3_HEADING as TABLE3
from reportgen import TABLE4_HEADING as TABLE4

from extractors.records import Cell, RawDocument, Row
from extractors.settings import DEFAULT
from extractors.tables.assemble import assemble

# The notes the solver adds for a table-3 row solved on its own: the column checks need rows
# that a one-row document does not have.
RESULT_ROWS = (
    "results.disclosed, results.partially_disclosed, results.withheld.state_secret, "
    "results.withheld.prohibited_by_law, results.withheld.three_safeties, results.withheld.third_party_rights, "
    "results.withheld.internal_affairs, results.withheld.process_info, results.withheld.enforcement_files, "
    "results.withheld.admin_query, results.unavailable.not_held, results.unavailable.needs_creation, "
    "results.unavailable.unclear, results.not_processed.petition, results.not_processed.duplicate, "
    "results.not_processed.publication, results.not_processed.excessive, results.not_processed.confirm_reissue, "
    "results.other.overdue_correction, results.other.unpaid_fee, results.other.other, results.total")
LONE_ROW_NOTES = [f"applications.results_sum not applied: rows missing or unsplittable: {RESULT_ROWS}",
                  "applications.balance not applied: rows missing or unsplittable: carried_over, results.total, "
                  "carried_forward"]


def text(line: str) -> Row:
    return Row("text", [Cell(line)])


def fused(label: str, run: str) -> Row:
    return Row("table", [Cell(label), Cell(run, fused=True)])


def run(*rows: Row, narrative: str = ""):
    doc = RawDocument("txt", list(rows), narrative + "\n".join(r.text for r in rows))
    return assemble(doc, 2022, DEFAULT)


def cells(asm, table="applications", key="new_received"):
    return {v.column: (v.value, v.value_kind, v.raw_value) for v in asm.values if (v.table, v.row) == (table, key)}


def numbers(columns, values):
    return {c: (float(x), "number", str(x)) for c, x in zip(columns, values, strict=True)}


def findings(asm):
    return [(f.check, f.severity, f.table, f.row, f.message) for f in asm.findings]


# ---- table 3 -------------------------------------------------------------------------------
def test_a_unique_split_is_stored_with_an_info_finding():
    asm = run(text(TABLE3), fused(NEW, "3100105"))
    assert cells(asm) == numbers(APPLICANTS, (3, 1, 0, 0, 1, 0, 5))
    assert {(v.raw_row_label, v.match_score) for v in asm.values} == {(NEW, 1.0)}
    assert findings(asm) == [(
        "reconstructed_split", "info", "applications", "new_received",
        "applications.new_received: cells run together in '3100105'; the template arithmetic leaves one split "
        "3 | 1 | 0 | 0 | 1 | 0 | 5")]
    assert asm.findings[0].detail == {
        "run": "3100105", "status": "unique", "candidates": [[3, 1, 0, 0, 1, 0, 5]], "n_candidates": 1,
        "broken": [], "confidence": "high", "hint_used": False, "notes": LONE_ROW_NOTES}


def test_a_split_that_breaks_the_row_total_is_a_warning():
    # seven digits for seven cells: one split only, and its parts add up to 5, not 6
    asm = run(text(TABLE3), fused(NEW, "3100106"))
    assert cells(asm) == numbers(APPLICANTS, (3, 1, 0, 0, 1, 0, 6))  # the printed figures, not "fixed"
    assert findings(asm) == [(
        "reconstructed_split", "warning", "applications", "new_received",
        "applications.new_received: cells run together in '3100106'; the template arithmetic leaves one split "
        "3 | 1 | 0 | 0 | 1 | 0 | 6 (low confidence: the report breaks applications.row_total)")]
    detail = asm.findings[0].detail
    assert (detail["status"], detail["broken"], detail["confidence"]) == ("unique", ["applications.row_total"], "low")


def test_an_ambiguous_split_leaves_the_disputed_cells_unreadable():
    # 1|10|0|0|0|0|11 and 11|0|0|0|0|0|11 both satisfy the row total
    asm = run(text(TABLE3), fused(NEW, "110000011"))
    unreadable = (None, "unreadable", None)
    assert cells(asm) == {"natural_person": unreadable, "commercial_enterprise": unreadable,
                          **numbers(APPLICANTS[2:], (0, 0, 0, 0, 11))}
    assert findings(asm) == [(
        "ambiguous_split", "warning", "applications", "new_received",
        "applications.new_received: cells run together in '110000011' and 2 splits remain: "
        "1 | 10 | 0 | 0 | 0 | 0 | 11; 11 | 0 | 0 | 0 | 0 | 0 | 11; undetermined cells stored as unreadable")]
    detail = asm.findings[0].detail
    assert (detail["status"], detail["n_candidates"], detail["candidates"]) == (
        "ambiguous", 2, [[1, 10, 0, 0, 0, 0, 11], [11, 0, 0, 0, 0, 0, 11]])


def test_a_fused_row_with_an_unmatched_label_is_kept_unmatched():
    asm = run(text(TABLE3), fused("本年度收到的信件数量", "42"))
    assert [(v.table, v.row, v.value, v.raw_value) for v in asm.values] == [("applications", None, 42.0, "42")]
    assert findings(asm) == [("unmatched_label", "warning", "applications", None,
                              "row label '本年度收到的信件数量' matches no canonical row")]


def test_a_second_fused_copy_of_a_row_replaces_the_first():
    # Today's behaviour (reported, not changed here): unlike a delimited row, whose second copy
    # is stored unmatched with a duplicate_row finding, a fused row printed twice keeps only the
    # later run, and nothing records the first.
    asm = run(text(TABLE3), fused(NEW, "3100105"), fused(NEW, "1100002"))
    assert cells(asm) == numbers(APPLICANTS, (1, 1, 0, 0, 0, 0, 2))
    assert [v.row for v in asm.values if v.row is None] == []
    assert [f.check for f in asm.findings] == ["reconstructed_split"]


# ---- table 4 ---------------------------------------------------------------------------------
def test_table4_as_one_15_digit_run():
    asm = run(text(TABLE4), fused("", "200021000100000"))
    assert asm.tables_found == ["review_litigation"]
    assert cells(asm, "review_litigation", "review") == numbers(REVIEW, (2, 0, 0, 0, 2))
    assert cells(asm, "review_litigation", "litigation_direct") == numbers(REVIEW, (1, 0, 0, 0, 1))
    assert cells(asm, "review_litigation", "litigation_after_review") == numbers(REVIEW, (0, 0, 0, 0, 0))
    # with no printed label, each row carries its template label
    assert [v.raw_row_label for v in asm.values if v.column == "total"] == ["行政复议", "未经复议直接起诉", "复议后起诉"]
    assert findings(asm) == [
        ("reconstructed_split", "info", "review_litigation", key,
         f"review_litigation.{key}: cells run together in '200021000100000'; the template arithmetic leaves one "
         f"split {split}")
        for key, split in (("review", "2 | 0 | 0 | 0 | 2"), ("litigation_direct", "1 | 0 | 0 | 0 | 1"),
                           ("litigation_after_review", "0 | 0 | 0 | 0 | 0"))]


def test_a_15_digit_run_opens_table4_without_a_heading():
    asm = run(fused("", "200021000100000"))
    assert asm.tables_found == ["review_litigation"]
    assert cells(asm, "review_litigation", "review") == numbers(REVIEW, (2, 0, 0, 0, 2))


def test_a_table4_group_that_breaks_its_total_is_a_warning():
    asm = run(text(TABLE4), fused("", "200031000100000"))
    assert cells(asm, "review_litigation", "review") == numbers(REVIEW, (2, 0, 0, 0, 3))
    assert [(f.row, f.severity, f.detail["broken"]) for f in asm.findings] == [
        ("review", "warning", ["review_litigation.row_total"]),
        ("litigation_direct", "info", []), ("litigation_after_review", "info", [])]
    assert asm.findings[0].message.endswith("(low confidence: the report breaks review_litigation.row_total)")


# ---- table 2 ---------------------------------------------------------------------------------
def test_table2_has_no_arithmetic_so_a_run_stays_ambiguous():
    asm = run(text(TABLE2), fused("行政规范性文件", "7777166"))
    assert cells(asm, "active_disclosure", "normative_documents") == {
        c: (None, "unreadable", None) for c in ("issued", "repealed", "in_force")}
    assert findings(asm) == [(
        "ambiguous_split", "warning", "active_disclosure", "normative_documents",
        "active_disclosure.normative_documents: cells run together in '7777166' and 15 splits remain: "
        "7 | 7 | 77166; 7 | 77 | 7166; 7 | 777 | 166; 7 | 7771 | 66; 7 | 77716 | 6 and 10 more; "
        "undetermined cells stored as unreadable")]
    assert asm.findings[0].detail["n_candidates"] == len(asm.findings[0].detail["candidates"]) == 15


def test_figures_stated_in_the_narrative_pin_a_table2_split():
    asm = run(text(TABLE2), fused("行政规范性文件", "7777166"),
              narrative="本年度制发规范性文件77件，现行有效规范性文件166件。\n")
    assert cells(asm, "active_disclosure", "normative_documents") == numbers(
        ("issued", "repealed", "in_force"), (77, 77, 166))
    assert findings(asm) == [(
        "reconstructed_split", "info", "active_disclosure", "normative_documents",
        "active_disclosure.normative_documents: cells run together in '7777166'; the template arithmetic leaves "
        "one split 77 | 77 | 166; a figure stated in the text pinned it")]
    detail = asm.findings[0].detail
    assert (detail["hint_used"], detail["notes"]) == (
        True, ["hint normative_documents.issued=77 used", "hint normative_documents.in_force=166 used"])


def test_a_one_cell_row_has_nothing_run_together():
    asm = run(text(TABLE2), fused("行政许可", "5"))
    assert cells(asm, "active_disclosure", "licensing") == {"decisions": (5.0, "number", "5")}
    assert asm.findings == []
