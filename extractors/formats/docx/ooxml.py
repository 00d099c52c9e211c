"""WordprocessingML vocabulary and small XML helpers shared by the docx reader's modules.

Tag names are Clark-notation strings (``{namespace}local``) compared directly against
lxml's ``el.tag``; helpers look through the wrappers Word puts around content
(``w:sdt`` content controls, ``w:customXml``, ``mc:AlternateContent``).
"""

from __future__ import annotations

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

W_BODY = _W + "body"
W_P = _W + "p"
W_TBL = _W + "tbl"
W_TR = _W + "tr"
W_TC = _W + "tc"
W_R = _W + "r"
W_T = _W + "t"
W_TAB = _W + "tab"
W_PTAB = _W + "ptab"
W_BR = _W + "br"
W_CR = _W + "cr"
W_NBHYPHEN = _W + "noBreakHyphen"
W_SDT = _W + "sdt"
W_SDTCONTENT = _W + "sdtContent"
W_CUSTOMXML = _W + "customXml"
W_TXBX = _W + "txbxContent"
W_TCPR = _W + "tcPr"
W_TRPR = _W + "trPr"
W_GRIDSPAN = _W + "gridSpan"
W_VMERGE = _W + "vMerge"
W_HMERGE = _W + "hMerge"
W_GRIDBEFORE = _W + "gridBefore"
W_GRIDAFTER = _W + "gridAfter"
W_TBLGRID = _W + "tblGrid"
W_GRIDCOL = _W + "gridCol"
W_VAL = _W + "val"
W_PPR = _W + "pPr"
W_PSTYLE = _W + "pStyle"
W_NUMPR = _W + "numPr"
W_NUMID = _W + "numId"
W_ILVL = _W + "ilvl"
W_ABSTRACTNUM = _W + "abstractNum"
W_ABSTRACTNUMID = _W + "abstractNumId"
W_NUM = _W + "num"
W_LVL = _W + "lvl"
W_LVLOVERRIDE = _W + "lvlOverride"
W_STARTOVERRIDE = _W + "startOverride"
W_NUMFMT = _W + "numFmt"
W_LVLTEXT = _W + "lvlText"
W_SUFF = _W + "suff"
W_START = _W + "start"
W_ISLGL = _W + "isLgl"
# Subtrees whose text a reader does not see at this place: phonetic guides (ruby
# text), moved-from text (shown at its w:moveTo), deleted text, field instructions.
SKIP_TAGS = frozenset(
    {_W + "rt", _W + "moveFrom", _W + "del", _W + "delText", _W + "instrText", _W + "pPr", _W + "rPr"}
)
MC_ALT = _MC + "AlternateContent"
MC_CHOICE = _MC + "Choice"
MC_FALLBACK = _MC + "Fallback"

# Whitespace stripped from lines: ASCII, no-break, full-width and thin spaces, BOM.
WS = " \t\r\n\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"


def clean_text(text: str) -> str:
    """Strip each line (ASCII, no-break and full-width spaces) and drop empty lines."""
    if not text:
        return ""
    if "\n" not in text:
        return text.strip(WS)
    lines = [ln.strip(WS) for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def children(el, tag: str):
    """Direct children with `tag`, looking through sdt / customXml wrappers."""
    for ch in el:
        t = ch.tag
        if t == tag:
            yield ch
        elif t == W_SDT:
            content = ch.find(W_SDTCONTENT)
            if content is not None:
                yield from children(content, tag)
        elif t == W_CUSTOMXML:
            yield from children(ch, tag)


def holds_table(tc) -> bool:
    """Whether a cell holds a table as one of its blocks (looking through sdt wrappers)."""
    return next(iter(children(tc, W_TBL)), None) is not None


def alt_branch(alt):
    """The branch of an mc:AlternateContent a consumer shows: first Choice, else Fallback."""
    choice = alt.find(MC_CHOICE)
    if choice is not None:
        return choice
    return alt.find(MC_FALLBACK)


def int_attr(el, attr: str, default: int = 0) -> int:
    try:
        return int(el.get(attr))
    except (TypeError, ValueError):
        return default


def int_val(el, default: int = 0) -> int:
    """The integer ``w:val`` of `el`, `default` when absent or not a number."""
    if el is None:
        return default
    try:
        return int(el.get(W_VAL))
    except (TypeError, ValueError):
        return default
