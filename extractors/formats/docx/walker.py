"""Walking a Word body in reading order into text rows and table grids.

Paragraphs become ``Row(kind="text")``, one row per visual line (a soft line break
``w:br`` inside a paragraph starts a new row); empty paragraphs produce no row. Each
table row becomes one ``Row(kind="table")`` covering every grid column of its table,
``w:gridSpan`` / ``w:hMerge`` / ``w:vMerge`` and ``w:gridBefore`` / ``w:gridAfter``
resolved by `extractors.formats.grid`.

Nested tables: a table whose cells hold other tables and that has a single row or a
single column is a layout wrapper (a box around the report); its cells are unwrapped
and their paragraphs and tables are emitted as if they stood in the body. In any other
table a nested table is emitted as its own table right after the row that holds it
(the outer cell keeps only its own paragraphs' text). Text boxes (``w:txbxContent``)
are emitted right after the paragraph (or table row) they are anchored in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractors.formats.docx.ooxml import (
    MC_ALT,
    W_CUSTOMXML,
    W_GRIDAFTER,
    W_GRIDBEFORE,
    W_GRIDCOL,
    W_GRIDSPAN,
    W_HMERGE,
    W_P,
    W_SDT,
    W_SDTCONTENT,
    W_TBL,
    W_TBLGRID,
    W_TC,
    W_TCPR,
    W_TR,
    W_TRPR,
    W_VAL,
    W_VMERGE,
    WS,
    alt_branch,
    children,
    holds_table,
    int_val,
)
from extractors.formats.docx.text import cell_text, paragraph_text
from extractors.formats.grid import GridBuilder, Span
from extractors.records import Cell, Row

if TYPE_CHECKING:
    from extractors.formats.docx.numbering import Numbering


class DocxBodyWalker:
    """One pass over the body: collects rows and plain-text lines."""

    def __init__(self, numbering: Numbering | None = None) -> None:
        self.numbering = numbering
        self.rows: list[Row] = []
        self.lines: list[str] = []
        self.table_count = 0
        self.textboxes = 0
        self.nested = 0
        self.layout_unwrapped = 0

    # --- blocks -------------------------------------------------------------

    def blocks(self, container) -> None:
        """Walk the block-level children of body / cell / text box / sdtContent."""
        for el in container:
            tag = el.tag
            if tag == W_P:
                self.paragraph(el)
            elif tag == W_TBL:
                self.table(el)
            elif tag == W_SDT:
                content = el.find(W_SDTCONTENT)
                if content is not None:
                    self.blocks(content)
            elif tag == W_CUSTOMXML or tag == W_SDTCONTENT:
                self.blocks(el)
            elif tag == MC_ALT:
                branch = alt_branch(el)
                if branch is not None:
                    self.blocks(branch)

    def paragraph(self, p) -> None:
        boxes: list = []
        text = paragraph_text(p, boxes, self.numbering)
        for line in text.split("\n"):
            line = line.strip(WS)
            if line:
                self.rows.append(Row(kind="text", cells=[Cell(line)]))
                self.lines.append(line)
        for box in boxes:
            self.textboxes += 1
            self.blocks(box)

    # --- tables -------------------------------------------------------------

    def table(self, tbl) -> None:
        trs = list(children(tbl, W_TR))
        if not trs or self._unwrapped_layout(trs):
            return
        index = self.table_count
        self.table_count += 1
        grid = GridBuilder(index, nrows=len(trs), width=_grid_columns(tbl))
        for tr in trs:
            deferred: list = []  # nested tables and text boxes, emitted after this row
            placed = grid.add_row(self._row_spans(tr, deferred))
            self.rows.append(placed.row)
            self.lines.extend(placed.texts)
            for kind, el in deferred:
                if kind == "tbl":
                    self.nested += 1
                    self.table(el)
                else:
                    self.textboxes += 1
                    self.blocks(el)
        grid.finish()

    def _unwrapped_layout(self, trs: list) -> bool:
        """A table whose cells hold tables and that is one row or one column wide is a
        layout wrapper around the report: walk its cells as blocks (True if it was one)."""
        if not (len(trs) == 1 or all(sum(1 for _ in children(tr, W_TC)) <= 1 for tr in trs)):
            return False
        tcs = [tc for tr in trs for tc in children(tr, W_TC)]
        if not any(holds_table(tc) for tc in tcs):
            return False
        self.layout_unwrapped += 1
        for tc in tcs:
            self.blocks(tc)
        return True

    def _row_spans(self, tr, deferred: list) -> list[Span]:
        """A table row's cells as grid spans, with the positions gridBefore/gridAfter skip."""
        before = after = 0
        trpr = tr.find(W_TRPR)
        if trpr is not None:
            before = int_val(trpr.find(W_GRIDBEFORE))
            after = int_val(trpr.find(W_GRIDAFTER))
        spans = [Span.gap(before)] if before > 0 else []
        # Every cell's content is read, merged or not: it may hold nested tables, text boxes
        # and numbered paragraphs (whose counters must advance).
        spans.extend(_cell_span(tc, cell_text(tc, deferred, self.numbering)) for tc in children(tr, W_TC))
        if after > 0:
            spans.append(Span.gap(after))
        return spans


def _cell_span(tc, text: str) -> Span:
    """A w:tc as a grid span: its gridSpan and its vertical / legacy horizontal merge."""
    colspan = 1
    vmerge = hmerge = None
    # w:tcPr is the first child of w:tc when present (schema order).
    if len(tc) and tc[0].tag == W_TCPR:
        for prop in tc[0]:
            ptag = prop.tag
            if ptag == W_GRIDSPAN:
                colspan = max(1, int_val(prop, 1))
            elif ptag == W_VMERGE:
                vmerge = prop.get(W_VAL) or "continue"
            elif ptag == W_HMERGE:
                hmerge = prop.get(W_VAL) or "continue"
    return Span(text, colspan=colspan, from_above=vmerge == "continue", from_left=hmerge == "continue")


def _grid_columns(tbl) -> int:
    """The column count the table declares (w:tblGrid), 0 without one."""
    grid_cols = tbl.find(W_TBLGRID)
    if grid_cols is None:
        return 0
    return sum(1 for g in grid_cols if g.tag == W_GRIDCOL)

