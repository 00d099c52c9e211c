"""Word (.docx) extractor: paragraphs and table grids in reading order.

The package is opened directly (zip directory checked for bombs first, then
relationships, content types and one hardened lxml parse of the main part) and the
body is walked as XML in a single pass. python-docx is deliberately not on the hot
path: its ``Package.open`` parses every XML part (~9 ms per report) and its
``row.cells`` / ``table.cell()`` recompute merges row by row (~60 ms per report);
the whole extraction here takes a few milliseconds. python-docx is used to build
the test fixtures.

* `reader` - the entry point `extract`;
* `package` - the zip/XML safety caps, relationships, content types, the main part;
* `walker` - `DocxBodyWalker`: the body in reading order, tables through
  `extractors.formats.grid`;
* `text` - the visible text of paragraphs and cells, text boxes met on the way;
* `numbering` - what Word prints before numbered paragraphs;
* `ooxml` - WordprocessingML tag names and small XML helpers.

Grid contract (shared with the HTML extractor):

* every table row becomes one ``Row(kind="table")`` whose cells cover every grid
  column of that table, left to right (the grid is rectangular: short rows and
  ``w:gridBefore`` / ``w:gridAfter`` positions are padded with ``Cell("")``);
* a cell merged horizontally (``w:gridSpan``, legacy ``w:hMerge``) or vertically
  (``w:vMerge`` restart/continue) has its text repeated in every position it covers;
* whitespace-only cells (ASCII, no-break or full-width ``U+3000`` spaces) are ``""``;
  otherwise each line of a cell is stripped and empty lines are dropped; line breaks
  (``w:br``, ``w:cr``, paragraph ends) inside a cell become ``"\\n"``;
* every cell carries ``table`` (0-based, in document order, nested tables and
  tables in text boxes included), ``row`` and ``col`` (0-based grid position).

Paragraphs become ``Row(kind="text")``, one row per visual line (a soft line break
``w:br`` inside a paragraph starts a new row); empty paragraphs produce no row.

Nested tables and text boxes: see `walker`.
"""


from extractors.formats.docx.reader import extract

__all__ = ["extract"]
