"""The five real seed reports: every value of all three tables, template, year and agency."""

from pathlib import Path

import pytest

from extractors.pipeline import process_path
from schemas import TABLES, schema

RAW = Path(__file__).resolve().parent.parent / "data" / "raw"

# (file, template, year, agency, text style, cells that are not 0)
SEEDS = [
    ("000_67aac09db402278c.txt", "gb2019", 2020, "临淄区中小企业发展中心", "cell-per-line", {}),
    ("001_c70ffb9ddb659733.txt", "gb2019", 2020, "张店区投资促进局", "cell-per-line",
     {("active_disclosure", "procurement", "items"): 1.0,
      ("active_disclosure", "procurement", "amount"): 1647000.0}),
    ("002_fd629941e7a907e0.txt", "gb2021", 2021, "临淄区工业和信息化局", "cell-per-line", {}),
    ("003_ac1d9afdc6b90a14.txt", "gb2019", 2020, "绿园区工信局", "cell-per-line", {}),
    ("004_36850fe6bf2de14a.txt", "gb2019", 2020, "临淄区城建中心", "tab-split", {}),
]


def expected_cells(template: str, nonzero: dict) -> dict:
    s = schema()
    cells = {}
    for table in TABLES:
        for r in s.rows(table, template):
            if template == "gb2021" and r.key == "results.other":
                continue
            for c in s.columns(table, r.key, template):
                cells[(table, r.key, c.key)] = nonzero.get((table, r.key, c.key), 0.0)
    return cells


@pytest.mark.parametrize("name,template,year,agency,style,nonzero", SEEDS, ids=[s[0][:3] for s in SEEDS])
def test_seed_values(name, template, year, agency, style, nonzero):
    result = process_path(RAW / name, RAW)
    rep = result.report
    assert (rep["template"], rep["year"], rep["agency"]) == (template, year, agency)
    assert rep["format"] == "txt" and style in rep["format_detail"]
    assert rep["status"] == "ok", rep["error"]
    got = {(v["table"], v["row"], v["column"]): v for v in result.values
           if v["row"] is not None and v["table"] != "narrative"}
    want = expected_cells(template, nonzero)
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key]["value_kind"] == "number", key
        assert got[key]["value"] == value, key
    assert rep["cells_found"] == rep["cells_expected"] == len(want)


def test_seed_002_is_gb2021_with_three_other_subrows():
    result = process_path(RAW / "002_fd629941e7a907e0.txt", RAW)
    rows = {v["row"] for v in result.values if v["table"] == "applications"}
    assert {"results.other.overdue_correction", "results.other.unpaid_fee", "results.other.other"} <= rows
    assert "results.other" not in rows
    fees = [v for v in result.values if v["row"] == "fees"]
    assert [v["column"] for v in fees] == ["amount_10k_yuan"]
    assert fees[0]["raw_column_label"].startswith("本年收费金额")


def test_seed_001_keeps_raw_labels_and_scores():
    result = process_path(RAW / "001_c70ffb9ddb659733.txt", RAW)
    cell = next(v for v in result.values if v["row"] == "results.not_processed.confirm_reissue"
                and v["column"] == "total")
    assert "要求行政机关确认或重新" in cell["raw_row_label"]
    assert cell["match_score"] == 1.0  # "5.要求…" normalises to the template's "5．要求…"
    new_pub = next(v for v in result.values if v["row"] == "rules" and v["column"] == "new_published")
    assert new_pub["raw_column_label"] == "本年新\n公开数量"
    assert new_pub["raw_value"].strip() == "0"
    assert new_pub["page"] is None


def test_seed_003_unmatched_row_is_kept_with_a_finding():
    result = process_path(RAW / "003_ac1d9afdc6b90a14.txt", RAW)
    extra = [v for v in result.values if v["row"] is None]
    assert len(extra) == 1
    assert extra[0]["raw_row_label"].startswith("2020年本行政区域（或本部门）政府信息公开发布总数量")
    assert extra[0]["value"] == 1.0 and extra[0]["table"] == "active_disclosure"
    assert any(f["check"] == "unmatched_label" and "发布总数量" in f["message"] for f in result.findings)


def test_seed_004_short_rows_are_pinned_by_arithmetic_not_shifted():
    result = process_path(RAW / "004_36850fe6bf2de14a.txt", RAW)
    inferred = [f for f in result.findings if f["check"] == "placement_inferred"]
    assert {f["row"] for f in inferred} == {
        "results.disclosed", "results.partially_disclosed", "results.withheld.state_secret",
        "results.withheld.prohibited_by_law", "results.withheld.three_safeties",
        "results.withheld.third_party_rights"}
    disclosed = [v for v in result.values if v["row"] == "results.disclosed"]
    assert len(disclosed) == 7 and all(v["value"] == 0 and v["raw_value"] is None for v in disclosed)
