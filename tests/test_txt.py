"""The .txt extractor: styles, encodings and traditional characters."""

import json
from pathlib import Path

import opencc
import pytest

from extractors.formats import txt
from extractors.pipeline import process_bytes

RAW = Path(__file__).resolve().parent.parent / "data" / "raw"
SEED_002 = (RAW / "002_fd629941e7a907e0.txt").read_text(encoding="utf-8")
SEED_004 = (RAW / "004_36850fe6bf2de14a.txt").read_text(encoding="utf-8")


def _cells(result):
    return {(v["table"], v["row"], v["column"]): v["value"] for v in result.values if v["row"]}


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b""), ("gb18030", b"")])
def test_encodings_give_the_same_values(encoding, bom):
    data = bom + SEED_002.encode(encoding)
    result = process_bytes(data, f"seed002-{encoding}.txt")
    assert result.report["status"] == "ok"
    assert _cells(result) == _cells(process_bytes(SEED_002.encode(), "seed002.txt"))
    expected = {"utf-8": "utf-8-sig" if bom else "utf-8", "gbk": "gb18030", "gb18030": "gb18030"}[encoding]
    assert result.report["format_detail"].startswith(expected)


def test_traditional_characters_are_matched():
    trad = opencc.OpenCC("s2t").convert(SEED_004)
    assert "處理決定數量" in trad
    result = process_bytes(trad.encode("utf-8"), "traditional.txt")
    assert result.report["template"] == "gb2019"
    assert _cells(result) == _cells(process_bytes(SEED_004.encode(), "s004.txt"))
    assert result.report["agency"] == "臨淄區城建中心"  # metadata keeps the report's own characters


def test_cell_per_line_joins_broken_labels_and_drops_bookmarks():
    doc = txt.extract((RAW / "001_c70ffb9ddb659733.txt").read_bytes(), "001.txt")
    texts = [c.text for r in doc.rows for c in r.cells]
    assert "本年新\n公开数量" in texts
    assert not any("[bookmark" in t for t in texts)
    assert doc.detail == "utf-8; cell-per-line"


def test_tab_split_keeps_displaced_section_label_as_a_label():
    doc = txt.extract(SEED_004.encode(), "004.txt")
    row = next(r for r in doc.rows if r.kind == "table" and "属于三类内部事务信息" in r.text)
    assert [c.text for c in row.cells][:3] == ["三、本年度办理结果", "开", "5. 属于三类内部事务信息"]


def test_short_row_with_nonzero_values_is_not_shifted():
    # A withheld row printing 6 of its 7 values, not all zero: which cell is missing cannot be told
    # (a missing part would be 0, a missing total 6), so the cells that differ between placements
    # are unreadable, never a neighbour's value; the two every placement fills with 0 are kept.
    text = SEED_004.replace("\t\t3. 危及“三安全一稳定”\t0\t0\t0\t0\t0\t0", "\t\t3. 危及“三安全一稳定”\t2\t0\t0\t0\t1\t3")
    assert text != SEED_004
    result = process_bytes(text.encode(), "short-row.txt")
    row = {v["column"]: (v["value"], v["value_kind"], v["raw_value"]) for v in result.values
           if v["row"] == "results.withheld.three_safeties"}
    unreadable = (None, "unreadable", None)
    assert row == {"natural_person": unreadable, "commercial_enterprise": unreadable,
                   "research_institution": (0.0, "number", None), "social_welfare_org": (0.0, "number", None),
                   "legal_service_org": unreadable, "other_org": unreadable, "total": unreadable}
    ambiguous = [f for f in result.findings if f["check"] == "placement_ambiguous"]
    assert [(f["row"], json.loads(f["detail"])) for f in ambiguous] == [(
        "results.withheld.three_safeties",
        {"printed": ["2", "0", "0", "0", "1", "3"],
         "unreadable": ["natural_person", "commercial_enterprise", "legal_service_org", "other_org", "total"]})]
    assert (result.report["status"], result.report["error"]) == ("partial", "193 of 198 template cells read")
