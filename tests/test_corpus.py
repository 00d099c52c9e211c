"""The corpus generator (benchmarks.corpus): determinism, arithmetic, formats, samples."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import docx
import lxml.html
import opencc
import pytest

from benchmarks.corpus import generate
from benchmarks.synth.write_pdf import page_texts, table3_pages
from schemas import schema

SEED = 7
N = 70  # ten blocks of seven: exactly ten documents break one identity
FAST_FORMATS = ("txt", "docx", "html")
APPLICANT = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
             "legal_service_org", "other_org")
CHECK_IDS = {"applications.balance", "applications.results_sum", "applications.row_total",
             "review_litigation.row_total"}
SAMPLES = Path("data/raw/samples")


def _quiet(*args, **kwargs):
    pass


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("corpus")
    gold = generate(out, N, SEED, FAST_FORMATS, log=_quiet)
    return out, gold


def _encoding(g: dict) -> str | None:
    enc = [p.split(":", 1)[1] for p in g["perturbations"] if p.startswith("encoding:")]
    return enc[0] if enc else None


def _num(v) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0


def failing_checks(g: dict) -> set[str]:
    """The template identities a gold document breaks (written independently of the generator)."""
    cells = {(t, r, c): v for t, r, c, v in g["cells"]}
    rows = [r.key for r in schema().rows("applications", g["template"])]
    leaves = [r for r in rows if r.startswith("results.") and r != "results.total"]
    a = lambda r, c: _num(cells[("applications", r, c)])  # noqa: E731
    fails = set()
    for c in (*APPLICANT, "total"):
        if a("new_received", c) + a("carried_over", c) != a("results.total", c) + a("carried_forward", c):
            fails.add("applications.balance")
        if abs(sum(a(r, c) for r in leaves) - a("results.total", c)) > 1e-9:
            fails.add("applications.results_sum")
    for r in rows:
        if sum(a(r, c) for c in APPLICANT) != a(r, "total"):
            fails.add("applications.row_total")
    for r in ("review", "litigation_direct", "litigation_after_review"):
        parts = sum(_num(cells[("review_litigation", r, c)]) for c in ("upheld", "corrected", "other", "pending"))
        if parts != _num(cells[("review_litigation", r, "total")]):
            fails.add("review_litigation.row_total")
    return fails


# ---- gold ----------------------------------------------------------------------------------------
def test_gold_file_matches_return_value(corpus):
    out, gold = corpus
    lines = [json.loads(x) for x in (out / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x]
    assert lines == gold
    assert len(gold) == N
    for g in gold:
        assert list(g) == ["path", "format", "template", "year", "agency", "agency_alt", "published_on",
                           "index_number", "cells", "perturbations", "broken_check", "notes"] \
            + (["region", "agency_key"] if g["template"] else [])  # who reported (issue #15): reports only


def _reports(gold: list[dict]) -> list[dict]:
    """The gold of the reports (not of the few notices, which have no tables)."""
    return [g for g in gold if g["template"]]


def test_notices_have_no_cells_and_no_agency(tmp_path):
    gold = generate(tmp_path, 200, 1, ("txt",), log=_quiet)
    notices = [g for g in gold if "notice" in g["perturbations"]]
    assert notices, "the corpus holds a few documents that are not reports"
    for g in notices:
        assert g["cells"] == [] and g["agency"] is None and g["template"] is None and not g["broken_check"]
    for g in _reports(gold):
        assert g["agency"] and "年" not in g["agency"] and "#" not in g["agency"]


def test_gold_covers_every_cell_of_the_template(corpus):
    _, gold = corpus
    s = schema()
    for g in _reports(gold):
        t = g["template"]
        if t == "pre2019":  # the old 统计表: no canonical cells
            assert g["cells"] == [] and 2008 <= g["year"] <= 2018 and "pre2019_format" in g["perturbations"]
            continue
        assert (t == "gb2019") == (g["year"] in (2019, 2020)), g["path"]
        assert 2019 <= g["year"] <= 2025
        expected = [(table, r.key, c.key) for table in ("active_disclosure", "applications", "review_litigation")
                    for r in s.rows(table, t) for c in s.columns(table, r.key, t)]
        assert [tuple(c[:3]) for c in g["cells"]] == expected, g["path"]
        assert len(g["cells"]) == s.expected_cells(t)
        keys = {c[1] for c in g["cells"] if c[0] == "applications"}
        if t == "gb2021":
            assert "results.other" not in keys and "results.other.overdue_correction" in keys
        for *_, v in g["cells"]:
            assert v is None or isinstance(v, int | float) or v in ("/", "-", "—"), (g["path"], v)


def test_both_templates_and_realistic_values(corpus):
    _, gold = corpus
    assert {g["template"] for g in gold} - {"pre2019"} == {"gb2019", "gb2021"}
    numbers = [v for g in gold for *_, v in g["cells"] if isinstance(v, int | float)]
    assert sum(1 for v in numbers if v == 0) / len(numbers) > 0.6  # mostly zeros
    assert max(numbers) >= 1000  # and some large ones
    change = [v for g in gold for t, r, c, v in g["cells"] if c == "change" and isinstance(v, int | float)]
    fees = [v for g in gold for t, r, c, v in g["cells"] if c == "amount_10k_yuan" and isinstance(v, float)]
    assert any(v < 0 for v in change)
    assert any(v != int(v) for v in fees)


def test_arithmetic_holds_unless_broken_on_purpose(corpus):
    _, gold = corpus
    for g in _reports(gold):
        if g["template"] == "pre2019":
            continue
        expected = {g["broken_check"]} if g["broken_check"] else set()
        blank = [p.split(":", 1)[1] for p in g["perturbations"] if p.startswith("blank_total:")]
        if blank:  # a blank 总计 breaks its row total and its column's check, as printed
            assert g["broken_check"] is None and [c[3] for c in g["cells"] if c[:3] == ["applications", blank[0],
                                                                                          "total"]] == [None]
            assert "applications.row_total" in failing_checks(g) and len(failing_checks(g)) == 2, g["path"]
            continue
        assert failing_checks(g) == expected, (g["path"], g["broken_check"], g["notes"])


def test_about_one_in_seven_broken(corpus):
    _, gold = corpus
    broken = [g["broken_check"] for g in gold if g["broken_check"]]
    assert set(broken) <= CHECK_IDS
    assert len(broken) == N // 7  # one per block of seven, by construction
    assert len(set(broken)) >= 2


def test_narrative_states_table_figures(corpus):
    out, gold = corpus
    for g in _reports(gold):
        if g["format"] != "txt" or "traditional" in g["perturbations"] or g["template"] == "pre2019":
            continue
        text = (out / g["path"]).read_bytes().decode(_encoding(g))
        new = next(v for t, r, c, v in g["cells"] if (t, r, c) == ("applications", "new_received", "total"))
        if new:
            assert re.search(rf"(收到|受理)政府信息公开申请{new}件", text), g["path"]
        assert g["agency"] in text.replace("\n", "").replace("\r", "")


# ---- files ----------------------------------------------------------------------------------------
def test_every_format_present_and_opens(corpus):
    out, gold = corpus
    assert Counter(g["format"] for g in gold) == Counter({"txt": 24, "docx": 23, "html": 23})
    for g in gold:
        path = out / g["path"]
        assert path.exists() and path.suffix == "." + g["format"]
        data = path.read_bytes()
        if g["format"] == "txt":
            enc = _encoding(g)
            assert enc in ("utf-8", "utf-8-sig", "gbk", "gb18030")
            text = data.decode(enc)  # strict
            assert data.startswith(b"\xef\xbb\xbf") == (enc == "utf-8-sig")
            if "txt:cell_per_line" in g["perturbations"]:
                assert re.search(r"^\t(0|１|０|\d)", text, re.M)
            elif "pdf_text:spaces" in g["perturbations"]:  # cells apart by runs of spaces
                assert re.search(r"\S {2,4}\S+ {2,4}\S", text) and "\t" not in text
            else:
                assert re.search(r"\t\d+\t\d+", text) or "fullwidth_digits" in g["perturbations"]
        elif g["format"] == "html":
            enc = _encoding(g)
            head = data[:600].decode("ascii", "replace").lower()
            assert (enc in ("gbk", "gb18030")) == ("charset=gbk" in head or 'charset="gbk"' in head
                                                    or "gb18030" in head)
            tree = lxml.html.document_fromstring(data.decode(enc))
            assert len(tree.xpath("//table")) >= 3
            assert tree.xpath("//td[@rowspan]") and tree.xpath("//td[@colspan]")
            assert tree.xpath("//script") and tree.xpath("//div[contains(@class,'footer')]")
        else:
            d = docx.Document(str(path))
            assert len(d.tables) >= 3
            xml = d.element.xml
            assert "w:gridSpan" in xml and 'w:vMerge w:val="restart"' in xml


def test_traditional_documents_are_traditional(corpus):
    out, gold = corpus
    trad = [g for g in gold if "traditional" in g["perturbations"]]
    assert trad, "seed should give at least one traditional document"
    t2s = opencc.OpenCC("t2s")
    for g in trad:
        path = out / g["path"]
        if g["format"] == "docx":
            text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        else:
            text = path.read_bytes().decode(_encoding(g))
        assert "公開" in text, g["path"]  # s2t conversion: 公开 → 公開 (信息 stays 信息)
        assert t2s.convert(text) != text
        assert g["agency"] in t2s.convert(text), g["path"]  # gold: the canonical (simplified) agency


def test_perturbations_cover_the_issue_list(corpus):
    _, gold = corpus
    seen = Counter(p.split(":")[0] for g in gold for p in g["perturbations"])
    for kind in ("item_numbering", "self_reference", "label_line_breaks", "label_typo", "label_rewording",
                 "title", "encoding", "txt", "html", "layout"):
        assert seen[kind], kind


def test_reworded_labels_are_printed_in_the_documents(corpus):
    """A report's reworded labels are in its text: the harder corpus really prints them."""
    from benchmarks.synth.labels import REWORDINGS
    from extractors.charset import decode_text
    from extractors.labels.normalize import to_simplified

    out, gold = corpus
    checked = 0
    for g in gold:
        reworded = [p.split(":", 1)[1].split(",") for p in g["perturbations"] if p.startswith("label_rewording:")]
        if not reworded or g["format"] not in ("txt", "md") or "txt:pdf_text" in g["perturbations"]:
            continue  # (text from PDFs wraps labels around other cells: not contiguous there)
        text, _ = decode_text((out / g["path"]).read_bytes(), g["path"])
        text = to_simplified("".join(text.split())).replace("本单位", "本机关")
        for lid in reworded[0]:
            assert any(v in text for v in REWORDINGS[lid]), (g["path"], lid)
            checked += 1
    assert checked >= 20


def test_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    ga = generate(a, 15, 3, FAST_FORMATS, log=_quiet)
    gb = generate(b, 15, 3, FAST_FORMATS, log=_quiet)
    assert ga == gb
    assert (a / "gold.jsonl").read_bytes() == (b / "gold.jsonl").read_bytes()
    for g in ga:
        assert (a / g["path"]).read_bytes() == (b / g["path"]).read_bytes(), g["path"]
    gc = generate(tmp_path / "c", 15, 4, FAST_FORMATS, log=_quiet)
    assert [g["cells"] for g in gc] != [g["cells"] for g in ga]


def test_a_document_does_not_depend_on_n(tmp_path):
    small = generate(tmp_path / "s", 5, SEED, FAST_FORMATS, log=_quiet)
    big = generate(tmp_path / "b", 9, SEED, FAST_FORMATS, log=_quiet)
    assert small == big[:5]


# ---- committed samples ------------------------------------------------------------------------------
def test_committed_samples_match_their_gold():
    gold = [json.loads(x) for x in (SAMPLES / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x]
    counts = Counter(g["format"] for g in gold)
    assert set(counts) == {"txt", "docx", "html", "pdf"} and all(2 <= n <= 3 for n in counts.values())
    for g in gold:
        assert (SAMPLES / g["path"]).exists(), g["path"]


# ---- pdf (needs LibreOffice: skipped without it, see conftest.py) ---------------------------------------
@pytest.mark.pdf
def test_pdf_rendering(tmp_path):
    gold = generate(tmp_path, 3, SEED, ("pdf",), log=_quiet)
    assert len(gold) == 3
    for g in gold:
        path = tmp_path / g["path"]
        assert path.read_bytes().startswith(b"%PDF")
        first, last = table3_pages(path)
        assert last > first, (g["path"], "table 3 should break across pages, as in real PDFs")
    assert not (tmp_path / ".pdf-work").exists()
    pages = page_texts(tmp_path / gold[0]["path"])
    text = "".join(pages)
    assert re.search("行政(复议|複議)", text) and re.search("本年(新收|度办理|度辦理)", text)
    assert len(pages) >= 3
