"""Walking the article of an HTML page in document order into text rows and table grids.

Paragraphs and other blocks (p, h1-h6, div text, li) become ``Row(kind="text")``, one
row per visual line (``<br>`` starts a new row). Each ``<tr>`` of a data table becomes
one ``Row(kind="table")`` covering every grid column of its table, ``rowspan`` /
``colspan`` resolved by `extractors.formats.grid`. Tables nested in tables: a table
that holds tables and is one row or one column wide is page layout and is unwrapped;
in any other table a nested table is emitted as its own table right after the row
that holds it, the outer cell keeping only its own text.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree

from extractors.formats.grid import GridBuilder, Span
from extractors.formats.html.cells import (
    BLOCK_TAGS,
    BR,
    CACHED_CELL_CHARS,
    cell_text,
    cells_of,
    clean,
    holds_table,
    rows_of,
    span_of,
)
from extractors.formats.html.container import is_chrome, looks_like_data
from extractors.records import Cell, Row

# The HTML standard clamps colspan to 1000 and rowspan to 65534.
MAX_COLSPAN = 1000
MAX_ROWSPAN = 65534
# A report table has a few hundred cells; a table expanding past this many grid
# positions (e.g. colspan=1000 on hundreds of rows) is skipped with a note rather than
# allocating millions of cells.
MAX_TABLE_CELLS = 200_000


class HtmlWalker:
    """One pass over the article element: collects rows, plain-text lines and counts."""

    def __init__(self, images: list | None = None) -> None:
        self.images = set(images or ())  # <img> elements whose tables are read by OCR
        self.slots: list[tuple[int, int, object]] = []  # (row position, line position, img) of each
        self.rows: list[Row] = []
        self.lines: list[str] = []
        self.buf: list[str] = []
        self.table_count = 0
        self.nested = 0
        self.layout = 0
        self.skipped: list[str] = []

    def flush(self) -> None:
        if not self.buf:
            return
        raw = "".join(self.buf)
        self.buf.clear()
        for line in clean(raw):
            self.rows.append(Row(kind="text", cells=[Cell(line)]))
            self.lines.append(line)

    def walk(self, root) -> None:
        """Emit `root` and its content (not its tail) as text rows and tables."""
        buf = self.buf
        it = etree.iterwalk(root, events=("start", "end"))
        for ev, el in it:
            tag = el.tag
            if not isinstance(tag, str):
                continue
            if ev == "start":
                if tag == "br":
                    buf.append(BR)
                elif tag == "table":
                    self.flush()
                    self.table(el)
                    it.skip_subtree()
                elif tag == "img":
                    if el in self.images:  # its rows go here (extractors.formats.html.images)
                        self.flush()
                        self.slots.append((len(self.rows), len(self.lines), el))
                elif el is not root and is_chrome(el, tag):
                    it.skip_subtree()
                elif tag == "pre":
                    self.flush()
                    buf.append("".join(el.itertext()).replace("\n", BR))
                    self.flush()
                    it.skip_subtree()
                else:
                    if tag in BLOCK_TAGS:
                        self.flush()
                    if el.text:
                        buf.append(el.text)
            else:
                if tag in BLOCK_TAGS:
                    self.flush()
                if el is root:
                    break
                if el.tail:
                    buf.append(el.tail)
        self.flush()

    # --- tables -------------------------------------------------------------------------

    def table(self, table) -> None:
        """A <table>: its caption as text, then a grid, or its cells as blocks when it is layout."""
        trs = rows_of(table)
        cells = [cells_of(tr) for tr in trs]
        for c in table:
            if c.tag == "caption":
                self.walk(c)
        if not trs:
            # No rows: whatever it holds is text.
            for c in table:
                if isinstance(c.tag, str) and c.tag != "caption":
                    self.walk(c)
        elif _is_layout(table, trs, cells):
            # Page layout around the article: read its cells as blocks.
            self.layout += 1
            for cs in cells:
                for c in cs:
                    self.walk(c)
        else:
            self.data_table(cells, holds_table(table))

    def data_table(self, cells: list[list], nested: bool = True) -> None:
        """A table's rows (lists of <td>/<th>) as grid rows, each followed by its nested tables.
        `nested=False`: the table holds no table (its cells need no search for one)."""
        index = self.table_count
        self.table_count += 1
        spans = [[_spans(c) for c in cs] for cs in cells]
        width = max(1, max(sum(cs for cs, _ in row) for row in spans))
        if len(cells) * width > MAX_TABLE_CELLS:
            self.skipped.append(f"table {index}: {len(cells)} rows x {width} columns exceeds {MAX_TABLE_CELLS} cells")
            return
        grid = GridBuilder(index, nrows=len(cells), width=width)
        for tds, row_spans in zip(cells, spans, strict=True):
            deferred: list = []
            placed = grid.add_row(
                _span(cell_text(td, deferred, nested), cs, rs)
                for td, (cs, rs) in zip(tds, row_spans, strict=True)
            )
            self.rows.append(placed.row)
            self.lines.extend(placed.texts)
            for el in deferred:
                self.nested += 1
                self.table(el)
        grid.finish()


# Distinct (text, colspan, rowspan) cells whose `Span` is shared: a Span is immutable and
# report cells repeat ("0", the template's labels), so one object serves every copy.
# 65536 short cells cost a few MB; longer texts (CACHED_CELL_CHARS) do not repeat.
SPAN_CACHE_SIZE = 65_536


def _span(text: str, colspan: int, rowspan: int) -> Span:
    if len(text) > CACHED_CELL_CHARS:
        return Span(text, colspan=colspan, rowspan=rowspan)
    return _short_span(text, colspan, rowspan)


@lru_cache(maxsize=SPAN_CACHE_SIZE)
def _short_span(text: str, colspan: int, rowspan: int) -> Span:
    return Span(text, colspan=colspan, rowspan=rowspan)


def _spans(td) -> tuple[int, int]:
    """(colspan, rowspan) of a cell, clamped (`span_of`); most cells have neither."""
    if td.get("colspan") is None and td.get("rowspan") is None:
        return 1, 1
    return span_of(td, "colspan", MAX_COLSPAN), span_of(td, "rowspan", MAX_ROWSPAN)


def _is_layout(table, trs: list, cells: list[list]) -> bool:
    """One row or one column wide, and holding tables or not looking like data."""
    narrow = len(trs) == 1 or all(len(cs) <= 1 for cs in cells)
    return narrow and (any(holds_table(c) for cs in cells for c in cs) or not looks_like_data(table))
