"""Dates as reports and pages print them: 2025年1月20日, 2025-01-20 09:30, 2025/1/20,
2025.01.20, 二〇二五年一月二十日; and years in Chinese numerals (二〇二二年)."""

from __future__ import annotations

import re
from datetime import date

from extractors.labels.normalize import halfwidth

# Digits of a year or a date written in Chinese numerals (〇 and ○ and 零 all print zero).
CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "〇○零一二三四五六七八九"
CN_YEAR_RE = re.compile(rf"[{_CN}]{{4}}(?=\s*年)")
_ARABIC_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})(?!\d)")
_CN_DATE_RE = re.compile(rf"([{_CN}]{{4}})\s*年\s*([一二三四五六七八九十]{{1,2}})\s*月\s*([一二三四五六七八九十]{{1,3}})\s*日")


def cn_number(text: str) -> int | None:
    """一 … 三十一 (a month or a day) as an int; None if it is not such a numeral."""
    if not text or any(ch not in CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return CN_DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[units] if units else 0)


def cn_year(text: str) -> int | None:
    """二〇二二 → 2022."""
    if len(text) != 4 or any(ch not in CN_DIGITS for ch in text):
        return None
    return int("".join(str(CN_DIGITS[ch]) for ch in text))


def _valid(y: int | None, m: int | None, d: int | None) -> date | None:
    if y is None or m is None or d is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_date(text: str) -> date | None:
    """The first valid calendar date printed in `text` (arabic or Chinese numerals)."""
    t = halfwidth(text)
    for m in _ARABIC_DATE_RE.finditer(t):
        found = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if found:
            return found
    for m in _CN_DATE_RE.finditer(t):
        found = _valid(cn_year(m.group(1)), cn_number(m.group(2)), cn_number(m.group(3)))
        if found:
            return found
    return None


def is_date_line(line: str) -> bool:
    """A line that is a date and nothing more (the date of a 落款)."""
    t = re.sub(r"\s+", "", halfwidth(line))
    m = _ARABIC_DATE_RE.fullmatch(t.rstrip("日")) or _CN_DATE_RE.fullmatch(t)
    if m is None and t.endswith("日"):
        m = _ARABIC_DATE_RE.fullmatch(t[:-1])
    return m is not None and find_date(t) is not None
