"""The table walker on hand-built rows: rows a reader already identified (`Row.key`),
and the state and placement helpers it writes through."""

from __future__ import annotations

from extractors.arithmetic.digits import ALL_ROWS
from extractors.labels.matching import MIN_ROW_SCORE, matcher
from extractors.records import Cell, RawDocument, Row
from extractors.tables.assemble import TableWalker, assemble, document_text
from extractors.tables.cells import ParsedValue
from extractors.tables.placement import dedupe, placement, split_label_value, split_row, trim
from extractors.tables.state import TableState
from extractors.template import row_sum_positions

T3_HEADING = Row("text", [Cell("三、收到和处理政府信息公开申请情况")])
T4_HEADING = Row("text", [Cell("四、政府信息公开行政复议、行政诉讼情况")])
# 6|0|0|0|0|1|7 (one split fits the row total), 1|0|0|0|0|0|1
T3_ROWS = [("（一）予以公开", "6000017", "results.disclosed"), ("（二）部分公开", "1000001", "results.partially_disclosed")]
T4_RUN = "1 0 0 0 1 0 0 0 0 0 0 0 0 0 0"


def _doc(keyed: bool, label_of=lambda label: label) -> RawDocument:
    rows = [T3_HEADING]
    for label, run, key in T3_ROWS:
        rows.append(Row("table", [Cell(label_of(label)), Cell(run, fused=True)],
                        key=("applications", key) if keyed else None))
    rows.append(T4_HEADING)
    rows.append(Row("table", [Cell(""), Cell(T4_RUN, fused=True)], key=("review_litigation", ALL_ROWS) if keyed else None))
    return RawDocument("txt", rows, "本年制发件数 本年废止件数")


def _cells(asm):
    return [(v.table, v.row, v.column, v.value, v.value_kind, v.raw_value, v.raw_row_label, v.match_score)
            for v in asm.values]


def test_a_keyed_fused_row_gets_what_the_same_row_unkeyed_gets():
    keyed, unkeyed = assemble(_doc(True), 2022), assemble(_doc(False), 2022)
    assert _cells(keyed) == _cells(unkeyed)
    assert [f.as_record() for f in keyed.findings] == [f.as_record() for f in unkeyed.findings]
    got = {(v.row, v.column): v.value for v in keyed.values}
    assert got[("results.disclosed", "natural_person")] == 6 and got[("results.disclosed", "total")] == 7
    assert got[("review", "upheld")] == 1 and got[("review", "total")] == 1
    assert keyed.tables_found == ["applications", "review_litigation"]


def test_a_keyed_row_is_placed_under_its_key_without_a_search():
    garbled = "予以答复"  # matches no row: unkeyed it is stored unmatched
    keyed = assemble(_doc(True, lambda label: garbled if "予以" in label else label), 2022)
    unkeyed = assemble(_doc(False, lambda label: garbled if "予以" in label else label), 2022)
    row = [v for v in keyed.values if v.row == "results.disclosed"]
    assert len(row) == 7 and {v.raw_row_label for v in row} == {garbled}
    assert row[0].match_score == matcher().score_row(garbled, "applications", "results.disclosed") < MIN_ROW_SCORE
    assert not any(v.row == "results.disclosed" for v in unkeyed.values)
    assert any(f.check == "unmatched_label" for f in unkeyed.findings)


def test_walker_state_is_public():
    doc = _doc(False)
    state = TableWalker(doc, "gb2021").run()
    assert isinstance(state, TableState)
    assert ("applications", "results.disclosed") in state.seen and state.section == "review_litigation"
    assert "本年制发件数" in document_text(doc) and "（一）予以公开" in document_text(doc)


def test_state_claims_a_row_once_and_stores_unmatched_values_in_the_current_table():
    state = TableState("gb2021")
    assert state.claim("applications", "new_received") and not state.claim("applications", "new_received")
    state.enter("applications")
    state.store_unmatched("某行", [Cell("3"), Cell("")], "unmatched_label", "no row")
    assert [(v.table, v.row, v.raw_value) for v in state.values] == [("applications", None, "3")]
    assert state.findings[0].check == "unmatched_label" and state.tables == ["applications"]
    assert state.unit("active_disclosure", "fees", "amount_10k_yuan") == "万元"
    assert state.unit("applications", "new_received", "total") is None


def test_placement_pins_a_missing_cell_only_when_the_arithmetic_does():
    cols = ["upheld", "corrected", "other", "pending", "total"]
    sums = row_sum_positions("review_litigation", cols)
    # 4 of 5 printed: 3 3 3 4 fits only with the total missing (a part would be negative)
    cells = [Cell("3"), Cell("3"), Cell("3"), Cell("4")]
    assert placement(cells, 5, sums) == [*cells, ParsedValue(13.0, "number")]
    # 1 1 1 3 fits with any cell missing (as 0, or a total of 6): nothing is certain
    assert placement([Cell("1"), Cell("1"), Cell("1"), Cell("3")], 5, sums) == [None] * 5
    assert placement([Cell("1")] * 5, 5, sums) == [Cell("1")] * 5
    assert placement([Cell("1")] * 6, 5, sums) == [None] * 5


def test_row_splitting_helpers():
    label, value = split_label_value(Cell("政府信息公开发布总数量（非新闻类）：12"))
    assert (label.text, value.text) == ("政府信息公开发布总数量（非新闻类）", "12")
    assert split_label_value(Cell("一、总体情况")) is None
    labels, values = split_row([Cell("（七）总计"), Cell("3"), Cell("")], grid=True)
    assert [c.text for c in labels] == ["（七）总计"] and [c.text for c in values] == ["3", ""]
    assert [c.text for c in trim([Cell(""), Cell("1"), Cell(" ")], grid=False)] == ["1"]
    assert dedupe(["三、本年度办理结果", "三、本年度办理结果 ", "（一）予以公开"]) == ["三、本年度办理结果", "（一）予以公开"]
