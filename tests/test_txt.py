"""The .txt extractor: styles, encodings and traditional characters; the one-pass style
detection and the metadata's leading lines against the plain line-by-line reading."""

import json
from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.errors import EmptyDocument
from extractors.formats import txt
from extractors.formats.txt import reader as txt_reader
from extractors.metadata import _leading_lines
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
    assert result.report["agency"] == "临淄区城建中心"  # canonical: simplified
    assert result.report["agency_printed"] == "臨淄區城建中心"  # as printed


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


# --- the reader's one-pass shortcuts give what the plain line-by-line reading gives ----------

LINE = st.text(alphabet=st.sampled_from("\t a1中\u3000\u00a0\x0c"), max_size=8)


def _style_counting_twice(lines: list[str]) -> tuple[int, int]:
    """(cell-per-line lines, tab-split lines) as the style detection first counted them."""
    cell = sum(1 for ln in lines if ln.startswith("\t") and "\t" not in ln[1:].rstrip("\t"))
    split = sum(1 for ln in lines if "\t" in ln.strip("\t") or (ln.count("\t") >= 2 and ln.strip()))
    return cell, split


@given(st.lists(LINE, max_size=12))
@settings(max_examples=500, deadline=None)
def test_style_and_plain_text_are_read_as_line_by_line(lines):
    text = "\n".join(lines)
    cell, split = _style_counting_twice(lines)
    style = txt_reader.detect_style(lines, text)
    if cell or split:
        assert style == ("cell-per-line" if cell >= split else "tab-split")
    else:
        assert style in ("plain", "flattened")
    if text.strip():
        doc = txt.extract(text.encode(), "x.txt")
        assert doc.text == "\n".join(ln.replace("\t", " ").strip() for ln in lines if ln.strip())


@pytest.mark.parametrize("blank", [b"", b" \n\t", "\u3000\u2028\u00a0".encode(), b"\xef\xbb\xbf \r\n"])
def test_a_text_of_whitespace_only_is_empty(blank):
    with pytest.raises(EmptyDocument, match="only whitespace|empty"):
        txt.extract(blank, "blank.txt")


@given(st.text(alphabet=st.sampled_from("ab \n\r\x0b\x0c\x1c\x85\u2028\u2029\t\u3000中"), max_size=40),
       st.integers(min_value=1, max_value=8))
@settings(max_examples=500, deadline=None)
def test_metadata_reads_the_leading_lines_a_full_split_gives(text, n):
    assert _leading_lines(text, n) == [ln.strip() for ln in text.splitlines() if ln.strip()][:n]
