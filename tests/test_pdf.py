"""The PDF reader (extractors/formats/pdf/) on real and generated PDFs.

Fixtures in tests/fixtures/pdf/ are printed by LibreOffice from python-docx documents
(tests/fixtures/make_pdf_fixtures.py regenerates them; expected.json holds the values
written into each). hongze-2024.pdf is a real WPS report checked against gold.jsonl.
One test bounds CPU time: what a reader child forked from a warm parent still pays.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from extractors.errors import EmptyDocument, NeedsOCR, UnreadableDocument
from extractors.formats.pdf import page as pdf_page
from extractors.formats.pdf import reader as P
from extractors.formats.pdf.cluster import cluster, nearest, union
from extractors.formats.pdf.geometry import Char, PartCell, TablePart, Transform, edge
from extractors.formats.pdf.page import analyse_deep, is_table_page
from extractors.formats.pdf.stitch import build_grid, repair_seams
from extractors.formats.pdf.text import cell_text, is_value, join
from extractors.records import RawDocument
from extractors.settings import Settings

FIX = Path(__file__).resolve().parent / "fixtures"
PDFS = FIX / "pdf"
EXPECTED = json.loads((PDFS / "expected.json").read_text("utf-8"))
HONGZE = FIX / "real" / "hongze-2024.pdf"
GOLD = next(g for g in map(json.loads, (FIX / "real" / "gold.jsonl").read_text("utf-8").splitlines())
            if g["path"] == "hongze-2024.pdf")

_CACHE: dict[str, RawDocument] = {}


def read(name: str) -> RawDocument:
    if name not in _CACHE:
        path = HONGZE if name == "hongze-2024.pdf" else PDFS / name
        _CACHE[name] = P.extract(path.read_bytes(), name)
    return _CACHE[name]


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def is_num(s: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", s.strip()))


def table_rows(doc: RawDocument, t: int) -> list[list]:
    return [r.cells for r in doc.rows if r.kind == "table" and r.cells[0].table == t]


def values_of(cells) -> list[float]:
    """The printed values of a row: numeric cells, merged repeats skipped."""
    return [float(c.text) for c in cells if not c.merged and is_num(c.text)]


def labels_of(cells) -> list[str]:
    return [squash(c.text) for c in cells if c.text and not is_num(c.text)]


# printed row labels, as a distinctive phrase of each (works for every layout here)
PHRASE = {
    "new_received": "本年新收", "carried_over": "上年结转", "results.disclosed": "予以公开",
    "results.partially_disclosed": "部分公开", "results.withheld.state_secret": "国家秘密",
    "results.withheld.prohibited_by_law": "其他法律行政", "results.withheld.three_safeties": "三安全一稳定",
    "results.withheld.third_party_rights": "第三方合法权益", "results.withheld.internal_affairs": "内部事务",
    "results.withheld.process_info": "过程性信息", "results.withheld.enforcement_files": "行政执法案卷",
    "results.withheld.admin_query": "行政查询", "results.unavailable.not_held": "不掌握",
    "results.unavailable.needs_creation": "另行制作", "results.unavailable.unclear": "仍不明确",
    "results.not_processed.petition": "信访举报", "results.not_processed.duplicate": "重复申请",
    "results.not_processed.publication": "公开出版物", "results.not_processed.excessive": "大量反复",
    "results.not_processed.confirm_reissue": "确认或重新", "results.other.overdue_correction": "逾期不补正",
    "results.other.unpaid_fee": "收费通知", "results.other.other": "3.其他", "results.other": "其他处理",
    "results.total": "（七）总计", "carried_forward": "结转下年度",
}
GROUP = {"results.withheld.": "（三）不予公开", "results.unavailable.": "（四）无法提供",
         "results.not_processed.": "（五）不予处理", "results.other.": "（六）其他处理"}
APP_COLS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org", "total"]
REVIEW = [(r, c) for r in ("review", "litigation_direct", "litigation_after_review")
          for c in ("upheld", "corrected", "other", "pending", "total")]
T2_LABELS = {"rules": "规章", "normative_documents": ("行政规范性文件", "规范性文件"), "licensing": "行政许可",
             "other_services": "其他对外管理服务事项", "punishment": "行政处罚", "coercion": "行政强制",
             "fees": "行政事业性收费", "procurement": "政府集中采购"}
T2_COLS = {
    "gb2021": {"rules": ["issued", "repealed", "in_force"], "normative_documents": ["issued", "repealed", "in_force"],
               "licensing": ["decisions"], "punishment": ["decisions"], "coercion": ["decisions"],
               "fees": ["amount_10k_yuan"]},
    "gb2019": {"rules": ["new_made", "new_published", "total_published"],
               "normative_documents": ["new_made", "new_published", "total_published"],
               "licensing": ["prev_year_items", "change", "decisions"],
               "other_services": ["prev_year_items", "change", "decisions"],
               "punishment": ["prev_year_items", "change", "decisions"],
               "coercion": ["prev_year_items", "change", "decisions"],
               "fees": ["prev_year_items", "change"], "procurement": ["items", "amount"]},
}


def find_row(rows, key: str):
    """The data row of table 3 whose label cells carry the phrase of `key`."""
    phrase = PHRASE[key]
    hits = []
    for cells in rows:
        if len(values_of(cells)) < 7:
            continue
        labs = labels_of(cells)
        if key == "results.other.other":
            ok = any(lab == phrase for lab in labs)
        else:
            ok = any(phrase in lab for lab in labs)
        if ok:
            hits.append(cells)
    assert len(hits) == 1, f"{key}: {len(hits)} rows carry {phrase!r}"
    return hits[0]


def t2_row(rows, key: str):
    want = T2_LABELS[key]
    want = want if isinstance(want, tuple) else (want,)
    hits = [cells for cells in rows if squash(cells[0].text) in want]
    assert len(hits) == 1, f"{key}: {len(hits)} rows"
    return hits[0]


def check_tables(doc: RawDocument, active: dict, apps: dict, review: dict, template: str,
                 groups: bool = True) -> None:
    tables = sorted({r.cells[0].table for r in doc.rows if r.kind == "table"})
    assert tables == [0, 1, 2], tables
    t2, t3, t4 = (table_rows(doc, t) for t in tables)
    for key, cols in active.items():
        order = T2_COLS[template][key]
        assert values_of(t2_row(t2, key)) == [float(cols[c]) for c in order], key
    for key, cols in apps.items():
        row = find_row(t3, key)
        assert values_of(row)[-7:] == [float(cols[c]) for c in APP_COLS], key
        if groups and key.startswith("results."):
            labs = labels_of(row)
            assert "三、本年度办理结果" in labs, (key, labs)
            for prefix, group in GROUP.items():
                if key.startswith(prefix):
                    assert group in labs, (key, labs)
    data = [cells for cells in t4 if len(values_of(cells)) >= 15]
    assert len(data) == 1
    assert values_of(data[0]) == [float(review[r][c]) for r, c in REVIEW]


def expected_for(name: str) -> dict:
    return EXPECTED[name]


GB2021_RULED = [
    "ruled-gb2021-merged-headers.pdf",
    "table3-breaks-across-pages.pdf",
    "table2-breaks-before-article20-caption.pdf",
    "header-row-repeated.pdf",
    "label-cut-across-pages.pdf",
    "encrypted-owner-password-only.pdf",
    "bench-40-pages.pdf",
]


# ---------------------------------------------------------------------------- contract


def test_extract_returns_a_raw_document_with_located_cells():
    doc = read("ruled-gb2021-merged-headers.pdf")
    assert isinstance(doc, RawDocument) and doc.format == "pdf"
    assert {r.kind for r in doc.rows} == {"text", "table"}
    for r in doc.rows:
        for c in r.cells:
            assert isinstance(c.page, int) and c.page >= 1
            if r.kind == "table":
                assert None not in (c.table, c.row, c.col)
                assert r.positional
    # grid positions: consecutive columns from 0 in every row, rows numbered per table
    for t in (0, 1, 2):
        rows = table_rows(doc, t)
        assert [cells[0].row for cells in rows] == list(range(len(rows)))
        for cells in rows:
            assert [c.col for c in cells] == list(range(len(cells)))
            assert len(cells) == len(rows[0])
    assert "规章" in doc.text and "\t" in doc.text
    assert doc.detail.startswith("pdfium text on 3 pages")


def test_merged_cells_repeat_their_text_and_flag_the_repeats():
    doc = read("hongze-2024.pdf")
    t2 = table_rows(doc, 0)
    caption = t2[0]
    assert [c.text for c in caption] == ["第二十条第（一）项"] * 4
    assert [c.merged for c in caption] == [False, True, True, True]
    lic = t2_row(t2, "licensing")
    assert [c.text for c in lic] == ["行政许可", "9487", "9487", "9487"]
    assert [c.merged for c in lic] == [False, False, True, True]
    t3 = table_rows(doc, 1)
    head = t3[0]
    assert head[0].text.startswith("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和")
    assert [c.text for c in head[3:]] == ["申请人情况"] * 7
    # a vertically merged cell repeats down the rows too (not flagged: it starts in that column)
    assert [c.text for c in t3[1][3:]] == ["自然人"] + ["法人或其他组织"] * 5 + ["总计"]
    assert [c.text for c in t3[2][3:]] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def test_cell_line_breaks_join_without_separator():
    doc = read("hongze-2024.pdf")
    t4 = table_rows(doc, 2)
    assert [c.text for c in t4[2]] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3
    # the vertical 三、本年度办理结果 (one character per line) reads as one label
    assert any(c.text == "三、本年度办理结果" for cells in table_rows(doc, 1) for c in cells)


def test_blank_cells_are_kept_as_empty_strings():
    doc = read("hongze-2024.pdf")
    other = find_row(table_rows(doc, 1), "results.other")
    # （六）其他处理 with the empty label cell beside it, then seven values
    assert [c.text for c in other[1:3]] == ["（六）其他处理", ""]
    assert len(other) == 10


# ---------------------------------------------------------------------------- hongze (real)


def test_hongze_matches_gold_in_every_table():
    doc = read("hongze-2024.pdf")
    active: dict = {}
    apps: dict = {}
    review: dict = {}
    for table, row, col, value in GOLD["cells"]:
        {"active_disclosure": active, "applications": apps, "review_litigation": review}[table] \
            .setdefault(row, {})[col] = value
    check_tables(doc, active, apps, review, "gb2021")


def test_hongze_table3_is_stitched_across_pages_3_and_4():
    doc = read("hongze-2024.pdf")
    t3 = table_rows(doc, 1)
    before = find_row(t3, "results.unavailable.not_held")
    after = find_row(t3, "results.unavailable.needs_creation")
    assert before[0].page == 3 and after[0].page == 4
    assert before[0].table == after[0].table == 1
    assert after[0].row == before[0].row + 1
    # the merged labels cut by the break (blank on page 4) carry on
    for row in (before, after, find_row(t3, "results.unavailable.unclear")):
        labs = labels_of(row)
        assert "三、本年度办理结果" in labs and "（四）无法提供" in labs, labs
    assert values_of(after)[-7:] == [1, 0, 0, 0, 0, 0, 1]
    # the page break leaves nothing behind: no page number, no repeated header
    assert not any("-3-" in squash(" ".join(c.text for c in cells)) for cells in t3)
    assert sum(1 for cells in t3 if "申请人情况" in labels_of(cells)) == 1


def test_hongze_table2_is_stitched_across_pages_2_and_3():
    doc = read("hongze-2024.pdf")
    t2 = table_rows(doc, 0)
    lic, pun = t2_row(t2, "licensing"), t2_row(t2, "punishment")
    assert (lic[0].page, pun[0].page) == (2, 3)
    assert lic[0].table == pun[0].table == 0
    captions = [squash(cells[0].text) for cells in t2 if squash(cells[0].text).startswith("第二十条")]
    assert captions == ["第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]


def test_hongze_text_rows_title_and_reading_order():
    doc = read("hongze-2024.pdf")
    assert doc.title_hint == "淮安市洪泽区人民政府2024年政府信息公开工作年度报告"
    texts = [r.cells[0].text for r in doc.rows if r.kind == "text"]
    assert not any(re.fullmatch(r"-\s*\d+\s*-", t) for t in texts), "page numbers became rows"
    assert "2428条" in doc.text and "受理政府信息公开申请17件" in doc.text
    # headings sit right before their tables
    kinds = [(r.kind, r.cells[0].text if r.kind == "text" else r.cells[0].table) for r in doc.rows]
    i3 = kinds.index(("text", "三、收到和处理政府信息公开申请情况"))
    assert kinds[i3 + 1] == ("table", 1) and kinds[i3 - 1] == ("table", 0)
    i4 = kinds.index(("text", "四、政府信息公开行政复议、行政诉讼情况"))
    assert kinds[i4 + 1] == ("table", 2)
    # a paragraph that runs from page 4 onto page 5 is one row
    assert any(t.startswith("针对存在问题") and "各行政机关答复的方式" in t for t in texts)


# ---------------------------------------------------------------------------- generated layouts


@pytest.mark.parametrize("name", GB2021_RULED)
def test_gb2021_ruled_layouts_give_every_value_in_its_row(name):
    exp = expected_for(name)
    doc = read(name)
    check_tables(doc, exp["active_disclosure"], exp["applications"], exp["review_litigation"], "gb2021")
    assert doc.title_hint == exp["title"]


@pytest.mark.parametrize("name", ["ruled-gb2019-merged-headers.pdf", "rotated-90-stored-landscape.pdf"])
def test_gb2019_ruled_layout(name):
    exp = expected_for(name)
    doc = read(name)
    check_tables(doc, exp["active_disclosure"], exp["applications"], exp["review_litigation"], "gb2019")
    t2 = table_rows(doc, 0)
    # two-column blocks: the second header spans two grid columns
    fees = t2_row(t2, "fees")
    assert [c.text for c in fees] == ["行政事业性收费", "23", "-3", "-3"]
    assert [c.merged for c in fees] == [False, False, False, True]
    assert doc.title_hint == exp["title"]


def test_rotated_page_reads_like_the_upright_original():
    a = read("ruled-gb2019-merged-headers.pdf")
    b = read("rotated-90-stored-landscape.pdf")
    assert [[c.text for c in r.cells] for r in a.rows] == [[c.text for c in r.cells] for r in b.rows]


def test_column_rules_without_row_rules_read_from_text_positions():
    name = "vertical-rules-only.pdf"
    exp = expected_for(name)
    doc = read(name)
    check_tables(doc, exp["active_disclosure"], exp["applications"], exp["review_litigation"], "gb2021",
                 groups=False)
    # no cell holds a stack of values
    assert not any(c.fused for r in doc.rows for c in r.cells)


def test_unruled_table_is_found_from_text_positions():
    name = "unruled-gb2021-no-borders.pdf"
    exp = expected_for(name)
    doc = read(name)
    check_tables(doc, exp["active_disclosure"], exp["applications"], exp["review_litigation"], "gb2021",
                 groups=False)
    assert any(k == "pdf_unruled_table" for k, _ in doc.notes)
    # the one-value blocks of table 2 read like the ruled layout
    t2 = table_rows(doc, 0)
    assert [c.text for c in t2_row(t2, "licensing")] == ["行政许可", "9321", "9321", "9321"]
    # its last row (四、结转下年度继续办理) on the next page joins the same table
    cf = find_row(table_rows(doc, 1), "carried_forward")
    assert cf[0].page == 3 and cf[0].table == 1


def test_table3_break_inside_a_merged_group():
    doc = read("table3-breaks-across-pages.pdf")
    t3 = table_rows(doc, 1)
    first = find_row(t3, "results.withheld.state_secret")
    last = find_row(t3, "results.withheld.admin_query")
    assert last[0].page == first[0].page + 1
    assert len({cells[0].table for cells in t3}) == 1
    assert ("pdf_table_stitched", f"table 1 continues from page {first[0].page} to page {last[0].page}") in doc.notes


def test_table2_break_before_an_article_20_caption():
    doc = read("table2-breaks-before-article20-caption.pdf")
    t2 = table_rows(doc, 0)
    lic, pun = t2_row(t2, "licensing"), t2_row(t2, "punishment")
    assert pun[0].page == lic[0].page + 1
    caption = [cells for cells in t2 if squash(cells[0].text) == "第二十条第（六）项"]
    assert len(caption) == 1 and caption[0][0].page == pun[0].page
    assert caption[0][0].row == lic[0].row + 1


def test_repeated_header_rows_are_dropped():
    doc = read("header-row-repeated.pdf")
    t3 = table_rows(doc, 1)
    assert sum(1 for cells in t3 if "申请人情况" in labels_of(cells)) == 1
    assert sum(1 for cells in t3 if "商业企业" in labels_of(cells)) == 1
    a = find_row(t3, "results.not_processed.petition")
    b = find_row(t3, "results.not_processed.confirm_reissue")
    assert b[0].page == a[0].page + 1
    assert any(k == "pdf_header_repeated" for k, _ in doc.notes)


def test_a_row_split_by_the_page_break_is_put_back_together():
    name = "label-cut-across-pages.pdf"
    doc = read(name)
    t3 = table_rows(doc, 1)
    row = find_row(t3, "results.not_processed.confirm_reissue")
    assert EXPECTED[name]["long_label"] in labels_of(row)
    vals = EXPECTED[name]["applications"]["results.not_processed.confirm_reissue"]
    assert values_of(row)[-7:] == [float(vals[c]) for c in APP_COLS]
    nxt = find_row(t3, "results.other.overdue_correction")
    assert nxt[0].row == row[0].row + 1 and nxt[0].page == row[0].page + 1
    assert any(k == "pdf_row_split" for k, _ in doc.notes)


def _part(page, cells, nrows):
    return TablePart(page, (0.0, 0.0, 400.0, 100.0), cells, nrows, True)


def test_a_merged_label_cut_by_the_break_is_joined():
    # （三）不予公 at the foot of one page, 开 at the head of the next (seed s004's layout)
    top = _part(1, [
        PartCell(0, 100, 0, 3, "（三）不予公", wrapped=True),
        PartCell(100, 300, 0, 1, "1.属于国家秘密"), PartCell(300, 400, 0, 1, "0"),
        PartCell(100, 300, 1, 2, "2.其他法律行政法规禁止公开"), PartCell(300, 400, 1, 2, "0"),
        PartCell(100, 300, 2, 3, "3.危及“三安全一稳定”"), PartCell(300, 400, 2, 3, "1"),
    ], 3)
    bottom = _part(2, [
        PartCell(0, 100, 0, 2, "开"),
        PartCell(100, 300, 0, 1, "4.保护第三方合法权益"), PartCell(300, 400, 0, 1, "0"),
        PartCell(100, 300, 1, 2, "5.属于三类内部事务信息"), PartCell(300, 400, 1, 2, "2"),
    ], 2)
    grid, starts, pages = build_grid([top, bottom])
    notes: list = []
    rows, row_pages = repair_seams(grid, starts, pages, notes, 1)
    assert [r[0].text for r in rows] == ["（三）不予公开"] * 5
    assert row_pages == [1, 1, 1, 2, 2]
    assert notes and notes[0][0] == "pdf_label_cut"


def test_a_number_wrapped_across_the_break_is_put_back_together():
    # full-width digits in a narrow cell: １２ at the foot of a page, ５ at the head of the next
    top = _part(1, [PartCell(0, 200, 0, 1, "（七）总计"), PartCell(200, 230, 0, 1, "１２", wrapped=True),
                    PartCell(230, 260, 0, 1, "０")], 1)
    bottom = _part(2, [PartCell(0, 200, 0, 1, ""), PartCell(200, 230, 0, 1, "５"), PartCell(230, 260, 0, 1, "")], 1)
    grid, starts, pages = build_grid([top, bottom])
    rows, _pages = repair_seams(grid, starts, pages, [], 1)
    assert [[g.text for g in r] for r in rows] == [["（七）总计", "１２５", "０"]]


def test_a_number_wrapped_inside_its_cell_is_not_flagged_fused():
    ch = [Char("１", 0, 0, 10, 10), Char("２", 10, 0, 20, 10), Char("５", 0, 12, 10, 22)]
    assert cell_text(ch, width=24)[:2] == ("１２５", False)
    # two numbers stacked in a wide cell may be two values: flagged
    stacked = [Char("1", 40, 0, 45, 10), Char("7", 40, 12, 45, 22)]
    assert cell_text(stacked, width=120)[:2] == ("17", True)


def test_a_blank_label_below_a_single_row_label_is_not_filled():
    # hongze's （六）其他处理 row has an empty label cell; at the top of a page it must
    # not inherit the label above it
    top = _part(1, [
        PartCell(0, 100, 0, 1, "（五）不予处理"), PartCell(100, 300, 0, 1, "5.要求行政机关确认或重新出具已获取信息"),
        PartCell(300, 400, 0, 1, "0"),
    ], 1)
    bottom = _part(2, [
        PartCell(0, 100, 0, 1, "（六）其他处理"), PartCell(100, 300, 0, 1, ""), PartCell(300, 400, 0, 1, "0"),
    ], 1)
    grid, starts, pages = build_grid([top, bottom])
    rows, _pages = repair_seams(grid, starts, pages, [], 1)
    assert [g.text for g in rows[1]] == ["（六）其他处理", "", "0"]
    assert len(rows) == 2


def test_a_header_row_repeated_on_the_next_page_is_dropped():
    head = [PartCell(0, 200, 0, 1, "项目"), PartCell(200, 260, 0, 1, "数量")]
    top = _part(1, [*head, PartCell(0, 200, 1, 2, "（一）新收"), PartCell(200, 260, 1, 2, "3")], 2)
    again = [PartCell(0, 200, 0, 1, "项目"), PartCell(200, 260, 0, 1, "数量")]
    bottom = _part(2, [*again, PartCell(0, 200, 1, 2, "（二）结转"), PartCell(200, 260, 1, 2, "4")], 2)
    grid, starts, pages = build_grid([top, bottom])
    notes: list = []
    rows, row_pages = repair_seams(grid, starts, pages, notes, 1)
    assert [[g.text for g in r] for r in rows] == [["项目", "数量"], ["（一）新收", "3"], ["（二）结转", "4"]]
    assert row_pages == [1, 1, 2]
    assert notes[0][0] == "pdf_header_repeated"


# ---------------------------------------------------------------------------- small helpers


def test_clustering_of_coordinates():
    assert cluster([10.0, 1.0, 1.5], 1.0) == [1.25, 10.0]
    assert [nearest([0.0, 10.0, 20.0], v) for v in (-3, 5, 14, 16, 99)] == [0, 0, 1, 2, 2]
    assert union([(10.0, 12.0), (0.0, 2.0), (2.5, 4.0)]) == [[0.0, 4.0], [10.0, 12.0]]


def test_ruling_segments_become_edges_and_slanted_ones_do_not():
    v = edge((10.0, 0.0), (10.4, 50.0))
    assert v is not None and v["orientation"] == "v" and v["x0"] == pytest.approx(10.2) and v["height"] == 50.0
    h = edge((30.0, 5.0), (0.0, 5.0))
    assert h is not None and h["orientation"] == "h" and (h["x0"], h["x1"]) == (0.0, 30.0)
    assert edge((0.0, 0.0), (20.0, 20.0)) is None
    assert edge((5.0, 5.0), (5.0, 5.5)) is None  # a dot


def test_a_rotated_page_swaps_width_and_height():
    tf = Transform((0.0, 0.0, 600.0, 800.0), 90)
    assert (tf.width, tf.height) == (800.0, 600.0)
    assert tf.box(0.0, 0.0, 10.0, 20.0) == (0.0, 0.0, 20.0, 10.0)
    assert Transform((0.0, 0.0, 600.0, 800.0), 0).pt(10.0, 790.0) == (10.0, 10.0)


def test_values_and_joins():
    assert is_value("１２") and is_value("1,234") and is_value("—") and is_value("12%")
    assert not is_value("合计") and not is_value("")
    assert join("abc", "def") == "abc def" and join("不予", "公开") == "不予公开" and join("", "x") == "x"


def test_page_ranges_in_the_detail_line():
    assert P.ranges([7, 1, 2, 3, 5]) == "1-3, 5, 7"
    assert P.ranges([]) == ""


# ---------------------------------------------------------------------------- cost


def test_only_pages_with_table_vocabulary_are_read_in_depth():
    doc = read("bench-40-pages.pdf")
    assert "on 39 pages" in doc.detail and "in-depth" in doc.detail
    assert doc.detail.split("on pages ")[1].startswith("5-7;")
    assert {c.page for r in doc.rows if r.kind == "table" for c in r.cells} == {5, 6, 7}
    assert max(r.cells[0].page for r in doc.rows) == 39


def test_a_dense_grid_of_lines_is_not_searched_for_tables():
    # graph paper or a chart: the ruled finder's cost grows with the line crossings
    edges = []
    for k in range(100):
        x, y = 10 + k * 5, 10 + k * 7
        edges.append({"x0": x, "x1": x, "top": 0, "bottom": 800, "doctop": 0, "width": 0, "height": 800,
                      "orientation": "v", "object_type": "line"})
        edges.append({"x0": 0, "x1": 600, "top": y, "bottom": y, "doctop": y, "width": 600, "height": 0,
                      "orientation": "h", "object_type": "line"})
    notes: list = []
    parts, _left = analyse_deep(1, [Char("信", 20, 20, 30, 30)], edges, 600.0, notes)
    assert parts == [] and notes[0][0] == "pdf_drawing_skipped"


def test_table_vocabulary_scoring():
    assert not is_table_page("有效降低行政复议、行政诉讼发生率，不予公开依据更加规范。")
    assert is_table_page("行政复议 结果维持 结果纠正")
    assert is_table_page("信息内容 本年制发件数")
    assert not is_table_page("2024年，我区在政府网站平台主动发布各类政府信息2428条。")
    assert is_table_page("信息內容 本年制發件數")  # traditional characters (zh-TW copies)


@pytest.mark.parametrize("name", ["hongze-2024.pdf", "unruled-gb2021-no-borders.pdf", "label-cut-across-pages.pdf"])
def test_pdfplumber_geometry_gives_the_same_rows(name, monkeypatch):
    fast = read(name)
    path = HONGZE if name == "hongze-2024.pdf" else PDFS / name
    slow = P.extract(path.read_bytes(), name, settings=Settings(pdf_geometry="pdfplumber"))
    assert [[c.text for c in r.cells] for r in slow.rows] == [[c.text for c in r.cells] for r in fast.rows]
    assert "pdfplumber geometry" in slow.detail


def test_extract_is_safe_from_several_threads():
    # PDFium is not thread-safe; extract serialises it (a Prefect flow may run tasks in threads)
    from concurrent.futures import ThreadPoolExecutor

    names = ["hongze-2024.pdf", "unruled-gb2021-no-borders.pdf", "ruled-gb2019-merged-headers.pdf",
             "table3-breaks-across-pages.pdf"] * 2
    want = {n: [[c.text for c in r.cells] for r in read(n).rows] for n in names}

    def run(n):
        path = HONGZE if n == "hongze-2024.pdf" else PDFS / n
        return n, [[c.text for c in r.cells] for r in P.extract(path.read_bytes(), n).rows]

    with ThreadPoolExecutor(4) as pool:
        for n, got in pool.map(run, names):
            assert got == want[n], n


def test_a_layout_error_on_one_page_keeps_its_text(monkeypatch):
    def boom(*a, **k):
        raise ValueError("unexpected layout")

    monkeypatch.setattr(pdf_page, "analyse_deep", boom)
    doc = P.extract(HONGZE.read_bytes(), "hongze-2024.pdf")
    assert not any(r.kind == "table" for r in doc.rows)
    assert any(k == "pdf_table_error" for k, _ in doc.notes)
    assert "9487" in doc.text


# ---------------------------------------------------------------------------- bad input


def test_scan_without_text_layer_is_read_by_ocr_or_needs_it():
    from extractors.formats.ocr import available

    data = (PDFS / "scanned-image-only.pdf").read_bytes()
    if not available():
        with pytest.raises(NeedsOCR, match="no text layer.*pip install 'ogi-reports\\[ocr\\]'"):
            P.extract(data, "scan.pdf")
        return
    doc = P.extract(data, "scan.pdf")
    assert doc.detail.endswith("OCR (RapidOCR PP-OCRv4, OpenCV rules) on pages 1")
    assert any(r.kind == "table" and r.cells[0].text.startswith("一、本年新收") for r in doc.rows)


def test_password_protected_pdf_is_unreadable_and_says_why():
    with pytest.raises(UnreadableDocument, match="encrypted"):
        P.extract((PDFS / "encrypted-user-password.pdf").read_bytes(), "locked.pdf")


def test_owner_password_only_pdf_is_read():
    doc = read("encrypted-owner-password-only.pdf")
    assert len(table_rows(doc, 1)) > 20


def test_truncated_pdf_is_unreadable():
    with pytest.raises(UnreadableDocument, match="truncated"):
        P.extract((PDFS / "truncated.pdf").read_bytes(), "cut.pdf")


@pytest.mark.parametrize("data, error", [
    (b"", EmptyDocument),
    (b"PK\x03\x04 not a pdf at all", UnreadableDocument),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage\n%%EOF\n", UnreadableDocument),
])
def test_junk_is_rejected_with_documented_errors(data, error):
    with pytest.raises(error):
        P.extract(data, "junk.pdf")




# ---------------------------------------------------------------------------- per-process state

# Run in a fresh interpreter: fork a child that reads PDFs and reports what it had to build
# (modules imported, patterns compiled, vocabulary builds) and its CPU time; first from a
# cold parent, then after the parent called `warm()`; and whether OpenCC was ever loaded.
_FORK_PROBE = r"""
import json, os, re, resource, sys, time
from pathlib import Path
import extractors.formats.pdf as pdf
from extractors.formats.pdf.page import vocabulary

def rss_mb():
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

def child(files):
    modules, patterns, misses = set(sys.modules), len(re._cache), vocabulary.cache_info().misses
    start = time.process_time()
    for f in files:
        pdf.extract(Path(f).read_bytes(), Path(f).name)
    return {"cpu": time.process_time() - start, "modules": sorted(set(sys.modules) - modules),
            "patterns": len(re._cache) - patterns, "vocabulary_builds": vocabulary.cache_info().misses - misses}

def in_fork(files):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.write(w, json.dumps(child(files)).encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as fh:
        out = json.loads(fh.read())
    os.waitpid(pid, 0)
    return out

files = sys.argv[1:]
cold = in_fork(files[:1])
before = rss_mb()
start = time.process_time()
pdf.warm()
warm_cpu = time.process_time() - start
grown = rss_mb() - before
print(json.dumps({"cold": cold, "warm": in_fork(files), "again": in_fork(files[:1]), "warm_cpu": warm_cpu,
                  "warm_rss_mb": grown, "opencc": "opencc" in sys.modules}))
"""


def test_warm_leaves_a_forked_child_nothing_to_build():
    # The flow forks its PDF readers from a parent that called warm(): a child then imports,
    # compiles and builds nothing of its own before it reads.
    import subprocess
    import sys

    files = [str(HONGZE)] + [str(PDFS / n) for n in ("unruled-gb2021-no-borders.pdf", "label-cut-across-pages.pdf",
                                                      "rotated-90-stored-landscape.pdf", "header-row-repeated.pdf")]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", _FORK_PROBE, *files], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert got["cold"]["vocabulary_builds"] == 1 and got["cold"]["patterns"] > 0  # the probe sees a rebuild
    for run in ("warm", "again"):
        assert got[run]["vocabulary_builds"] == 0, got[run]
        assert got[run]["modules"] == [], got[run]
        assert got[run]["patterns"] == 0, got[run]
    assert not got["opencc"]  # the vocabulary's traditional spellings are written out, no converter is built
    # warm() measured at ~1 ms and under 1 MB; five documents in the child at ~0.15 s of CPU
    assert got["warm_cpu"] < 0.1 and got["warm_rss_mb"] < 16, got
    assert got["warm"]["cpu"] < 2.0, got


def test_traditional_spellings_are_what_opencc_gives():
    # TRADITIONAL_SPELLINGS is written out from OpenCC's s2t and s2twp conversions of every term:
    # a term added to the vocabulary, or an OpenCC whose dictionaries changed, shows here.
    import opencc

    converters = [opencc.OpenCC(c) for c in ("s2t", "s2twp")]
    for term in pdf_page.TABLE_TERMS + pdf_page.TABLE_TERMS_WEAK:
        want = {c.convert(term) for c in converters} - {term}
        got = set(pdf_page.TRADITIONAL_SPELLINGS.get(term, ()))
        assert got == want, f"extractors/formats/pdf/page.py TRADITIONAL_SPELLINGS[{term!r}]: {sorted(want)}"
    assert set(pdf_page.TRADITIONAL_SPELLINGS) <= set(pdf_page.TABLE_TERMS + pdf_page.TABLE_TERMS_WEAK)


def test_fast_cell_finder_gives_pdfplumbers_cells():
    """`cells_from_intersections` is pdfplumber's `intersections_to_cells`, cell for cell,
    on a ruled grid with a merged cell, a missing rule segment and a stray point."""
    from pdfplumber.table import edges_to_intersections, intersections_to_cells

    from extractors.formats.pdf.ruled import cells_from_intersections

    def h(y, x0, x1):
        return {"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "orientation": "h"}

    def v(x, y0, y1):
        return {"x0": x, "x1": x, "top": y0, "bottom": y1, "height": y1 - y0, "orientation": "v"}

    edges = [h(0, 0, 300), h(20, 0, 300), h(40, 0, 100), h(40, 200, 300), h(60, 0, 300),
             v(0, 0, 60), v(100, 0, 60), v(200, 0, 20), v(200, 40, 60), v(300, 0, 60), v(250, 50, 70)]
    inter = edges_to_intersections(edges, 3, 3)
    cells = cells_from_intersections(inter)
    assert cells == intersections_to_cells(inter)
    assert (100, 20, 300, 40) not in cells and len(cells) >= 5
