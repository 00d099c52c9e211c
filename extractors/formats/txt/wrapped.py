"""Row labels wrapped over two lines, or split by a page break, joined back into one.

Text taken from a PDF (and Word's plain-text export) breaks a long row label where its
cell wraps: the label's first half alone on a line and the second half leading the line
of values, or the values on the label's first line and its second half alone on the next::

    3．危及“三安全                         3．危及“三安全  0  0  0 …
    一稳定”  0  0  0 …                     一稳定”

and a page break can put a page number (``- 3 -``, ``第 3 页 共 5 页``) and the running
header between the halves. `join_wrapped` joins a lone fragment to the label of the
valued row after it (skipping such page furniture) or before it, and only when the
vocabulary says so: the joined label must match a canonical row label, and score clearly
better than the valued row's own label part alone. A fragment that improves nothing stays
where it is, as it was read.
"""

from __future__ import annotations

import re

from extractors.labels.matching import matcher
from extractors.records import Cell, Row
from extractors.tables.cells import BLANK_TEXT, LABEL_TEXT, text_kind
from extractors.template import heading_section

# A fragment is a piece of a label, shorter than the longest leaf label of the templates
# (2．申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请: 39 characters).
MAX_FRAGMENT_CHARS = 40
# Lines of page furniture (page number, running header, blank debris) skipped between the
# halves of a label split by a page break: a page number and a header, each with a spare.
MAX_FURNITURE_ROWS = 4
# How much better the joined label must score than the part it completes (match scores
# 0..1): a wrapped half scores well under 0.9 on its own while the joined label scores 1.0
# (every shape in tests/test_wrapped_labels.py); 0.05 keeps a join from being taken on noise.
JOIN_GAIN = 0.05
# A running header is a title-like line: it names the report (…年度报告) and is not longer
# than a title (the longest generated and seed titles are under 50 characters).
MAX_HEADER_CHARS = 60

_PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/、]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|Page|PAGE)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|\d{1,4})\s*$")
_HEADER_WORDS = ("年度报告", "工作报告")


def join_wrapped(rows: list[Row], scorer: str = "fuzzy") -> list[Row]:
    """The rows with wrapped and page-split labels joined (see the module docstring)."""
    out: list[Row] = []
    i, n = 0, len(rows)
    m = matcher(scorer)
    while i < n:
        frag = _fragment(rows[i])
        if frag is None:
            out.append(rows[i])
            i += 1
            continue
        j = i + 1
        while j < n and j - i - 1 < MAX_FURNITURE_ROWS and _is_furniture(rows[j]):
            j += 1
        nxt = rows[j] if j < n and _leaf(rows[j]) is not None else None
        prev = out[-1] if out and i > 0 and out[-1] is rows[i - 1] and _leaf(out[-1]) is not None else None
        gain_next = _gain(m, frag, nxt, before=True) if nxt is not None else 0.0
        gain_prev = _gain(m, frag, prev, before=False) if prev is not None else 0.0
        if gain_next >= JOIN_GAIN and gain_next >= gain_prev:
            out.append(_joined(rows[i], frag, nxt, before=True))
            i = j + 1
        elif gain_prev >= JOIN_GAIN:
            out[-1] = _joined(None, frag, prev, before=False)
            i += 1
        else:
            out.append(rows[i])
            i += 1
    return out


def _fragment(row: Row) -> str | None:
    """The label fragment a row holds alone (no values): a short text line that is no
    section heading, or a table row whose only printed cells are labels (the last one is
    the fragment). None for anything else."""
    texts = []
    for c in row.cells:  # (stops at the first value or the fourth printed cell)
        t = c.text.strip()
        if t:
            if len(texts) == 3 or text_kind(t) != LABEL_TEXT:
                return None
            texts.append(t)
    if not texts:
        return None
    frag = texts[-1]
    if len(frag) > MAX_FRAGMENT_CHARS or (row.kind == "text" and len(texts) > 1):
        return None
    if _is_furniture(row) or heading_section(frag) is not None:
        return None
    return frag


def _is_furniture(row: Row) -> bool:
    """A page number or a running header line (only skipped between two halves of a label)."""
    if row.kind != "text" and any(text_kind(c.text) != BLANK_TEXT for c in row.cells[1:]):
        return False
    text = " ".join(c.text.strip() for c in row.cells if c.text.strip())
    if not text:
        return True
    if is_page_number(text):
        return True
    return len(text) <= MAX_HEADER_CHARS and any(w in text for w in _HEADER_WORDS)


def is_page_number(text: str) -> bool:
    """A page number line: ``- 3 -``, ``第 3 页 共 5 页``, ``3/5``, ``Page 3``, ``3``."""
    return _PAGE_NUMBER_RE.match(text) is not None


def _leaf(row: Row) -> int | None:
    """Index of the leaf label cell of a row that prints values (its last label cell before
    the first value), else None."""
    if row.kind != "table":
        return None
    kinds = [text_kind(c.text) for c in row.cells]
    labels = [k for k, kind in enumerate(kinds) if kind == LABEL_TEXT]
    if not labels or not any(kind != LABEL_TEXT and kind != BLANK_TEXT for kind in kinds[labels[-1] + 1:]):
        return None
    return labels[-1]


def _score(m, label: str) -> float:
    match = m.match_row(label)
    return match.score if match is not None else 0.0


def _gain(m, frag: str, row: Row, before: bool) -> float:
    """How much better the row's leaf label scores with the fragment joined (before or
    after it) than alone; 0 when the joined label matches no canonical row. A part that is
    itself a label (2.其他 + 法律行政法规禁止公开) scores as well as the joined text: the join
    is then taken when the fragment on its own names the joined label's row and the part
    another row (JOIN_GAIN, as if the part had scored that much less)."""
    leaf = row.cells[_leaf(row)].text.strip()
    part = m.match_row(leaf)
    if part is not None and part.score > 1.0 - JOIN_GAIN and m.match_row(frag) is None:
        # the joined label can gain less than JOIN_GAIN on a part this good, and the
        # fragment alone names no row: no join, without matching the joined text (a new
        # text each time, where the part and the fragment are labels seen before)
        return 0.0
    joined = frag + leaf if before else leaf + frag
    whole = m.match_row(joined)
    if whole is None or whole.score < _score(m, frag):
        return 0.0
    gain = whole.score - (part.score if part is not None else 0.0)
    if gain < JOIN_GAIN and part is not None and part.key != whole.key:
        alone = m.match_row(frag)
        if alone is not None and (alone.table, alone.key) == (whole.table, whole.key):
            return JOIN_GAIN
    return gain


def _joined(frag_row: Row | None, frag: str, row: Row, before: bool) -> Row:
    """`row` with the fragment joined to its leaf label; a first-half row's other label cells
    (group labels printed beside the fragment) go in front."""
    k = _leaf(row)
    cell = row.cells[k]
    text = frag + cell.text.strip() if before else cell.text.strip() + frag
    cells = list(row.cells)
    cells[k] = Cell(text, cell.page, cell.table, cell.row, cell.col)
    if frag_row is not None and frag_row.kind == "table":
        lead = [c for c in frag_row.cells if c.text.strip()][:-1]
        cells = lead + cells
    return Row("table", cells, positional=row.positional, key=row.key)
