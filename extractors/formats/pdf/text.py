"""Characters into text: lines of a page, the text of a line and of a table cell, and
the tests of what a piece of text is (a value, an enumerator, a heading, a page number).
"""

from __future__ import annotations

import re
import unicodedata

from extractors.formats.pdf.geometry import Char

NUM_RE = re.compile(r"^[-+−]?\d[\d,]*(?:\.\d+)?%?$")
NA_VALUES = {"/", "-", "—", "——", "－", "／", "–", "无", "無", "*"}
ENUM_RE = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十]+\s*[)）]|[一二三四五六七八九十]+\s*[、．.]"
    r"|\d+\s*[、．.](?!\d)|[（(]\s*\d+\s*[)）]|第[一二三四五六七八九十]+|第二十[条條]|信息[内內]容|資訊內容)"
)
HEADING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、．.]|[（(]\s*[一二三四五六七八九十]+\s*[)）])")
# glyphs without a Unicode mapping: PDFium gives private-use code points or U+FFFD
UNMAPPED_RE = re.compile("[\ue000-\uf8ff\ufffd]")
# A page number line (- 3 -, 第3页, 3/12, Page 3 of 12). Possessive quantifiers (`*+`): the
# blanks around the number may be read by three adjacent quantifiers, which backtracking
# tried in every split (quadratic in a line's blanks); each blank can belong to one only.
PAGE_NO_RE = re.compile(
    r"^[\s\-—–_~·•.]*+(?:第\s*+)?\d{1,4}+\s*+(?:页)?(?:\s*+[/／共]\s*+\d{1,4}+\s*+页?)?[\s\-—–_~·•.]*+$"
    r"|^[\s\-—–]*+(?:page|p\.)\s*+\d++(?:\s*+(?:of|/)\s*+\d++)?[\s\-—–]*+$",
    re.I,
)


def is_cjk(ch: str) -> bool:
    """CJK ideographs, kana/hangul, CJK and full-width punctuation, Chinese quotes."""
    o = ord(ch)
    return o >= 0x2E80 or 0x2018 <= o <= 0x201F


def norm_num(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("，", ",")


def is_value(text: str) -> bool:
    """A cell that holds a number or a not-applicable mark."""
    t = norm_num(text)
    return bool(t) and (bool(NUM_RE.match(t)) or t in NA_VALUES)


def join(a: str, b: str) -> str:
    """Join two pieces of one cell/paragraph: no separator around CJK text."""
    if not a:
        return b
    if not b:
        return a
    if is_cjk(a[-1]) or is_cjk(b[0]):
        return a + b
    return a + " " + b


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def tidy(text: str) -> str:
    """Collapse whitespace; drop spaces that sit next to CJK characters."""
    text = re.sub(r"[ \t\u00a0\u3000]+", " ", text).strip()
    if " " in text:
        text = re.sub(r"(?<=[^\x00-\x7f]) (?=\S)|(?<=\S) (?=[^\x00-\x7f])", "", text)
    return text


# ---------------------------------------------------------------------------
# lines from characters


def group_lines(chars: list[Char]) -> list[list[Char]]:
    """Chars -> lines (top to bottom), each sorted left to right.

    A char joins a recent line when its vertical middle lies within the line, or
    the line's middle lies within the char (different font sizes on one line)."""
    if not chars:
        return []
    lines: list[list] = []  # [top, bottom, chars]
    for ch in sorted(chars, key=lambda c: (c.top, c.x0)):
        top, bottom = ch.top, ch.bottom
        cy = (top + bottom) / 2
        for ln in lines[-1:-4:-1]:
            lt, lb = ln[0], ln[1]
            if lt <= cy <= lb or top <= (lt + lb) / 2 <= bottom:
                ln[2].append(ch)
                if top < lt:
                    ln[0] = top
                if bottom > lb:
                    ln[1] = bottom
                break
        else:
            lines.append([top, bottom, [ch]])
    lines.sort(key=lambda ln: ln[0])
    out = []
    for ln in lines:
        cs = ln[2]
        cs.sort(key=lambda c: c.x0)
        out.append(cs)
    return out


def line_text(chars: list[Char]) -> str:
    """Text of one line: a space where a visible gap separates non-CJK characters."""
    parts: list[str] = []
    prev = None
    last_space = True
    for ch in chars:
        t = ch.text
        if t == " ":
            if not last_space:
                parts.append(" ")
                last_space = True
            continue
        if prev is not None and not last_space:
            gap = ch.x0 - prev.x1
            if gap > 0:
                h = max(prev.bottom - prev.top, ch.bottom - ch.top, 1.0)
                if gap > 2.0 * h or (gap > 0.25 * h and not (is_cjk(prev.text) and is_cjk(t))):
                    parts.append(" ")
        parts.append(t)
        last_space = False
        prev = ch
    return "".join(parts).strip()


def split_segments(chars: list[Char]) -> list[list[Char]]:
    """Split one line at gaps wide enough to separate table columns."""
    segs: list[list[Char]] = []
    cur: list[Char] = []
    prev = None
    for ch in chars:
        if ch.text.isspace():
            continue
        if prev is not None:
            gap = ch.x0 - prev.x1
            h = max(prev.h, ch.h, 1.0)
            if gap > max(0.9 * h, 6.0):
                segs.append(cur)
                cur = []
        cur.append(ch)
        prev = ch
    if cur:
        segs.append(cur)
    return segs


def cell_text(chars: list[Char], lines: list[list[Char]] | None = None,
              width: float | None = None) -> tuple[str, bool, float, float]:
    """Text of one table cell: its lines joined, CJK without a separator.

    Digits on two lines join without a separator; that is a number wrapped in a
    narrow cell when the first line leaves no room for the next character (`width`:
    the cell's width), else numbers that may have run together (`fused`). Returns the
    text, fused, and the right edge and height of the last line (a label that wraps on)."""
    text, fused = "", False
    last_x1, last_h = 0.0, 0.0
    prev_w = 0.0
    for line in lines if lines is not None else group_lines(chars):
        t = line_text(line)
        if not t:
            continue
        if text and text[-1].isdigit() and t[0].isdigit():
            first = next(c for c in line if not c.text.isspace())
            wrap = width is not None and prev_w + (first.x1 - first.x0) > width - 12.0
            fused = fused or not wrap
            text += t
        else:
            text = join(text, t)
        last_x1 = max(c.x1 for c in line)
        last_h = max(c.bottom - c.top for c in line)
        prev_w = last_x1 - min(c.x0 for c in line)
    return tidy(text), fused, last_x1, last_h
