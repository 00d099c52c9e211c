"""The converter Markdown reader (extractors.formats.markdown) and the rows it hands the
assembler: the real kewei-2024.txt end to end, generated variants, sniffing, bad tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.corpus import generate, make_report
from benchmarks.synth.layout import build_document
from benchmarks.synth.write_md import render_md
from extractors.discover import discover
from extractors.evaluate.scoring import value_matches
from extractors.formats import markdown
from extractors.formats.markdown.lines import is_pipe_row, is_separator, pipe_cells
from extractors.formats.sniff import sniff
from extractors.pipeline import process_bytes
from extractors.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "real"
KEWEI = REAL / "kewei-2024.txt"
IN_PROCESS = Settings(sandboxed_formats=())


def _gold(path: str) -> dict:
    for line in (REAL / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        if g["path"] == path:
            return g
    raise AssertionError(f"no gold for {path}")


def _placed(result) -> dict[tuple, dict]:
    return {(v["table"], v["row"], v["column"]): v for v in result.values
            if v["row"] is not None and v["column"] is not None and v["table"] != "narrative"}


def test_kewei_every_gold_cell_right_and_the_empty_one_null_with_a_finding():
    result = process_bytes(KEWEI.read_bytes(), KEWEI.name, settings=IN_PROCESS)
    assert result.report["format"] == "markdown"
    assert result.report["template"] == "gb2021"
    gold = {(t, r, c): v for t, r, c, v in _gold("kewei-2024.txt")["cells"]}
    placed = _placed(result)
    assert set(placed) == set(gold)  # nothing extra, nothing missing
    wrong = {k: (g, placed[k]["value"]) for k, g in gold.items()
             if g is not None and (placed[k]["value_kind"] != "number" or placed[k]["value"] != g)}
    assert wrong == {}
    empty = ("applications", "carried_forward", "total")
    assert gold[empty] is None and placed[empty]["value_kind"] == "blank" and placed[empty]["value"] is None
    assert any(f["row"] == "carried_forward" and f["column"] == "total" for f in result.findings)
    # The displaced labels: rows placed by the template's order, each said so.
    by_order = {f["row"] for f in result.findings if f["check"] == "placed_by_order"}
    assert {"results.partially_disclosed", "results.unavailable.not_held", "results.other.unpaid_fee"} <= by_order
    assert not [f for f in result.findings if f["check"] in ("unlabelled_row", "unmatched_label", "order_unconfirmed")]


def test_kewei_table_2_lines_of_a_label_and_a_value_are_rows():
    doc = markdown.extract(KEWEI.read_bytes(), KEWEI.name)
    rows = [[c.text for c in r.cells] for r in doc.rows if r.kind == "table" and not r.positional]
    assert ["行政许可", "97"] in rows and ["行政事业性收费", "0"] in rows
    # Narrative lines ending in a figure stay text: their label is a sentence.
    assert not any(r[0].startswith("0") or "，" in r[0] for r in rows)


@pytest.fixture(scope="module")
def md_corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("md")
    return out, generate(out, 60, 5, ("md",), log=lambda *a, **k: None)


def test_the_md_corpus_holds_every_shape(md_corpus):
    _, gold = md_corpus
    shapes = {p.split(":")[1] for g in gold for p in g["perturbations"] if p.startswith("md:")}
    assert {"one_row_tables", "displaced", "padded_header", "table2_text", "captions", "hash_headings",
            "txt_extension", "dropped_cell", "no_separator"} <= shapes
    assert {g["path"].rsplit(".", 1)[1] for g in gold} == {"md", "txt"}


@pytest.mark.parametrize("index", range(0, 60, 5))
def test_generated_markdown_variants_never_get_a_wrong_number(md_corpus, index):
    """Documents of the md corpus: every gold cell right or null, never another number."""
    out, gold = md_corpus
    g = gold[index]
    path = out / g["path"]
    result = process_bytes(path.read_bytes(), path.name, settings=IN_PROCESS)
    placed = _placed(result)
    right = 0
    for t, r, c, v in g["cells"]:
        got = placed.pop((t, r, c), None)
        # a row the arithmetic could not confirm is null, never a wrong number
        assert got is None or value_matches(v, got["value"], got["value_kind"]), (g["path"], t, r, c, v, got)
        right += got is not None
    assert placed == {}  # nothing placed outside the gold cells
    assert right >= 0.9 * len(g["cells"])
    assert result.report["format"] == "markdown"


def test_a_displaced_row_whose_gap_does_not_add_up_is_not_placed():
    """Two label-less rows where the template has one row: both stored unplaced."""
    text = "\n".join([
        "二、主动公开政府信息情况", "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |", "|---|---|---|---|",
        "三、收到和处理政府信息公开申请情况",
        "| 一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
        "| 1 | 0 | 0 | 0 | 0 | 0 | 1 |", "|---|---|---|---|---|---|---|",
        "| 2 | 0 | 0 | 0 | 0 | 0 | 2 |", "|---|---|---|---|---|---|---|",
        "| （一）予以公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |", ""])
    result = process_bytes(text.encode(), "gap.md", settings=IN_PROCESS)
    placed = _placed(result)
    assert ("applications", "carried_over", "total") not in placed
    assert sum(1 for f in result.findings if f["check"] == "unlabelled_row") == 2
    assert placed[("applications", "results.disclosed", "total")]["value"] == 1


def test_sniffing_markdown_against_plain_text_and_the_seeds():
    assert sniff(KEWEI.read_bytes(), "kewei-2024.txt") == "markdown"
    assert sniff("| 规章 | 0 | 0 | 0 |\n| 规范性文件 | 1 | 0 | 1 |\n".encode(), "a.txt") == "markdown"
    assert sniff("标题\n|---|---|\n".encode("gbk"), "b.md") == "markdown"
    for path in [*sorted((ROOT / "data" / "raw").glob("*.txt")), *sorted(REAL.glob("pingtan-*.txt"))]:
        assert sniff(path.read_bytes(), path.name) == "txt", path.name
    # One pipe in running text, or a line merely starting with one, is not a table.
    assert sniff("收费 | 0 元\n正文\n".encode(), "c.txt") == "txt"
    assert sniff("|单独一行\n正文\n".encode("gbk"), "d.txt") == "txt"


def test_md_files_are_discovered_and_their_readme_is_not(tmp_path):
    (tmp_path / "report.md").write_text("| 规章 | 0 | 0 | 0 |\n", encoding="utf-8")
    (tmp_path / "report.markdown").write_text("| 规章 | 0 | 0 | 0 |\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# notes\n", encoding="utf-8")
    _, files = discover(tmp_path)
    assert sorted(p.name for p in files) == ["report.markdown", "report.md"]


@pytest.mark.parametrize("text", [
    "| 规章 | 0 | 0\n| 规范性文件 |\n|---|\n",            # rows without closing pipes, ragged
    "|||||\n|---|---|\n| | | |\n",                     # nothing but pipes
    "| " + " | ".join(["1"] * 5000) + " |\n| a | b |\n",  # a very wide row
    "| \\| | x \\| y |\n| a | b |\n",                     # escaped pipes
])
def test_a_malformed_pipe_table_gives_a_clear_result(text):
    result = process_bytes(text.encode(), "bad.md", settings=IN_PROCESS)
    assert result.report["format"] == "markdown"
    assert result.report["status"] in ("not_a_report", "partial") and result.report["error"]
    # A ragged row's values cannot be placed with certainty: unreadable, never a number.
    assert {v["value_kind"] for v in _placed(result).values()} <= {"unreadable"}


def test_line_helpers():
    assert is_separator("|---|:---:|---:|") and is_separator("---")
    assert not is_separator("| - | - | - |")  # cells printed as '-' (not applicable)
    assert is_pipe_row("| a | b |") and is_pipe_row("a | b | c") and not is_pipe_row("a | b")
    assert pipe_cells("| **规章** | 0<br>1 | a \\| b |  |") == ["规章", "0\n1", "a | b", ""]


def test_render_md_is_deterministic():
    texts = []
    for _ in range(2):
        report, agency, rng = make_report(3, 9)
        texts.append(render_md(build_document(report, agency, rng, "md"), rng))
    assert texts[0] == texts[1] and "|" in texts[0]


def test_a_padded_row_is_trimmed_only_when_its_columns_are_certain():
    from extractors.records import Cell
    from extractors.tables.assemble import _strip_padding

    def texts(cells):
        return [c.text for c in cells]

    # trailing padding only: one window of 7 holds every printed cell
    row = [Cell(t) for t in ["32", "2", "0", "0", "0", "0", "34", ""]]
    assert texts(_strip_padding(row, 7)) == ["32", "2", "0", "0", "0", "0", "34"]
    # blanks on both sides (blank cells may be printed zeros): two windows fit, so unchanged
    row = [Cell(t) for t in ["", "", "1", "", "", "", "", "1", "", ""]]
    assert texts(_strip_padding(row, 7)) == texts(row)
