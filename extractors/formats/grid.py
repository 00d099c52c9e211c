"""Table grids from cells that span rows and columns: one builder for the docx and HTML readers.

A reader hands `GridBuilder` one table row at a time, as the row's cells in source
order (`Span`: a cell's text and how far it reaches). The builder places each cell at
the first grid column not still covered by a cell from a row above, repeats a spanning
cell's text in every position it covers, and returns the row as a `Row(kind="table")`
(rows go out one at a time because readers emit a row's nested tables right after it).
`finish` pads every row to the table's final width, so the grid is rectangular.

Grid contract (both readers):

* every position of the grid holds a `Cell` with ``table``, ``row`` and ``col``;
* a cell spanning columns (HTML ``colspan``, docx ``w:gridSpan`` / ``w:hMerge``)
  repeats its text in each position; positions after its first are ``merged``;
* a cell spanning rows (HTML ``rowspan``, docx ``w:vMerge``) repeats its text in the
  rows below, which are not ``merged`` (a vertical merge shows the same value in two
  rows of the printed table);
* positions no cell covers hold ``Cell("")``.

Caps (how wide a span may be, how many cells a table may have) are the readers':
they clamp spans before handing them over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from extractors.records import Cell, Row


@dataclass(frozen=True)
class Span:
    """One source cell: its text and the grid positions it covers."""

    text: str = ""
    colspan: int = 1
    rowspan: int = 1  # rows covered, this one included; 0: to the end of the table (HTML)
    from_above: bool = False  # shows what the row above shows in its columns (docx vMerge continue)
    from_left: bool = False  # repeats the position to its left (docx legacy hMerge continue)
    filler: bool = False  # positions no cell covers (docx gridBefore / gridAfter)
    # one grid position, its own text or the one above it (a vertical merge): what almost
    # every cell is (`add_row`'s fast path); worked out once per Span, which the readers
    # share between equal cells
    single: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "single", self.colspan == 1 and self.rowspan == 1
                           and not (self.from_left or self.filler))

    @classmethod
    def gap(cls, width: int) -> Span:
        return cls("", colspan=width, filler=True)


@dataclass
class PlacedRow:
    """A row on the grid, and the texts of the cells that start in it (in column order)."""

    row: Row
    texts: list[str]


class GridBuilder:
    """Resolves one table's spans, row by row, into rows of `Cell`s."""

    def __init__(self, table: int, nrows: int, width: int = 0) -> None:
        self.table = table  # the table's index in the document
        self.nrows = nrows  # rows in the table (for rowspan 0)
        self.width = width  # columns so far (at least the table's declared column count)
        self.rows: list[Row] = []
        self._carry: dict[int, list] = {}  # col -> [rows still to cover, text] (rowspans)
        self._above: dict[int, str] = {}  # the previous row's texts by column

    def add_row(self, spans: Iterable[Span]) -> PlacedRow:
        """Place one row's cells on the grid; return the row and its cells' own texts."""
        spans = list(spans)
        if not self._carry and all(s.single for s in spans):
            return self._add_single_row(spans)
        return self._add_placed_row(spans)

    def _add_placed_row(self, spans: list[Span]) -> PlacedRow:
        """`add_row` for any row: each cell placed at the first position no cell from above covers."""
        r = len(self.rows)
        texts = self._carried()
        origins: list[int] = []
        merged: set[int] = set()  # positions repeating a cell that starts further left
        col = 0
        for span in spans:
            while col in texts:
                col += 1
            self._place(span, col, r, texts, origins, merged)
            col += span.colspan
        if texts:
            self.width = max(self.width, max(texts) + 1)
        width = max(self.width, 1)
        row = Row(
            kind="table",
            cells=[
                Cell(texts.get(c, ""), table=self.table, row=r, col=c, merged=c in merged) for c in range(width)
            ],
        )
        self.rows.append(row)
        self._above = texts
        return PlacedRow(row, [texts[c] for c in origins if texts[c]])

    def _add_single_row(self, spans: list[Span]) -> PlacedRow:
        """`add_row` for a row of one-position cells with nothing carried from above (rowspans):
        each cell at its index, its own text or, continuing a vertical merge, the text above
        it; then blanks to the width. The same row, without the placing."""
        r, table, above = len(self.rows), self.table, self._above
        texts = [above.get(c, "") if s.from_above and r > 0 else s.text for c, s in enumerate(spans)]
        self.width = max(self.width, len(texts))
        cells = [Cell(t, table=table, row=r, col=c) for c, t in enumerate(texts)]
        cells += [Cell("", table=table, row=r, col=c) for c in range(len(texts), max(self.width, 1))]
        row = Row(kind="table", cells=cells)
        self.rows.append(row)
        self._above = dict(enumerate(texts))
        own = [t for t, s in zip(texts, spans, strict=True) if t and not (s.from_above and r > 0)]
        return PlacedRow(row, own)

    def finish(self) -> list[Row]:
        """Pad every row to the final width (a late row can be wider than the first ones)."""
        width = max(self.width, 1)
        for r, row in enumerate(self.rows):
            while len(row.cells) < width:
                row.cells.append(Cell("", table=self.table, row=r, col=len(row.cells)))
        return self.rows

    # --- placing ------------------------------------------------------------------------

    def _carried(self) -> dict[int, str]:
        """The positions of this row still covered by cells from rows above."""
        texts: dict[int, str] = {}
        for c, entry in self._carry.items():
            texts[c] = entry[1]
            entry[0] -= 1
        self._carry = {c: e for c, e in self._carry.items() if e[0] > 0}
        return texts

    def _place(self, span: Span, col: int, r: int, texts: dict, origins: list, merged: set) -> None:
        cols = range(col, col + span.colspan)
        if span.filler:
            for c in cols:
                texts[c] = ""
        elif span.from_above and r > 0:
            for c in cols:
                texts[c] = self._above.get(c, "")
        elif span.from_left and col > 0:
            text = texts.get(col - 1, "")
            for c in cols:
                texts[c] = text
            merged.update(cols)
        else:
            rowspan = self.nrows - r if span.rowspan == 0 else span.rowspan
            origins.append(col)
            merged.update(cols[1:])
            for c in cols:
                texts[c] = span.text
                if rowspan > 1:
                    self._carry[c] = [rowspan - 1, span.text]
