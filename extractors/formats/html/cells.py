"""The text of HTML blocks and table cells, laid out as a browser does, and a table's structure.

Text inside one element is joined as a browser lays it out: adjacent inline elements
run together (``<span>2</span><span>1</span>`` is ``"21"``), runs of whitespace and
``&nbsp;`` collapse to one space, ``<br>`` and block elements become line breaks, each
line is stripped; text holding only whitespace (ASCII, ``&nbsp;``, full-width) is empty.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

# Elements that start a new line (and a new text row outside tables).
BLOCK_TAGS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
        "blockquote", "pre", "section", "article", "main", "header", "address", "figure",
        "figcaption", "center", "hr", "form", "fieldset", "legend", "details", "summary",
        "caption", "body", "html", "td", "th", "tr", "tbody", "thead", "tfoot", "table",
    }
)  # fmt: skip
SECTION_TAGS = ("thead", "tbody", "tfoot")
# Block elements that start a new line inside a table cell.
CELL_BLOCKS = tuple(sorted(BLOCK_TAGS - {"td", "th", "tr", "tbody", "thead", "tfoot", "table", "body", "html"}))

BR = "\ufdd0"  # line-break marker written into the tree (a Unicode noncharacter: never in real text)
_WS_RUN = re.compile(r"[ \t\r\n\f\u00a0\u200b\ufeff]+")
_STRIP = " \t\r\n\f\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"
_SPAN_NUM = re.compile(r"\s*(\d+)")

# Characters of an element's text, whitespace collapsed (libxml2 counts: no Python walk).
TEXT_LEN = etree.XPath("string-length(normalize-space(.))")


def clean(raw: str) -> list[str]:
    """Collapse whitespace as a browser does, split at line breaks, strip, drop empties."""
    out = []
    for line in _WS_RUN.sub(" ", raw).split(BR):
        line = line.strip(_STRIP)
        if line:
            out.append(line)
    return out


def text_of(el) -> str:
    """An element's text on one line (a title, a heading)."""
    return " ".join(clean("".join(el.itertext())))


def mark_breaks(root) -> None:
    """Write a line-break marker into the text around <br> and block elements.

    Done once over the article so that a cell's text is then one C-level
    ``itertext()`` join instead of a Python walk over its spans.
    """
    for el in root.iter("br"):
        el.tail = BR + el.tail if el.tail else BR
    for el in root.iter(*CELL_BLOCKS):
        el.text = BR + el.text if el.text else BR
        el.tail = BR + el.tail if el.tail else BR


# --- table structure --------------------------------------------------------------------


def rows_of(table) -> list:
    """The table's own rows (directly or in thead/tbody/tfoot), not nested tables' rows."""
    rows = []
    for ch in table:
        tag = ch.tag
        if tag == "tr":
            rows.append(ch)
        elif tag in SECTION_TAGS:
            rows.extend(r for r in ch if r.tag == "tr")
    return rows


def cells_of(tr) -> list:
    return [c for c in tr if c.tag == "td" or c.tag == "th"]


def holds_table(el) -> bool:
    return next(el.iterdescendants("table"), None) is not None


def span_of(el, attr: str, cap: int) -> int:
    """A cell's colspan / rowspan as browsers read it, at most `cap` (rowspan 0: to the end)."""
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


def cell_text(td, deferred: list, may_hold_tables: bool = True) -> str:
    """A cell's text as laid out; nested tables go to `deferred` (emitted after the row).
    `may_hold_tables=False`: the caller knows the cell's table holds no table."""
    if not len(td):
        return cell_lines(td.text) if td.text else ""
    if not may_hold_tables or not holds_table(td):
        return cell_lines("".join(td.itertext()))
    nested = list(td.iterdescendants("table"))
    # Text outside the nested tables (outermost nested tables only).
    inner = set()
    for t in nested:
        if not any(a in inner for a in t.iterancestors("table")):
            inner.add(t)
    deferred.extend(t for t in nested if t in inner)
    return "\n".join(clean(_text_outside(td, inner)))


# Distinct raw cell texts whose laid-out form is remembered: cells repeat endlessly ("0",
# the template's labels); 65536 short texts cost a few MB. Texts longer than
# CACHED_CELL_CHARS (a paragraph in a layout cell) do not repeat and are not remembered.
CELL_TEXT_CACHE_SIZE = 65_536
CACHED_CELL_CHARS = 200


def cell_lines(raw: str) -> str:
    """A cell's raw text (line-break markers included) as laid out, lines joined by "\\n"."""
    if len(raw) > CACHED_CELL_CHARS:
        return "\n".join(clean(raw))
    return _short_cell_lines(raw)


@lru_cache(maxsize=CELL_TEXT_CACHE_SIZE)
def _short_cell_lines(raw: str) -> str:
    return "\n".join(clean(raw))


def _text_outside(td, inner: set) -> str:
    """The text of `td` with each table in `inner` replaced by a line break."""
    parts: list[str] = []
    it = etree.iterwalk(td, events=("start", "end"))
    for ev, el in it:
        if el is td:
            if ev == "start" and td.text:
                parts.append(td.text)
            continue
        if ev == "start":
            if el in inner:
                parts.append(BR)
                it.skip_subtree()
            elif el.text:
                parts.append(el.text)
        elif el.tail:
            parts.append(el.tail)
    return "".join(parts)
