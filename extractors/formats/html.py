"""HTML extractor: the article body of a published report page, as text rows and table grids.

Steps: decode (BOM, then a declared charset, then detection; GB2312/GBK read as
GB18030), parse with lxml's libxml2 HTML parser (the one lxml.html uses, without its
Python element classes, which cost more than the parse), drop what is never content
(scripts, styles, navigation, forms' controls, menus, hidden elements), choose the
element that holds the article, and walk it in document order.

Choosing the article: the walk starts from the innermost table with the most text
(the report's tables are the reason the page is read) or, on a page without tables,
from the element holding the most paragraph text; among that element and its
ancestors, the one kept maximises ``text - 2 x link text``, so climbing stops where
the page adds navigation, link lists and site chrome rather than article text.
Nothing here is tuned to one site's class names.

Grid contract (the same as the docx extractor):

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

from __future__ import annotations

import re

from lxml import etree

from extractors.charset import decode_html_document
from extractors.errors import DocumentTooLarge, EmptyDocument, UnreadableDocument
from extractors.records import Cell, RawDocument, Row
from extractors.settings import DEFAULT, Settings

# Real report pages are 100-320 k characters (Word-exported markup); pages with inline
# base64 images reach a few MB. 50 MB is far beyond any report page and keeps lxml's
# tree (about 10x the text) within memory on the 24 GiB workers.
MAX_HTML_BYTES = 50 * 1024 * 1024
# The HTML standard clamps colspan to 1000 and rowspan to 65534.
MAX_COLSPAN = 1000
MAX_ROWSPAN = 65534
# A report table has a few hundred cells; a table expanding past this many grid
# positions (e.g. colspan=1000 on hundreds of rows) is skipped with a note rather than
# allocating millions of cells.
MAX_TABLE_CELLS = 200_000
# A table one of whose cells holds more than this many characters, and most of the
# table's text, is page layout rather than data (report cells are numbers and labels
# of at most ~50 characters).
LAYOUT_CELL_CHARS = 150
# Weight of link text against plain text when choosing the article container.
LINK_PENALTY = 2.0

# Never content.
_DROP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "svg",
        "canvas",
        "map",
        "select",
        "option",
        "optgroup",
        "button",
        "input",
        "textarea",
        "datalist",
        "nav",
        "aside",
        "menu",
        "dialog",
        "meta",
        "link",
        "base",
        "head",
        "footer",
    }
)
_DROP_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "menu", "menubar", "search", "complementary", "dialog"}
)
# class/id tokens of page chrome; such a subtree is skipped inside the article unless
# it holds a table.
_JUNK_TOKENS = frozenset(
    {
        "nav",
        "navbar",
        "navigation",
        "menu",
        "menubar",
        "submenu",
        "breadcrumb",
        "breadcrumbs",
        "crumb",
        "crumbs",
        "footer",
        "foot",
        "copyright",
        "header",
        "topbar",
        "toolbar",
        "sidebar",
        "share",
        "bdsharebuttonbox",
        "skip",
    }
)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "section",
        "article",
        "main",
        "header",
        "address",
        "figure",
        "figcaption",
        "center",
        "hr",
        "form",
        "fieldset",
        "legend",
        "details",
        "summary",
        "caption",
        "body",
        "html",
        "td",
        "th",
        "tr",
        "tbody",
        "thead",
        "tfoot",
        "table",
    }
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_PARA_TAGS = frozenset({"p", "pre", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"})
_SECTION_TAGS = ("thead", "tbody", "tfoot")
# Block elements that start a new line inside a table cell.
_CELL_BLOCKS = tuple(
    sorted(_BLOCK_TAGS - {"td", "th", "tr", "tbody", "thead", "tfoot", "table", "body", "html"})
)

_BR = "\ufdd0"  # line-break marker written into the tree (a Unicode noncharacter: never in real text)
_WS_RUN = re.compile(r"[ \t\r\n\f\u00a0\u200b\ufeff]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_STRIP = " \t\r\n\f\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"

# --- parsing and cleaning ----------------------------------------------------------


_TEXT_LEN = etree.XPath("string-length(normalize-space(.))")


def _find_junk(root) -> list:
    """Elements that are never content or are hidden (a document-order list).

    One pass in Python: libxml2's ``//*[predicate]`` XPath is slower than this loop.
    """
    junk = []
    drop = _DROP_TAGS
    for el in root.iter():
        if el.tag in drop:
            junk.append(el)
            continue
        keys = el.keys()
        if not keys:
            continue
        if "style" in keys and _display_none(el):
            junk.append(el)
        elif "hidden" in keys or el.get("aria-hidden") == "true":
            junk.append(el)
        elif "role" in keys and el.get("role").lower() in _DROP_ROLES:
            junk.append(el)
    return junk


def _display_none(el) -> bool:
    st = el.get("style")
    if not st or not ("isplay" in st or "ISPLAY" in st or "isibility" in st or "ISIBILITY" in st):
        return False
    st = st.replace(" ", "").lower()
    return "display:none" in st or "visibility:hidden" in st


def _drop(el) -> None:
    """Remove `el` and its subtree, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _junk_tokens(el) -> bool:
    for attr in ("class", "id"):
        v = el.get(attr)
        if v:
            for tok in _TOKEN_SPLIT.split(v.lower()):
                if tok in _JUNK_TOKENS:
                    return True
    return False


def _link_len(el) -> int:
    return sum(int(_TEXT_LEN(a)) for a in el.iter("a"))


def _looks_like_data(table) -> bool:
    """False for a table that is page layout: one cell holds most of a long text."""
    total = _TEXT_LEN(table)
    longest = 0.0
    for tr in _rows_of(table):
        for td in _cells_of(tr):
            longest = max(longest, _TEXT_LEN(td))
    return not (longest > LAYOUT_CELL_CHARS and longest > 0.5 * total)


def _choose_container(body):
    """The element holding the article; see the module docstring. Returns (el, how)."""
    start = None
    how = ""
    innermost = [t for t in body.iter("table") if next(t.iterdescendants("table"), None) is None]
    for _score, _i, t in sorted(((_TEXT_LEN(t), i, t) for i, t in enumerate(innermost)), reverse=True):
        if _score <= 0:
            break
        if _looks_like_data(t):
            start, how = t, "largest table"
            break
    if start is None:
        # No data table: the element whose paragraphs (or bare text) hold the most text.
        scores: dict = {}
        for el in body.iter("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote"):
            parent = el.getparent()
            if parent is not None:
                scores[parent] = scores.get(parent, 0.0) + _TEXT_LEN(el)
        for el in body.iter("div", "td", "section", "article", "main", "font", "center", "body"):
            direct = _len(el.text) + sum(_len(ch.tail) for ch in el)
            if direct:
                scores[el] = scores.get(el, 0.0) + direct
        if scores:
            start = max(scores, key=scores.get)
            how = "most paragraph text"
    if start is None:
        return body, "whole body"

    links = _link_len(start)
    chosen, chosen_score = start, _TEXT_LEN(start) - LINK_PENALTY * links
    node = start
    while True:
        parent = node.getparent()
        if parent is None:
            break
        for ch in parent:
            if ch is not node and isinstance(ch.tag, str):
                links += _link_len(ch)
        score = _TEXT_LEN(parent) - LINK_PENALTY * links
        if score > chosen_score:
            chosen, chosen_score = parent, score
        if parent is body:
            break
        node = parent
    return chosen, how


def _len(s: str | None) -> int:
    return len(s.strip()) if s else 0


# --- walking -------------------------------------------------------------------------


def _clean(raw: str) -> list[str]:
    """Collapse whitespace as a browser does, split at line breaks, strip, drop empties."""
    out = []
    for line in _WS_RUN.sub(" ", raw).split(_BR):
        line = line.strip(_STRIP)
        if line:
            out.append(line)
    return out


_SPAN_NUM = re.compile(r"\s*(\d+)")


def _span(el, attr: str, cap: int) -> int:
    v = el.get(attr)
    if not v or v == "1":
        return 1
    m = _SPAN_NUM.match(v)
    if not m:
        return 1
    n = int(m.group(1))
    if attr == "rowspan" and n == 0:
        return 0  # "to the end of the row group"
    return max(1, min(n, cap))


def _rows_of(table) -> list:
    """The table's own rows (directly or in thead/tbody/tfoot), not nested tables' rows."""
    rows = []
    for ch in table:
        tag = ch.tag
        if tag == "tr":
            rows.append(ch)
        elif tag in _SECTION_TAGS:
            rows.extend(r for r in ch if r.tag == "tr")
    return rows


def _cells_of(tr) -> list:
    return [c for c in tr if c.tag == "td" or c.tag == "th"]


def _holds_table(el) -> bool:
    return next(el.iterdescendants("table"), None) is not None


class _Walker:
    def __init__(self) -> None:
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
        for line in _clean(raw):
            self.rows.append(Row(kind="text", cells=[Cell(line)]))
            self.lines.append(line)

    def skip(self, el, tag: str) -> bool:
        """Page chrome inside the article (a header, a share bar, a link list)."""
        if tag == "header" or _junk_tokens(el):
            return not _holds_table(el)
        if (tag == "ul" or tag == "ol") and len(el) >= 3:
            t = _TEXT_LEN(el)
            return t > 0 and _link_len(el) >= 0.8 * t
        return False

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
                    buf.append(_BR)
                elif tag == "table":
                    self.flush()
                    self.table(el)
                    it.skip_subtree()
                elif el is not root and self.skip(el, tag):
                    it.skip_subtree()
                elif tag == "pre":
                    self.flush()
                    buf.append("".join(el.itertext()).replace("\n", _BR))
                    self.flush()
                    it.skip_subtree()
                else:
                    if tag in _BLOCK_TAGS:
                        self.flush()
                    if el.text:
                        buf.append(el.text)
            else:
                if tag in _BLOCK_TAGS:
                    self.flush()
                if el is root:
                    break
                if el.tail:
                    buf.append(el.tail)
        self.flush()

    def table(self, table) -> None:
        trs = _rows_of(table)
        cells = [_cells_of(tr) for tr in trs]
        for c in table:
            if c.tag == "caption":
                self.walk(c)
        if not trs:
            # No rows: whatever it holds is text.
            for c in table:
                if isinstance(c.tag, str) and c.tag != "caption":
                    self.walk(c)
            return
        if (len(trs) == 1 or all(len(cs) <= 1 for cs in cells)) and (
            any(_holds_table(c) for cs in cells for c in cs) or not _looks_like_data(table)
        ):
            # Page layout around the article: read its cells as blocks.
            self.layout += 1
            for cs in cells:
                for c in cs:
                    self.walk(c)
            return

        index = self.table_count
        self.table_count += 1
        nrows = len(trs)
        spans = [
            [(_span(c, "colspan", MAX_COLSPAN), _span(c, "rowspan", MAX_ROWSPAN)) for c in cs] for cs in cells
        ]
        width = max(1, max(sum(cs for cs, _ in row) for row in spans))
        if nrows * max(width, 1) > MAX_TABLE_CELLS:
            self.skipped.append(
                f"table {index}: {nrows} rows x {width} columns exceeds {MAX_TABLE_CELLS} cells"
            )
            return

        own_rows: list[Row] = []
        carry: dict[int, list] = {}  # col -> [rows still to cover, text]
        for r, tds in enumerate(cells):
            row: dict[int, str] = {}
            for c, ent in carry.items():
                row[c] = ent[1]
                ent[0] -= 1
            carry = {c: e for c, e in carry.items() if e[0] > 0}
            origins: list[int] = []
            hcopy: set[int] = set()  # positions repeating a cell merged from the left (colspan)
            deferred: list = []
            col = 0
            for td, (cs, rs) in zip(tds, spans[r], strict=True):
                while col in row:
                    col += 1
                if rs == 0:
                    rs = nrows - r
                text = _cell_text(td, deferred)
                origins.append(col)
                hcopy.update(range(col + 1, col + cs))
                for k in range(cs):
                    row[col + k] = text
                    if rs > 1:
                        carry[col + k] = [rs - 1, text]
                col += cs
            if row:
                width = max(width, max(row) + 1)
            out = Row(
                kind="table",
                cells=[Cell(row.get(c, ""), table=index, row=r, col=c, merged=c in hcopy) for c in range(width)],
            )
            self.rows.append(out)
            own_rows.append(out)
            for c in origins:
                if row[c]:
                    self.lines.append(row[c])
            for el in deferred:
                self.nested += 1
                self.table(el)
        # Pad to a rectangle (a late row can be wider than the first ones).
        for r, row in enumerate(own_rows):
            while len(row.cells) < width:
                row.cells.append(Cell("", table=index, row=r, col=len(row.cells)))


def _mark_breaks(root) -> None:
    """Write a line-break marker into the text around <br> and block elements.

    Done once over the article so that a cell's text is then one C-level
    ``itertext()`` join instead of a Python walk over its spans.
    """
    for el in root.iter("br"):
        el.tail = _BR + el.tail if el.tail else _BR
    for el in root.iter(*_CELL_BLOCKS):
        el.text = _BR + el.text if el.text else _BR
        el.tail = _BR + el.tail if el.tail else _BR


def _cell_text(td, deferred: list) -> str:
    """A cell's text as laid out; nested tables go to `deferred` (emitted after the row)."""
    if not len(td):
        return "\n".join(_clean(td.text)) if td.text else ""
    if next(td.iterdescendants("table"), None) is None:
        return "\n".join(_clean("".join(td.itertext())))
    nested = list(td.iterdescendants("table"))
    # Text outside the nested tables (outermost nested tables only).
    inner = set()
    for t in nested:
        if not any(a in inner for a in t.iterancestors("table")):
            inner.add(t)
    deferred.extend(t for t in nested if t in inner)
    parts: list[str] = []
    it = etree.iterwalk(td, events=("start", "end"))
    for ev, el in it:
        if el is td:
            if ev == "start" and td.text:
                parts.append(td.text)
            continue
        if ev == "start":
            if el in inner:
                parts.append(_BR)
                it.skip_subtree()
            elif el.text:
                parts.append(el.text)
        elif el.tail:
            parts.append(el.tail)
    return "\n".join(_clean("".join(parts)))


# --- entry point -------------------------------------------------------------------------

# libxml2's HTML parser without lxml.html's Python element-class lookup (which costs
# more than the parse itself on a 300 KB page); comments (including Word's
# conditional-comment XML) and processing instructions are dropped while parsing.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


def _title_of(root) -> str | None:
    for el in root.iter("title"):
        t = " ".join(_clean("".join(el.itertext())))
        if t:
            return t
    return None


def extract(data: bytes, name: str, settings: Settings = DEFAULT) -> RawDocument:
    """Read an HTML page into rows (text blocks and table grids in reading order) and text."""
    if not data or not data.strip():
        raise EmptyDocument(f"{name}: empty file")
    if len(data) > MAX_HTML_BYTES:
        raise DocumentTooLarge(f"{name}: {len(data)} bytes of HTML exceeds the cap of {MAX_HTML_BYTES}")
    text, how, notes = decode_html_document(data, name)
    # (libxml2 turns stray control characters into U+FFFD itself.)
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        raise EmptyDocument(f"{name}: no text after decoding")
    try:
        root = etree.fromstring(text, _PARSER)
    except (ValueError, etree.LxmlError) as exc:
        raise UnreadableDocument(f"{name}: cannot parse as HTML ({exc})") from exc
    if root is None:
        raise EmptyDocument(f"{name}: no HTML content")

    page_title = _title_of(root)
    for el in _find_junk(root):
        _drop(el)
    body = root.find("body")
    if body is None:
        body = root
    container, start_how = _choose_container(body)

    h1_title = None
    for h in container.iter("h1"):
        t = " ".join(_clean("".join(h.itertext())))
        if t:
            h1_title = t
            break
    _mark_breaks(container)
    walker = _Walker()
    walker.walk(container)
    if not walker.lines and container is not body:
        # The chosen element holds no text (it should not happen): read the whole body.
        _mark_breaks(body)
        walker = _Walker()
        walker.walk(body)
        container, start_how = body, "whole body"
    if not walker.lines:
        raise EmptyDocument(f"{name}: the page holds no text")

    if walker.skipped:
        notes.extend(("html_table_skipped", s) for s in walker.skipped)
    if walker.nested:
        notes.append(("html_nested_table", f"{walker.nested} table(s) nested in table cells"))
    if walker.layout:
        notes.append(("html_layout_table", f"{walker.layout} layout table(s) around content unwrapped"))
    where = container.tag
    if container.get("id"):
        where += "#" + container.get("id")
    elif container.get("class"):
        where += "." + ".".join(container.get("class").split())
    detail = f"{how}; lxml html parser; article {where} (from {start_how}); {walker.table_count} table(s)"
    return RawDocument(
        format="html",
        rows=walker.rows,
        text="\n".join(walker.lines),
        detail=detail,
        notes=notes,
        title_hint=h1_title or page_title,
    )
