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
_SPACE_RE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
# Labels repeat across rows and documents: normalise each distinct text once per process.
CACHE_SIZE = 65_536
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


# OpenCC's t2s is not idempotent for a few characters (薴 → 苧 → 苎): converting again until
# nothing changes makes it so. Two passes settle every character found; 3 is a safe bound.
MAX_T2S_PASSES = 3


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (identity on simplified text; idempotent)."""
    if not text or text.isascii():
        return text
    out = _t2s().convert(text)
    for _ in range(MAX_T2S_PASSES - 1):
        if out == text:
            break
        text, out = out, _t2s().convert(out)
    return out


def halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


# Dashes printed for a minus sign that NFKC leaves alone, folded to "-" by `fold_width`
# (U+2212 minus sign, U+2013 en dash; the full-width －/﹣ fold under NFKC already).
MINUS_DASHES = "−–"


def fold_width(text: str, dashes: str = MINUS_DASHES) -> str:
    """Full-width forms to ASCII (（→(, ．→., 　→ space, １→1, and `dashes` → -),
    keeping one character per character, so that an offset into the folded text is the
    same offset into `text`. A character NFKC would expand (㎡, ½) stays as it is."""
    out = []
    for ch in text:
        if ch in dashes:
            out.append("-")
            continue
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def squash_spaces(text: str) -> str:
    """Remove every kind of whitespace (CJK labels carry no meaningful spaces)."""
    return _SPACE_RE.sub("", text)


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


@lru_cache(maxsize=CACHE_SIZE)
def normalize_text(text: str) -> str:
    """Half-width, simplified, quotes unified; whitespace kept (for narrative search)."""
    return to_simplified(halfwidth(text)).translate(_QUOTES)


@lru_cache(maxsize=CACHE_SIZE)
def normalize_label(text: str) -> str:
    """The comparable form of a printed label: see the module docstring."""
    t = squash_spaces(normalize_text(text or ""))
    for variant, canonical in SYNONYMS:
        t = t.replace(variant, canonical)
    t = strip_numbering(t)
    return t.strip(":：;；,，。.、")


_OPEN, _CLOSE = "(（", ")）"


def strip_parenthetical(text: str) -> str:
    """Drop bracketed notes: 规章(设区的市…应提供相关数据) → 规章. Nested notes go whole, an
    unmatched bracket stays; one pass with a stack (linear however deep the nesting)."""
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
