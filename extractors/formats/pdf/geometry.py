"""Geometry of a PDF page: characters with their boxes and ruling edges, in top-down
page coordinates, from PDFium (the default) or from pdfplumber (`Settings.pdf_geometry`).

Also the small records the other modules share: `Char` and `Line` (text on a page), and
`PartCell` and `TablePart` (one table's piece on one page, before it is stitched).
"""

from __future__ import annotations

import ctypes
import io
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# More ruling segments than this on one page means a drawing (map, chart), not a
# report table; the ruled finder is skipped there. The finder's cost grows with the
# number of line crossings: a 100 x 100 grid of lines takes 3.5 s, a 60 x 60 one
# 0.5 s (measured); table 3 of a report is ~30 rows x 11 columns, and the three
# tables on one page stay under ~1500 crossings. MAX_GRID_POINTS (distinct vertical
# x positions times distinct horizontal y positions) keeps the worst page near 1 s.
MAX_EDGES_PER_PAGE = 6000
MAX_GRID_POINTS = 6000
# Form XObjects nested deeper than this are not searched for ruling lines.
MAX_FORM_DEPTH = 8

# ---------------------------------------------------------------------------
# shared records


@dataclass(slots=True)
class Char:
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
class Line:
    """A line of running text (outside the tables) on page `page`."""

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


@dataclass
class PartCell:
    """A cell of a table part: its x range and its row range within the part."""

    x0: float
    x1: float
    r0: int  # row range within its part, r1 exclusive
    r1: int
    text: str = ""
    fused: bool = False
    wrapped: bool = False  # its last line runs to the right edge: the text may go on
    chars: list = field(default_factory=list)
    conf: float | None = None  # OCR: the least confidence of its characters (None: a text layer)


@dataclass
class TablePart:
    """One table's piece on one page (a table broken across pages has several)."""

    page: int
    bbox: tuple[float, float, float, float]
    cells: list[PartCell]
    nrows: int
    ruled: bool
    bounds: list[float] | None = None  # column boundaries of an unruled part
    value_cols: list[tuple[float, float]] | None = None  # x ranges of its value columns
    row_ys: list[float] | None = None  # y of its row boundaries (a ruled part, as found on its page)


# ---------------------------------------------------------------------------
# page transform


class Transform:
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


def page_transform(page: pdfium.PdfPage) -> Transform:
    try:
        box = page.get_cropbox()
    except Exception:  # pragma: no cover - fallback_ok makes this rare
        box = (0.0, 0.0, page.get_width(), page.get_height())
    return Transform(box, page.get_rotation())


# ---------------------------------------------------------------------------
# characters (PDFium)


class CharBoxes:
    """ctypes buffers for `char_box`, allocated once per page."""

    def __init__(self) -> None:
        self.rect = pdfium_c.FS_RECTF()
        self.dl, self.dr, self.db, self.dt = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()


def char_box(raw, i: int, buf: CharBoxes) -> tuple[float, float, float, float] | None:
    """A character's box in PDF space: PDFium's loose box (font ascent to descent),
    or its tight glyph box where the loose one is implausible: PDFium ignores the
    text matrix in the loose box of some vertical-writing fonts (a 199 pt box for a
    10 pt glyph in hongze-2024)."""
    rect, dl, dr, db, dt = buf.rect, buf.dl, buf.dr, buf.db, buf.dt
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


# code points PDFium reports that are not printed text (line breaks, NUL, markers)
_NOT_TEXT = {10, 13, 0, 2, 0xFFFE, 0xFFFF}


def pdfium_chars(textpage: pdfium.PdfTextPage, tf: Transform) -> list[Char]:
    """Every printed character of a page with its box (fake-bold doubles dropped)."""
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    get_u = pdfium_c.FPDFText_GetUnicode
    is_gen = pdfium_c.FPDFText_IsGenerated
    buf = CharBoxes()
    out: list[Char] = []
    seen: set = set()
    upright = tf.rot == 0
    ox, oy = tf.l, tf.t
    for i in range(n):
        u = get_u(raw, i)
        if u in _NOT_TEXT or is_gen(raw, i) == 1:
            continue
        if 0xD800 <= u <= 0xDFFF:  # a character outside the BMP comes as two UTF-16 halves
            if u >= 0xDC00 or i + 1 >= n:
                continue
            low = get_u(raw, i + 1)
            if not 0xDC00 <= low <= 0xDFFF:
                continue
            u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
        box = char_box(raw, i, buf)
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
        out.append(Char(ch, x0, top, x1, bottom))
    return out


# ---------------------------------------------------------------------------
# ruling edges (PDFium)


def mat_mul(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def is_whiteish(r: int, g: int, b: int, a: int) -> bool:
    return a < 20 or (r >= 245 and g >= 245 and b >= 245)


def edge(p0: tuple[float, float], p1: tuple[float, float]) -> dict | None:
    """A vertical or horizontal segment as a pdfplumber edge dict (None: slanted or a dot)."""
    (x0, y0), (x1, y1) = p0, p1
    if abs(x0 - x1) <= 0.5:
        top, bottom = min(y0, y1), max(y0, y1)
        if bottom - top >= 1:
            x = (x0 + x1) / 2
            return {"x0": x, "x1": x, "top": top, "bottom": bottom, "doctop": top, "width": 0,
                    "height": bottom - top, "orientation": "v", "object_type": "line"}
    elif abs(y0 - y1) <= 0.5:
        left, right = min(x0, x1), max(x0, x1)
        if right - left >= 1:
            y = (y0 + y1) / 2
            return {"x0": left, "x1": right, "top": y, "bottom": y, "doctop": y,
                    "width": right - left, "height": 0, "orientation": "h", "object_type": "line"}
    return None


class _EdgeWalker:
    """Walks a page's objects (and those of its form XObjects) and collects the
    axis-aligned segments of the visible paths; ctypes buffers allocated once."""

    def __init__(self, tf: Transform):
        self.tf = tf
        self.edges: list[dict] = []
        self.fm = pdfium_c.FS_MATRIX()
        self.fx, self.fy = ctypes.c_float(), ctypes.c_float()
        self.fillmode, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.rgba = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()

    def visible(self, obj) -> bool:
        fillmode, stroke, rgba = self.fillmode, self.stroke, self.rgba
        if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fillmode), ctypes.byref(stroke)):
            return True
        vis = False
        if fillmode.value and pdfium_c.FPDFPageObj_GetFillColor(obj, *rgba):
            vis = not is_whiteish(*(c.value for c in rgba))
        elif fillmode.value:
            vis = True
        if not vis and stroke.value:
            if pdfium_c.FPDFPageObj_GetStrokeColor(obj, *rgba):
                vis = not is_whiteish(*(c.value for c in rgba))
            else:
                vis = True
        return vis

    def matrix(self, obj, outer):
        """The object's matrix, composed with that of the form it sits in."""
        fm = self.fm
        pdfium_c.FPDFPageObj_GetMatrix(obj, fm)
        m = (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f)
        return m if outer is None else mat_mul(m, outer)

    def add(self, p0, p1) -> None:
        e = edge(p0, p1)
        if e is not None:
            self.edges.append(e)

    def path(self, obj, m) -> None:
        """The straight segments of one path object (curves are skipped)."""
        a, b, c, d, e, f = m
        fx, fy, pt = self.fx, self.fy, self.tf.pt
        start = cur = None
        for s in range(pdfium_c.FPDFPath_CountSegments(obj)):
            seg = pdfium_c.FPDFPath_GetPathSegment(obj, s)
            pdfium_c.FPDFPathSegment_GetPoint(seg, fx, fy)
            x, y = fx.value, fy.value
            p = pt(a * x + c * y + e, b * x + d * y + f)
            st = pdfium_c.FPDFPathSegment_GetType(seg)
            if st == pdfium_c.FPDF_SEGMENT_MOVETO or cur is None:
                start = cur = p
                continue
            if st != pdfium_c.FPDF_SEGMENT_BEZIERTO:
                self.add(cur, p)
            cur = p
            if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None:
                self.add(cur, start)
                cur = start

    def walk(self, parent, in_form: bool, outer, depth: int) -> None:
        count = pdfium_c.FPDFFormObj_CountObjects(parent) if in_form else pdfium_c.FPDFPage_CountObjects(parent)
        for k in range(count):
            obj = pdfium_c.FPDFFormObj_GetObject(parent, k) if in_form else pdfium_c.FPDFPage_GetObject(parent, k)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                if not self.visible(obj):
                    continue
                self.path(obj, self.matrix(obj, outer))
                if len(self.edges) > MAX_EDGES_PER_PAGE:
                    return
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
                self.walk(obj, True, self.matrix(obj, outer), depth + 1)


def pdfium_edges(page: pdfium.PdfPage, tf: Transform) -> list[dict]:
    """Axis-aligned segments of every visible path object, as pdfplumber edge dicts."""
    walker = _EdgeWalker(tf)
    walker.walk(page.raw, False, None, 0)
    return walker.edges


def count_images(page: pdfium.PdfPage) -> int:
    """Image objects on the page, counted up to 4."""
    n = 0
    for _obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        n += 1
        if n > 3:
            break
    return n


# ---------------------------------------------------------------------------
# the pdfplumber alternative


def is_white_color(color) -> bool:
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


def plumber_geometry(plumber_page) -> tuple[list[Char], list[dict]]:
    """Characters and visible edges of a page as pdfplumber/pdfminer reads them."""
    chars = [
        Char(c["text"], c["x0"], c["top"], c["x1"], c["bottom"])
        for c in plumber_page.chars
        if c["text"] not in ("\n", "\r")
    ]
    visible = []
    for e in plumber_page.edges:
        src = e.get("non_stroking_color") if e.get("fill") and not e.get("stroke") else e.get("stroking_color")
        if is_white_color(src) and e.get("object_type") == "rect_edge":
            continue
        visible.append(e)
    return chars, visible


class GeometrySource:
    """Where the characters and edges of a page read in depth come from: PDFium, or
    pdfplumber when `geometry == "pdfplumber"` (opened on first use, closed by `close`)."""

    def __init__(self, data: bytes, geometry: str):
        self.data = data
        self.geometry = geometry
        self._plumber = None

    def read(self, index: int, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage,
             tf: Transform) -> tuple[list[Char], list[dict]]:
        if self.geometry != "pdfplumber":
            return pdfium_chars(textpage, tf), pdfium_edges(page, tf)
        if self._plumber is None:
            import pdfplumber

            self._plumber = pdfplumber.open(io.BytesIO(self.data))
        pp = self._plumber.pages[index]
        chars, edges = plumber_geometry(pp)
        pp.close()
        return chars, edges

    def close(self) -> None:
        if self._plumber is not None:
            self._plumber.close()
            self._plumber = None
