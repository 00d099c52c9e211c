"""The .txt extractor: styles, encodings and traditional characters."""

from pathlib import Path

import opencc
import pytest

from extractors.formats.txt import reader as txt
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
    # A withheld row printing 6 of its 7 values, not all zero: which cell is missing cannot be told,
    # so the cells that differ between placements are unreadable, never a neighbour's value.
    text = SEED_004.replace("→→3. 危及“三安全一稳定”→0→0→0→0→0→0", "").replace(
        "\t\t3. 危及“三安全一稳定”\t0\t0\t0\t0\t0\t0", "\t\t3. 危及“三安全一稳定”\t2\t0\t0\t0\t1\t3")
    result = process_bytes(text.encode(), "short-row.txt")
    row = {v["column"]: v for v in result.values if v["row"] == "results.withheld.three_safeties"}
    assert row["total"]["value_kind"] == "unreadable" or row["total"]["value"] == 3
    kinds = {c: v["value_kind"] for c, v in row.items()}
    assert "unreadable" in kinds.values()
    assert row["commercial_enterprise"]["value_kind"] == "unreadable"
    assert any(f["check"] == "placement_ambiguous" and f["row"] == "results.withheld.three_safeties"
               for f in result.findings)
    assert result.report["status"] == "partial"
