"""One page: whether it is read in depth (table vocabulary), its tables (ruled, then
unruled) and the lines of running text left over.

    read_page(page, index, source, pending, notes) -> PageLayout

Pages without table vocabulary are read from PDFium's text alone (~2-4 ms a page);
the others, and a page a table may run onto (`pending`), get the full geometry.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractors.formats.pdf.geometry import (
    MAX_EDGES_PER_PAGE,
    MAX_GRID_POINTS,
    Char,
    CharBoxes,
    GeometrySource,
    Line,
    TablePart,
    Transform,
    char_box,
    count_images,
    page_transform,
)
from extractors.formats.pdf.ruled import line_grid, ruled_parts
from extractors.formats.pdf.text import UNMAPPED_RE, group_lines, line_text, squash, tidy
from extractors.formats.pdf.unruled import unruled_parts

# Table vocabulary: labels printed in the three statistical tables (both templates).
# A page is analysed in depth when its text (whitespace removed) scores
# TABLE_TERMS_MIN: a table label counts 1, a word that narrative text uses as well
# (行政复议, 行政许可, ...) counts 0.5, so "降低行政复议、行政诉讼发生率" alone does not
# make a table page but 行政复议 + 结果维持 does.
TABLE_TERMS = (
    "信息内容", "第二十条第", "本年制发件数", "本年废止件数", "现行有效件数", "处理决定数量",
    "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "采购项目数量",
    "本年收费金额", "申请人情况", "法人或其他组织", "商业企业", "科研机构", "社会公益组织",
    "法律服务机构", "本年新收", "上年结转", "本年度办理结果", "结转下年度", "属于国家秘密",
    "三安全一稳定", "属于行政查询事项", "信访举报投诉", "结果维持", "结果纠正", "尚未审结",
    "未经复议直接起诉", "复议后起诉",
)
TABLE_TERMS_WEAK = (
    "予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理", "行政复议", "行政诉讼",
    "行政许可", "行政处罚", "行政强制", "行政事业性收费", "规范性文件",
)
TABLE_TERMS_MIN = 2
# Their traditional-character spellings (reports converted to zh-TW print 信息內容, 規範性檔案):
# what OpenCC's s2t and s2twp conversions give for each term (OpenCC 1.4.2), written out so that
# no process builds two OpenCC converters (~130 ms and ~43 MB measured) to read a PDF. Terms
# without an entry are spelled the same; tests/test_pdf.py checks every entry against OpenCC.
TRADITIONAL_SPELLINGS = {
    "信息内容": ("信息內容", "資訊內容"), "第二十条第": ("第二十條第",), "本年制发件数": ("本年制發件數",),
    "本年废止件数": ("本年廢止件數",), "现行有效件数": ("現行有效件數",), "处理决定数量": ("處理決定數量",),
    "本年新制作数量": ("本年新制作數量",), "本年新公开数量": ("本年新公開數量",),
    "对外公开总数量": ("對外公開總數量",), "上一年项目数量": ("上一年項目數量", "上一年專案數量"),
    "采购项目数量": ("採購項目數量", "採購專案數量"), "本年收费金额": ("本年收費金額",),
    "申请人情况": ("申請人情況",), "法人或其他组织": ("法人或其他組織",), "商业企业": ("商業企業",),
    "科研机构": ("科研機構",), "社会公益组织": ("社會公益組織",), "法律服务机构": ("法律服務機構",),
    "上年结转": ("上年結轉",), "本年度办理结果": ("本年度辦理結果",), "结转下年度": ("結轉下年度",),
    "属于国家秘密": ("屬於國家祕密", "屬於國家秘密"), "三安全一稳定": ("三安全一穩定",),
    "属于行政查询事项": ("屬於行政查詢事項",), "信访举报投诉": ("信訪舉報投訴",), "结果维持": ("結果維持",),
    "结果纠正": ("結果糾正",), "尚未审结": ("尚未審結",), "未经复议直接起诉": ("未經複議直接起訴",),
    "复议后起诉": ("複議後起訴",), "予以公开": ("予以公開",), "部分公开": ("部分公開",),
    "不予公开": ("不予公開",), "无法提供": ("無法提供",), "不予处理": ("不予處理",),
    "其他处理": ("其他處理",), "行政复议": ("行政複議",), "行政诉讼": ("行政訴訟",),
    "行政许可": ("行政許可",), "行政处罚": ("行政處罰",), "行政强制": ("行政強制",),
    "行政事业性收费": ("行政事業性收費",), "规范性文件": ("規範性文件", "規範性檔案"),
}


@dataclass
class PageLayout:
    """What one page yields."""

    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)  # running text (not in tables)
    parts: list[TablePart] = field(default_factory=list)
    deep: bool = False
    no_text: bool = False
    images: int = 0
    unreadable: bool = False  # PDFium could not load the page
    n_chars: int = 0  # characters of its text layer (whitespace excluded)
    n_unmapped: int = 0  # of which glyphs without a Unicode mapping
    ocr: bool = False  # read from its image by OCR (extractors.formats.ocr)


# ---------------------------------------------------------------------------
# table vocabulary


@functools.cache
def vocabulary() -> list[tuple[float, tuple[str, ...]]]:
    """TABLE_TERMS and TABLE_TERMS_WEAK with their traditional-character spellings:
    (weight, spellings) per term, built once."""
    return [(weight, (term, *TRADITIONAL_SPELLINGS.get(term, ())))
            for weight, terms in ((1.0, TABLE_TERMS), (0.5, TABLE_TERMS_WEAK)) for term in terms]


def is_table_page(text: str) -> bool:
    t = squash(text)
    score = 0.0
    for weight, spellings in vocabulary():
        if any(sp in t for sp in spellings):
            score += weight
            if score >= TABLE_TERMS_MIN:
                return True
    return False


# ---------------------------------------------------------------------------
# running text lines


def lines_from_groups(page_no: int, groups: list[list[Char]]) -> list[Line]:
    out = []
    for ln in groups:
        text = tidy(line_text(ln))
        if text:
            out.append(Line(text, min(c.x0 for c in ln), min(c.top for c in ln), max(c.x1 for c in ln),
                            max(c.bottom for c in ln), page_no))
    return out


def lines_from_textpage(page_no: int, textpage: pdfium.PdfTextPage, text: str, tf: Transform) -> list[Line]:
    """Lines of a text-only page: PDFium's text split at its line breaks, with the boxes
    of each line's first and last characters (two calls per line, not one per char)."""
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    exact = n == len(text)  # one char index per code point: no characters outside the BMP
    buf = CharBoxes()
    out: list[Line] = []
    pos = 0  # offset in UTF-16 code units, which PDFium's text indices count
    for piece in text.split("\r\n"):
        width16 = len(piece) + sum(1 for ch in piece if ord(ch) > 0xFFFF)
        start, end = pos, pos + width16
        pos = end + 2
        stripped = piece.strip()
        if not stripped:
            continue
        s = start + (len(piece) - len(piece.lstrip()))
        e = end - 1 - (len(piece) - len(piece.rstrip()))
        boxes = []
        for idx in (s, e):
            ci = idx if exact else pdfium_c.FPDFText_GetCharIndexFromTextIndex(raw, idx)
            b = char_box(raw, ci, buf) if ci >= 0 else None
            if b is not None:
                boxes.append(tf.box(*b))
        if not boxes:
            continue
        x0 = min(b[0] for b in boxes)
        x1 = max(b[2] for b in boxes)
        top = min(b[1] for b in boxes)
        bottom = max(b[3] for b in boxes)
        out.append(Line(tidy(stripped), x0, top, x1, bottom, page_no))
    out.sort(key=lambda ln: (round(ln.top, 0), ln.x0))
    return out


# ---------------------------------------------------------------------------
# a page read in depth


def analyse_deep(page_no: int, chars: list[Char], edges: list[dict], width: float,
                 notes: list) -> tuple[list[TablePart], list[list[Char]]]:
    """Tables of one page (ruled, then unruled) and the text lines left over."""
    parts: list[TablePart] = []
    left = chars
    nx, ny = line_grid(edges)
    if edges and len(edges) <= MAX_EDGES_PER_PAGE and nx * ny <= MAX_GRID_POINTS:
        parts, left = ruled_parts(page_no, chars, edges, width)
    elif edges:
        notes.append(("pdf_drawing_skipped", f"page {page_no}: {len(edges)} ruling segments on a {nx} x {ny} grid, "
                      "looks like a drawing; ruled tables not searched"))
    uparts, left = unruled_parts(page_no, left, width)
    if uparts:
        notes.append(("pdf_unruled_table", f"page {page_no}: {len(uparts)} table(s) without ruling lines read from text positions"))
    parts.extend(uparts)
    parts.sort(key=lambda p: p.bbox[1])
    return parts, left


def read_deep(out: PageLayout, chars: list[Char], edges: list[dict], notes: list) -> None:
    """Tables and running text of a page from its geometry; a layout this reader cannot
    handle keeps the page's text (note `pdf_table_error`)."""
    try:
        parts, left = analyse_deep(out.number, chars, edges, out.width, notes)
    except Exception as e:  # a layout this reader cannot handle: keep the page's text
        notes.append(("pdf_table_error", f"page {out.number}: tables not read ({type(e).__name__}: {e})"))
        parts, left = [], group_lines(chars)
    out.parts = parts
    out.lines = lines_from_groups(out.number, left)


def read_page(page: pdfium.PdfPage, index: int, source: GeometrySource, pending: bool,
              notes: list) -> PageLayout:
    """Read page `index` (0-based); `pending`: a table may run onto it from the page before."""
    pno = index + 1
    tf = page_transform(page)
    out = PageLayout(pno, tf.width, tf.height)
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        stripped = squash(text)
        out.n_chars = len(stripped)
        out.n_unmapped = len(UNMAPPED_RE.findall(stripped))
        if not stripped:
            out.no_text = True
            out.images = count_images(page)
        elif is_table_page(text) or pending:
            out.deep = True
            chars, edges = source.read(index, page, textpage, tf)
            read_deep(out, chars, edges, notes)
        else:
            out.lines = lines_from_textpage(pno, textpage, text, tf)
    finally:
        textpage.close()
    return out
