"""Tables broken across pages.

    drop_margin_junk(pages)              running headers/footers and page numbers go first
    stitch_tables(pages, notes)          a part at the foot of a page + the part at the head
                                         of the next one, when their columns agree
    build_grid(parts)                    one grid of cells for a stitched table
    repair_seams(grid, ...)              at each page break: a repeated header row is
                                         dropped, a row split by the break is put back
                                         together, a merged label cell cut by the break
                                         (blank or `（三）不予公` / `开`) is carried over
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.formats.pdf.cluster import cluster, nearest
from extractors.formats.pdf.geometry import Line, TablePart
from extractors.formats.pdf.page import PageLayout
from extractors.formats.pdf.text import ENUM_RE, PAGE_NO_RE, is_value, join, squash

_COL_TOL = 3.0  # grid lines closer than this (pt) are one line
_MIN_COL_W = 4.0  # narrower grid columns are artefacts (double borders, misaligned parts)
# Running headers/footers sit in the top/bottom 8% of the page: lines above
# _HEAD_MARGIN or below _FOOT_MARGIN (fractions of the page height).
_HEAD_MARGIN = 0.08
_FOOT_MARGIN = 0.92
# Header rows looked for again at the top of a continuation page, most first.
_REPEATED_HEADER_ROWS = (4, 3, 2, 1)


# ---------------------------------------------------------------------------
# running headers/footers, the foot and head of a page


def _in_margin(ln: Line, p: PageLayout) -> bool:
    return ln.top < _HEAD_MARGIN * p.height or ln.bottom > _FOOT_MARGIN * p.height


def drop_margin_junk(pages: list[PageLayout]) -> None:
    """Drop page numbers and running headers/footers (top/bottom 8% of the page)."""
    def key(ln: Line) -> str:
        return re.sub(r"\d+", "#", squash(ln.text))

    counts: dict[str, set[int]] = {}
    for p in pages:
        for ln in p.lines:
            if _in_margin(ln, p):
                counts.setdefault(key(ln), set()).add(p.number)
    running = {k for k, v in counts.items() if len(v) >= 2 and len(v) >= 0.5 * len(pages) and len(k) <= 40}
    for p in pages:
        kept = []
        for ln in p.lines:
            in_margin = _in_margin(ln, p)
            if PAGE_NO_RE.match(ln.text) and (in_margin or not ln.text.strip().isdigit()):
                continue  # "- 3 -", "第3页 共5页"; a bare number counts only in the margins
            if in_margin and key(ln) in running:
                continue
            kept.append(ln)
        p.lines = kept


def reaches_foot(p: PageLayout) -> bool:
    """The page's last table has no running text below it (footers already gone)."""
    if not p.parts:
        return False
    last = p.parts[-1]
    below = [ln for ln in p.lines if ln.top >= last.bbox[3] - 1]
    below = [ln for ln in below if not (PAGE_NO_RE.match(ln.text) or ln.top > _FOOT_MARGIN * p.height)]
    return not below


def starts_at_head(p: PageLayout) -> bool:
    """The page's first table has no running text above it (below the top margin)."""
    if not p.parts:
        return False
    first = p.parts[0]
    above = [ln for ln in p.lines if ln.bottom <= first.bbox[1] + 1 and ln.bottom > _HEAD_MARGIN * p.height]
    above = [ln for ln in above if not PAGE_NO_RE.match(ln.text)]
    return not above


# ---------------------------------------------------------------------------
# which parts are one table


def cols_compatible(a: TablePart, b: TablePart) -> bool:
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
    xa = cluster([v for pc in a.cells for v in (pc.x0, pc.x1)], _COL_TOL)
    xb = cluster([v for pc in b.cells for v in (pc.x0, pc.x1)], _COL_TOL)
    inner_b = xb[1:-1]
    if not inner_b:
        return False
    hits = sum(1 for x in inner_b if any(abs(x - y) <= _COL_TOL for y in xa))
    return hits >= max(2, len(inner_b) // 2) and abs(wa - wb) < 0.25 * max(wa, wb)


def stitch_tables(pages: list[PageLayout], notes: list) -> tuple[list[list[TablePart]], dict[int, int]]:
    """Group the parts of all pages into tables. Returns the tables (their parts in page
    order) and the table index of each part (keyed by `id(part)`)."""
    tables: list[list[TablePart]] = []
    part_table: dict[int, int] = {}
    prev_page: PageLayout | None = None
    for p in pages:
        for j, part in enumerate(p.parts):
            joined = False
            if j == 0 and prev_page is not None and prev_page.parts and prev_page.number == p.number - 1:
                last = prev_page.parts[-1]
                if (reaches_foot(prev_page) and starts_at_head(p) and cols_compatible(last, part)):
                    t = part_table[id(last)]
                    tables[t].append(part)
                    part_table[id(part)] = t
                    joined = True
                    notes.append(("pdf_table_stitched", f"table {t} continues from page {prev_page.number} to page {p.number}"))
            if not joined:
                part_table[id(part)] = len(tables)
                tables.append([part])
        prev_page = p
    return tables, part_table


# ---------------------------------------------------------------------------
# one grid for a stitched table


@dataclass
class GridCell:
    text: str
    fused: bool
    wrapped: bool
    r0: int  # rows r0 .. r1-1 and columns c0 .. c1-1 of the table's grid
    r1: int
    c0: int
    c1: int
    page: int
    conf: float | None = None  # OCR: the least confidence of its characters


Grid = list[list[GridCell | None]]


def column_bounds(parts: list[TablePart]) -> list[float]:
    xs = cluster([v for p in parts for pc in p.cells for v in (pc.x0, pc.x1)], _COL_TOL)
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


def snap_to_bounds(part: TablePart, bounds: list[float]) -> None:
    """Re-express a part's cells in the columns of the part it continues (used when
    one of them is unruled, whose column edges are estimates)."""
    centers = [(bounds[k] + bounds[k + 1]) / 2 for k in range(len(bounds) - 1)]
    for pc in part.cells:
        if pc.x1 - pc.x0 <= 0:
            continue
        inside = [k for k, c in enumerate(centers) if pc.x0 - 1 <= c <= pc.x1 + 1]
        if not inside:
            k = nearest(centers, (pc.x0 + pc.x1) / 2)
            inside = [k]
        pc.x0, pc.x1 = bounds[inside[0]], bounds[inside[-1] + 1]
    part.bounds = list(bounds)


def build_grid(parts: list[TablePart]) -> tuple[Grid, list[int], list[int]]:
    """One grid for a stitched table. Returns grid, first row of each part, page of each row."""
    if any(p.bounds is not None for p in parts) and len(parts) > 1:
        ref = parts[0].bounds or cluster([v for pc in parts[0].cells for v in (pc.x0, pc.x1)], _COL_TOL)
        for p in parts[1:]:
            snap_to_bounds(p, ref)
    xs = column_bounds(parts)
    ncols = max(len(xs) - 1, 1)
    grid: Grid = []
    starts: list[int] = []
    row_pages: list[int] = []
    for p in parts:
        base = len(grid)
        starts.append(base)
        for _ in range(p.nrows):
            grid.append([None] * ncols)
            row_pages.append(p.page)
        for pc in sorted(p.cells, key=lambda c: (c.r1 - c.r0) * (c.x1 - c.x0)):
            c0, c1 = nearest(xs, pc.x0), nearest(xs, pc.x1)
            if c1 <= c0:
                c1 = min(c0 + 1, ncols)
                c0 = c1 - 1
            g = GridCell(pc.text, pc.fused, pc.wrapped, base + pc.r0, base + pc.r1, c0, c1, p.page, pc.conf)
            for r in range(g.r0, g.r1):
                for c in range(c0, c1):
                    if grid[r][c] is None:
                        grid[r][c] = g
    return grid, starts, row_pages


# ---------------------------------------------------------------------------
# the seams of a stitched grid


def row_texts(row: list[GridCell | None]) -> list[str]:
    return [squash(g.text) if g else "" for g in row]


def label_cut(a: str, b: str) -> bool:
    """`b` (first piece on the next page) continues the text `a` (cut by the break)."""
    return bool(a and b) and not is_value(a) and not is_value(b) and not ENUM_RE.match(b)


def _one_row(g: GridCell | None, r: int) -> bool:
    """A cell of row `r` alone (not merged with the rows around it)."""
    return g is not None and g.r0 <= r < g.r1 and g.r1 - g.r0 == 1


def _continues(ga: GridCell | None, gb: GridCell, row: int) -> str | None:
    """How `gb` (head of the next page) continues `ga` (row `row`, foot of the page):
    "label" (a wrapped label), "digits" (the last digits of a number wrapped in its
    cell), or None."""
    if ga is None or not _one_row(ga, row) or not ga.text or not ga.wrapped:
        return None
    if not is_value(ga.text) and not is_value(gb.text) and not ENUM_RE.match(gb.text):
        return "label"
    if ga.text[-1].isdigit() and gb.text[0].isdigit() and is_value(gb.text):
        return "digits"
    return None


def drop_repeated_header(grid: Grid, starts: list[int], s: int, end: int, drop: set[int]) -> int:
    """Header rows printed again at the top of the part starting at row `s` (ending
    before `end`) are added to `drop`; returns how many."""
    for k in _REPEATED_HEADER_ROWS:
        if k >= end - s or k > starts[1]:
            continue
        head = [row_texts(grid[r]) for r in range(k)]
        again = [row_texts(grid[s + r]) for r in range(k)]
        if head == again and any(t and not is_value(t) for row in head for t in row):
            drop.update(range(s, s + k))
            return k
    return 0


def join_split_row(grid: Grid, a: int, s: int) -> bool:
    """Row `s` (head of a page) is the second half of row `a` (foot of the page before),
    split by the page break: it only continues texts of the first. Joins it into row
    `a` and returns True (the caller drops row `s`)."""
    ra, rb = grid[a], grid[s]
    ncols = len(rb)
    b_local = [(c, rb[c]) for c in range(ncols)
               if rb[c] is not None and _one_row(rb[c], s) and rb[c].text and (c == 0 or rb[c - 1] is not rb[c])]
    kinds = [_continues(ra[c], gb, a) for c, gb in b_local]
    a_has_vals = any(g is not None and _one_row(g, a) and is_value(g.text) for g in ra)
    if not (b_local and None not in kinds and (a_has_vals or "label" not in kinds)):
        return False
    for (c, gb), kind in zip(b_local, kinds, strict=True):
        ga = ra[c]
        ga.text = ga.text + gb.text if kind == "digits" else join(ga.text, gb.text)
        ga.fused = ga.fused or gb.fused
        if gb.conf is not None:
            ga.conf = gb.conf if ga.conf is None else min(ga.conf, gb.conf)
    for c in range(ncols):
        gb = rb[c]
        if gb is not None and gb.r1 - gb.r0 > 1 and gb.r0 == s:
            gb.r0 = s + 1  # a merged cell that continues below now starts a row later
    return True


def carry_merged_labels(ra: list[GridCell | None], rb: list[GridCell | None], page: int,
                        notes: list, t_index: int) -> None:
    """Merged label cells cut by the break between row `ra` and row `rb` (on `page`): a
    blank continuation takes the label, a cut label (（三）不予公 / 开) is joined."""
    ncols = len(rb)
    first_val = next((c for c in range(ncols) if rb[c] is not None and is_value(rb[c].text)), ncols)
    for c in range(first_val):
        ga, gb = ra[c], rb[c]
        if ga is None or gb is None or ga is gb:
            continue
        if c > 0 and (ra[c - 1] is ga and rb[c - 1] is gb):
            continue  # same merged pair, handled at its first column
        label_right = any(rb[k] is not None and rb[k] is not gb and rb[k].text and not is_value(rb[k].text)
                          for k in range(c + 1, first_val))
        spans = (ga.r1 - ga.r0 > 1) or (gb.r1 - gb.r0 > 1)
        if not (label_right and spans and ga.text and not is_value(ga.text)):
            continue
        if not gb.text:
            gb.text = ga.text
            notes.append(("pdf_merged_cell_continued", f"table {t_index}: merged cell {ga.text[:12]!r} continues on page {page}"))
        elif ga.wrapped and label_cut(ga.text, gb.text) and squash(ga.text) != squash(gb.text):
            joined = join(ga.text, gb.text)
            notes.append(("pdf_label_cut", f"table {t_index}: label cut by the page break joined: {joined[:20]!r}"))
            ga.text = gb.text = joined


def repair_seams(grid: Grid, starts: list[int], row_pages: list[int], notes: list,
                 t_index: int) -> tuple[Grid, list[int]]:
    """Repair the seams of a stitched grid; returns the grid rows and their pages."""
    drop: set[int] = set()
    for si in range(1, len(starts)):
        s = starts[si]
        end = starts[si + 1] if si + 1 < len(starts) else len(grid)
        k = drop_repeated_header(grid, starts, s, end, drop)
        if k:
            notes.append(("pdf_header_repeated", f"table {t_index}: {k} header row(s) repeated on page {row_pages[s]} dropped"))
            s += k
        if s >= end:
            continue
        a = s - 1
        while a in drop and a > 0:
            a -= 1
        if join_split_row(grid, a, s):
            drop.add(s)
            notes.append(("pdf_row_split", f"table {t_index}: a row split by the page break before page {row_pages[s]} joined"))
            s += 1
            if s >= end:
                continue
        carry_merged_labels(grid[a], grid[s], row_pages[s], notes, t_index)
    rows = [grid[r] for r in range(len(grid)) if r not in drop]
    pages = [row_pages[r] for r in range(len(grid)) if r not in drop]
    return rows, pages
