"""Row labels wrapped over two lines or split by a page break, in every text style: the
halves are joined back when the joined label matches the vocabulary better (shapes as
pdftotext and Word's plain-text export print them)."""

import pytest

from extractors.formats.txt.wrapped import join_wrapped
from extractors.pipeline import process_bytes
from extractors.records import Cell, Row
from tests.reportgen import consistent_values, tab_split_report

# (full leaf label, where the cell wraps) for three long labels of table 3
WRAPS = {"3．危及“三安全一稳定”": 7, "2．没有现成信息需要另行制作": 8, "5．要求行政机关确认或重新出具已获取信息": 10}
ROWS = {"3．危及“三安全一稳定”": "results.withheld.three_safeties",
        "2．没有现成信息需要另行制作": "results.unavailable.needs_creation",
        "5．要求行政机关确认或重新出具已获取信息": "results.not_processed.confirm_reissue"}
HEADER = "测试区测试局2022年政府信息公开工作年度报告"


def _wrapped_lines(shape: str) -> list[list[str]]:
    """The report's lines as lists of fields, the three long labels wrapped in `shape`:
    `before` (first half alone, second half leads the values), `after` (values on the first
    line, second half alone) or `page` (first half, page number and running header, rest)."""
    vals = consistent_values()
    vals[("applications", "results.withheld.three_safeties", "natural_person")] = 0
    out = []
    for line in tab_split_report(vals).splitlines():
        fields = line.split("\t")
        leaf = next((f for f in fields if f in WRAPS), None)
        if leaf is None:
            out.append(fields)
            continue
        k = fields.index(leaf)
        a, b = leaf[: WRAPS[leaf]], leaf[WRAPS[leaf]:]
        if shape == "after":
            out += [fields[:k] + [a] + fields[k + 1:], [""] * k + [b]]
        else:
            out.append([""] * k + [a])
            if shape == "page":
                out += [["- 3 -"], [HEADER]]
            out.append(fields[:k] + [b] + fields[k + 1:])
    return out


def _as_style(fields: list[list[str]], style: str) -> str:
    if style == "tab-split":
        return "\n".join("\t".join(f) for f in fields) + "\n"
    if style == "spaced":  # pdftotext: cells apart by runs of spaces
        return "\n".join("   ".join(x for x in f if x) if len(f) > 1 else f[0] for f in fields) + "\n"
    lines = []  # cell-per-line: a row's cells one per line after a tab, a blank line after the row
    for f in fields:
        if len(f) == 1:
            lines += [f[0], ""]
        else:
            lines += ["\t" + x for x in f] + [""]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("style", ["tab-split", "spaced", "cell-per-line"])
@pytest.mark.parametrize("shape", ["before", "after", "page"])
def test_wrapped_and_page_split_labels_are_joined_in_every_text_style(style, shape):
    text = _as_style(_wrapped_lines(shape), style)
    res = process_bytes(text.encode(), f"wrapped-{style}-{shape}.txt")
    assert res.report["status"] == "ok", (res.report["error"], text)
    assert not [f for f in res.findings if f["check"] in ("unmatched_label", "unlabelled_row")]
    for leaf, key in ROWS.items():
        cells = [v for v in res.values if v["table"] == "applications" and v["row"] == key]
        assert len(cells) == 7 and all(v["value_kind"] == "number" for v in cells), (key, cells)
        assert cells[0]["raw_row_label"].endswith(leaf), cells[0]["raw_row_label"]
    vals = consistent_values()
    got = {(v["table"], v["row"], v["column"]): v["value"] for v in res.values if v["row"]}
    assert all(got[k] == x for k, x in vals.items() if k in got) and len(got) == res.report["cells_expected"]


def test_a_fragment_is_joined_only_when_the_vocabulary_says_so():
    # a caption line before a complete label, and a stray word after one: left as they are
    rows = [Row("text", [Cell("第二十条第（一）项")]), Row("table", [Cell("规章"), Cell("0"), Cell("0"), Cell("0")]),
            Row("text", [Cell("备注")]), Row("table", [Cell("（一）予以公开"), Cell("1")])]
    assert join_wrapped(rows) == rows
    # the halves of a label: joined, the page number between them dropped
    rows = [Row("text", [Cell("3．危及“三安全")]), Row("text", [Cell("第 3 页 共 5 页")]),
            Row("table", [Cell("一稳定”"), Cell("0"), Cell("2")])]
    joined = join_wrapped(rows)
    assert [r.text for r in joined] == ["3．危及“三安全一稳定” 0 2"]
