"""Unruled tables: text laid out in columns without ruling lines (a Word table with its
borders removed), found from the positions of the characters left outside the ruled
tables.

    unruled_parts(page_no, chars, page_w) -> (parts, lines left over for running text)

A page's lines are split at wide gaps into segments. Lines with two or more segments
and numeric cells grow a region (`find_regions`); in a region, labels that run into the
next column are cut (`refine_segments`), the columns come from the numeric cells and
the indentation of the labels (`UnruledColumns`), and lines become logical rows: a
wrapped label, the next line of a header cell (`logical_rows`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import NamedTuple

from extractors.formats.pdf.cluster import cluster, nearest, union
from extractors.formats.pdf.geometry import Char, PartCell, TablePart
from extractors.formats.pdf.text import (
    ENUM_RE,
    HEADING_RE,
    group_lines,
    is_value,
    join,
    line_text,
    split_segments,
    squash,
    tidy,
)

# Captions above a table: "第二十条…" starts a row of its own across the table.
_ARTICLE_CAPTION = ("第二十条", "第二十條")
# A section heading ends a region: （二）收到和处理政府信息公开申请情况.
_SECTION_ENDS = ("情况", "情況")


class Segment(NamedTuple):
    """A piece of a line between wide gaps: a cell's text on that line."""

    x0: float
    x1: float
    text: str
    chars: list[Char]


def segment(chars: list[Char]) -> Segment:
    return Segment(chars[0].x0, chars[-1].x1, tidy(line_text(chars)), chars)


@dataclass
class SegmentedLine:
    line: list[Char]
    segs: list[Segment]
    top: float
    bottom: float

    @property
    def h(self) -> float:
        return self.bottom - self.top

    @property
    def values(self) -> int:
        return sum(1 for s in self.segs if is_value(s.text))


def _is_section_heading(text: str) -> bool:
    return bool(HEADING_RE.match(text)) and text.endswith(_SECTION_ENDS)


# ---------------------------------------------------------------------------
# regions of tabular lines


def segmented_lines(lines: list[list[Char]]) -> list[SegmentedLine]:
    out: list[SegmentedLine] = []
    for ln in lines:
        segs = [segment(s) for s in split_segments(ln)]
        segs = [s for s in segs if s.text]
        if segs:
            out.append(SegmentedLine(ln, segs, min(c.top for c in ln), max(c.bottom for c in ln)))
    return out


def region_end(slines: list[SegmentedLine], i: int) -> int:
    """Last tabular line of the region starting at line `i`: a few single-segment lines
    may sit between tabular ones; a wide gap or a section heading ends it."""
    last_tab, k = i, i + 1
    while k < len(slines):
        cur = slines[k]
        if cur.top - slines[k - 1].bottom > 2.5 * max(cur.h, slines[k - 1].h, 6.0):
            break
        if len(cur.segs) >= 2:
            last_tab = k
        elif _is_section_heading(cur.segs[0].text) or k - last_tab > 3:
            break
        k += 1
    return last_tab


def holds_values(region: list[SegmentedLine]) -> bool:
    """Two tabular lines with values, or one with three: a table, not a layout."""
    value_lines = [s for s in region if s.values >= 1 and len(s.segs) >= 2]
    return len(value_lines) >= 2 or any(s.values >= 3 for s in value_lines)


def caption_start(slines: list[SegmentedLine], i: int, page_w: float) -> int:
    """First line of the captions / header lines just above line `i` (第二十条…, 申请人情况)."""
    start = i
    while start > 0:
        prev = slines[start - 1]
        if slines[start].top - prev.bottom > 1.6 * max(prev.h, 6.0) or len(prev.segs) != 1:
            break
        seg = prev.segs[0]
        if (seg.x1 - seg.x0) > 0.6 * page_w or _is_section_heading(seg.text):
            break
        start -= 1
    return start


def unruled_parts(page_no: int, chars: list[Char], page_w: float) -> tuple[list[TablePart], list[list[Char]]]:
    """Find tables laid out by position only. Returns the parts and the lines (lists of
    chars) left over for running text."""
    lines = group_lines(chars)
    if not lines:
        return [], []
    slines = segmented_lines(lines)
    parts: list[TablePart] = []
    used: set[int] = set()
    i = 0
    while i < len(slines):
        if len(slines[i].segs) < 2:
            i += 1
            continue
        j = region_end(slines, i)
        if holds_values(slines[i : j + 1]):
            start = caption_start(slines, i, page_w)
            part = build_unruled(page_no, slines[start : j + 1])
            if part is not None:
                parts.append(part)
                used.update(range(start, j + 1))
        i = j + 1
    if not parts:
        return [], lines
    return parts, [sl.line for idx, sl in enumerate(slines) if idx not in used]


# ---------------------------------------------------------------------------
# segments cut where a label runs into the next column


def _label_column_starts(region: list[SegmentedLine]) -> list[float]:
    """Left edges shared by at least two label segments."""
    starts = cluster([s.x0 for sl in region for s in sl.segs if not is_value(s.text)], 2.0)
    support = {c: 0 for c in starts}
    for sl in region:
        for s in sl.segs:
            if not is_value(s.text):
                support[starts[nearest(starts, s.x0)]] += 1
    return [c for c in starts if support[c] >= 2]


def _cut_points(chars: list[Char], cols: list[list[float]], starts: list[float]) -> list[int]:
    """Where a label segment runs into a value column or into the next label column."""
    cut = []
    for k in range(1, len(chars)):
        ch = chars[k]
        if chars[k - 1].text.isdigit():
            continue
        rest = "".join(c.text for c in chars[k:])
        if ch.text.isdigit() and is_value(rest) and any(a - 1.5 <= ch.x0 <= b + 1.5 for a, b in cols):
            cut.append(k)
            break
        if starts and ENUM_RE.match(rest) and ch.x0 - chars[k - 1].x1 > -0.5:
            st = starts[nearest(starts, ch.x0)]
            if abs(st - ch.x0) <= 2.0:
                cut.append(k)
    return cut


def _split_at(chars: list[Char], cut: list[int]) -> list[list[Char]]:
    pieces, prev = [], 0
    for k in cut:
        pieces.append(chars[prev:k])
        prev = k
    pieces.append(chars[prev:])
    return pieces


def refine_segments(region: list[SegmentedLine]) -> list[list[float]]:
    """Split segments that run into the next column (tables without cell padding).

    A label that ends right where a value column starts ("…重新出具已1") is split
    before the number; a label that runs into the next label column ("（三）不4.保护…")
    is split before the enumerator that starts where other rows start that column.
    Returns the value columns (x ranges)."""
    cols = union([(s.x0, s.x1) for sl in region for s in sl.segs if is_value(s.text)])
    starts = _label_column_starts(region)
    for sl in region:
        new: list[Segment] = []
        for s in sl.segs:
            pieces = [s.chars]
            if not is_value(s.text):
                cut = _cut_points(s.chars, cols, starts)
                if cut:
                    pieces = _split_at(s.chars, cut)
            new.extend(segment(p) for p in pieces if p)
        sl.segs = [x for x in new if x.text]
    return union([(s.x0, s.x1) for sl in region for s in sl.segs if is_value(s.text)])


# ---------------------------------------------------------------------------
# columns of a region


@dataclass
class UnruledColumns:
    """Column boundaries of an unruled table: label sub-columns (indent levels), then
    one column per value column. Columns `0 .. nlab-1` hold labels."""

    bounds: list[float]
    nlab: int
    first_val_x: float
    centers: list[float] = field(init=False)
    val_cols: list[int] = field(init=False)  # the value columns: nlab .. ncols-1

    def __post_init__(self) -> None:
        self.centers = [(self.bounds[c] + self.bounds[c + 1]) / 2 for c in range(len(self.bounds) - 1)]
        self.val_cols = list(range(self.nlab, len(self.bounds) - 1))

    @property
    def ncols(self) -> int:
        return len(self.bounds) - 1

    @classmethod
    def of(cls, region: list[SegmentedLine], data: list[SegmentedLine], cols: list[list[float]]) -> UnruledColumns:
        first_val_x = cols[0][0]
        label_starts = _label_starts(region, data, first_val_x)
        region_x0 = min(min(s.x0 for s in sl.segs) for sl in region)
        region_x1 = max(max(s.x1 for s in sl.segs) for sl in region)
        # column boundaries: label starts, then midpoints between value columns
        bounds = [min(region_x0, label_starts[0])] + label_starts[1:] + [first_val_x - 1.0]
        for a, b in zip(cols, cols[1:], strict=False):
            bounds.append((a[1] + b[0]) / 2)
        bounds.append(max(region_x1, cols[-1][1]) + 1.0)
        bounds = sorted(set(round(b, 2) for b in bounds))
        nlab = bisect_right(bounds, first_val_x - 1.0 + 0.01) - 1
        return cls(bounds, nlab, first_val_x)

    def span_of(self, x0: float, x1: float, text: str) -> tuple[int, int]:
        """The columns a segment covers (c1 exclusive)."""
        bounds, nlab, centers, val_cols = self.bounds, self.nlab, self.centers, self.val_cols
        if is_value(text) and val_cols:
            cx = (x0 + x1) / 2
            inside = [k for k in val_cols if bounds[k] <= cx < bounds[k + 1]]
            c = inside[0] if inside else min(val_cols, key=lambda k: abs(centers[k] - cx))
            return c, c + 1
        if x1 <= self.first_val_x + 2 and nlab > 0:  # a label: from its indent level to where it ends
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


def _label_starts(region: list[SegmentedLine], data: list[SegmentedLine], first_val_x: float) -> list[float]:
    """Label sub-columns: left edges of label segments (indent levels) left of the values."""
    lefts = [s.x0 for sl in data for s in sl.segs if not is_value(s.text) and s.x1 <= first_val_x + 2]
    label_starts = cluster(lefts, 4.0)
    support = {ls: sum(1 for x in lefts if abs(x - ls) <= 4.0) for ls in label_starts}
    label_starts = [ls for ls in label_starts if support[ls] >= 2] or label_starts[:1]
    if not label_starts:
        label_starts = [min(s.x0 for sl in region for s in sl.segs)]
    return label_starts


# ---------------------------------------------------------------------------
# logical rows from lines


@dataclass
class UnruledRow:
    cells: dict[tuple[int, int], str]  # (c0, c1) -> text
    top: float
    bottom: float
    valcols: set[int]  # columns that hold a value


Placed = tuple[int, int, str]  # a segment's columns (c0, c1) and its text


def _open_header_row(rows: list[UnruledRow], sl: SegmentedLine, placed: list[Placed]) -> UnruledRow | None:
    """A recent header row in whose cells most of this line's segments continue."""
    for back in range(len(rows) - 1, max(len(rows) - 4, -1), -1):
        row = rows[back]
        if row.valcols or sl.top - row.bottom > 2.5 * max(sl.h, 6.0):
            break
        if 2 * sum((c0, c1) in row.cells for c0, c1, _t in placed) >= len(placed):
            return row
    return None


def row_to_continue(rows: list[UnruledRow], sl: SegmentedLine, placed: list[Placed],
                    nlab: int) -> UnruledRow | None:
    """The row this line continues, or None when it starts a row of its own."""
    first_label = next((t for _a, _b, t in sorted(placed) if not is_value(t)), "")
    if not rows or (first_label and ENUM_RE.match(first_label)):
        return None
    cur = rows[-1]
    close = sl.top - cur.bottom <= 0.8 * max(sl.h, 6.0)
    if any(is_value(t) for _a, _b, t in placed):
        # values that only fill empty columns of a row whose label is still open
        taken = {c for c0, c1, t in placed if is_value(t) for c in range(c0, c1)}
        label_only = not cur.valcols and all(s1 <= nlab for _s0, s1 in cur.cells)
        merge = close and not (taken & cur.valcols) and (bool(cur.valcols) or label_only)
        return cur if merge else None
    if cur.valcols:
        # a label's next line under a data row: label columns only
        return cur if close and all(c1 <= nlab for _c0, c1, _t in placed) else None
    # header lines: a wrapped header cell continues in a recent header row
    return _open_header_row(rows, sl, placed)


def logical_rows(region: list[SegmentedLine], cols: UnruledColumns) -> list[UnruledRow]:
    rows: list[UnruledRow] = []
    for sl in region:
        placed = [(*cols.span_of(s.x0, s.x1, s.text), s.text) for s in sl.segs]
        cur = row_to_continue(rows, sl, placed, cols.nlab)
        if cur is None:
            cur = UnruledRow({}, sl.top, sl.bottom, set())
            rows.append(cur)
        for c0, c1, t in placed:
            cur.cells[(c0, c1)] = join(cur.cells.get((c0, c1), ""), t)
            if is_value(t):
                cur.valcols.update(range(c0, c1))
        cur.bottom = max(cur.bottom, sl.bottom)
    return rows


def spread_article_captions(rows: list[UnruledRow], ncols: int) -> None:
    """An article caption: a row of its own across the table."""
    for row in rows:
        cells = row.cells
        if row.valcols or len(cells) != 1:
            continue
        text = next(iter(cells.values()))
        if squash(text).startswith(_ARTICLE_CAPTION):
            row.cells = {(0, ncols): text}


def merge_single_value_columns(rows: list[UnruledRow], nlab: int, ncols: int) -> None:
    """One column header over data rows with one value each: the header and the
    values sit in cells merged across the value columns (gb2021 table 2)."""
    for r, row in enumerate(rows):
        if row.valcols:
            continue
        heads = [k for k in row.cells if k[0] >= nlab]
        labels = [k for k in row.cells if k[1] <= nlab]
        if len(heads) != 1 or len(heads) + len(labels) != len(row.cells):
            continue
        below = []
        for nxt in rows[r + 1 :]:
            if not nxt.valcols:
                break
            below.append(nxt)
        if below and all(len(nxt.valcols) == 1 for nxt in below):
            row.cells[(nlab, ncols)] = row.cells.pop(heads[0])
            for nxt in below:
                key = next(k for k in nxt.cells if k[0] >= nlab and is_value(nxt.cells[k]))
                nxt.cells[(nlab, ncols)] = nxt.cells.pop(key)


def build_unruled(page_no: int, region: list[SegmentedLine]) -> TablePart | None:
    """The table part of one region of tabular lines (None: no value columns)."""
    cols = refine_segments(region)
    data = [sl for sl in region if sl.values >= 1 and len(sl.segs) >= 2]
    if not data or not cols:
        return None
    columns = UnruledColumns.of(region, data, cols)
    rows = logical_rows(region, columns)
    spread_article_captions(rows, columns.ncols)
    merge_single_value_columns(rows, columns.nlab, columns.ncols)
    bounds = columns.bounds
    pcells: list[PartCell] = []
    for r, row in enumerate(rows):
        for (c0, c1), t in row.cells.items():
            pc = PartCell(bounds[c0], bounds[c1], r, r + 1)
            pc.text = tidy(t)
            pcells.append(pc)
    top = min(sl.top for sl in region)
    bottom = max(sl.bottom for sl in region)
    return TablePart(page_no, (bounds[0], top, bounds[-1], bottom), pcells, len(rows), False, bounds=bounds,
                     value_cols=[tuple(c) for c in cols])
