"""Ruled tables: pdfplumber's table finder (lines strategy: snap, join, intersections,
cells, tables) fed with our ruling edges, then every character placed into its cell by
one grid look-up.

    ruled_parts(page_no, chars, edges, width) -> (parts, characters left over)

A ruled "table" with text in one cell only (a frame, a shaded box) is not a table; one
whose cells hold stacked values (column rules, no row rules) is left to `unruled`.
"""

from __future__ import annotations

from bisect import bisect_right

from pdfplumber.table import Table, TableFinder, cells_to_tables, edges_to_intersections
from pdfplumber.utils import obj_to_bbox

from extractors.formats.pdf.cluster import cluster, nearest
from extractors.formats.pdf.geometry import Char, PartCell, TablePart
from extractors.formats.pdf.text import cell_text, group_lines, is_value, line_text

# pdfplumber table-finder settings (its defaults, spelled out).
TABLE_SETTINGS = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "edge_min_length": 3,
    "intersection_tolerance": 3,
}

_MIN_ROW_H = 2.0  # thinner grid rows are double borders: merged into their neighbour
# Grid corners of one cell closer than this (pt) are one grid line.
_CELL_EDGE_TOL = 1.0


class EdgePage:
    """What pdfplumber's TableFinder reads from a page for the lines strategy."""

    def __init__(self, edges: list[dict], bbox: tuple):
        self.edges = edges
        self.bbox = bbox


def line_grid(edges: list[dict]) -> tuple[int, int]:
    """Distinct x positions of the vertical edges and y positions of the horizontal ones
    (the finder's cost grows with their product)."""
    nx = len({round(e["x0"]) for e in edges if e["orientation"] == "v"})
    ny = len({round(e["top"]) for e in edges if e["orientation"] == "h"})
    return nx, ny


class FastTableFinder(TableFinder):
    """pdfplumber's TableFinder (its edges, intersections and cell grouping), with the step
    from intersections to cells done by `cells_from_intersections`: the same cells in the
    same order, without pdfplumber's scan of every later point for every point (a quarter
    of a text PDF's reading time went there)."""

    def __init__(self, page, settings=None):  # noqa: D107 - TableFinder.__init__, one step replaced
        from pdfplumber.table import TableSettings

        self.page = page
        self.settings = TableSettings.resolve(settings)
        self.edges = self.get_edges()
        self.intersections = edges_to_intersections(
            self.edges, self.settings.intersection_x_tolerance, self.settings.intersection_y_tolerance)
        self.cells = cells_from_intersections(self.intersections)
        self.tables = [Table(self.page, group) for group in cells_to_tables(self.cells)]


def cells_from_intersections(intersections: dict) -> list[tuple]:
    """pdfplumber's `intersections_to_cells`, exactly: for each point in sorted order, the
    smallest cell whose top-left it is: the first point below it joined by a vertical edge
    and the first point right of it joined by a horizontal edge whose bottom-right corner
    is an intersection joined to both. The points below and to the right come from per-x
    and per-y lists, and each point's edges are a set made once."""
    points = sorted(intersections)
    v = {p: {obj_to_bbox(e) for e in intersections[p]["v"]} for p in points}
    h = {p: {obj_to_bbox(e) for e in intersections[p]["h"]} for p in points}
    col: dict[float, list] = {}
    row: dict[float, list] = {}
    for p in points:  # sorted by (x, y): a column's points by y, a row's by x
        col.setdefault(p[0], []).append(p)
        row.setdefault(p[1], []).append(p)
    at_col = {p: i for pts in col.values() for i, p in enumerate(pts)}
    at_row = {p: i for pts in row.values() for i, p in enumerate(pts)}

    def connects(p1, p2) -> bool:
        return (p1[0] == p2[0] and not v[p1].isdisjoint(v[p2])) or \
            (p1[1] == p2[1] and not h[p1].isdisjoint(h[p2]))

    cells = []
    for pt in points:
        below = col[pt[0]][at_col[pt] + 1:]
        right = row[pt[1]][at_row[pt] + 1:]
        cell = _smallest_cell(pt, below, right, intersections, connects)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest_cell(pt, below, right, intersections, connects) -> tuple | None:
    for below_pt in below:
        if not connects(pt, below_pt):
            continue
        for right_pt in right:
            if not connects(pt, right_pt):
                continue
            corner = (right_pt[0], below_pt[1])
            if corner in intersections and connects(corner, right_pt) and connects(corner, below_pt):
                return (pt[0], pt[1], corner[0], corner[1])
    return None


def ruled_parts(page_no: int, chars: list[Char], edges: list[dict],
                width: float) -> tuple[list[TablePart], list[Char]]:
    """The ruled tables of a page and the characters none of them took."""
    finder = FastTableFinder(EdgePage(edges, (0, 0, width, 1e6)), TABLE_SETTINGS)
    parts: list[TablePart] = []
    left = chars
    for table in finder.tables:
        res = ruled_part(page_no, table.cells, left)
        if res is not None:
            part, left = res
            parts.append(part)
    return parts, left


def ruled_part(page_no: int, bboxes: list[tuple], chars: list[Char]) -> tuple[TablePart, list[Char]] | None:
    """Cells of one ruled table; returns the part and the characters it did not take."""
    xs = cluster([b[0] for b in bboxes] + [b[2] for b in bboxes], _CELL_EDGE_TOL)
    ys = cluster([b[1] for b in bboxes] + [b[3] for b in bboxes], _CELL_EDGE_TOL)
    if len(xs) < 3 or len(ys) < 2:
        return None  # one column: a framed paragraph, not a table
    cells, occ = cells_on_grid(bboxes, xs, ys)
    left_over = place_chars(chars, xs, ys, occ, cells)
    # a ruled "table" with text in only one cell is a frame or a shaded box
    if sum(1 for pc in cells if pc.chars) < 2:
        return None
    stacked, with_values = fill_cell_texts(cells)
    if stacked >= 2 and stacked >= 0.3 * with_values:
        # values stacked in the cells, or values under header lines: the rules between
        # rows are missing (column rules only); read the region from text positions
        return None
    # y positions become row indices; the part keeps its page-local row grid
    vcols = sorted({(pc.x0, pc.x1) for pc in cells if is_value(pc.text)})
    part = TablePart(page_no, (xs[0], ys[0], xs[-1], ys[-1]), cells, len(ys) - 1, True, value_cols=vcols,
                     row_ys=list(ys))
    drop_thin_rows(part, ys)
    return part, left_over


def cells_on_grid(bboxes: list[tuple], xs: list[float],
                  ys: list[float]) -> tuple[list[PartCell], list[list[PartCell | None]]]:
    """The finder's cell boxes as grid cells, and which cell covers each grid slot."""
    ncols, nrows = len(xs) - 1, len(ys) - 1
    occ: list[list[PartCell | None]] = [[None] * ncols for _ in range(nrows)]
    cells: list[PartCell] = []
    for b in bboxes:
        c0, c1 = nearest(xs, b[0]), nearest(xs, b[2])
        r0, r1 = nearest(ys, b[1]), nearest(ys, b[3])
        if c1 <= c0 or r1 <= r0:
            continue
        pc = PartCell(xs[c0], xs[c1], r0, r1)
        cells.append(pc)
        for r in range(r0, r1):
            for c in range(c0, c1):
                if occ[r][c] is None:
                    occ[r][c] = pc
    return cells, occ


def place_chars(chars: list[Char], xs: list[float], ys: list[float],
                occ: list[list[PartCell | None]], cells: list[PartCell]) -> list[Char]:
    """Put each character inside the grid into its cell; returns those outside it."""
    ncols, nrows = len(xs) - 1, len(ys) - 1
    left_over: list[Char] = []
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
            pc = PartCell(xs[c], xs[c + 1], r, r + 1)
            occ[r][c] = pc
            cells.append(pc)
        pc.chars.append(ch)
    return left_over


def fill_cell_texts(cells: list[PartCell]) -> tuple[int, int]:
    """Give each cell its text (its characters are released). Returns how many cells
    hold values stacked on separate lines, and how many hold any value."""
    stacked = with_values = 0
    for pc in cells:
        if pc.chars:
            lines = group_lines(pc.chars)
            pc.text, pc.fused, last_x1, last_h = cell_text(pc.chars, lines, pc.x1 - pc.x0)
            pc.wrapped = last_x1 >= pc.x1 - max(2.0 * last_h, 6.0)
            confs = [c for ch in pc.chars if (c := getattr(ch, "conf", None)) is not None]
            pc.conf = min(confs) if confs else None
            nval = sum(1 for ln in lines if is_value(line_text(ln)))
            with_values += nval > 0
            if (nval >= 2 and pc.fused) or (nval == 1 and len(lines) >= 3):
                stacked += 1
        pc.chars = []
    return stacked, with_values


def drop_thin_rows(part: TablePart, ys: list[float]) -> None:
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
    remap = [nearest(new_ys, y) for y in ys]
    for pc in part.cells:
        pc.r0, pc.r1 = remap[pc.r0], remap[pc.r1]
        if pc.r1 <= pc.r0:
            pc.r1 = min(pc.r0 + 1, len(new_ys) - 1)
            pc.r0 = pc.r1 - 1
    part.nrows = len(new_ys) - 1
    part.row_ys = new_ys
