"""Reading order: per page, running text lines and table parts by their top; lines
joined into paragraphs (CJK without a separator); a table's rows where its first part
starts, a merged cell's text repeated in every grid position it covers.

    document_rows(pages, tables, part_table, notes) -> (rows, their texts)
"""

from __future__ import annotations

import re

from extractors.formats.pdf.geometry import Line, TablePart
from extractors.formats.pdf.page import PageLayout
from extractors.formats.pdf.stitch import build_grid, repair_seams
from extractors.formats.pdf.text import ENUM_RE, HEADING_RE, join, tidy
from extractors.records import Cell, Row

# An item of the reading order: a running-text line, or ("table", index) where a table starts.
Item = Line | tuple[str, int]


def reading_order(pages: list[PageLayout], tables: list[list[TablePart]], part_table: dict[int, int]) -> list[Item]:
    """Per page, lines and table parts by their top; a table where its first part sits."""
    seq: list[Item] = []
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
    return seq


# ---------------------------------------------------------------------------
# paragraphs


def centred(x: Line, left: float, right: float, h: float) -> bool:
    """A line centred between the margins, clear of both."""
    mid = (left + right) / 2
    return abs((x.x0 + x.x1) / 2 - mid) < 1.5 * h and x.x0 > left + 0.3 * h and x.x1 < right - 0.3 * h


def body_margins(seq: list[Item]) -> dict[int, tuple[float, float]]:
    """Left and right edge of the body text of each page (its longer lines)."""
    margins: dict[int, tuple[float, float]] = {}
    by_page: dict[int, list[Line]] = {}
    for it in seq:
        if isinstance(it, Line):
            by_page.setdefault(it.page, []).append(it)
    for pno, lines in by_page.items():
        longish = [ln for ln in lines if len(ln.text) >= 8] or lines
        ends = sorted(ln.x1 for ln in longish)
        margins[pno] = (min(ln.x0 for ln in longish), ends[int(0.8 * (len(ends) - 1))])
    return margins


def same_paragraph(prev: Line, ln: Line, margins: dict[int, tuple[float, float]]) -> bool:
    """`ln` goes on the paragraph that `prev` is in: `prev` runs to the right margin and
    `ln` is not indented, or both are centred title lines."""
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
    centered_both = (ln.page == prev.page and centred(prev, left, right, h) and centred(ln, left, right, h)
                     and same_size and gap_ok and not HEADING_RE.match(ln.text)
                     and not ENUM_RE.match(ln.text))
    return centered_both or (full and not indented and same_size and gap_ok and not centered_prev
                             and not HEADING_RE.match(ln.text))


def paragraphs(seq: list[Item]) -> list:
    """Join consecutive text lines into paragraphs; tables are hard breaks.

    `seq` holds Line and ("table", idx) items in reading order. Returns a list of
    ("text", text, page) and ("table", idx) items."""
    margins = body_margins(seq)
    out: list = []
    cur: list[Line] = []

    def flush():
        if cur:
            text = ""
            for ln in cur:
                text = join(text, ln.text)
            out.append(("text", tidy(text), cur[0].page))
            cur.clear()

    prev: Line | None = None
    for it in seq:
        if not isinstance(it, Line):
            flush()
            out.append(it)
            prev = None
            continue
        if prev is not None and not same_paragraph(prev, it, margins):
            flush()
        cur.append(it)
        prev = it
    flush()
    return out


# ---------------------------------------------------------------------------
# rows


def table_rows(t: int, parts: list[TablePart], notes: list) -> list[Row]:
    """The rows of table `t`: its parts in one grid, the seams repaired, empty rows left out."""
    grid, starts, row_pages = build_grid(parts)
    grid_rows, grid_pages = repair_seams(grid, starts, row_pages, notes, t)
    rows: list[Row] = []
    for grow, gpage in zip(grid_rows, grid_pages, strict=True):
        if all(g is None or not g.text for g in grow):
            continue
        # a merged cell's text repeats in every grid position it covers; positions
        # right of its first column are flagged `merged` (not values of their own)
        cells = [Cell(g.text if g else "", page=gpage, table=t, row=len(rows), col=c, fused=bool(g and g.fused),
                      merged=bool(g is not None and c > g.c0), confidence=g.conf if g else None)
                 for c, g in enumerate(grow)]
        rows.append(Row("table", cells, positional=True))
    return rows


def document_rows(pages: list[PageLayout], tables: list[list[TablePart]], part_table: dict[int, int],
                  notes: list) -> tuple[list[Row], list[str]]:
    """All rows of the document in reading order, and the text of each row."""
    rows: list[Row] = []
    texts: list[str] = []
    for blk in paragraphs(reading_order(pages, tables, part_table)):
        if blk[0] == "text":
            _k, text, pno = blk
            rows.append(Row("text", [Cell(text, page=pno)]))
            texts.append(text)
            continue
        for row in table_rows(blk[1], tables[blk[1]], notes):
            rows.append(row)
            texts.append("\t".join(c.text for c in row.cells))
    return rows, texts


# ---------------------------------------------------------------------------
# title


def title_hint(pages: list[PageLayout]) -> str | None:
    """The report's title: the centred or large lines at the top of the first page, up
    to the one that says 报告."""
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
    title = tidy("".join(picked))
    title = re.sub(r"(?<=\d) (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) (?=\d)", "", title)
    if ("报告" in title or "報告" in title) and 6 <= len(title) <= 80:
        return title
    return None
