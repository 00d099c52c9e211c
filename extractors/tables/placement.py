"""Which printed cell goes in which column of a row: splitting a row into label and value
cells, and placing k printed values into the n columns of a canonical row.

A value is never shifted into a neighbouring column on a guess: when a row prints fewer
values than it has columns, only the columns that every consistent placement agrees on
are kept (the row's own arithmetic can pin a missing one), the rest are unknown.
"""

from __future__ import annotations

import itertools
import re

from extractors.labels.normalize import normalize_label
from extractors.records import Cell
from extractors.tables.cells import (
    BLANK_TEXT,
    LABEL_TEXT,
    ParsedValue,
    is_value_like,
    parse_cell,
    text_kind,
)

# Cap on placements examined for a short row (combinations of missing positions).
MAX_PLACEMENTS = 200
# Two sums differing by less than this are equal (the values are whole numbers or fees).
SUM_TOLERANCE = 1e-9

# (total position, part positions) of a sum that holds within a row.
Constraint = tuple[int, tuple[int, ...]]


# 'label：value' printed in one cell (a value of at most 20 characters after the colon).
_LABEL_VALUE_RE = re.compile(r"^(.*\S)\s*[:：]\s*([^:：]{1,20})$", re.S)


def split_label_value(cell: Cell) -> list[Cell] | None:
    """'政府信息公开发布总数量（非新闻类）：1' → label cell + value cell."""
    m = _LABEL_VALUE_RE.match(cell.text)
    if m and is_value_like(m.group(2)) and not is_value_like(m.group(1)):
        return [Cell(m.group(1), cell.page, cell.table, cell.row, cell.col),
                Cell(m.group(2), cell.page, cell.table, cell.row, cell.col)]
    return None


def split_row(cells: list[Cell], grid: bool) -> tuple[list[Cell], list[Cell]]:
    """Label cells (text) up to the last one that is not value-like; the rest are values."""
    kinds = [text_kind(c.text) for c in cells]
    last_label = -1
    for i, c in enumerate(cells):
        if kinds[i] == LABEL_TEXT and not c.fused:
            last_label = i
    labels = [c for c, kind in zip(cells[: last_label + 1], kinds, strict=False) if kind != BLANK_TEXT]
    values = [c for c in cells[last_label + 1:] if not c.fused and not c.merged]
    if not grid and all(text_kind(c.text) == BLANK_TEXT for c in values):
        values = []
    return labels, values


def trim(values: list[Cell], grid: bool) -> list[Cell]:
    """Text formats: leading/trailing empty cells are layout debris (tabs, merged placeholders)."""
    if grid:
        return list(values)
    start, end = 0, len(values)
    while end > start and text_kind(values[end - 1].text) == BLANK_TEXT:
        end -= 1
    while start < end and text_kind(values[start].text) == BLANK_TEXT:
        start += 1
    return values[start:end]


def dedupe(texts: list[str]) -> list[str]:
    """The texts without blanks and without a label repeated in the next cell (merged cells)."""
    out: list[str] = []
    last = None  # normalised form of out[-1]
    for t in texts:
        t = t.strip()
        if not t:
            continue
        norm = normalize_label(t)
        if not out or last != norm:
            out.append(t)
            last = norm
    return out


def _consistent(vals: list, slots: list, constraints: list[Constraint]) -> bool:
    """Do the placed values satisfy the row's sums? A single missing cell of a sum takes
    the value the sum forces (written into `vals`), which must be a non-negative integer."""
    for total, parts in constraints:
        involved = [total, *parts]
        unknown = [p for p in involved if vals[p] is None and slots[p] is None]
        if any(vals[p] is None and slots[p] is not None for p in involved):
            continue  # a printed blank/'-': the identity says nothing
        if len(unknown) == 1:
            u = unknown[0]
            known = sum(vals[p] for p in parts if p != u)
            x = vals[total] - known if u != total else known
            if x < 0 or x != int(x):
                return False
            vals[u] = float(x)
        elif not unknown and abs(vals[total] - sum(vals[p] for p in parts)) > SUM_TOLERANCE:
            return False
    return True


def _agreed(cells: list[Cell], n: int, outcomes: list[tuple[list, list]]) -> list:
    """Per column: the printed cell or pinned value every placement agrees on, else None."""
    result: list = []
    for pos in range(n):
        first_slot, first_val = outcomes[0][0][pos], outcomes[0][1][pos]
        if all(o[0][pos] == first_slot for o in outcomes) and first_slot is not None:
            result.append(cells[first_slot])
        elif first_val is not None and all(o[1][pos] == first_val for o in outcomes):
            result.append(ParsedValue(first_val, "number"))
        else:
            result.append(None)
    return result


def placement(cells: list[Cell], n: int, constraints: list[Constraint]) -> list:
    """Place k printed cells into n columns without shifting any value on a guess.

    k == n: each cell in its column. k < n: try every choice of missing positions; a
    missing cell takes the value the row arithmetic forces (a non-negative integer), or
    stays unknown. A column is kept when every consistent placement agrees on it: a
    printed Cell, or a ParsedValue the arithmetic pinned; otherwise None (unreadable).
    """
    k = len(cells)
    if k == n:
        return list(cells)
    if k > n or k == 0:
        return [None] * n
    parsed = [parse_cell(c) for c in cells]
    outcomes = []
    for i, missing in enumerate(itertools.combinations(range(n), n - k)):
        if i >= MAX_PLACEMENTS:
            return [None] * n
        slots: list = [None] * n
        it = iter(range(k))
        for pos in range(n):
            if pos not in missing:
                slots[pos] = next(it)
        vals = [parsed[s].value if s is not None else None for s in slots]
        if _consistent(vals, slots, constraints):
            outcomes.append((slots, vals))
    if not outcomes:
        return [None] * n
    return _agreed(cells, n, outcomes)
