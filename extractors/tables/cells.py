"""How one printed cell becomes a value (the spec's `cell_conventions`).

    ""                  → blank (value null, never a silent 0)
    "/" "-" "—" "——"     → not_applicable (null)
    "无"                 → number 0
    "12" "１２" "1,647,000" "0　" "-8" "+3" "24252.31"  → number
    "160.5964万元" "73802895.90元" → number; the unit is reported, and converted where the
                                     column has a unit (元 → 万元 divides by 10,000)
    "O" "l2"            → unreadable (null, with a finding)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.labels.normalize import halfwidth

NOT_APPLICABLE = {"/", "-", "—", "——", "–", "－", "／", "\\", "--", "---", "一"}
ZERO_WORDS = {"无", "無", "0件", "零"}
# Units a printed cell may carry after its number (spec cell_conventions.unit_in_cell and
# the counting words of the templates: 件 items, 条/篇 articles, 个/项 items, % rates).
CELL_UNITS = ("万元", "元", "件", "条", "个", "项", "篇", "%")
_NUMBER_RE = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
# Characters that a mis-read digit becomes (OCR-ish debris in text layers): a short cell made of
# these and digits is a value that cannot be read, not a label.
_LOOKALIKE_RE = re.compile(r"^[0-9OolIZSB.,+-]{1,6}$")
_SPACE_RE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
# Cell texts repeat endlessly ("0", "", "/"): parse each distinct text once per process.
# 65536 distinct texts is far beyond a large corpus's and costs a few MB.
CACHE_SIZE = 65_536


@dataclass(frozen=True)
class ParsedValue:
    value: float | None
    kind: str  # number / blank / not_applicable / unreadable
    unit: str | None = None  # unit printed in the cell, if any


BLANK = ParsedValue(None, "blank")


@lru_cache(maxsize=CACHE_SIZE)
def clean(text: str) -> str:
    return _SPACE_RE.sub("", halfwidth(text or ""))


@lru_cache(maxsize=CACHE_SIZE)
def parse_value(text: str, column_unit: str | None = None) -> ParsedValue:
    """Parse a printed cell; `column_unit` is the column's unit (万元 for gb2021 fees)."""
    t = clean(text)
    if not t:
        return BLANK
    if t in NOT_APPLICABLE or set(t) <= {"-", "—", "–", "/"}:
        return ParsedValue(None, "not_applicable")
    if t in ZERO_WORDS:
        return ParsedValue(0.0, "number")
    unit = None
    for u in CELL_UNITS:
        if t.endswith(u) and len(t) > len(u):
            unit, t = u, t[: -len(u)]
            break
    m = _NUMBER_RE.match(t)
    if not m:
        return ParsedValue(None, "unreadable", unit)
    value = float(m.group(1) + m.group(2).replace(",", "") + (m.group(3) or ""))
    if unit == "元" and column_unit == "万元":
        value = value / 10000.0
    return ParsedValue(value, "number", unit)


# Digits apart in a cell read by OCR: the recogniser saw two groups of glyphs (two cells'
# values run together where a column rule was lost, or a speck between digits), not one number.
_APART_RE = re.compile(r"\d[\s\u3000]+\d")


def parse_cell(cell, column_unit: str | None = None) -> ParsedValue:
    """`parse_value` of a grid cell (`records.Cell`). A cell read by OCR (its `confidence`
    set) whose digits stand apart ("0 1 0") is unreadable, not the number they would make
    run together: a text layer's spacing is the typesetter's, a recogniser's is what it saw."""
    if cell.confidence is not None and _APART_RE.search(cell.text or ""):
        return ParsedValue(None, "unreadable")
    return parse_value(cell.text, column_unit)


# What a cell's text is when a row is split into label and value cells (`text_kind`).
BLANK_TEXT, VALUE_TEXT, LABEL_TEXT = "blank", "value", "label"


@lru_cache(maxsize=CACHE_SIZE)
def text_kind(text: str) -> str:
    """BLANK_TEXT (nothing but whitespace), VALUE_TEXT (`is_value_like`) or LABEL_TEXT:
    the one question a row split asks of each cell, answered once per distinct text."""
    if not clean(text):
        return BLANK_TEXT
    return VALUE_TEXT if is_value_like(text) else LABEL_TEXT


@lru_cache(maxsize=CACHE_SIZE)
def is_value_like(text: str) -> bool:
    """True when a cell reads as a value (number, '/', '无', look-alike junk), not a label."""
    t = clean(text)
    if not t:
        return False
    p = parse_value(t)
    if p.kind in ("number", "not_applicable"):
        return True
    return bool(_LOOKALIKE_RE.match(t)) and any(ch.isdigit() for ch in t) or t in {"O", "o"}
