"""The .docx extractor: grids of merged tables, reading order, and refusal of bad input.

Fixtures are built by tests/fixtures/make_docx_fixtures.py (python-docx); the real
blank gb2021 template is tests/fixtures/real/template-2021-blank.docx.
"""

from __future__ import annotations

import io
import struct
import sys
import time
import zipfile
from pathlib import Path

import pytest

from extractors.errors import DocumentTooLarge, EmptyDocument, UnreadableDocument, UnsupportedFormat
from extractors.formats import docx as docx_extractor
from extractors.formats.docx import package as docx_package
from extractors.formats.docx.numbering import format_number

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DOCX = FIXTURES / "docx"
TEMPLATE = FIXTURES / "real" / "template-2021-blank.docx"

sys.path.insert(0, str(FIXTURES))
import make_docx_fixtures as mk  # noqa: E402

NOTE = mk.APP_NOTE


def extract(name: str | Path):
    path = Path(name) if isinstance(name, Path) else DOCX / name
    return docx_extractor.extract(path.read_bytes(), path.name)


def grid(doc, table: int) -> list[list[str]]:
    return [[c.text for c in r.cells] for r in doc.rows if r.kind == "table" and r.cells[0].table == table]


def outline(doc) -> list:
    """Reading order: text rows as strings, each table as ('table', index) once."""
    out: list = []
    for r in doc.rows:
        if r.kind == "text":
            out.append(r.cells[0].text)
        elif ("table", r.cells[0].table) not in out:
            out.append(("table", r.cells[0].table))
    return out


def assert_positions(doc) -> None:
    """Every table cell carries table/row/col, rows are rectangular and numbered in order."""
    widths: dict[int, int] = {}
    next_row: dict[int, int] = {}
    for r in doc.rows:
        if r.kind == "text":
            assert len(r.cells) == 1 and r.cells[0].table is None
            continue
        t = r.cells[0].table
        assert t is not None
        assert r.cells[0].row == next_row.get(t, 0)
        next_row[t] = r.cells[0].row + 1
        widths.setdefault(t, len(r.cells))
        assert len(r.cells) == widths[t], f"table {t} is not rectangular"
        for j, c in enumerate(r.cells):
            assert (c.table, c.row, c.col) == (t, r.cells[0].row, j)


# --- expected grids of the official layout -------------------------------------------

ACTIVE_GRID = [
    ["第二十条第（一）项"] * 4,
    ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
    ["规章", "1", "0", "5"],
    ["行政规范性文件", "2", "1", "9"],
    ["第二十条第（五）项"] * 4,
    ["信息内容"] + ["本年处理决定数量"] * 3,
    ["行政许可"] + ["123"] * 3,
    ["第二十条第（六）项"] * 4,
    ["信息内容"] + ["本年处理决定数量"] * 3,
    ["行政处罚"] + ["45"] * 3,
    ["行政强制"] + ["6"] * 3,
    ["第二十条第（八）项"] * 4,
    ["信息内容"] + ["本年收费金额（单位：万元）"] * 3,
    ["行政事业性收费"] + ["1.5"] * 3,
]

APP_HEADER = [
    [NOTE] * 3 + ["申请人情况"] * 7,
    [NOTE] * 3 + ["自然人"] + ["法人或其他组织"] * 5 + ["总计"],
    [NOTE] * 3 + ["自然人", "商业\n企业", "科研\n机构", "社会公益组织", "法律服务机构", "其他", "总计"],
]


def app_rows(keys: range | None = None) -> list[list[str]]:
    if keys is None:
        keys = range(len(mk.APP_ROWS))
    values = mk.app_values()
    out = []
    for k in keys:
        g, s, leaf = mk.APP_ROWS[k]
        if s is None:
            labels = [g, g, g]
        elif leaf is None:
            labels = [g, s, s]
        else:
            labels = [g, s, leaf]
        out.append(labels + values[k])
    return out


REVIEW_GRID = [
    ["行政复议"] * 5 + ["行政诉讼"] * 10,
    mk.REVIEW_HEAD + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
    mk.REVIEW_HEAD * 3,
    [v for row in mk.REVIEW for v in row],
]

REPORT_OUTLINE = [
    f"{mk.AGENCY}{mk.YEAR}年政府信息公开工作年度报告",
    "本报告根据《中华人民共和国政府信息公开条例》编制。",
    "一、总体情况",
    f"{mk.YEAR}年，本机关共计发布政务公开信息150条，其中政策解读12篇。",
    "二、主动公开政府信息情况",
]
REPORT_TAIL = [
    "五、存在的主要问题及改进情况",
    "信息公开的及时性有待提高。",
    "六、其他需要报告的事项",
    "本年度未收取信息处理费。",
]


# --- the official layout -------------------------------------------------------------


def test_official_layout_merged_headers_exact_grids():
    doc = extract("gb2021-merged-headers.docx")
    assert doc.format == "docx"
    assert_positions(doc)
    assert grid(doc, 0) == ACTIVE_GRID
    assert grid(doc, 1) == APP_HEADER + app_rows()
    assert grid(doc, 2) == REVIEW_GRID
    assert outline(doc) == [
        *REPORT_OUTLINE,
        ("table", 0),
        "三、收到和处理政府信息公开申请情况",
        ("table", 1),
        "四、政府信息公开行政复议、行政诉讼情况",
        ("table", 2),
        *REPORT_TAIL,
    ]


def test_vertical_merges_repeat_down_the_column():
    g = grid(extract("gb2021-merged-headers.docx"), 1)
    # 三、本年度办理结果 covers rows 5..26 of column 0; （三）不予公开 rows 7..14 of column 1.
    assert [row[0] for row in g[5:27]] == ["三、本年度办理结果"] * 22
    assert [row[1] for row in g[7:15]] == ["（三）不予公开"] * 8
    assert g[6][1] == g[6][2] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert g[27][:3] == ["四、结转下年度继续办理"] * 3


def test_core_properties_title_is_the_title_hint():
    assert (
        extract("gb2021-merged-headers.docx").title_hint == f"{mk.AGENCY}{mk.YEAR}年政府信息公开工作年度报告"
    )
    assert extract("label-line-breaks.docx").title_hint is None


def test_plain_text_lists_each_cell_once():
    doc = extract("gb2021-merged-headers.docx")
    lines = doc.text.split("\n")
    assert lines[:5] == REPORT_OUTLINE
    assert lines.count("法人或其他组织") == 1
    assert lines.count("三、本年度办理结果") == 1
    assert lines.count("第二十条第（一）项") == 1
    assert "本年度未收取信息处理费。" in lines
    assert (
        lines.index("二、主动公开政府信息情况")
        < lines.index("规章")
        < lines.index("三、收到和处理政府信息公开申请情况")
    )


def test_padding_full_width_spaces_are_stripped():
    # The fixture writes zeros as "0" + U+3000, as filled-in Word templates do.
    g = grid(extract("gb2021-merged-headers.docx"), 1)
    assert all("\u3000" not in c for row in g for c in row)
    assert g[14][3:] == ["0"] * 7


def test_real_blank_template():
    doc = extract(TEMPLATE)
    assert_positions(doc)
    assert doc.title_hint is None  # its core title is empty
    t0, t1, t2 = grid(doc, 0), grid(doc, 1), grid(doc, 2)
    assert (len(t0), len(t0[0])) == (14, 4)
    assert (len(t1), len(t1[0])) == (28, 10)
    assert (len(t2), len(t2[0])) == (4, 15)
    assert t0[0] == ["第二十条第（一）项"] * 4
    # Cells holding only full-width spaces are blanks.
    assert t0[2] == ["规章", "", "", ""]
    assert t0[6] == ["行政许可", "", "", ""]
    assert t0[12] == ["信息内容"] + ["本年收费金额（单位：万元）"] * 3
    assert t1[0][:3] == [NOTE] * 3 and t1[0][3:] == ["申请人情况"] * 7
    assert t1[1] == [NOTE] * 3 + ["自然人"] + ["法人或其他组织"] * 5 + ["总计"]
    assert t1[2][3:] == ["自然人", "商业\n企业", "科研\n机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert [r[0] for r in t1[5:27]] == ["三、本年度办理结果"] * 22
    assert [r[1] for r in t1[7:15]] == ["（三）不予公开"] * 8
    assert t1[7][2] == "1.属于国家秘密"
    assert [r[1] for r in t1[23:26]] == ["（六）其他处理"] * 3
    assert t1[26][:3] == ["三、本年度办理结果", "（七）总计", "（七）总计"]
    assert all(c == "" for r in t1[3:] for c in r[3:])
    assert t2[0] == ["行政复议"] * 5 + ["行政诉讼"] * 10
    assert t2[1][:5] == t2[2][:5] == ["结果维持", "结果\n纠正", "其他\n结果", "尚未\n审结", "总计"]
    assert t2[1][5:] == ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5
    assert t2[3] == [""] * 15
    assert outline(doc) == [
        "政府信息公开工作年度报告格式模板",
        "一、总体情况",
        "（文字描述）",
        "二、主动公开政府信息情况",
        ("table", 0),
        "三、收到和处理政府信息公开申请情况",
        ("table", 1),
        "四、政府信息公开行政复议、行政诉讼情况",
        ("table", 2),
        "五、存在的主要问题及改进情况",
        "（文字描述）",
        "六、其他需要报告的事项",
        "（文字描述，收取信息处理费情况在此处报告。）",
    ]


# --- layout variants -------------------------------------------------------------------


def test_table2_as_one_table_per_article_item():
    doc = extract("table2-one-table-per-item.docx")
    assert_positions(doc)
    assert grid(doc, 0) == ACTIVE_GRID[0:4]
    assert grid(doc, 1) == ACTIVE_GRID[4:7]
    assert grid(doc, 2) == ACTIVE_GRID[7:11]
    assert grid(doc, 3) == ACTIVE_GRID[11:14]
    assert grid(doc, 4) == APP_HEADER + app_rows()
    assert grid(doc, 5) == REVIEW_GRID
    # Empty paragraphs between the small tables produce no rows.
    assert outline(doc)[4:9] == [
        "二、主动公开政府信息情况",
        ("table", 0),
        ("table", 1),
        ("table", 2),
        ("table", 3),
    ]


def test_table3_split_into_two_word_tables():
    doc = extract("table3-split-in-two.docx")
    assert_positions(doc)
    assert grid(doc, 1) == APP_HEADER + app_rows(range(0, 12))
    assert grid(doc, 2) == APP_HEADER + app_rows(range(12, len(mk.APP_ROWS)))
    assert grid(doc, 2)[3][:3] == ["三、本年度办理结果", "（四）无法提供", "1．本机关不掌握相关政府信息"]
    assert outline(doc)[5:9] == [
        ("table", 0),
        "三、收到和处理政府信息公开申请情况",
        ("table", 1),
        ("table", 2),
    ]


def test_repeated_header_row_is_kept_as_printed():
    doc = extract("repeated-header-row.docx")
    assert_positions(doc)
    g = grid(doc, 0)
    assert g == REVIEW_GRID + REVIEW_GRID


def test_label_cells_with_line_breaks_and_split_runs():
    doc = extract("label-line-breaks.docx")
    assert grid(doc, 0) == [
        ["", "商业\n企业", "科研\n机构"],
        ["5.要求行政机关确认或重新\n出具已获取信息", "21", "0"],
        ["（二）部分公开\n（区分处理的，只计这一情形，不计其他情形）", "", ""],
    ]


def test_table_nested_in_a_cell_follows_its_row():
    doc = extract("nested-table-in-cell.docx")
    assert_positions(doc)
    assert grid(doc, 0) == [["外A", "外B"], ["外C", "内表上方\n内表下方"]]
    assert grid(doc, 1) == [["内1", "内2"], ["内3", "内4"]]
    order = [(r.kind, r.cells[0].table, r.cells[0].row) for r in doc.rows]
    assert order == [
        ("text", None, None),
        ("table", 0, 0),
        ("table", 0, 1),
        ("table", 1, 0),
        ("table", 1, 1),
        ("text", None, None),
    ]
    assert ("docx_nested_table", "1 table(s) nested in table cells") in doc.notes


def test_layout_wrapper_table_is_unwrapped():
    doc = extract("layout-wrapper-table.docx")
    assert_positions(doc)
    assert grid(doc, 0) == ACTIVE_GRID
    assert grid(doc, 1) == APP_HEADER + app_rows()
    assert grid(doc, 2) == REVIEW_GRID
    o = outline(doc)
    assert o[0] == "页眉说明" and o[-1] == "文末"
    assert o[1:6] == REPORT_OUTLINE
    assert any(kind == "docx_layout_table" for kind, _ in doc.notes)


def test_table_inside_a_text_box_is_read_once_in_anchor_order():
    doc = extract("table-in-textbox.docx")
    assert_positions(doc)
    assert outline(doc) == ["文本框之前", "锚定段落", "框内段落", ("table", 0), "文本框之后", "旧式文本框"]
    assert grid(doc, 0) == [["行政处罚", "行政强制", "行政许可"], ["7", "8", "9"]]
    # The DrawingML box and its VML fallback hold the same content: read once.
    assert doc.text.count("框内段落") == 1
    assert ("docx_textbox", "2 text box(es) read in anchor order") in doc.notes


def test_grid_before_and_after_pad_the_row():
    doc = extract("grid-before-after.docx")
    assert_positions(doc)
    assert grid(doc, 0) == [["00", "01", "02"], ["", "11", "12"], ["20", "21", ""]]


def test_content_controls_around_table_and_row():
    doc = extract("content-controls.docx")
    assert_positions(doc)
    assert outline(doc) == ["控件之前", ("table", 0), "控件之后"]
    assert grid(doc, 0) == [["格00", "格01"], ["格10", "格11"]]


# --- bad input ---------------------------------------------------------------------------


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_empty_bytes():
    with pytest.raises(EmptyDocument, match="empty file"):
        docx_extractor.extract(b"", "x.docx")


def test_truncated_docx():
    data = TEMPLATE.read_bytes()
    with pytest.raises(UnreadableDocument, match="x.docx: corrupt or truncated zip"):
        docx_extractor.extract(data[: len(data) // 2], "x.docx")


def test_pdf_named_docx():
    data = (FIXTURES / "real" / "hongze-2024.pdf").read_bytes()
    with pytest.raises(UnreadableDocument, match="is a PDF, not a zip"):
        docx_extractor.extract(data, "report.docx")


def test_legacy_doc_named_docx():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    with pytest.raises(UnsupportedFormat, match="OLE2"):
        docx_extractor.extract(ole, "report.docx")


def test_random_bytes():
    with pytest.raises(UnreadableDocument, match="not a zip container"):
        docx_extractor.extract(b"hello, this is plain text\n" * 10, "x.docx")


def test_plain_zip_without_word_document():
    data = _zip({"readme.txt": b"not a word file", "data/1.csv": b"a,b\n1,2\n"})
    with pytest.raises(UnreadableDocument, match="no Word main document"):
        docx_extractor.extract(data, "x.docx")


def test_other_office_package_is_refused():
    rels = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
        b' Target="xl/workbook.xml"/></Relationships>'
    )
    types = (
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    )
    data = _zip({"[Content_Types].xml": types, "_rels/.rels": rels, "xl/workbook.xml": b"<workbook/>"})
    with pytest.raises(UnreadableDocument, match="not a Word document .*spreadsheetml"):
        docx_extractor.extract(data, "x.docx")


def test_malformed_document_xml():
    with zipfile.ZipFile(TEMPLATE) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    members["word/document.xml"] = members["word/document.xml"][:5000]
    with pytest.raises(UnreadableDocument, match="word/document.xml is not well-formed XML"):
        docx_extractor.extract(_zip(members), "x.docx")


def test_document_without_text():
    with zipfile.ZipFile(TEMPLATE) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    members["word/document.xml"] = (
        b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p/><w:p><w:r><w:t>\xe3\x80\x80</w:t></w:r></w:p><w:sectPr/></w:body></w:document>"
    )
    with pytest.raises(EmptyDocument, match="holds no text"):
        docx_extractor.extract(_zip(members), "x.docx")


def test_zip_bomb_is_refused_before_inflating():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MiB of zeros deflate to ~64 KiB
                f.write(chunk)
    data = buf.getvalue()
    assert len(data) < 1 << 20
    t = time.perf_counter()
    with pytest.raises(DocumentTooLarge, match=r"zip bomb suspected: member 'word/document.xml'"):
        docx_extractor.extract(data, "bomb.docx")
    assert time.perf_counter() - t < 0.5  # refused from the directory, nothing inflated


def _patch_declared_sizes(data: bytes, size: int) -> bytes:
    """Rewrite every central-directory entry's uncompressed size (a lying zip)."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<I", out, pos + 24, size)
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def test_total_uncompressed_cap():
    # 12 members each declaring 9 MiB: each under the ratio floor, 108 MiB in total.
    members = {f"word/media/image{i}.png": b"x" * 1000 for i in range(12)}
    members["word/document.xml"] = b"<w:document/>"
    data = _patch_declared_sizes(_zip(members, zipfile.ZIP_STORED), 9 * 1024 * 1024)
    with pytest.raises(DocumentTooLarge, match=r"zip declares \d+ bytes uncompressed \(cap 104857600\)"):
        docx_extractor.extract(data, "big.docx")


def test_caps_are_named_constants():
    assert docx_package.MAX_UNCOMPRESSED_TOTAL == 100 * 1024 * 1024
    assert docx_package.MAX_COMPRESSION_RATIO > 100


def test_automatic_list_numbers_are_printed():
    doc = extract("auto-numbered-lists.docx")
    assert outline(doc) == [
        "一、总体情况",  # numbered through its paragraph style
        "（一）主动公开",
        "（二）依申请公开",
        "二、主动公开政府信息情况",
        "（一）规章",  # level 1 restarts under a new level-0 item
        "五、存在的主要问题及改进情况",  # a list instance with a start override
        "要点",
        "不编号的项目",  # bullets print no number
        ("table", 0),
    ]
    assert grid(doc, 0) == [["1. 属于国家秘密", "0"], ["2. 其他法律行政法规禁止公开", "1"]]


@pytest.mark.parametrize(
    ("n", "fmt", "printed"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (12, "chineseCounting", "十二"),
        (20, "chineseCounting", "二十"),
        (35, "chineseCountingThousand", "三十五"),
        (105, "chineseCounting", "一百〇五"),
        (112, "chineseCounting", "一百一十二"),
        (3, "chineseLegalSimplified", "叁"),
        (2, "ideographTraditional", "乙"),
        (3, "decimalEnclosedCircle", "③"),
        (4, "decimalFullWidth", "４"),
        (28, "upperLetter", "BB"),
        (4, "lowerRoman", "iv"),
        (7, "decimalZero", "07"),
        (7, "somethingNew", "7"),
    ],
)
def test_number_formats(n, fmt, printed):
    assert format_number(n, fmt) == printed
