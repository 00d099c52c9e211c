"""Text normalisation shared by every extractor and the label matcher.

`normalize_label` maps the many printed forms of one label (full-width forms,
numbering variants, spaces and line breaks, traditional characters, 本单位 for
本机关) to one comparable string. It is idempotent: normalising twice changes nothing.

Two half-width folds: `halfwidth` (NFKC of the whole text, for comparing) and
`fold_width` (one character for one character, for readers that search the folded
text and cut the original at the same offsets).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

# Numbering prefixes seen in reports: 一、 / （一） / (一) / 1. / 1． / 1、 / (1) / 第一、
_CN_NUM = "一二三四五六七八九十"
NUMBERING_RE = re.compile(
    rf"^(?:[(（]\s*[{_CN_NUM}\d]+\s*[)）]|[{_CN_NUM}]+\s*[、.．]|\d+\s*[、.．](?!\d)|第[{_CN_NUM}]+[、.．]?)\s*"
)
# Wording variants that mean the same thing (spec label_variants.agency_self_reference).
SYNONYMS = (("本单位", "本机关"),)
# 合计 printed for the templates' 总计 as a whole label or its last word (（七）合计: many county
# reports do); 合计数 and other longer words are left alone.
_TOTAL_RE = re.compile(r"合计(?![\u4e00-\u9fff])")
_SPACE_RE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
# Labels repeat across rows and documents: normalise each distinct text once per process.
CACHE_SIZE = 65_536
# Texts longer than this are a paragraph or a document's whole text: they do not repeat,
# so `normalize_text` does not remember them (a cache of whole documents only grows: 65,536
# of them would be gigabytes). 200: labels, cells and headings are far shorter.
CACHED_TEXT_CHARS = 200
# Quotation marks unified by `normalize_text` (each to its ASCII form).
_QUOTES = (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("「", '"'), ("」", '"'))


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


# OpenCC's t2s is not idempotent for a few characters (薴 → 苧 → 苎): converting again until
# nothing changes makes it so. Two passes settle every character found; 3 is a safe bound.
MAX_T2S_PASSES = 3


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (identity on simplified text; idempotent).
    Memoised for texts of up to CACHED_TEXT_CHARS characters (titles, names, lines repeat)."""
    if not text or text.isascii():
        return text
    if len(text) <= CACHED_TEXT_CHARS:
        return _short_to_simplified(text)
    return _to_simplified(text)


@lru_cache(maxsize=CACHE_SIZE)
def _short_to_simplified(text: str) -> str:
    return _to_simplified(text)


def _to_simplified(text: str) -> str:
    out = _t2s().convert(text)
    for _ in range(MAX_T2S_PASSES - 1):
        if out == text:
            break
        text, out = out, _t2s().convert(out)
    return out


# NFKC is slow on a whole report (≈ 65 ns a character: a 5,000-character text costs 0.3 ms,
# and each document's text is normalised several times), yet almost every character of a
# report is one NFKC leaves alone. `halfwidth` hands NFKC only the pieces that need it,
# which gives exactly NFKC's result because every piece boundary is a normalisation
# boundary (Unicode UAX #15):
# * _NFKC_STABLE: characters with no decomposition, combining class 0, and never the
#   second character of a composition (ASCII, CJK ideographs, CJK and general
#   punctuation that has no compatibility form). NFKC keeps them, and text before and
#   after one normalises independently. tests/test_matching.py checks each property
#   against `unicodedata` for every character of these ranges.
# * _WIDE: characters whose NFKC form is one ASCII character (full-width forms, typographic
#   spaces): a boundary too (their ASCII form never joins what precedes it), so each is
#   replaced on its own.
# Anything else (a combining mark, ①, ㎡, …) is normalised together with the character
# before it, up to the next stable or wide character (_NFKC_PIECE_RE).
_NFKC_STABLE = (
    "\x00-\x7f\u00b7\u00d7\u00f7\u2010\u2013-\u2016\u2018\u2019\u201c\u201d\u2020-\u2022\u2030"
    "\u3001-\u3003\u3005-\u3011\u3014-\u301b\u3400-\u4dbf\u4e00-\u9fff"
)
_WIDE = {ch: unicodedata.normalize("NFKC", ch)
         for ch in map(chr, (0x00A0, *range(0x2000, 0x200B), 0x3000, *range(0xFF01, 0xFF5F)))
         if len(unicodedata.normalize("NFKC", ch)) == 1 and unicodedata.normalize("NFKC", ch).isascii()}
_WIDE_CLASS = "".join(map(re.escape, _WIDE))
_WIDE_RE = re.compile(f"[{_WIDE_CLASS}]")
_NEEDS_NFKC_RE = re.compile(f"[^{_NFKC_STABLE}{_WIDE_CLASS}]")  # (one class: a fast scan)
_NFKC_PIECE_RE = re.compile(f"[\\s\\S]?[^{_NFKC_STABLE}{_WIDE_CLASS}]+")


def _nfkc_piece(m: re.Match) -> str:
    return unicodedata.normalize("NFKC", m.group())


def halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms: exactly
    ``unicodedata.normalize("NFKC", text)``, computed piece by piece (see above)."""
    if text.isascii():
        return text
    if _NEEDS_NFKC_RE.search(text):
        text = _NFKC_PIECE_RE.sub(_nfkc_piece, text)
    for ch in set(_WIDE_RE.findall(text)):  # the few distinct ones a text prints, each once
        text = text.replace(ch, _WIDE[ch])
    return text


# Dashes printed for a minus sign that NFKC leaves alone, folded to "-" by `fold_width`
# (U+2212 minus sign, U+2013 en dash; the full-width －/﹣ fold under NFKC already).
MINUS_DASHES = "−–"


def fold_width(text: str, dashes: str = MINUS_DASHES) -> str:
    """Full-width forms to ASCII (（→(, ．→., 　→ space, １→1, and `dashes` → -),
    keeping one character per character, so that an offset into the folded text is the
    same offset into `text`. A character NFKC would expand (㎡, ½) stays as it is.

    Characters NFKC keeps (_NFKC_STABLE) are left alone without a look; each other
    character is folded by `_fold_char`."""
    if text.isascii() and not any(d in text for d in dashes):
        return text  # (NFKC keeps ASCII)
    return _fold_pattern(dashes).sub(lambda m: _fold_char(m.group(), dashes), text)


# Distinct `dashes` arguments whose pattern is remembered (callers pass two today).
DASH_PATTERNS_CACHED = 16


@lru_cache(maxsize=DASH_PATTERNS_CACHED)
def _fold_pattern(dashes: str) -> re.Pattern:
    """One character `fold_width` may change: one of `dashes` or one NFKC may not keep."""
    dash_class = f"[{''.join(map(re.escape, dashes))}]|" if dashes else ""
    return re.compile(f"{dash_class}[^{_NFKC_STABLE}]")


# Distinct (character, dashes) folds remembered: a few hundred characters need one.
FOLD_CACHE_SIZE = 4096


@lru_cache(maxsize=FOLD_CACHE_SIZE)
def _fold_char(ch: str, dashes: str) -> str:
    if ch in dashes:
        return "-"
    n = unicodedata.normalize("NFKC", ch)
    return n if len(n) == 1 else ch


def squash_spaces(text: str) -> str:
    """Remove every kind of whitespace (CJK labels carry no meaningful spaces): what
    _SPACE_RE matches, i.e. every character `str.isspace` calls whitespace (the regex's
    \\s) and the zero-width U+200B / U+FEFF. `str.split` finds the former in C, which is
    about twice as fast as the regex on a whole document."""
    return "".join(text.split()).replace("\u200b", "").replace("\ufeff", "")


def strip_numbering(text: str) -> str:
    """Drop leading numbering like 一、 （三） 1． 2. — repeatedly, so the result is stable."""
    prev = None
    while prev != text:
        prev = text
        text = NUMBERING_RE.sub("", text, count=1)
    return text


@lru_cache(maxsize=CACHE_SIZE)
def numbering(text: str) -> str | None:
    """The numbering prefix of a label in a canonical form ('1.', '(3)', '3、'), or None."""
    t = squash_spaces(halfwidth(text))
    m = NUMBERING_RE.match(t)
    if not m:
        return None
    token = m.group(0)
    digits = re.sub(r"[^\d" + _CN_NUM + "]", "", token)
    if token.startswith("("):
        return f"({_cn_to_int(digits)})"
    if token.endswith("、") and digits and digits[0] in _CN_NUM:
        return f"{_cn_to_int(digits)}、"
    return f"{_cn_to_int(digits)}."


def _cn_to_int(s: str) -> int:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + _CN_NUM.index(s[1]) + 1
    if len(s) == 2 and s.endswith("十"):
        return (_CN_NUM.index(s[0]) + 1) * 10
    if len(s) == 3 and s[1] == "十":
        return (_CN_NUM.index(s[0]) + 1) * 10 + _CN_NUM.index(s[2]) + 1
    return _CN_NUM.index(s[0]) + 1 if s and s[0] in _CN_NUM else 0


def normalize_text(text: str) -> str:
    """Half-width, simplified, quotes unified; whitespace kept (for narrative search).
    Memoised for texts of up to CACHED_TEXT_CHARS characters."""
    if len(text) > CACHED_TEXT_CHARS:
        return _normalize_text(text)
    return _normalize_short_text(text)


def _normalize_text(text: str) -> str:
    t = to_simplified(halfwidth(text))
    for quote, ascii_quote in _QUOTES:
        if quote in t:  # (str.translate is slow on CJK text; most texts hold none of them)
            t = t.replace(quote, ascii_quote)
    return t


@lru_cache(maxsize=CACHE_SIZE)
def _normalize_short_text(text: str) -> str:
    return _normalize_text(text)


@lru_cache(maxsize=CACHE_SIZE)
def normalize_label(text: str) -> str:
    """The comparable form of a printed label: see the module docstring."""
    t = squash_spaces(normalize_text(text or ""))
    for variant, canonical in SYNONYMS:
        t = t.replace(variant, canonical)
    if "合计" in t:
        t = _TOTAL_RE.sub("总计", t)
    t = strip_numbering(t)
    return t.strip(":：;；,，。.、")


_OPEN, _CLOSE = "(（", ")）"


@lru_cache(maxsize=CACHE_SIZE)
def strip_parenthetical(text: str) -> str:
    """Drop bracketed notes: 规章(设区的市…应提供相关数据) → 规章. Nested notes go whole, an
    unmatched bracket stays; one pass with a stack (linear however deep the nesting).
    Memoised: the matcher asks it of one printed label once per candidate label."""
    if not any(ch in _CLOSE for ch in text):
        return text
    out: list[str] = []
    opened: list[int] = []  # where each still-open bracket stands in `out`
    for ch in text:
        if ch in _OPEN:
            opened.append(len(out))
            out.append(ch)
        elif ch in _CLOSE and opened:
            del out[opened.pop():]
        else:
            out.append(ch)
    return "".join(out)
