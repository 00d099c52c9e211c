"""A government page's metadata box (索引号/发布机构/发文日期/名称 …), taken out of the page
before the article is read: it is metadata (`RawDocument.page_box`), never report rows.

The box is a small table whose cells are ``key：`` | value pairs, or cells holding
``key：value``; or a list or paragraph lines of ``key：value`` outside the tables. Its keys
are `extractors.metadata.furniture.BOX_KEYS`.
"""

from __future__ import annotations

import re

from extractors.formats.html.cells import TEXT_LEN, cells_of, holds_table, rows_of, text_of
from extractors.formats.html.container import drop
from extractors.labels.normalize import halfwidth
from extractors.metadata.furniture import BOX_KEYS, BOX_LINE_CHARS, box_pairs

# A box table has at most this many rows and characters (boxes seen: 2-6 rows of 2-6
# cells, under 400 characters with a long 名称), and at least this many distinct keys.
BOX_MAX_ROWS, BOX_MAX_CHARS, BOX_MIN_KEYS = 10, 800, 2
_KEY_CELL_RE = re.compile(r"^\s*(" + "|".join(BOX_KEYS) + r")\s*[:：]?\s*(.*)$", re.S)
# Elements whose text may be one box line (a <li>, a <p>, a <span> of the info bar).
_LINE_TAGS = ("li", "p", "dd", "dt", "span", "div", "em", "b", "strong", "label")
_KEY_START_RE = re.compile(r"^[\s\u3000]*(?:" + "|".join(BOX_KEYS) + r")")


def _starts_with_key(el) -> bool:
    """Does the element's text (or its first child's) start with a box key? (A cheap test
    before its whole text is read.)"""
    t = el.text
    if t and t.strip():
        return bool(_KEY_START_RE.match(t))
    return len(el) > 0 and isinstance(el[0].tag, str) and bool(el[0].text) and bool(_KEY_START_RE.match(el[0].text))


def _table_pairs(table) -> list[tuple[str, str]] | None:
    """The box's (key, value) pairs if `table` is a metadata box, else None."""
    rows = rows_of(table)
    if not rows or len(rows) > BOX_MAX_ROWS or TEXT_LEN(table) > BOX_MAX_CHARS or holds_table(table):
        return None
    pairs: list[tuple[str, str]] = []
    for tr in rows:
        texts = [halfwidth(text_of(td)).replace("\u3000", " ").strip() for td in cells_of(tr)]
        pending = None
        for text in texts:
            m = _KEY_CELL_RE.match(text)
            if m and (m.group(2) or text.rstrip().endswith((":", "：")) or len(text) <= len(m.group(1)) + 1):
                if pending:
                    pairs.append((pending, ""))
                pending = None
                if m.group(2):
                    pairs.append((m.group(1), m.group(2).strip()))
                else:
                    pending = m.group(1)
            elif pending:
                pairs.append((pending, text))
                pending = None
        if pending:
            pairs.append((pending, ""))
    return pairs if len({k for k, _ in pairs}) >= BOX_MIN_KEYS else None


def take_box(body) -> list[tuple[str, str]]:
    """Remove every metadata-box table from the page and return their pairs, then the pairs
    of box lines printed outside tables (left in place: they are text, not rows)."""
    pairs: list[tuple[str, str]] = []
    for table in list(body.iter("table")):
        got = _table_pairs(table)
        if got is not None:
            pairs.extend(got)
            drop(table)
    seen = set()
    for el in body.iter(*_LINE_TAGS):
        if not _starts_with_key(el) or TEXT_LEN(el) > BOX_LINE_CHARS:
            continue
        line = text_of(el)
        if line in seen:
            continue
        seen.add(line)
        pairs.extend(box_pairs([line]))
    return pairs
