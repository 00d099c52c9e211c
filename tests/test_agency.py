"""The agency researchers group by (extractors.metadata): canonical names from every title
shape of issue #13, the sources besides the title (opening, 落款, page box), the fuller name
preferred, the publication date and the 索引号; end to end through process_bytes."""

from __future__ import annotations

import random
from datetime import date

import pytest

from benchmarks.corpus import make_report
from benchmarks.synth.layout import build_document
from benchmarks.synth.masthead import Masthead, cn_date
from benchmarks.synth.write_docx import write_docx
from benchmarks.synth.write_html import write_html
from benchmarks.synth.write_pdf import convert_batch
from benchmarks.synth.write_txt import write_txt
from extractors.metadata import extract_metadata
from extractors.metadata.agency import candidate, canonical_agency, choose_agency, is_fuller
from extractors.metadata.dates import find_date, is_date_line
from extractors.metadata.furniture import box_fields, box_pairs, is_chrome
from extractors.pipeline import process_bytes
from tests.reportgen import consistent_values, tab_split_report

BODY = "一、总体情况\n本年度，我局认真贯彻落实《中华人民共和国政府信息公开条例》。\n"


# ---- canonical names: every title shape of the issue -------------------------------------------
@pytest.mark.parametrize("title,agency,printed", [
    ("2022年昆明市五华区民政局政府信息公开工作年度报告", "昆明市五华区民政局", "昆明市五华区民政局"),  # year first
    ("2022年度昆明市五华区民政局政府信息公开工作年度报告", "昆明市五华区民政局", "昆明市五华区民政局"),
    ("杭州市西湖区交通运输局二〇二二年政府信息公开工作年度报告", "杭州市西湖区交通运输局", "杭州市西湖区交通运输局"),
    ("杭州市西湖区交通运输局二〇二二年度政府信息公开工作年度报告", "杭州市西湖区交通运输局", "杭州市西湖区交通运输局"),
    ("关于某某区财政局2021年度政府信息公开工作年度报告", "某某区财政局", "某某区财政局"),
    ("某某区财政局关于2021年度政府信息公开工作年度报告", "某某区财政局", "某某区财政局"),
    ("#沭阳县人民政府2023年政府信息公开工作年度报告", "沭阳县人民政府", "沭阳县人民政府"),  # Markdown heading
    ("## 沭阳县人民政府2023年政府信息公开工作年度报告", "沭阳县人民政府", "沭阳县人民政府"),
    ("武漢市漢陽區民政局2020年政府信息公開工作年度報告", "武汉市汉阳区民政局", "武漢市漢陽區民政局"),  # traditional
    ("“某某区财政局”2021年政府信息公开工作年度报告", "某某区财政局", "某某区财政局"),  # quotes
    ("２０２２年某某镇人民政府政务公开工作年度报告", "某某镇人民政府", "某某镇人民政府"),  # full-width year
])
def test_title_shapes_give_the_canonical_agency(title, agency, printed):
    meta = extract_metadata(title + "\n" + BODY)
    assert (meta.agency, meta.agency_printed, meta.agency_source) == (agency, printed, "title")
    assert meta.year in (2020, 2021, 2022, 2023)


def test_canonical_agency_removes_what_is_not_the_name():
    assert canonical_agency("  2024 年上海市科委政府信息公开工作年度报告") == "上海市科委"
    assert canonical_agency("【某某局】") == "某某局"
    assert canonical_agency("2024年") is None  # nothing left
    assert canonical_agency("我局") is None  # a self reference names no agency
    assert canonical_agency("关于做好") is None  # a notice's verb is not a name


def test_a_notice_is_not_a_report_and_names_no_agency():
    text = "关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知\n各镇（街道）、区直各部门：\n现将有关事项通知如下。\n"
    meta = extract_metadata(text)
    assert meta.title is None and meta.agency is None and not meta.report_title
    result = process_bytes(text.encode(), "notice.txt")
    assert result.report["status"] == "not_a_report"
    assert result.report["agency"] is None and result.report["template"] is None
    assert result.report["agency_alternatives"] == []


# ---- the fuller name -------------------------------------------------------------------------------
@pytest.mark.parametrize("long,short", [
    ("上海市科学技术委员会", "市科委"),
    ("上海市科学技术委员会", "上海市科委"),
    ("淄博市临淄区工业和信息化局", "临淄区工信局"),
    ("淄博市临淄区工业和信息化局", "临淄区工业和信息化局"),
    ("临淄区人力资源和社会保障局", "临淄区人社局"),
    ("宜昌市夷陵区新华街道办事处", "夷陵区新华街道办事处"),
])
def test_fuller_names(long, short):
    assert is_fuller(long, short)
    assert not is_fuller(short, long)


@pytest.mark.parametrize("a,b", [
    ("淮安市洪泽区人民政府办公室", "淮安市洪泽区人民政府"),  # the government's office is another body
    ("临淄区财政局", "临淄区民政局"),
    ("淄博市临淄区人民政府", "临淄区工信局"),  # the site's government is not the department
])
def test_different_bodies_are_not_fuller_names(a, b):
    assert not is_fuller(a, b) and not is_fuller(b, a)


def test_the_fuller_name_wins_and_the_others_are_alternatives():
    cands = [candidate("title", "市科委", need_suffix=False), candidate("opening", "上海市科委"),
             candidate("signature", "上海市科学技术委员会"), candidate("page_box", "上海市人民政府")]
    choice = choose_agency(cands)
    assert (choice.canonical, choice.source) == ("上海市科学技术委员会", "signature")
    assert choice.alternatives == ["市科委", "上海市科委", "上海市人民政府"]


def test_kewei_style_title_keeps_the_abbreviation_it_prints():
    # the converter output of a real report: year first with a space, the title over two lines,
    # the opening names only the abbreviation: both are accepted by its gold
    text = ("正文\n2024 年上海市科委政府信息公开工作\n年度报告\n根据《中华人民共和国政府信息公开条例》的要求，"
            "市科委编制了 2024 年度政务公开工作\n报告。\n" + BODY)
    meta = extract_metadata(text)
    assert (meta.agency, meta.year, meta.agency_alternatives) == ("上海市科委", 2024, ["市科委"])


# ---- the opening, the 落款, dates -------------------------------------------------------------------
@pytest.mark.parametrize("opening", [
    "本报告由淄博市临淄区工业和信息化局根据《中华人民共和国政府信息公开条例》要求编制。",
    "现将淄博市临淄区工业和信息化局2021年度政府信息公开工作情况报告如下。",
    "淄博市临淄区工业和信息化局根据《中华人民共和国政府信息公开条例》规定，编制本报告。",
    "根据《条例》要求，淄博市临淄区工业和信息化局编制了2021年度政府信息公开工作年度报告。",
    "本报告由淄博市临淄区工业和信息化局负责编制。",
])
def test_the_opening_sentence_gives_the_fuller_name(opening):
    meta = extract_metadata("临淄区工信局2021年政府信息公开工作年度报告\n" + opening + "\n" + BODY)
    assert (meta.agency, meta.agency_source) == ("淄博市临淄区工业和信息化局", "opening")
    assert meta.agency_alternatives == ["临淄区工信局"]


@pytest.mark.parametrize("closing,when", [
    ("淄博市临淄区工业和信息化局\n2022年1月20日", date(2022, 1, 20)),
    ("淄博市临淄区工业和信息化局\n2022 年 1 月 20 日", date(2022, 1, 20)),
    ("淄博市临淄区工业和信息化局\n二〇二二年一月二十日", date(2022, 1, 20)),
    ("淄博市临淄区工业和信息化局2022年1月20日", date(2022, 1, 20)),  # as a PDF reader joins them
    ("淄博市临淄区工业和信息化局\n2022年1月20日\n- 5 -", date(2022, 1, 20)),  # a page number after it
])
def test_the_signature_block_gives_name_and_date(closing, when):
    meta = extract_metadata("临淄区工信局2021年政府信息公开工作年度报告\n" + BODY + closing + "\n")
    assert (meta.agency, meta.agency_source, meta.published_on) == ("淄博市临淄区工业和信息化局", "signature", when)


def test_a_title_with_no_other_source_keeps_its_name_and_has_no_date():
    meta = extract_metadata("临淄区工信局2021年政府信息公开工作年度报告\n" + BODY)
    assert (meta.agency, meta.agency_alternatives, meta.published_on, meta.index_number) == \
        ("临淄区工信局", [], None, None)


def test_dates():
    assert find_date("发布时间：2023-02-20 15:07") == date(2023, 2, 20)
    assert find_date("2025/1/5") == date(2025, 1, 5)
    assert find_date("2025.01.05") == date(2025, 1, 5)
    assert find_date("二〇二五年十二月三十一日") == date(2025, 12, 31)
    assert find_date("2025年2月30日") is None  # not a calendar date
    assert is_date_line("2025年1月20日") and is_date_line(cn_date(date(2025, 11, 9)))
    assert not is_date_line("截至2025年1月20日，共收到申请3件。")


# ---- page furniture ------------------------------------------------------------------------------
def test_box_lines():
    pairs = box_pairs(["索引号：11320811MB1234567X/2025-00012  主题分类：综合政务",
                       "发布机构：某某区财政局 发文日期：2025-01-20", "本局根据索引号：查询", "名称：某某区财政局年报"])
    fields = box_fields(pairs)
    assert fields.index_number == "11320811MB1234567X/2025-00012"
    assert (fields.agency, fields.published_on, fields.title) == ("某某区财政局", date(2025, 1, 20), "某某区财政局年报")
    assert ("索引号", "查询") not in pairs  # a key inside running text is not a box line


@pytest.mark.parametrize("line", ["当前位置：首页 > 政务公开 > 年报", "首页 > 政务公开", "首页某某局",
                                  "上一篇：关于公布预算的公告", "主办单位：某某区人民政府办公室 苏ICP备12345678号"])
def test_site_chrome_lines(line):
    assert is_chrome(line)


def test_an_archive_header_block_gives_date_and_title():
    text = ("标题: 某某区2022年度政府信息公开工作年度报告\n发布时间: 2023-02-20 15:07\n文号: \n发布机构: \n"
            "栏目: 政府信息公开年报\n==== 正文 ====\n本报告由某某区人民政府办公室编制。\n" + BODY)
    meta = extract_metadata(text)
    assert (meta.title, meta.agency, meta.published_on) == \
        ("某某区2022年度政府信息公开工作年度报告", "某某区", date(2023, 2, 20))


def _saved_page(box: str, chrome: bool = True, at_end: bool = False) -> bytes:
    """A whole saved page around a complete report: breadcrumb, a 'home' line, the metadata
    box, the title, the report (its tab-split lines as tables), pager, share bar, footer."""
    lines = tab_split_report(consistent_values(), agency="某某区财政局", year=2024).splitlines()[1:]
    body, rows = [], []
    for line in [*lines, ""]:
        if "\t" in line:
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in line.split("\t")) + "</tr>")
            continue
        if rows:
            body.append("<table border='1'>" + "".join(rows) + "</table>")
            rows = []
        if line:
            body.append(f"<p>{line}</p>")
    top = """<div class="top-links"><a href="/">首页</a>某某区门户</div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 年报</div>""" if chrome else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>年报_某某区人民政府</title></head><body>
{top}<div class="main">{"" if at_end else box}
<div class="article"><p>2024年政府信息公开工作年度报告</p>
<p>本报告由淮安市某某区财政局编制。</p>
{"".join(body)}{box if at_end else ""}
<p>淮安市某某区财政局</p><p>2025年1月22日</p></div>
<div class="pager"><p>上一篇：<a href="/a/1.html">关于公布预算的公告</a></p><p>下一篇：<a href="/a/2.html">工作动态</a></p></div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div></div>
<div class="footer">主办单位：某某区人民政府办公室　苏ICP备12345678号</div></body></html>""".encode()


BOX_PAIRS_TABLE = """<table class="xxgk"><tr><td>索引号：</td><td>11320811MB1234567X/2025-00012</td>
<td>主题分类：</td><td>综合政务</td></tr><tr><td>发布机构：</td><td>某某区财政局</td><td>发文日期：</td><td>2025-01-20</td></tr>
<tr><td>名称：</td><td colspan="3">某某区财政局2024年政府信息公开工作年度报告</td></tr>
<tr><td>文号：</td><td></td><td>主题词：</td><td></td></tr></table>"""
BOX_CELL_TABLE = """<table><tr><td>索引号：11320811MB1234567X/2025-00012</td><td>主题分类：综合政务</td></tr>
<tr><td>发布机构：某某区财政局</td><td>发文日期：2025-01-20</td></tr></table>"""
BOX_LIST = """<div class="xxgk-info"><ul><li><b>索引号：</b><span>11320811MB1234567X/2025-00012</span></li>
<li><b>发布机构：</b><span>某某区财政局</span></li><li><b>发文日期：</b><span>2025-01-20</span></li></ul></div>"""


@pytest.mark.parametrize("box,at_end", [(BOX_PAIRS_TABLE, False), (BOX_CELL_TABLE, False), (BOX_LIST, False),
                                        (BOX_PAIRS_TABLE, True), (BOX_CELL_TABLE, True)])
def test_a_saved_page_box_is_metadata_not_rows(box, at_end):
    # (a box after the report's tables used to be read as rows of table 4: '文号：/主题词：')
    result = process_bytes(_saved_page(box, at_end=at_end), "saved.html")
    bare = process_bytes(_saved_page("", chrome=False), "bare.html")  # the same report, no furniture
    rep = result.report
    assert rep["status"] == bare.report["status"] and rep["cells_found"] == bare.report["cells_found"] > 150

    def cells(r):
        return [(v["table"], v["row"], v["column"], v["value"]) for v in r.values]

    def kinds(r):
        return sorted(f["check"] for f in r.findings)

    assert cells(result) == cells(bare) and kinds(result) == kinds(bare)
    said = " ".join(f["message"] + (f["detail"] or "") for f in result.findings)
    assert not any(word in said for word in ("索引号", "发布机构", "发文日期", "主题分类", "文号", "主题词", "上一篇", "ICP"))
    assert rep["index_number"] == "11320811MB1234567X/2025-00012"
    assert rep["published_on"] == date(2025, 1, 20)  # the box's date, before the 落款's
    assert rep["agency"] == "淮安市某某区财政局" and rep["agency_source"] in ("opening", "signature")
    assert "某某区财政局" in rep["agency_alternatives"]
    assert "首页" not in (rep["title"] or "")


# ---- end to end, every format -------------------------------------------------------------------
def _masthead(fmt: str) -> Masthead:
    return Masthead(full="淄博市张店区工业和信息化局", title_name="张店区工信局", opening_name=None,
                    sign_name="淄博市张店区工业和信息化局", sign_date=date(2023, 1, 16), shape="year_first",
                    heading_mark=fmt == "txt", traditional_title=fmt == "docx",
                    title="2022年张店区工信局政府信息公开工作年度报告", sign_text="二〇二三年一月十六日",
                    page_date=date(2023, 1, 18) if fmt == "html" else None)


def _document(fmt: str):
    report, agency, rng = make_report(3, 5)
    report.year = 2022
    m = _masthead(fmt)
    return build_document(report, agency, rng, fmt, m), rng


@pytest.mark.parametrize("fmt,writer", [("txt", write_txt), ("docx", write_docx), ("html", write_html)])
def test_end_to_end_every_format(fmt, writer):
    doc, rng = _document(fmt)
    result = process_bytes(writer(doc, rng), f"report.{fmt}")
    rep = result.report
    assert rep["status"] == "ok", rep["error"]
    assert (rep["agency"], rep["agency_source"]) == ("淄博市张店区工业和信息化局", "signature")
    assert "张店区工信局" in rep["agency_alternatives"]
    assert rep["published_on"] == (date(2023, 1, 18) if fmt == "html" else date(2023, 1, 16))  # the page's own
    assert rep["year"] == 2022


@pytest.mark.pdf
def test_end_to_end_pdf(tmp_path):
    doc, rng = _document("pdf")
    src = tmp_path / "report.docx"
    src.write_bytes(write_docx(doc, random.Random(1)))
    (pdf,) = convert_batch([src], tmp_path / "out")
    rep = process_bytes(pdf.read_bytes(), "report.pdf").report
    assert (rep["agency"], rep["published_on"]) == ("淄博市张店区工业和信息化局", date(2023, 1, 16))
