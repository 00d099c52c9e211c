"""The visible text of Word paragraphs and table cells, and the text boxes met on the way.

A paragraph's runs are joined as Word prints them (tabs, line breaks, no-break
hyphens; ruby text, deleted and moved-from text and field instructions are not
seen). Text boxes (``w:txbxContent``) anchored in a paragraph are not inlined: they
are handed back to be walked as blocks right after the paragraph (or table row) they
are anchored in, as are tables nested in a cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractors.formats.docx.ooxml import (
    MC_ALT,
    SKIP_TAGS,
    W_BR,
    W_CR,
    W_CUSTOMXML,
    W_NBHYPHEN,
    W_P,
    W_PTAB,
    W_R,
    W_SDT,
    W_SDTCONTENT,
    W_T,
    W_TAB,
    W_TBL,
    W_TXBX,
    alt_branch,
    clean_text,
)

if TYPE_CHECKING:
    from extractors.formats.docx.numbering import Numbering


def paragraph_text(p, boxes: list, numbering: Numbering | None) -> str:
    """A paragraph's text, its list number first; its text boxes are appended to `boxes`."""
    parts: list[str] = []
    if numbering is not None:
        parts.append(numbering.label(p))
    inline(p, parts, boxes)
    return "".join(parts)


def inline(el, parts: list[str], boxes: list) -> None:
    """Collect the visible text under a paragraph into `parts`.

    Text boxes met on the way are not inlined: their ``w:txbxContent`` elements are
    appended to `boxes` (walked as blocks later). Tables met inside (only possible
    within a text box, which is already cut off) are ignored here.
    """
    for ch in el:
        tag = ch.tag
        if tag == W_T:
            if ch.text:
                parts.append(ch.text)
        elif tag == W_R:
            inline(ch, parts, boxes)
        elif tag == W_TAB or tag == W_PTAB:
            parts.append("\t")
        elif tag == W_BR or tag == W_CR:
            parts.append("\n")
        elif tag == W_NBHYPHEN:
            parts.append("-")
        elif tag == W_TXBX:
            boxes.append(ch)
        elif tag == MC_ALT:
            branch = alt_branch(ch)
            if branch is not None:
                inline(branch, parts, boxes)
        elif tag in SKIP_TAGS or not isinstance(tag, str):
            continue
        elif len(ch):
            inline(ch, parts, boxes)


def cell_text(tc, deferred: list, numbering: Numbering | None) -> str:
    """Text of one cell: its paragraphs joined by newlines, cleaned.

    Nested tables and text boxes are appended to `deferred` as ("tbl", el) /
    ("box", el) to be emitted after the row.
    """
    paras: list[str] = []
    _cell_blocks(tc, paras, deferred, numbering)
    return clean_text("\n".join(paras))


def _cell_blocks(container, paras: list[str], deferred: list, numbering: Numbering | None) -> None:
    for el in container:
        tag = el.tag
        if tag == W_P:
            boxes: list = []
            paras.append(paragraph_text(el, boxes, numbering))
            deferred.extend(("box", b) for b in boxes)
        elif tag == W_TBL:
            deferred.append(("tbl", el))
        elif tag == W_SDT:
            content = el.find(W_SDTCONTENT)
            if content is not None:
                _cell_blocks(content, paras, deferred, numbering)
        elif tag == W_CUSTOMXML:
            _cell_blocks(el, paras, deferred, numbering)
        elif tag == MC_ALT:
            branch = alt_branch(el)
            if branch is not None:
                _cell_blocks(branch, paras, deferred, numbering)
