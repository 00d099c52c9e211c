"""PDF extractor: text rows and stitched table grids from a PDF's text layer.

How a document is read
----------------------
1. pypdfium2 (PDFium, C++) opens the file and gives every page's text with the
   position of each line: ~2-4 ms a page. Pages whose text has none of the table
   vocabulary (`TABLE_TERMS`) are read from that text alone.
2. Pages with table vocabulary (and a page a table runs onto) get the full geometry
   from PDFium: every character's box and every ruling line of every path object
   (including paths inside form XObjects). Ruled tables are found with pdfplumber's
   table finder (lines strategy: snap, join, intersections, cells, tables) fed with
   those edges. Characters are then placed into cells by grid look-up, once.
   Reading the same geometry through pdfplumber/pdfminer costs 50-100 ms a page on
   these reports (its content-stream parser is pure Python); PDFium does it in a few
   ms. `Settings(pdf_geometry="pdfplumber")` switches to pdfplumber's own `page.chars`/`page.edges`
   (the tests use it to check that both sources give the same grids).
3. Text that is laid out as columns without ruling lines (a Word table with its
   borders removed) is found from the positions of the characters left outside the
   ruled tables: lines with two or more wide gaps and numeric cells form a region,
   whose columns come from the numeric cells and the indentation of the labels. A
   "ruled" table whose cells hold stacked values (column rules, no row rules) is
   read this way too.
4. A table that ends at the foot of a page and one that starts at the head of the
   next are stitched when their columns agree: running headers/footers and page
   numbers are dropped first, a repeated header row is removed, a row split by the
   page break is put back together, and a merged label cell cut by the break (blank
   or `（三）不予公` / `开`) is carried over.
5. Rows come out in reading order: paragraphs (lines joined; CJK without a
   separator) and table rows whose cells repeat a merged cell's text in every grid
   position it covers.

Bad input raises the documented errors of `extractors.records`: `NeedsOCR` (pages are
images, no text layer, or glyphs without Unicode), `UnreadableDocument` (password,
truncated, not a PDF), `EmptyDocument`, `DocumentTooLarge` (page cap; time/memory
caps when the pipeline reads it in `extractors.sandbox`).

PDFium is not thread-safe: `extract` holds a process-wide lock while it reads.
"""

from __future__ import annotations

import ctypes
import io
import re
import threading
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableFinder

from extractors.errors import DocumentTooLarge, EmptyDocument, NeedsOCR, UnreadableDocument
from extractors.records import Cell, RawDocument, Row
from extractors.settings import DEFAULT, Settings

# ---------------------------------------------------------------------------
# Limits. hongze-2024 has 5 pages, the generated corpus 3-6; a report padded with
# narrative runs to a few dozen and a bundle of a county's reports to a few hundred.
# The cheap text pass costs ~3 ms a page, so 1500 pages bound it to ~5 s.
MAX_PAGES = 1500
# Same cap as the pipeline's MAX_INPUT_BYTES (extractors/pipeline.py): 200 MB.
MAX_BYTES = 200 * 1024 * 1024
# More ruling segments than this on one page means a drawing (map, chart), not a
# report table; the ruled finder is skipped there. The finder's cost grows with the
# number of line crossings: a 100 x 100 grid of lines takes 3.5 s, a 60 x 60 one
# 0.5 s (measured); table 3 of a report is ~30 rows x 11 columns, and the three
# tables on one page stay under ~1500 crossings. MAX_GRID_POINTS (distinct vertical
# x positions times distinct horizontal y positions) keeps the worst page near 1 s.
MAX_EDGES_PER_PAGE = 6000
MAX_GRID_POINTS = 6000


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

# pdfplumber table-finder settings (its defaults, spelled out).
TABLE_SETTINGS = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "edge_min_length": 3,
    "intersection_tolerance": 3,
}

_COL_TOL = 3.0  # grid lines closer than this (pt) are one line
_MIN_COL_W = 4.0  # narrower grid columns are artefacts (double borders, misaligned parts)
_MIN_ROW_H = 2.0

_FPDF_ERR_PASSWORD = 4


# ---------------------------------------------------------------------------
# small text helpers

_NUM_RE = re.compile(r"^[-+−]?\d[\d,]*(?:\.\d+)?%?$")
_NA_VALUES = {"/", "-", "—", "——", "－", "／", "–", "无", "無", "*"}
_ENUM_RE = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十]+\s*[)）]|[一二三四五六七八九十]+\s*[、．.]"
    r"|\d+\s*[、．.](?!\d)|[（(]\s*\d+\s*[)）]|第[一二三四五六七八九十]+|第二十[条條]|信息[内內]容|資訊內容)"
)
_HEADING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、．.]|[（(]\s*[一二三四五六七八九十]+\s*[)）])")
# glyphs without a Unicode mapping: PDFium gives private-use code points or U+FFFD
_UNMAPPED_RE = re.compile("[\ue000-\uf8ff\ufffd]")
_PAGE_NO_RE = re.compile(
    r"^[\s\-—–_~·•.]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*[/／共]\s*\d{1,4}\s*页?)?[\s\-—–_~·•.]*$"
    r"|^[\s\-—–]*(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?[\s\-—–]*$",
    re.I,
)


def _is_cjk(ch: str) -> bool:
    """CJK ideographs, kana/hangul, CJK and full-width punctuation, Chinese quotes."""
    o = ord(ch)
    return o >= 0x2E80 or 0x2018 <= o <= 0x201F


def _norm_num(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("，", ",")


def _is_value(text: str) -> bool:
    """A cell that holds a number or a not-applicable mark."""
    t = _norm_num(text)
    return bool(t) and (bool(_NUM_RE.match(t)) or t in _NA_VALUES)


def _join(a: str, b: str) -> str:
    """Join two pieces of one cell/paragraph: no separator around CJK text."""
    if not a:
        return b
    if not b:
        return a
    if _is_cjk(a[-1]) or _is_cjk(b[0]):
        return a + b
    return a + " " + b


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _tidy(text: str) -> str:
    """Collapse whitespace; drop spaces that sit next to CJK characters."""
    text = re.sub(r"[ \t\u00a0\u3000]+", " ", text).strip()
    if " " in text:
        text = re.sub(r"(?<=[^\x00-\x7f]) (?=\S)|(?<=\S) (?=[^\x00-\x7f])", "", text)
    return text


# ---------------------------------------------------------------------------
# geometry


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def h(self) -> float:
        return self.bottom - self.top

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(slots=True)
class _Line:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int
    chars: list = field(default_factory=list)

    @property
    def h(self) -> float:
        return self.bottom - self.top


class _Transform:
    """PDF user space -> top-down display coordinates of a page (with /Rotate)."""

    def __init__(self, box: tuple[float, float, float, float], rotation: int):
        self.l, self.b, self.r, self.t = box
        self.rot = rotation % 360
        w, h = self.r - self.l, self.t - self.b
        self.width, self.height = (h, w) if self.rot in (90, 270) else (w, h)

    def pt(self, x: float, y: float) -> tuple[float, float]:
        rot = self.rot
        if rot == 0:
            return x - self.l, self.t - y
        if rot == 90:
            return y - self.b, x - self.l
        if rot == 180:
            return self.r - x, y - self.b
        return self.t - y, self.r - x

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        ax, ay = self.pt(x0, y0)
        bx, by = self.pt(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def _page_transform(page: pdfium.PdfPage) -> _Transform:
    try:
        box = page.get_cropbox()
    except Exception:  # pragma: no cover - fallback_ok makes this rare
        box = (0.0, 0.0, page.get_width(), page.get_height())
    return _Transform(box, page.get_rotation())


def _char_box(raw, i: int, rect, dl, dr, db, dt) -> tuple[float, float, float, float] | None:
    """A character's box in PDF space: PDFium's loose box (font ascent to descent),
    or its tight glyph box where the loose one is implausible: PDFium ignores the
    text matrix in the loose box of some vertical-writing fonts (a 199 pt box for a
    10 pt glyph in hongze-2024)."""
    if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect):
        return None
    left, bottom, right, top = rect.left, rect.bottom, rect.right, rect.top
    lw, lh = right - left, top - bottom
    if lw > 36 or lh > 36 or lw > 2.5 * lh or lh > 2.5 * lw:
        if pdfium_c.FPDFText_GetCharBox(raw, i, dl, dr, db, dt):
            m = max(dr.value - dl.value, dt.value - db.value)
            lim = max(3 * m, m + 12)
            if lw > lim or lh > lim:
                return dl.value, db.value, dr.value, dt.value
    return left, bottom, right, top


def _pdfium_chars(textpage: pdfium.PdfTextPage, tf: _Transform) -> list[_Char]:
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    get_u = pdfium_c.FPDFText_GetUnicode
    is_gen = pdfium_c.FPDFText_IsGenerated
    rect = pdfium_c.FS_RECTF()
    dl, dr, db, dt = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    out: list[_Char] = []
    seen: set = set()
    skip = {10, 13, 0, 2, 0xFFFE, 0xFFFF}
    upright = tf.rot == 0
    ox, oy = tf.l, tf.t
    for i in range(n):
        u = get_u(raw, i)
        if u in skip or is_gen(raw, i) == 1:
            continue
        if 0xD800 <= u <= 0xDFFF:  # a character outside the BMP comes as two UTF-16 halves
            if u >= 0xDC00 or i + 1 >= n:
                continue
            low = get_u(raw, i + 1)
            if not 0xDC00 <= low <= 0xDFFF:
                continue
            u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
        box = _char_box(raw, i, rect, dl, dr, db, dt)
        if box is None:
            continue
        ch = chr(u)
        if upright:
            x0, top, x1, bottom = box[0] - ox, oy - box[3], box[2] - ox, oy - box[1]
        else:
            x0, top, x1, bottom = tf.box(*box)
        if u != 32:
            key = (u, round(x0), round(top))  # fake bold: the same glyph printed twice
            if key in seen:
                continue
            seen.add(key)
        out.append(_Char(ch, x0, top, x1, bottom))
    return out


def _mat_mul(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _is_whiteish(r: int, g: int, b: int, a: int) -> bool:
    return a < 20 or (r >= 245 and g >= 245 and b >= 245)


def _pdfium_edges(page: pdfium.PdfPage, tf: _Transform) -> list[dict]:
    """Axis-aligned segments of every visible path object, as pdfplumber edge dicts."""
    edges: list[dict] = []
    fm = pdfium_c.FS_MATRIX()
    fx, fy = ctypes.c_float(), ctypes.c_float()
    fillmode, stroke = ctypes.c_int(), ctypes.c_int()
    cr, cg, cb, ca = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    PATH, FORM = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
    MOVETO, BEZIER = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_BEZIERTO

    def visible(obj) -> bool:
        if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fillmode), ctypes.byref(stroke)):
            return True
        vis = False
        if fillmode.value and pdfium_c.FPDFPageObj_GetFillColor(obj, cr, cg, cb, ca):
            vis = not _is_whiteish(cr.value, cg.value, cb.value, ca.value)
        elif fillmode.value:
            vis = True
        if not vis and stroke.value:
            if pdfium_c.FPDFPageObj_GetStrokeColor(obj, cr, cg, cb, ca):
                vis = not _is_whiteish(cr.value, cg.value, cb.value, ca.value)
            else:
                vis = True
        return vis

    def add(p0, p1):
        (x0, y0), (x1, y1) = p0, p1
        if abs(x0 - x1) <= 0.5:
            top, bottom = min(y0, y1), max(y0, y1)
            if bottom - top >= 1:
                x = (x0 + x1) / 2
                edges.append({"x0": x, "x1": x, "top": top, "bottom": bottom, "doctop": top, "width": 0,
                              "height": bottom - top, "orientation": "v", "object_type": "line"})
        elif abs(y0 - y1) <= 0.5:
            left, right = min(x0, x1), max(x0, x1)
            if right - left >= 1:
                y = (y0 + y1) / 2
                edges.append({"x0": left, "x1": right, "top": y, "bottom": y, "doctop": y,
                              "width": right - left, "height": 0, "orientation": "h", "object_type": "line"})

    def walk(parent, in_form: bool, outer, depth: int) -> None:
        count = pdfium_c.FPDFFormObj_CountObjects(parent) if in_form else pdfium_c.FPDFPage_CountObjects(parent)
        for k in range(count):
            obj = pdfium_c.FPDFFormObj_GetObject(parent, k) if in_form else pdfium_c.FPDFPage_GetObject(parent, k)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == PATH:
                if not visible(obj):
                    continue
                pdfium_c.FPDFPageObj_GetMatrix(obj, fm)
                m = (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f)
                if outer is not None:
                    m = _mat_mul(m, outer)
                a, b, c, d, e, f = m
                start = cur = None
                for s in range(pdfium_c.FPDFPath_CountSegments(obj)):
                    seg = pdfium_c.FPDFPath_GetPathSegment(obj, s)
                    pdfium_c.FPDFPathSegment_GetPoint(seg, fx, fy)
                    x, y = fx.value, fy.value
                    p = tf.pt(a * x + c * y + e, b * x + d * y + f)
                    st = pdfium_c.FPDFPathSegment_GetType(seg)
                    if st == MOVETO or cur is None:
                        start = cur = p
                        continue
                    if st != BEZIER:
                        add(cur, p)
                    cur = p
                    if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None:
                        add(cur, start)
                        cur = start
                if len(edges) > MAX_EDGES_PER_PAGE:
                    return
            elif kind == FORM and depth < 8:
                pdfium_c.FPDFPageObj_GetMatrix(obj, fm)
                m = (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f)
                walk(obj, True, m if outer is None else _mat_mul(m, outer), depth + 1)

    walk(page.raw, False, None, 0)
    return edges


def _plumber_geometry(plumber_page) -> tuple[list[_Char], list[dict]]:
    chars = [
        _Char(c["text"], c["x0"], c["top"], c["x1"], c["bottom"])
        for c in plumber_page.chars
        if c["text"] not in ("\n", "\r")
    ]
    visible = []
    for e in plumber_page.edges:
        src = e.get("non_stroking_color") if e.get("fill") and not e.get("stroke") else e.get("stroking_color")
        if _is_white_color(src) and e.get("object_type") == "rect_edge":
            continue
        visible.append(e)
    return chars, visible


def _is_white_color(color) -> bool:
    if color is None:
        return False
    if isinstance(color, (int, float)):
        return color >= 0.96
    vals = list(color)
    if len(vals) == 1:
        return vals[0] >= 0.96
    if len(vals) == 3:
        return all(v >= 0.96 for v in vals)
    if len(vals) == 4:
        return all(v <= 0.04 for v in vals)
    return False


# ---------------------------------------------------------------------------
# lines from characters


def _group_lines(chars: list[_Char]) -> list[list[_Char]]:
    """Chars -> lines (top to bottom), each sorted left to right.

    A char joins a recent line when its vertical middle lies within the line, or
    the line's middle lies within the char (different font sizes on one line)."""
    if not chars:
        return []
    lines: list[list] = []  # [top, bottom, chars]
    for ch in sorted(chars, key=lambda c: (c.top, c.x0)):
        top, bottom = ch.top, ch.bottom
        cy = (top + bottom) / 2
        for ln in lines[-1:-4:-1]:
            lt, lb = ln[0], ln[1]
            if lt <= cy <= lb or top <= (lt + lb) / 2 <= bottom:
                ln[2].append(ch)
                if top < lt:
                    ln[0] = top
                if bottom > lb:
                    ln[1] = bottom
                break
        else:
            lines.append([top, bottom, [ch]])
    lines.sort(key=lambda ln: ln[0])
    out = []
    for ln in lines:
        cs = ln[2]
        cs.sort(key=lambda c: c.x0)
        out.append(cs)
    return out


def _line_text(chars: list[_Char]) -> str:
    """Text of one line: a space where a visible gap separates non-CJK characters."""
    parts: list[str] = []
    prev = None
    last_space = True
    for ch in chars:
        t = ch.text
        if t == " ":
            if not last_space:
                parts.append(" ")
                last_space = True
            continue
        if prev is not None and not last_space:
            gap = ch.x0 - prev.x1
            if gap > 0:
                h = max(prev.bottom - prev.top, ch.bottom - ch.top, 1.0)
                if gap > 2.0 * h or (gap > 0.25 * h and not (_is_cjk(prev.text) and _is_cjk(t))):
                    parts.append(" ")
        parts.append(t)
        last_space = False
        prev = ch
    return "".join(parts).strip()


def _split_segments(chars: list[_Char]) -> list[list[_Char]]:
    """Split one line at gaps wide enough to separate table columns."""
    segs: list[list[_Char]] = []
    cur: list[_Char] = []
    prev = None
    for ch in chars:
        if ch.text.isspace():
            continue
        if prev is not None:
            gap = ch.x0 - prev.x1
            h = max(prev.h, ch.h, 1.0)
            if gap > max(0.9 * h, 6.0):
                segs.append(cur)
                cur = []
        cur.append(ch)
        prev = ch
    if cur:
        segs.append(cur)
    return segs


def _cell_text(chars: list[_Char], lines: list[list[_Char]] | None = None,
               width: float | None = None) -> tuple[str, bool, float, float]:
    """Text of one table cell: its lines joined, CJK without a separator.

    Digits on two lines join without a separator; that is a number wrapped in a
    narrow cell when the first line leaves no room for the next character (`width`:
    the cell's width), else numbers that may have run together (`fused`). Returns the
    text, fused, and the right edge and height of the last line (a label that wraps on)."""
    text, fused = "", False
    last_x1, last_h = 0.0, 0.0
    prev_w = 0.0
    for line in lines if lines is not None else _group_lines(chars):
        t = _line_text(line)
        if not t:
            continue
        if text and text[-1].isdigit() and t[0].isdigit():
            first = next(c for c in line if not c.text.isspace())
            wrap = width is not None and prev_w + (first.x1 - first.x0) > width - 12.0
            fused = fused or not wrap
            text += t
        else:
            text = _join(text, t)
        last_x1 = max(c.x1 for c in line)
        last_h = max(c.bottom - c.top for c in line)
        prev_w = last_x1 - min(c.x0 for c in line)
    return _tidy(text), fused, last_x1, last_h


# ---------------------------------------------------------------------------
# table parts (one table's piece on one page) and grids


@dataclass
class _PCell:
    x0: float
    x1: float
    r0: int  # row range within its part, r1 exclusive
    r1: int
    text: str = ""
    fused: bool = False
    wrapped: bool = False  # its last line runs to the right edge: the text may go on
    chars: list = field(default_factory=list)


@dataclass
class _Part:
    page: int
    bbox: tuple[float, float, float, float]
    cells: list[_PCell]
    nrows: int
    ruled: bool
    bounds: list[float] | None = None  # column boundaries of an unruled part
    value_cols: list[tuple[float, float]] | None = None  # x ranges of its value columns


def _cluster(values: list[float], tol: float) -> list[float]:
    """Sorted cluster means of values within `tol` of their neighbour."""
    if not values:
        return []
    vs = sorted(values)
    groups = [[vs[0]]]
    for v in vs[1:]:
        if v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def _nearest(sorted_vals: list[float], v: float) -> int:
    i = bisect_right(sorted_vals, v)
    if i == 0:
        return 0
    if i == len(sorted_vals):
        return len(sorted_vals) - 1
    return i if sorted_vals[i] - v < v - sorted_vals[i - 1] else i - 1


def _ruled_part(page_no: int, bboxes: list[tuple], chars: list[_Char]) -> tuple[_Part, list[_Char]] | None:
    """Cells of one ruled table; returns the part and the characters it did not take."""
    xs = _cluster([b[0] for b in bboxes] + [b[2] for b in bboxes], 1.0)
    ys = _cluster([b[1] for b in bboxes] + [b[3] for b in bboxes], 1.0)
    if len(xs) < 3 or len(ys) < 2:
        return None  # one column: a framed paragraph, not a table
    ncols, nrows = len(xs) - 1, len(ys) - 1
    occ: list[list[_PCell | None]] = [[None] * ncols for _ in range(nrows)]
    cells: list[_PCell] = []
    for b in bboxes:
        c0, c1 = _nearest(xs, b[0]), _nearest(xs, b[2])
        r0, r1 = _nearest(ys, b[1]), _nearest(ys, b[3])
        if c1 <= c0 or r1 <= r0:
            continue
        pc = _PCell(xs[c0], xs[c1], r0, r1)
        cells.append(pc)
        for r in range(r0, r1):
            for c in range(c0, c1):
                if occ[r][c] is None:
                    occ[r][c] = pc
    left_over: list[_Char] = []
    x_lo, x_hi, y_lo, y_hi = xs[0], xs[-1], ys[0], ys[-1]
    for ch in chars:
        cx, cy = ch.cx, ch.cy
        if not (x_lo <= cx <= x_hi and y_lo <= cy <= y_hi):
            left_over.append(ch)
            continue
        c = min(max(bisect_right(xs, cx) - 1, 0), ncols - 1)
        r = min(max(bisect_right(ys, cy) - 1, 0), nrows - 1)
        pc = occ[r][c]
        if pc is None:  # a hole in the ruling: the grid slot becomes its own cell
            pc = _PCell(xs[c], xs[c + 1], r, r + 1)
            occ[r][c] = pc
            cells.append(pc)
        pc.chars.append(ch)
    # a ruled "table" with text in only one cell is a frame or a shaded box
    if sum(1 for pc in cells if pc.chars) < 2:
        return None
    stacked = with_values = 0
    for pc in cells:
        if pc.chars:
            lines = _group_lines(pc.chars)
            pc.text, pc.fused, last_x1, last_h = _cell_text(pc.chars, lines, pc.x1 - pc.x0)
            pc.wrapped = last_x1 >= pc.x1 - max(2.0 * last_h, 6.0)
            nval = sum(1 for ln in lines if _is_value(_line_text(ln)))
            with_values += nval > 0
            if (nval >= 2 and pc.fused) or (nval == 1 and len(lines) >= 3):
                stacked += 1
        pc.chars = []
    if stacked >= 2 and stacked >= 0.3 * with_values:
        # values stacked in the cells, or values under header lines: the rules between
        # rows are missing (column rules only); read the region from text positions
        return None
    # y positions become row indices; the part keeps its page-local row grid
    vcols = sorted({(pc.x0, pc.x1) for pc in cells if _is_value(pc.text)})
    part = _Part(page_no, (x_lo, y_lo, x_hi, y_hi), cells, nrows, True, value_cols=vcols)
    _drop_thin_rows(part, ys)
    return part, left_over


def _drop_thin_rows(part: _Part, ys: list[float]) -> None:
    """Merge grid rows thinner than _MIN_ROW_H into their neighbour (double borders)."""
    keep = [0]
    for i in range(1, len(ys)):
        if ys[i] - ys[keep[-1]] >= _MIN_ROW_H:
            keep.append(i)
        elif i == len(ys) - 1 and len(keep) > 1:
            keep[-1] = i
    if len(keep) == len(ys):
        return
    new_ys = [ys[k] for k in keep]
    remap = [_nearest(new_ys, y) for y in ys]
    for pc in part.cells:
        pc.r0, pc.r1 = remap[pc.r0], remap[pc.r1]
        if pc.r1 <= pc.r0:
            pc.r1 = min(pc.r0 + 1, len(new_ys) - 1)
            pc.r0 = pc.r1 - 1
    part.nrows = len(new_ys) - 1


# ---------------------------------------------------------------------------
# unruled tables (columns of text without ruling lines)


def _seg(chars: list[_Char]) -> tuple[float, float, str, list[_Char]]:
    return (chars[0].x0, chars[-1].x1, _tidy(_line_text(chars)), chars)


@dataclass
class _SegLine:
    line: list[_Char]
    segs: list[tuple]  # (x0, x1, text, chars)
    top: float
    bottom: float

    @property
    def h(self) -> float:
        return self.bottom - self.top

    @property
    def values(self) -> int:
        return sum(1 for s in self.segs if _is_value(s[2]))


def _unruled_parts(page_no: int, chars: list[_Char], page_w: float) -> tuple[list[_Part], list[list[_Char]]]:
    """Find tables laid out by position only. Returns the parts and the lines (lists of
    chars) left over for running text."""
    lines = _group_lines(chars)
    if not lines:
        return [], []
    slines: list[_SegLine] = []
    for ln in lines:
        segs = [_seg(s) for s in _split_segments(ln)]
        segs = [s for s in segs if s[2]]
        if segs:
            slines.append(_SegLine(ln, segs, min(c.top for c in ln), max(c.bottom for c in ln)))
    parts: list[_Part] = []
    used: set[int] = set()
    i, n = 0, len(slines)
    while i < n:
        if len(slines[i].segs) < 2:
            i += 1
            continue
        # grow a region of tabular lines, allowing a few single-segment lines between them
        last_tab, k = i, i + 1
        while k < n:
            cur = slines[k]
            if cur.top - slines[k - 1].bottom > 2.5 * max(cur.h, slines[k - 1].h, 6.0):
                break
            if len(cur.segs) >= 2:
                last_tab = k
            else:
                text = cur.segs[0][2]
                if (_HEADING_RE.match(text) and text.endswith(("情况", "情況"))) or k - last_tab > 3:
                    break
            k += 1
        j = last_tab
        region = slines[i : j + 1]
        value_lines = [s for s in region if s.values >= 1 and len(s.segs) >= 2]
        if len(value_lines) < 2 and not any(s.values >= 3 for s in value_lines):
            i = j + 1
            continue
        # captions / header lines just above (第二十条…, 申请人情况)
        start = i
        while start > 0:
            prev = slines[start - 1]
            if slines[start].top - prev.bottom > 1.6 * max(prev.h, 6.0) or len(prev.segs) != 1:
                break
            t = prev.segs[0][2]
            if (prev.segs[0][1] - prev.segs[0][0]) > 0.6 * page_w or (_HEADING_RE.match(t) and t.endswith(("情况", "情況"))):
                break
            start -= 1
        part = _build_unruled(page_no, slines[start : j + 1])
        if part is not None:
            parts.append(part)
            used.update(range(start, j + 1))
        i = j + 1
    if not parts:
        return [], lines
    return parts, [sl.line for idx, sl in enumerate(slines) if idx not in used]


def _union(ivs: list[tuple[float, float]], pad: float = 1.0) -> list[list[float]]:
    out: list[list[float]] = []
    for x0, x1 in sorted(ivs):
        if out and x0 <= out[-1][1] + pad:
            out[-1][1] = max(out[-1][1], x1)
        else:
            out.append([x0, x1])
    return out


def _refine_segments(region: list[_SegLine]) -> list[list[float]]:
    """Split segments that run into the next column (tables without cell padding).

    A label that ends right where a value column starts ("…重新出具已1") is split
    before the number; a label that runs into the next label column ("（三）不4.保护…")
    is split before the enumerator that starts where other rows start that column.
    Returns the value columns (x ranges)."""
    cols = _union([(s[0], s[1]) for sl in region for s in sl.segs if _is_value(s[2])])
    starts = _cluster([s[0] for sl in region for s in sl.segs if not _is_value(s[2])], 2.0)
    support = {c: 0 for c in starts}
    for sl in region:
        for s in sl.segs:
            if not _is_value(s[2]):
                support[starts[_nearest(starts, s[0])]] += 1
    starts = [c for c in starts if support[c] >= 2]
    for sl in region:
        new: list[tuple] = []
        for s in sl.segs:
            pieces = [s[3]]
            if not _is_value(s[2]):
                chars = s[3]
                cut = []
                for k in range(1, len(chars)):
                    ch = chars[k]
                    if chars[k - 1].text.isdigit():
                        continue
                    rest = "".join(c.text for c in chars[k:])
                    if ch.text.isdigit() and _is_value(rest) and any(a - 1.5 <= ch.x0 <= b + 1.5 for a, b in cols):
                        cut.append(k)
                        break
                    if starts and _ENUM_RE.match(rest) and ch.x0 - chars[k - 1].x1 > -0.5:
                        st = starts[_nearest(starts, ch.x0)]
                        if abs(st - ch.x0) <= 2.0:
                            cut.append(k)
                if cut:
                    pieces, prev = [], 0
                    for k in cut:
                        pieces.append(chars[prev:k])
                        prev = k
                    pieces.append(chars[prev:])
            new.extend(_seg(p) for p in pieces if p)
        sl.segs = [x for x in new if x[2]]
    return _union([(s[0], s[1]) for sl in region for s in sl.segs if _is_value(s[2])])


def _build_unruled(page_no: int, region: list[_SegLine]) -> _Part | None:
    cols = _refine_segments(region)
    data = [sl for sl in region if sl.values >= 1 and len(sl.segs) >= 2]
    if not data or not cols:
        return None
    first_val_x = cols[0][0]
    # label sub-columns: left edges of label segments (indent levels) left of the values
    lefts = [s[0] for sl in data for s in sl.segs if not _is_value(s[2]) and s[1] <= first_val_x + 2]
    label_starts = _cluster(lefts, 4.0)
    support = {ls: sum(1 for x in lefts if abs(x - ls) <= 4.0) for ls in label_starts}
    label_starts = [ls for ls in label_starts if support[ls] >= 2] or label_starts[:1]
    if not label_starts:
        label_starts = [min(s[0] for sl in region for s in sl.segs)]
    region_x0 = min(min(s[0] for s in sl.segs) for sl in region)
    region_x1 = max(max(s[1] for s in sl.segs) for sl in region)
    # column boundaries: label starts, then midpoints between value columns
    bounds = [min(region_x0, label_starts[0])] + label_starts[1:] + [first_val_x - 1.0]
    for a, b in zip(cols, cols[1:], strict=False):
        bounds.append((a[1] + b[0]) / 2)
    bounds.append(max(region_x1, cols[-1][1]) + 1.0)
    bounds = sorted(set(round(b, 2) for b in bounds))
    nlab = bisect_right(bounds, first_val_x - 1.0 + 0.01) - 1
    centers = [(bounds[c] + bounds[c + 1]) / 2 for c in range(len(bounds) - 1)]
    val_cols = list(range(nlab, len(bounds) - 1))

    def span_of(x0: float, x1: float, text: str) -> tuple[int, int]:
        if _is_value(text) and val_cols:
            cx = (x0 + x1) / 2
            inside = [k for k in val_cols if bounds[k] <= cx < bounds[k + 1]]
            c = inside[0] if inside else min(val_cols, key=lambda k: abs(centers[k] - cx))
            return c, c + 1
        if x1 <= first_val_x + 2 and nlab > 0:  # a label: from its indent level to where it ends
            c0 = min(max(0, bisect_right(bounds, x0 + 2.0) - 1), nlab - 1)
            c1 = c0 + 1
            while c1 < nlab and bounds[c1] < x1 - 2.0:
                c1 += 1
            return c0, c1
        inside = [k for k in range(len(centers)) if x0 - 1 <= centers[k] <= x1 + 1]
        if inside:
            return inside[0], inside[-1] + 1
        cx = (x0 + x1) / 2
        k = min(range(len(centers)), key=lambda q: abs(centers[q] - cx))
        return k, k + 1

    # logical rows from lines
    rows: list[dict] = []
    for sl in region:
        placed = [(*span_of(s[0], s[1], s[2]), s[2]) for s in sl.segs]
        has_vals = any(_is_value(t) for _a, _b, t in placed)
        first_label = next((t for _a, _b, t in sorted(placed) if not _is_value(t)), "")
        starts_new = bool(first_label and _ENUM_RE.match(first_label))
        cur = rows[-1] if rows else None
        merge = False
        if cur is not None and not starts_new:
            close = sl.top - cur["bottom"] <= 0.8 * max(sl.h, 6.0)
            if has_vals:
                # values that only fill empty columns of a row whose label is still open
                taken = {c for c0, c1, t in placed if _is_value(t) for c in range(c0, c1)}
                label_only = not cur["valcols"] and all(s1 <= nlab for _s0, s1 in cur["cells"])
                merge = close and not (taken & cur["valcols"]) and (bool(cur["valcols"]) or label_only)
            elif cur["valcols"]:
                # a label's next line under a data row: label columns only
                merge = close and all(c1 <= nlab for _c0, c1, _t in placed)
            else:
                # header lines: a wrapped header cell continues in a recent header row
                for back in range(len(rows) - 1, max(len(rows) - 4, -1), -1):
                    row = rows[back]
                    if row["valcols"] or sl.top - row["bottom"] > 2.5 * max(sl.h, 6.0):
                        break
                    if 2 * sum((c0, c1) in row["cells"] for c0, c1, _t in placed) >= len(placed):
                        cur, merge = row, True
                        break
        if not merge or cur is None:
            cur = {"cells": {}, "top": sl.top, "bottom": sl.bottom, "valcols": set()}
            rows.append(cur)
        for c0, c1, t in placed:
            cur["cells"][(c0, c1)] = _join(cur["cells"].get((c0, c1), ""), t)
            if _is_value(t):
                cur["valcols"].update(range(c0, c1))
        cur["bottom"] = max(cur["bottom"], sl.bottom)
    ncols = len(bounds) - 1
    for row in rows:
        cells = row["cells"]
        if row["valcols"] or len(cells) != 1:
            continue
        (c0, c1), text = next(iter(cells.items()))
        if _squash(text).startswith(("第二十条", "第二十條")):
            # an article caption: a row of its own across the table
            row["cells"] = {(0, ncols): text}
    # one column header over data rows with one value each: the header and the
    # values sit in cells merged across the value columns (gb2021 table 2)
    for r, row in enumerate(rows):
        if row["valcols"]:
            continue
        heads = [k for k in row["cells"] if k[0] >= nlab]
        labels = [k for k in row["cells"] if k[1] <= nlab]
        if len(heads) != 1 or len(heads) + len(labels) != len(row["cells"]):
            continue
        below = []
        for nxt in rows[r + 1 :]:
            if not nxt["valcols"]:
                break
            below.append(nxt)
        if below and all(len(nxt["valcols"]) == 1 for nxt in below):
            row["cells"][(nlab, ncols)] = row["cells"].pop(heads[0])
            for nxt in below:
                key = next(k for k in nxt["cells"] if k[0] >= nlab and _is_value(nxt["cells"][k]))
                nxt["cells"][(nlab, ncols)] = nxt["cells"].pop(key)
    pcells: list[_PCell] = []
    for r, row in enumerate(rows):
        for (c0, c1), t in row["cells"].items():
            pc = _PCell(bounds[c0], bounds[c1], r, r + 1)
            pc.text = _tidy(t)
            pcells.append(pc)
    top = min(sl.top for sl in region)
    bottom = max(sl.bottom for sl in region)
    return _Part(page_no, (bounds[0], top, bounds[-1], bottom), pcells, len(rows), False, bounds=bounds,
                 value_cols=[tuple(c) for c in cols])


# ---------------------------------------------------------------------------
# stitched tables -> grid


@dataclass
class _GCell:
    text: str
    fused: bool
    wrapped: bool
    r0: int
    r1: int
    c0: int
    c1: int
    page: int


def _column_bounds(parts: list[_Part]) -> list[float]:
    xs = _cluster([v for p in parts for pc in p.cells for v in (pc.x0, pc.x1)], _COL_TOL)
    # merge columns narrower than _MIN_COL_W into a neighbour
    changed = True
    while changed and len(xs) > 2:
        changed = False
        for i in range(len(xs) - 1):
            if xs[i + 1] - xs[i] < _MIN_COL_W:
                if i + 1 == len(xs) - 1:
                    del xs[i]
                else:
                    del xs[i + 1]
                changed = True
                break
    return xs


def _snap_to_bounds(part: _Part, bounds: list[float]) -> None:
    """Re-express a part's cells in the columns of the part it continues (used when
    one of them is unruled, whose column edges are estimates)."""
    centers = [(bounds[k] + bounds[k + 1]) / 2 for k in range(len(bounds) - 1)]
    for pc in part.cells:
        if pc.x1 - pc.x0 <= 0:
            continue
        inside = [k for k, c in enumerate(centers) if pc.x0 - 1 <= c <= pc.x1 + 1]
        if not inside:
            k = _nearest(centers, (pc.x0 + pc.x1) / 2)
            inside = [k]
        pc.x0, pc.x1 = bounds[inside[0]], bounds[inside[-1] + 1]
    part.bounds = list(bounds)


def _grid(parts: list[_Part]) -> tuple[list[list[_GCell | None]], list[int], list[int]]:
    """One grid for a stitched table. Returns grid, first row of each part, page of each row."""
    if any(p.bounds is not None for p in parts) and len(parts) > 1:
        ref = parts[0].bounds or _cluster([v for pc in parts[0].cells for v in (pc.x0, pc.x1)], _COL_TOL)
        for p in parts[1:]:
            _snap_to_bounds(p, ref)
    xs = _column_bounds(parts)
    ncols = max(len(xs) - 1, 1)
    grid: list[list[_GCell | None]] = []
    starts: list[int] = []
    row_pages: list[int] = []
    for p in parts:
        base = len(grid)
        starts.append(base)
        for _ in range(p.nrows):
            grid.append([None] * ncols)
            row_pages.append(p.page)
        for pc in sorted(p.cells, key=lambda c: (c.r1 - c.r0) * (c.x1 - c.x0)):
            c0, c1 = _nearest(xs, pc.x0), _nearest(xs, pc.x1)
            if c1 <= c0:
                c1 = min(c0 + 1, ncols)
                c0 = c1 - 1
            g = _GCell(pc.text, pc.fused, pc.wrapped, base + pc.r0, base + pc.r1, c0, c1, p.page)
            for r in range(g.r0, g.r1):
                for c in range(c0, c1):
                    if grid[r][c] is None:
                        grid[r][c] = g
    return grid, starts, row_pages


def _row_texts(row: list[_GCell | None]) -> list[str]:
    return [_squash(g.text) if g else "" for g in row]


def _cols_compatible(a: _Part, b: _Part) -> bool:
    """Two parts on consecutive pages belong to one table when their columns agree."""
    if (not a.ruled or not b.ruled) and a.value_cols and b.value_cols:
        # unruled: the value columns of the continuation sit in the value columns above
        cents = sorted((p0 + p1) / 2 for p0, p1 in a.value_cols)
        pitch = min((y - x for x, y in zip(cents, cents[1:], strict=False)), default=20.0)
        tol = max(3.0, 0.4 * pitch)
        hits = sum(1 for x0, x1 in b.value_cols
                   if any(p0 - tol <= (x0 + x1) / 2 <= p1 + tol for p0, p1 in a.value_cols))
        return hits >= max(1, int(0.7 * len(b.value_cols)))
    wa, wb = a.bbox[2] - a.bbox[0], b.bbox[2] - b.bbox[0]
    if abs(a.bbox[0] - b.bbox[0]) <= 8 and abs(a.bbox[2] - b.bbox[2]) <= 8:
        return True
    xa = _cluster([v for pc in a.cells for v in (pc.x0, pc.x1)], _COL_TOL)
    xb = _cluster([v for pc in b.cells for v in (pc.x0, pc.x1)], _COL_TOL)
    inner_b = xb[1:-1]
    if not inner_b:
        return False
    hits = sum(1 for x in inner_b if any(abs(x - y) <= _COL_TOL for y in xa))
    return hits >= max(2, len(inner_b) // 2) and abs(wa - wb) < 0.25 * max(wa, wb)


def _label_cut(a: str, b: str) -> bool:
    """`b` (first piece on the next page) continues the text `a` (cut by the break)."""
    return bool(a and b) and not _is_value(a) and not _is_value(b) and not _ENUM_RE.match(b)


def _stitch_fix(grid, starts, row_pages, notes: list, t_index: int) -> tuple[list, list]:
    """Repair the seams of a stitched grid; returns the grid rows and their pages."""
    drop: set[int] = set()
    ncols = len(grid[0]) if grid else 0
    for si in range(1, len(starts)):
        s = starts[si]
        end = starts[si + 1] if si + 1 < len(starts) else len(grid)
        # 1. header rows printed again at the top of the next page
        for k in (4, 3, 2, 1):
            if k >= end - s or k > starts[1]:
                continue
            head = [_row_texts(grid[r]) for r in range(k)]
            again = [_row_texts(grid[s + r]) for r in range(k)]
            if head == again and any(t and not _is_value(t) for row in head for t in row):
                drop.update(range(s, s + k))
                notes.append(("pdf_header_repeated", f"table {t_index}: {k} header row(s) repeated on page {row_pages[s]} dropped"))
                s += k
                break
        if s >= end:
            continue
        a = s - 1
        while a in drop and a > 0:
            a -= 1
        ra, rb = grid[a], grid[s]

        def local(g, r):
            return g is not None and g.r0 <= r < g.r1 and g.r1 - g.r0 == 1

        # 2. a row split by the page break: its second half only continues texts of the
        #    first (a wrapped label, or the last digits of a number wrapped in its cell)
        def continues(ga, gb, row: int) -> str | None:
            if ga is None or not local(ga, row) or not ga.text or not ga.wrapped:
                return None
            if not _is_value(ga.text) and not _is_value(gb.text) and not _ENUM_RE.match(gb.text):
                return "label"
            if ga.text[-1].isdigit() and gb.text[0].isdigit() and _is_value(gb.text):
                return "digits"
            return None

        b_local = [(c, rb[c]) for c in range(ncols)
                   if rb[c] is not None and local(rb[c], s) and rb[c].text and (c == 0 or rb[c - 1] is not rb[c])]
        kinds = [continues(ra[c], gb, a) for c, gb in b_local]
        a_has_vals = any(g is not None and local(g, a) and _is_value(g.text) for g in ra)
        if b_local and None not in kinds and (a_has_vals or "label" not in kinds):
            for (c, gb), kind in zip(b_local, kinds, strict=True):
                ga = ra[c]
                ga.text = ga.text + gb.text if kind == "digits" else _join(ga.text, gb.text)
                ga.fused = ga.fused or gb.fused
            for c in range(ncols):
                gb = rb[c]
                if gb is not None and gb.r1 - gb.r0 > 1 and gb.r0 == s:
                    gb.r0 = s + 1  # a merged cell that continues below now starts a row later
            drop.add(s)
            notes.append(("pdf_row_split", f"table {t_index}: a row split by the page break before page {row_pages[s]} joined"))
            s += 1
            if s >= end:
                continue
            rb = grid[s]
        # 3. merged label cells cut by the break
        first_val = next((c for c in range(ncols) if rb[c] is not None and _is_value(rb[c].text)), ncols)
        for c in range(first_val):
            ga, gb = ra[c], rb[c]
            if ga is None or gb is None or ga is gb:
                continue
            if c > 0 and (ra[c - 1] is ga and rb[c - 1] is gb):
                continue  # same merged pair, handled at its first column
            label_right = any(rb[k] is not None and rb[k] is not gb and rb[k].text and not _is_value(rb[k].text)
                              for k in range(c + 1, first_val))
            spans = (ga.r1 - ga.r0 > 1) or (gb.r1 - gb.r0 > 1)
            if not (label_right and spans and ga.text and not _is_value(ga.text)):
                continue
            if not gb.text:
                gb.text = ga.text
                notes.append(("pdf_merged_cell_continued", f"table {t_index}: merged cell {ga.text[:12]!r} continues on page {row_pages[s]}"))
            elif ga.wrapped and _label_cut(ga.text, gb.text) and _squash(ga.text) != _squash(gb.text):
                joined = _join(ga.text, gb.text)
                notes.append(("pdf_label_cut", f"table {t_index}: label cut by the page break joined: {joined[:20]!r}"))
                ga.text = gb.text = joined
    rows = [grid[r] for r in range(len(grid)) if r not in drop]
    pages = [row_pages[r] for r in range(len(grid)) if r not in drop]
    return rows, pages


# ---------------------------------------------------------------------------
# pages


@dataclass
class _PageOut:
    number: int
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)  # running text (not in tables)
    parts: list[_Part] = field(default_factory=list)
    deep: bool = False
    no_text: bool = False
    images: int = 0


def _lines_from_groups(page_no: int, groups: list[list[_Char]]) -> list[_Line]:
    out = []
    for ln in groups:
        text = _tidy(_line_text(ln))
        if text:
            out.append(_Line(text, min(c.x0 for c in ln), min(c.top for c in ln), max(c.x1 for c in ln),
                             max(c.bottom for c in ln), page_no))
    return out


def _lines_from_textpage(page_no: int, textpage: pdfium.PdfTextPage, text: str, tf: _Transform) -> list[_Line]:
    """Lines of a text-only page: PDFium's text split at its line breaks, with the boxes
    of each line's first and last characters (two calls per line, not one per char)."""
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    exact = n == len(text)  # one char index per code point: no characters outside the BMP
    rect = pdfium_c.FS_RECTF()
    dl, dr, db, dt = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    out: list[_Line] = []
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
            b = _char_box(raw, ci, rect, dl, dr, db, dt) if ci >= 0 else None
            if b is not None:
                boxes.append(tf.box(*b))
        if not boxes:
            continue
        x0 = min(b[0] for b in boxes)
        x1 = max(b[2] for b in boxes)
        top = min(b[1] for b in boxes)
        bottom = max(b[3] for b in boxes)
        out.append(_Line(_tidy(stripped), x0, top, x1, bottom, page_no))
    out.sort(key=lambda ln: (round(ln.top, 0), ln.x0))
    return out


_VOCAB: list[tuple[float, tuple[str, ...]]] = []


def _vocabulary() -> list[tuple[float, tuple[str, ...]]]:
    """TABLE_TERMS with their traditional-character forms (reports converted to zh-TW
    print 信息內容, 規範性檔案): (weight, spellings) per term, built once."""
    if not _VOCAB:
        try:
            import opencc

            convs = [opencc.OpenCC(c) for c in ("s2t", "s2twp")]
        except Exception:  # pragma: no cover - opencc is a project dependency
            convs = []
        for weight, terms in ((1.0, TABLE_TERMS), (0.5, TABLE_TERMS_WEAK)):
            for term in terms:
                _VOCAB.append((weight, tuple({term, *(c.convert(term) for c in convs)})))
    return _VOCAB


def _is_table_page(text: str) -> bool:
    t = _squash(text)
    score = 0.0
    for weight, spellings in _vocabulary():
        if any(sp in t for sp in spellings):
            score += weight
            if score >= TABLE_TERMS_MIN:
                return True
    return False


def _count_images(page: pdfium.PdfPage) -> int:
    n = 0
    for _obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        n += 1
        if n > 3:
            break
    return n


def _analyse_deep(page_no: int, chars: list[_Char], edges: list[dict], width: float,
                  notes: list) -> tuple[list[_Part], list[list[_Char]]]:
    """Tables of one page (ruled, then unruled) and the text lines left over."""
    parts: list[_Part] = []
    left = chars
    nx = len({round(e["x0"]) for e in edges if e["orientation"] == "v"})
    ny = len({round(e["top"]) for e in edges if e["orientation"] == "h"})
    if edges and len(edges) <= MAX_EDGES_PER_PAGE and nx * ny <= MAX_GRID_POINTS:
        finder = TableFinder(_EdgePage(edges, (0, 0, width, 1e6)), TABLE_SETTINGS)
        for table in finder.tables:
            res = _ruled_part(page_no, table.cells, left)
            if res is not None:
                part, left = res
                parts.append(part)
    elif edges:
        notes.append(("pdf_drawing_skipped", f"page {page_no}: {len(edges)} ruling segments on a {nx} x {ny} grid, "
                      "looks like a drawing; ruled tables not searched"))
    uparts, left = _unruled_parts(page_no, left, width)
    if uparts:
        notes.append(("pdf_unruled_table", f"page {page_no}: {len(uparts)} table(s) without ruling lines read from text positions"))
    parts.extend(uparts)
    parts.sort(key=lambda p: p.bbox[1])
    return parts, left


class _EdgePage:
    """What pdfplumber's TableFinder reads from a page for the lines strategy."""

    def __init__(self, edges: list[dict], bbox: tuple):
        self.edges = edges
        self.bbox = bbox


# ---------------------------------------------------------------------------
# running headers/footers, paragraphs, title


def _margin_junk(pages: list[_PageOut]) -> None:
    """Drop page numbers and running headers/footers (top/bottom 8% of the page)."""
    def key(ln: _Line) -> str:
        return re.sub(r"\d+", "#", _squash(ln.text))

    counts: dict[str, set[int]] = {}
    for p in pages:
        for ln in p.lines:
            if ln.top < 0.08 * p.height or ln.bottom > 0.92 * p.height:
                counts.setdefault(key(ln), set()).add(p.number)
    running = {k for k, v in counts.items() if len(v) >= 2 and len(v) >= 0.5 * len(pages) and len(k) <= 40}
    for p in pages:
        kept = []
        for ln in p.lines:
            in_margin = ln.top < 0.08 * p.height or ln.bottom > 0.92 * p.height
            if _PAGE_NO_RE.match(ln.text) and (in_margin or not ln.text.strip().isdigit()):
                continue  # "- 3 -", "第3页 共5页"; a bare number counts only in the margins
            if in_margin and key(ln) in running:
                continue
            kept.append(ln)
        p.lines = kept


def _centred(x: _Line, left: float, right: float, h: float) -> bool:
    """A line centred between the margins, clear of both."""
    mid = (left + right) / 2
    return abs((x.x0 + x.x1) / 2 - mid) < 1.5 * h and x.x0 > left + 0.3 * h and x.x1 < right - 0.3 * h


def _paragraphs(seq: list) -> list:
    """Join consecutive text lines into paragraphs; tables are hard breaks.

    `seq` holds _Line and ("table", idx) items in reading order. Returns a list of
    ("text", text, page) and ("table", idx) items."""
    # body margins per page
    margins: dict[int, tuple[float, float]] = {}
    by_page: dict[int, list[_Line]] = {}
    for it in seq:
        if isinstance(it, _Line):
            by_page.setdefault(it.page, []).append(it)
    for pno, lines in by_page.items():
        longish = [ln for ln in lines if len(ln.text) >= 8] or lines
        ends = sorted(ln.x1 for ln in longish)
        margins[pno] = (min(ln.x0 for ln in longish), ends[int(0.8 * (len(ends) - 1))])
    out: list = []
    cur: list[_Line] = []

    def flush():
        if cur:
            text = ""
            for ln in cur:
                text = _join(text, ln.text)
            out.append(("text", _tidy(text), cur[0].page))
            cur.clear()

    prev: _Line | None = None
    for it in seq:
        if not isinstance(it, _Line):
            flush()
            out.append(it)
            prev = None
            continue
        ln = it
        if prev is not None:
            left, right = margins[prev.page]
            h = max(prev.h, ln.h, 1.0)
            full = prev.x1 >= right - 3.0 * h
            lleft, _lright = margins[ln.page]
            indented = ln.x0 > lleft + 0.8 * h
            same_size = abs(prev.h - ln.h) <= 0.25 * h
            if ln.page == prev.page:
                gap_ok = ln.top - prev.bottom <= 1.2 * h
            else:
                gap_ok = True
            centered_prev = prev.x0 > left + 2 * h and prev.x1 < right - 2 * h
            # a centred title wrapped over two centred lines is one paragraph
            centered_both = (ln.page == prev.page and _centred(prev, left, right, h) and _centred(ln, left, right, h)
                             and same_size and gap_ok and not _HEADING_RE.match(ln.text)
                             and not _ENUM_RE.match(ln.text))
            if not centered_both and not (full and not indented and same_size and gap_ok and not centered_prev
                                          and not _HEADING_RE.match(ln.text)):
                flush()
        cur.append(ln)
        prev = ln
    flush()
    return out


def _title_hint(pages: list[_PageOut]) -> str | None:
    if not pages:
        return None
    first = pages[0]
    lines = [ln for ln in first.lines if ln.page == first.number]
    if first.parts:
        top_table = min(p.bbox[1] for p in first.parts)
        lines = [ln for ln in lines if ln.top < top_table]
    if not lines:
        return None
    heights = sorted(ln.h for ln in lines)
    median_h = heights[len(heights) // 2]
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    picked: list[str] = []
    for ln in lines[:4]:
        centered = ln.x0 > left + 1.5 * ln.h and abs((ln.x0 + ln.x1) / 2 - (left + right) / 2) < 0.12 * (right - left)
        big = ln.h >= 1.15 * median_h
        if not (centered or big) and picked:
            break
        if len(ln.text) > 60:
            break
        picked.append(ln.text)
        if "报告" in ln.text or "報告" in ln.text:
            break
    title = _tidy("".join(picked))
    title = re.sub(r"(?<=\d) (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) (?=\d)", "", title)
    if ("报告" in title or "報告" in title) and 6 <= len(title) <= 80:
        return title
    return None


# ---------------------------------------------------------------------------
# entry points


# PDFium is not thread-safe, not even across documents (pypdfium2's documentation:
# "It is not allowed to call pdfium functions simultaneously across different
# threads"); a flow that runs tasks in threads must not read two PDFs at once.
_PDFIUM_LOCK = threading.RLock()
# Held by the sandbox while it forks a reader child (extractors.sandbox).
FORK_LOCK = _PDFIUM_LOCK


def extract(data: bytes, name: str, settings: Settings = DEFAULT) -> RawDocument:
    """Read a PDF into text rows and stitched table rows (see the module docstring).

    Thread-safe: PDFium work is serialised by a process-wide lock."""
    if not data:
        raise EmptyDocument(f"{name}: empty file")
    if len(data) > MAX_BYTES:
        raise DocumentTooLarge(f"{name}: {len(data)} bytes is over the {MAX_BYTES}-byte cap")
    head = data[:1024]
    if b"%PDF-" not in head:
        raise UnreadableDocument(f"{name}: not a PDF (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        raise UnreadableDocument(f"{name}: truncated PDF (no %%EOF marker at the end of the file)")
    with _PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            if getattr(e, "err_code", None) == _FPDF_ERR_PASSWORD:
                raise UnreadableDocument(f"{name}: encrypted PDF, a password is needed to open it") from None
            raise UnreadableDocument(f"{name}: PDFium cannot open it ({e})") from None
        try:
            return _extract_doc(doc, data, name, settings.pdf_geometry)
        finally:
            doc.close()


def _extract_doc(doc: pdfium.PdfDocument, data: bytes, name: str, geometry: str) -> RawDocument:
    npages = len(doc)
    if npages == 0:
        raise EmptyDocument(f"{name}: the PDF has no pages")
    if npages > MAX_PAGES:
        raise DocumentTooLarge(f"{name}: {npages} pages, over the {MAX_PAGES}-page cap")
    notes: list[tuple[str, str]] = []
    pages: list[_PageOut] = []
    plumber = None
    deep_pages: list[int] = []
    total_chars = unmapped = 0
    pending_next = False
    failed: list[int] = []
    for i in range(npages):
        pno = i + 1
        try:
            page = doc[i]
        except pdfium.PdfiumError as e:
            failed.append(pno)
            notes.append(("pdf_page_unreadable", f"page {pno}: {e}"))
            pages.append(_PageOut(pno, 595.0, 842.0, no_text=True))
            continue
        try:
            tf = _page_transform(page)
            out = _PageOut(pno, tf.width, tf.height)
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
                stripped = _squash(text)
                total_chars += len(stripped)
                unmapped += len(_UNMAPPED_RE.findall(stripped))
                if not stripped:
                    out.no_text = True
                    out.images = _count_images(page)
                    pages.append(out)
                    pending_next = False
                    continue
                deep = _is_table_page(text) or pending_next
                if deep:
                    out.deep = True
                    deep_pages.append(pno)
                    if geometry == "pdfplumber":
                        if plumber is None:
                            import pdfplumber

                            plumber = pdfplumber.open(io.BytesIO(data))
                        pp = plumber.pages[i]
                        chars, edges = _plumber_geometry(pp)
                        pp.close()
                    else:
                        chars = _pdfium_chars(textpage, tf)
                        edges = _pdfium_edges(page, tf)
                    try:
                        parts, left = _analyse_deep(pno, chars, edges, tf.width, notes)
                    except Exception as e:  # a layout this reader cannot handle: keep the page's text
                        notes.append(("pdf_table_error", f"page {pno}: tables not read ({type(e).__name__}: {e})"))
                        parts, left = [], _group_lines(chars)
                    out.parts = parts
                    out.lines = _lines_from_groups(pno, left)
                    # a table that reaches the foot of the page may run onto the next one
                    pending_next = bool(parts) and _reaches_foot(out)
                else:
                    out.lines = _lines_from_textpage(pno, textpage, text, tf)
                    pending_next = False
            finally:
                textpage.close()
            pages.append(out)
        finally:
            page.close()
    if plumber is not None:
        plumber.close()
    image_pages = [p.number for p in pages if p.no_text and p.images]
    if total_chars == 0:
        if image_pages:
            raise NeedsOCR(f"{name}: no text layer on any of its {npages} pages, only images (a scan): needs OCR")
        raise EmptyDocument(f"{name}: no text on any of its {npages} pages")
    if unmapped > 0.5 * total_chars:
        raise NeedsOCR(f"{name}: its text layer has no Unicode mapping ({unmapped} of {total_chars} characters "
                       "are private-use or unknown glyphs): only OCR could read it")
    if image_pages:
        notes.append(("pdf_pages_need_ocr", f"pages without a text layer, only images: {_ranges(image_pages)}"))
    _margin_junk(pages)
    # re-check the foot of pages now that footers are gone, then stitch
    tables: list[list[_Part]] = []
    part_table: dict[int, int] = {}
    prev_page: _PageOut | None = None
    for p in pages:
        for j, part in enumerate(p.parts):
            joined = False
            if j == 0 and prev_page is not None and prev_page.parts and prev_page.number == p.number - 1:
                last = prev_page.parts[-1]
                if (_reaches_foot(prev_page) and _starts_at_head(p) and _cols_compatible(last, part)):
                    t = part_table[id(last)]
                    tables[t].append(part)
                    part_table[id(part)] = t
                    joined = True
                    notes.append(("pdf_table_stitched", f"table {t} continues from page {prev_page.number} to page {p.number}"))
            if not joined:
                part_table[id(part)] = len(tables)
                tables.append([part])
        prev_page = p
    # reading order: per page, lines and table parts by their top
    seq: list = []
    for p in pages:
        items = [(ln.top, 0, ln) for ln in p.lines] + [(part.bbox[1], 1, part) for part in p.parts]
        items.sort(key=lambda it: (it[0], it[1]))
        for _top, kind, obj in items:
            if kind == 0:
                seq.append(obj)
            else:
                t = part_table[id(obj)]
                if tables[t][0] is obj:
                    seq.append(("table", t))
    blocks = _paragraphs(seq)
    rows: list[Row] = []
    texts: list[str] = []
    for blk in blocks:
        if blk[0] == "text":
            _k, text, pno = blk
            rows.append(Row("text", [Cell(text, page=pno)]))
            texts.append(text)
            continue
        t = blk[1]
        grid, starts, row_pages = _grid(tables[t])
        grid_rows, grid_pages = _stitch_fix(grid, starts, row_pages, notes, t)
        r_out = 0
        for grow, gpage in zip(grid_rows, grid_pages, strict=True):
            if all(g is None or not g.text for g in grow):
                continue
            # a merged cell's text repeats in every grid position it covers; positions
            # right of its first column are flagged `merged` (not values of their own)
            cells = [Cell(g.text if g else "", page=gpage, table=t, row=r_out, col=c, fused=bool(g and g.fused),
                          merged=bool(g is not None and c > g.c0))
                     for c, g in enumerate(grow)]
            rows.append(Row("table", cells, positional=True))
            texts.append("\t".join(c.text for c in cells))
            r_out += 1
    if not rows:
        raise EmptyDocument(f"{name}: no text rows could be read")
    n_tables = len(tables)
    detail = (f"pdfium text on {npages} pages; in-depth ({geometry} geometry + pdfplumber ruled-table finder) "
              f"on pages {_ranges(deep_pages) or 'none'}; {n_tables} table(s)")
    if failed:
        detail += f"; unreadable pages {_ranges(failed)}"
    return RawDocument(
        format="pdf",
        rows=rows,
        text="\n".join(texts),
        detail=detail,
        notes=notes,
        title_hint=_title_hint(pages),
    )


def _reaches_foot(p: _PageOut) -> bool:
    """The page's last table has no running text below it (footers already gone)."""
    if not p.parts:
        return False
    last = p.parts[-1]
    below = [ln for ln in p.lines if ln.top >= last.bbox[3] - 1]
    below = [ln for ln in below if not (_PAGE_NO_RE.match(ln.text) or ln.top > 0.92 * p.height)]
    return not below


def _starts_at_head(p: _PageOut) -> bool:
    if not p.parts:
        return False
    first = p.parts[0]
    above = [ln for ln in p.lines if ln.bottom <= first.bbox[1] + 1 and ln.bottom > 0.08 * p.height]
    above = [ln for ln in above if not _PAGE_NO_RE.match(ln.text)]
    return not above


def _ranges(nums: list[int]) -> str:
    out = []
    for n in sorted(nums):
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in out)


# ---------------------------------------------------------------------------
# limits: run in a child process



