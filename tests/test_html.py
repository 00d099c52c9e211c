"""The HTML extractor: charsets, the article among site chrome, rowspan/colspan grids.

Fixtures are written by tests/fixtures/html/make_html_fixtures.py; the full report
page carries the same values as the docx fixtures, so both formats must give the same
grids.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.errors import DocumentTooLarge, EmptyDocument
from extractors.formats import html as html_extractor
from extractors.formats.html import cells as html_cells
from extractors.formats.html import container as html_container
from extractors.formats.html import reader as html_reader
from extractors.formats.html import walker as html_walker

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HTML = FIXTURES / "html"
sys.path.insert(0, str(FIXTURES))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_docx_fixtures as mk  # noqa: E402
from test_docx import ACTIVE_GRID, APP_HEADER, REVIEW_GRID, app_rows, assert_positions, grid, outline  # noqa: E402


def extract(name: str):
    return html_extractor.extract((HTML / name).read_bytes(), name)


def page(body: str, head: str = '<meta charset="utf-8">') -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


def rows_text(doc) -> str:
    return "\n".join(c.text for r in doc.rows for c in r.cells)


# --- grids -------------------------------------------------------------------------


def test_rowspan_colspan_grid():
    doc = extract("rowspan-colspan-grid.html")
    assert doc.format == "html"
    assert_positions(doc)
    assert grid(doc, 0) == [
        ["项目", "项目", "申请人情况", "申请人情况", "申请人情况"],
        ["项目", "项目", "自然人", "法人或其他组织", "法人或其他组织"],
        ["三、本年度办理结果", "（一）予以公开", "1", "2", "3"],
        ["三、本年度办理结果", "（三）不予公开", "4", "5", "6"],
        ["三、本年度办理结果", "（三）不予公开", "7", "8", ""],  # a short row is padded
        ["四、结转下年度继续办理", "四、结转下年度继续办理", "9", "10", "11"],
        ["合计", "合计", "9", "12", "13"],  # rowspan=0 runs to the end of the group
    ]
    assert outline(doc) == ["表格之前", ("table", 0), "表格之后"]
    assert doc.title_hint == "网格"


def test_numbers_split_across_spans_join():
    doc = extract("numbers-split-across-spans.html")
    assert grid(doc, 0) == [
        ["信息内容", "本年制发件数", "现行有效件数"],
        ["规章", "21", "166"],
        ["行政规范\n性文件", "77", "1,647\n（万元）"],
    ]
    assert outline(doc) == ["二、主动公开政府信息情况", ("table", 0)]


def test_nbsp_and_empty_cells_are_blank():
    doc = extract("nbsp-cells.html")
    assert grid(doc, 0) == [
        ["标签", "", "", "", "", ""],
        ["数值", "0", "5", "", "", "-"],
    ]


def test_full_report_among_site_chrome():
    doc = extract("nav-scripts-around-article.html")
    assert_positions(doc)
    # Same grids as the Word fixture with the same values.
    assert grid(doc, 0) == ACTIVE_GRID
    assert grid(doc, 1) == APP_HEADER + app_rows()
    assert grid(doc, 2) == REVIEW_GRID
    title = f"{mk.AGENCY}{mk.YEAR}年政府信息公开工作年度报告"
    assert doc.title_hint == title
    o = outline(doc)
    assert o[0] == title
    assert o[2:7] == [
        "本报告根据《中华人民共和国政府信息公开条例》编制。",
        "一、总体情况",
        f"{mk.YEAR}年，本机关共计发布政务公开信息150条，其中政策解读12篇。",
        "二、主动公开政府信息情况",
        ("table", 0),
    ]
    assert o.index("三、收到和处理政府信息公开申请情况") == o.index(("table", 0)) + 1
    assert o.index(("table", 1)) < o.index("四、政府信息公开行政复议、行政诉讼情况") < o.index(("table", 2))
    assert "本年度未收取信息处理费。" in o
    everything = rows_text(doc) + "\n" + doc.text
    for chrome in (
        "首页",
        "政府信息公开指南",
        "当前位置",
        "闽ICP备",
        "99 99 99",
        "搜索",
        "JavaScript",
        "微信",
        "1234",
        "2022年政府信息公开",
    ):
        assert chrome not in everything, chrome
    assert "article" in doc.detail


def test_plain_text_lists_each_cell_once():
    doc = extract("nav-scripts-around-article.html")
    lines = doc.text.split("\n")
    assert lines.count("法人或其他组织") == 1
    assert lines.count("三、本年度办理结果") == 1
    assert lines.count("第二十条第（一）项") == 1
    assert (
        lines.index("二、主动公开政府信息情况")
        < lines.index("规章")
        < lines.index("三、收到和处理政府信息公开申请情况")
    )


def test_page_without_tables_returns_text_rows():
    doc = extract("no-table.html")
    assert all(r.kind == "text" for r in doc.rows)
    assert outline(doc) == [
        "关于开展政务公开培训的通知",
        "各乡镇人民政府，县政府各部门：",
        "为提升政务公开工作水平，定于2023年5月10日举办政务公开业务培训。",
        "请各单位安排1名工作人员参加。",
        "联系人：张三",
        "培训时间：上午9时",
        "培训地点：县政府三楼会议室",
    ]
    assert doc.title_hint == "关于开展政务公开培训的通知"


def test_nested_tables_in_layout_and_in_a_cell():
    doc = extract("nested-layout-tables.html")
    assert_positions(doc)
    assert outline(doc) == [
        "二、主动公开政府信息情况",
        ("table", 0),
        "说明文字",
        ("table", 1),
        ("table", 2),
        "结尾",
    ]
    assert grid(doc, 0) == [
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "5"],
    ]
    assert grid(doc, 1) == [["外A", "外B"], ["外C", "内表上方\n内表下方"]]
    assert grid(doc, 2) == [["内1", "内2"], ["内3", "内4"]]
    # the nested table comes right after the row holding it
    kinds = [(r.cells[0].table, r.cells[0].row) for r in doc.rows if r.kind == "table"]
    assert kinds[2:] == [(1, 0), (1, 1), (2, 0), (2, 1)]
    assert "首页" not in rows_text(doc)


def test_one_row_layout_table_is_unwrapped():
    body = (
        "<p>前言</p><table><tr>"
        "<td><p>二、主动公开政府信息情况</p><table border=1><tr><td>规章</td><td>1</td></tr>"
        "<tr><td>行政许可</td><td>2</td></tr></table></td>"
        "<td><p>" + "这是一段很长的说明文字，" * 10 + "</p></td>"
        "</tr></table>"
    )
    doc = html_extractor.extract(page(body), "layout.html")
    assert outline(doc) == ["前言", "二、主动公开政府信息情况", ("table", 0), "这是一段很长的说明文字，" * 10]
    assert grid(doc, 0) == [["规章", "1"], ["行政许可", "2"]]
    assert any(kind == "html_layout_table" for kind, _ in doc.notes)


def test_line_breaks_and_blocks_split_text_rows():
    doc = html_extractor.extract(page("<div>一、总体情况<br>正文第一行<p>正文第二行</p>尾巴</div>"), "x.html")
    assert outline(doc) == ["一、总体情况", "正文第一行", "正文第二行", "尾巴"]


def test_hidden_elements_are_ignored():
    body = (
        "<p>可见</p><div style='display: none'>隐藏一</div><div hidden>隐藏二</div>"
        "<div aria-hidden='true'>隐藏三</div><div role='navigation'><a href='#'>导航</a></div>"
        "<table><tr><td>甲</td><td style='DISPLAY:NONE'>乙</td></tr></table>"
    )
    doc = html_extractor.extract(page(body), "x.html")
    text = rows_text(doc)
    assert "可见" in text
    assert grid(doc, 0) == [["甲"]]
    for hidden in ("隐藏一", "隐藏二", "隐藏三", "导航", "乙"):
        assert hidden not in text


def test_huge_colspan_is_clamped_and_huge_tables_skipped(monkeypatch):
    doc = html_extractor.extract(
        page("<table><tr><td colspan=5000>x</td></tr><tr><td>1</td></tr></table>"), "x.html"
    )
    g = grid(doc, 0)
    assert len(g[0]) == html_walker.MAX_COLSPAN
    assert g[1][:2] == ["1", ""]
    monkeypatch.setattr(html_walker, "MAX_TABLE_CELLS", 100)
    doc = html_extractor.extract(page("<p>前</p><table><tr><td colspan=200>x</td></tr></table>"), "x.html")
    assert all(r.kind == "text" for r in doc.rows)
    assert any(kind == "html_table_skipped" for kind, _ in doc.notes)


def test_rowspan_past_the_last_row_is_clipped():
    doc = html_extractor.extract(
        page("<table><tr><td rowspan=9>甲</td><td>1</td></tr><tr><td>2</td></tr></table>"), "x"
    )
    assert grid(doc, 0) == [["甲", "1"], ["甲", "2"]]


# --- charsets ------------------------------------------------------------------------


def test_gbk_meta_charset():
    doc = extract("gbk-meta-charset.html")
    assert outline(doc)[0] == "二、主动公开政府信息情况（朱镕基）"
    assert grid(doc, 0) == [["第二十条第（一）项", "本年制发件数", "现行有效件数"], ["规章", "3", "12"]]
    assert ("encoding", "html charset gbk from meta (decoded as gb18030)") in doc.notes


def test_http_equiv_gb2312_read_as_gb18030():
    # 堃 is in GBK but not in GB2312: a strict gb2312 decoder would fail.
    doc = extract("http-equiv-gb2312.html")
    assert outline(doc)[0] == "二、主动公开政府信息情况（王堃）"
    assert ("encoding", "html charset gb2312 from meta (decoded as gb18030)") in doc.notes
    assert doc.detail.startswith("gb18030 (meta)")


def test_undeclared_gbk_is_detected():
    doc = extract("undeclared-gbk.html")
    assert outline(doc)[:2] == [f"{mk.AGENCY}{mk.YEAR}年政府信息公开工作年度报告", "一、总体情况"]
    assert any(kind == "encoding" and "detected" in msg for kind, msg in doc.notes)


def test_utf8_bom_outranks_a_wrong_meta():
    doc = extract("utf8-bom-wrong-meta.html")
    assert outline(doc)[0] == "二、主动公开政府信息情况"
    assert doc.detail.startswith("utf-8 (BOM)")


def test_declared_charset_that_does_not_fit_falls_back_to_utf8():
    data = page("<p>二、主动公开政府信息情况</p>", head='<meta charset="iso-8859-1">')
    doc = html_extractor.extract(data, "x.html")
    assert outline(doc) == ["二、主动公开政府信息情况"]
    assert any(kind == "encoding" and "utf-8" in msg for kind, msg in doc.notes)


def test_xml_declaration_is_accepted():
    data = '<?xml version="1.0" encoding="gbk"?><html><body><p>规章</p></body></html>'.encode("gbk")
    doc = html_extractor.extract(data, "x.xhtml")
    assert outline(doc) == ["规章"]


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        b"<html><body>  &nbsp; </body></html>",
        b"<html><head><title>t</title><script>var a=1</script></head><body></body></html>",
    ],
)
def test_no_text_at_all(data):
    with pytest.raises(EmptyDocument):
        html_extractor.extract(data, "x.html")


def test_too_large(monkeypatch):
    monkeypatch.setattr(html_reader, "MAX_HTML_BYTES", 100)
    with pytest.raises(DocumentTooLarge, match="exceeds the cap of 100"):
        html_extractor.extract(page("<p>" + "字" * 100 + "</p>"), "x.html")


def test_single_layout_table_without_data_tables():
    """An old page laid out by one table (menu cell | article cell) and no report tables."""
    menu = "".join(f"<a href='/{i}'>栏目{i}</a><br>" for i in range(8))
    article = "".join(
        f"<p>第{i}段：本机关依法公开政府信息，全年办理公开申请若干件，情况良好。</p>" for i in range(6)
    )
    doc = html_extractor.extract(page(f"<table><tr><td>{menu}</td><td>{article}</td></tr></table>"), "x.html")
    assert all(r.kind == "text" for r in doc.rows)
    assert outline(doc)[0] == "第0段：本机关依法公开政府信息，全年办理公开申请若干件，情况良好。"
    assert len(outline(doc)) == 6


def test_page_labelled_utf8_but_written_in_gbk():
    body = (
        "<p>二、主动公开政府信息情况</p>"
        + "<p>本机关全年主动公开政府信息一百五十条，办理依申请公开二十一件。</p>" * 5
    )
    data = f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>'.encode("gbk")
    doc = html_extractor.extract(data, "x.html")
    assert outline(doc)[0] == "二、主动公开政府信息情况"
    assert any(kind == "encoding" and "does not fit" in msg for kind, msg in doc.notes)


def test_a_few_bad_bytes_keep_the_declared_charset():
    good = "<p>二、主动公开政府信息情况</p><p>规章</p>".encode("gbk")
    data = b'<html><head><meta charset="gbk"></head><body>' + good + b"<p>\x81</p></body></html>"
    doc = html_extractor.extract(data, "x.html")
    assert outline(doc)[:2] == ["二、主动公开政府信息情况", "规章"]
    assert any(kind == "encoding" and "1 undecodable" in msg for kind, msg in doc.notes)


def test_undeclared_utf8_with_one_bad_byte_stays_utf8():
    data = "<html><body><p>二、主动公开政府信息情况</p><p>规章".encode() + b"\xff</p></body></html>"
    doc = html_extractor.extract(data, "x.html")
    assert outline(doc)[0] == "二、主动公开政府信息情况"
    assert (
        "encoding",
        "html charset undeclared, read as utf-8; 1 undecodable byte sequence(s) replaced",
    ) in doc.notes


# --- the grid builder both readers use (extractors.formats.grid) ----------------------


def _grid_rows(rows):
    return [[(c.text, c.merged) for c in r.cells] for r in rows]


def test_grid_builder_rowspan_and_colspan():
    from extractors.formats.grid import GridBuilder, Span

    g = GridBuilder(table=3, nrows=3)
    first = g.add_row([Span("甲", rowspan=0), Span("乙", colspan=2)])
    second = g.add_row([Span("1"), Span("2")])
    third = g.add_row([Span("3", rowspan=2)])  # reaches past the table's end: ignored there
    rows = g.finish()
    assert _grid_rows(rows) == [
        [("甲", False), ("乙", False), ("乙", True)],
        [("甲", False), ("1", False), ("2", False)],
        [("甲", False), ("3", False), ("", False)],
    ]
    assert (first.texts, second.texts, third.texts) == (["甲", "乙"], ["1", "2"], ["3"])
    assert [(c.table, c.row, c.col) for c in rows[2].cells] == [(3, 2, 0), (3, 2, 1), (3, 2, 2)]


def test_grid_builder_docx_merges_and_gaps():
    from extractors.formats.grid import GridBuilder, Span

    g = GridBuilder(table=0, nrows=3, width=4)
    g.add_row([Span("甲", colspan=2), Span("乙"), Span("丙")])
    below = g.add_row([Span.gap(1), Span("x", colspan=2, from_above=True), Span("丁", from_left=True)])
    g.add_row([])
    assert _grid_rows(g.finish()) == [
        [("甲", False), ("甲", True), ("乙", False), ("丙", False)],
        [("", False), ("甲", False), ("乙", False), ("乙", True)],
        [("", False)] * 4,
    ]
    assert below.texts == []  # continuations and gaps start no cell of their own


# --- the reader's shortcuts give what the plain walk gives ------------------------------------


def test_styles_that_mention_display_but_do_not_hide_keep_their_element():
    body = (
        "<p style='display: block'>块</p><p style='visibility: visible'>见</p><p style='color:red'>红</p>"
        "<p style='Display:None'>藏一</p><p style='visibility : hidden'>藏二</p><p aria-hidden='false'>留</p>"
        "<p role='main'>主</p><p role='Navigation'>藏三</p>"
    )
    text = rows_text(html_extractor.extract(page(body), "x.html"))
    for kept in ("块", "见", "红", "留", "主"):
        assert kept in text
    for hidden in ("藏一", "藏二", "藏三"):
        assert hidden not in text


def _looks_like_data_measuring_every_cell(table) -> bool:
    """`looks_like_data` as it was first written: the longest cell of all."""
    total = html_container.TEXT_LEN(table)
    longest = max((html_container.TEXT_LEN(td) for tr in html_cells.rows_of(table) for td in html_cells.cells_of(tr)),
                  default=0.0)
    return not (longest > html_container.LAYOUT_CELL_CHARS and longest > 0.5 * total)


CELL_TEXT = st.text(alphabet=st.sampled_from("字 \t\n\u00a0\u3000a1"), max_size=12).map(
    lambda s: s * 40 if s.startswith("字") else s)  # some cells far past LAYOUT_CELL_CHARS


@given(st.lists(st.lists(CELL_TEXT, min_size=1, max_size=4), min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_the_layout_test_skips_only_rows_too_short_to_matter(rows):
    from lxml import etree

    markup = "<table>" + "".join("<tr>" + "".join(f"<td><span>{c}</span></td>" for c in r) + "</tr>" for r in rows)
    table = etree.fromstring(markup + "</table>", etree.HTMLParser()).find(".//table")
    assert html_container.looks_like_data(table) == _looks_like_data_measuring_every_cell(table)


def test_long_and_repeated_cells_keep_their_text_and_their_place():
    long = "说明" * (html_cells.CACHED_CELL_CHARS + 10)
    body = (f"<table><tr><td>项目</td><td>{long}</td></tr><tr><td>0</td><td> 0 </td></tr></table>"
            "<table><tr><td>0</td><td>0<br>1</td></tr></table>")
    doc = html_extractor.extract(page(body), "x.html")
    assert grid(doc, 0) == [["项目", long], ["0", "0"]] and grid(doc, 1) == [["0", "0\n1"]]
    assert_positions(doc)
    zeros = [c for r in doc.rows if r.kind == "table" for c in r.cells if c.text == "0"]
    assert [(c.table, c.row, c.col) for c in zeros] == [(0, 1, 0), (0, 1, 1), (1, 0, 0)]


def test_a_large_table_is_read_in_bounded_time_and_memory():
    """20,000 cells (1,000 rows of a label and 19 zeros): a small fraction of a second,
    and the Python objects of its rows within a few tens of MB."""
    rows = "".join(f"<tr><td>（{i}）项目</td>" + "<td>0</td>" * 19 + "</tr>" for i in range(1000))
    data = page(f"<p>前</p><table>{rows}</table>")
    html_extractor.extract(data, "x.html")
    start = time.process_time()
    doc = html_extractor.extract(data, "x.html")
    seconds = time.process_time() - start
    tracemalloc.start()
    html_extractor.extract(data, "x.html")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(grid(doc, 0)) == 1000 and grid(doc, 0)[999][:2] == ["（999）项目", "0"]
    # 1 s: about 0.2 s on an idle core (CPU time still stretches on a loaded 2-core machine);
    # a cost growing with the rows before each would take minutes.
    assert seconds < 1.0, f"{seconds:.2f} s"
    assert peak < 30_000_000, f"{peak / 1e6:.0f} MB"


def _span(text: str, colspan: int, rowspan: int, kind: str):
    from extractors.formats.grid import Span

    return Span(text, colspan=colspan, rowspan=rowspan, from_above=kind == "above", from_left=kind == "left",
                filler=kind == "filler")


_SPAN = st.builds(
    _span,
    st.sampled_from(["", "0", "3", "自然人", "总计"]), st.sampled_from([1, 1, 1, 2, 3]),
    st.sampled_from([1, 1, 1, 1, 2, 0]), st.sampled_from(["own", "own", "own", "above", "left", "filler"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_SPAN, max_size=6), min_size=1, max_size=6))
def test_grid_fast_path_lays_out_rows_as_the_general_placing_does(rows):
    """`add_row`'s path for rows of one-position cells gives the same cells, widths and own
    texts as placing every cell (`_add_placed_row`), whatever rows come before and after."""
    from extractors.formats.grid import GridBuilder

    fast, slow = GridBuilder(table=1, nrows=len(rows)), GridBuilder(table=1, nrows=len(rows))
    for spans in rows:
        a, b = fast.add_row(list(spans)), slow._add_placed_row(list(spans))
        assert a.texts == b.texts
        assert a.row.cells == b.row.cells
    assert fast.finish() == slow.finish()
