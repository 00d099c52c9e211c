"""HTML extractor: the article body of a published report page, as text rows and table grids.

Steps: decode (BOM, then a declared charset, then detection; GB2312/GBK read as
GB18030), parse with lxml's libxml2 HTML parser (the one lxml.html uses, without its
Python element classes, which cost more than the parse), drop what is never content
(scripts, styles, navigation, forms' controls, menus, hidden elements), choose the
element that holds the article, and walk it in document order.

* `reader` - the entry point `extract`: decoding, parsing, the steps in order;
* `container` - what is never content, site chrome, choosing the article element;
* `walker` - `HtmlWalker`: the article in document order as text rows and table grids;
* `cells` - text as a browser lays it out, a table's rows, cells and spans.

Grid contract (the same as the docx extractor, built by `extractors.formats.grid`):

* each ``<tr>`` becomes one ``Row(kind="table")`` covering every grid column of its
  table (rectangular: short rows are padded with ``Cell("")``);
* ``rowspan`` / ``colspan`` are expanded: a spanning cell's text is repeated in every
  grid position it covers;
* text inside one cell is joined as a browser lays it out: adjacent inline elements
  run together (``<span>2</span><span>1</span>`` is ``"21"``), runs of whitespace and
  ``&nbsp;`` collapse to one space, ``<br>`` and block elements become ``"\\n"``, each
  line is stripped; a cell holding only whitespace (ASCII, ``&nbsp;``, full-width) is ``""``;
* every cell carries ``table`` (0-based in document order, nested tables included),
  ``row`` and ``col``.

Paragraphs and other blocks (p, h1-h6, div text, li) become ``Row(kind="text")``, one
row per visual line (``<br>`` starts a new row). Tables nested in tables: a table that
holds tables and is one row or one column wide is page layout and is unwrapped; in
any other table a nested table is emitted as its own table right after the row that
holds it, the outer cell keeping only its own text.
"""

from extractors.formats.html.reader import extract

__all__ = ["extract"]
