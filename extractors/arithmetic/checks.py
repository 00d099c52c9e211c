"""The arithmetic the templates imply, run on every report (the spec's `checks`).

The identities are the template rules' (`extractors.template`, from
`schemas/template-rules.yaml`); this module evaluates each instance of them and judges
the failures. It names no row or column.

A failed check is a finding with the cells involved, the expected and the printed
figure, and a verdict: `source_inconsistent` when every cell involved was read straight
from a clean printed cell (the report itself is wrong, as real reports often are), or
`suspected_extraction_error` when the evidence points at us: a cell that was inferred,
placed with doubt or rebuilt from fused digits, a one-column shift or two numbers run
together that would explain the break. Printed values are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from extractors.records import Finding, Value
from extractors.template import Equation, Identity, rules
from schemas import schema

# Finding kinds that mark a row's cells as not read straight from print.
DOUBTFUL_KINDS = ("placement_inferred", "placement_ambiguous", "reconstructed_split", "ambiguous_split",
                  "extra_cells")
# Values compared as equal within this tolerance (fees in 万元 carry decimals).
TOLERANCE = 1e-6
# Match scores below this count as low-confidence label matches in the quality summary.
# 0.9: every label in the seeds and the generated corpus that matched correctly but not
# exactly scores above 0.9 except dropped/swapped characters, which are the doubtful ones.
LOW_SCORE = 0.9

# Cells without a number (blank, '/') a finding's message names on one side of its sum; the
# rest are counted ("and 12 more") and all are in `detail.printed_as`. 3: a message stays one
# line when a report leaves a whole row blank.
NAMED_EMPTY_CELLS = 3

CellKey = tuple[str, str, str]


@dataclass
class CheckSummary:
    passed: int = 0
    failed: int = 0
    not_evaluated: int = 0
    suspected: list[str] | None = None  # cells named by suspected extraction errors


def _num(v: Value | None) -> float | None:
    if v is None or v.row is None:
        return None
    if v.value_kind == "number":
        return v.value
    if v.value_kind in ("blank", "not_applicable"):
        return 0.0  # an empty leaf adds nothing (some reports leave zero cells blank)
    return None


def equations(cell: dict[CellKey, Value], template: str | None) -> list[tuple[Identity, Equation]]:
    """Every instance of the template identities, in the order findings are reported: per
    table, each row's identities (`over: columns`) row by row, then the identities between
    rows (`over: rows`) column by column."""
    printed: dict[str, set[str]] = {}
    for table, row, _col in cell:
        printed.setdefault(table, set()).add(row)
    out: list[tuple[Identity, Equation]] = []
    for table in _identity_tables():
        out += [(ident, eq) for ident, eq, _keys in _table_equations(table, frozenset(printed.get(table, ())), template)]
    return out


@cache
def _identity_tables() -> tuple[str, ...]:
    """The tables the identities name, in the order the rules list them."""
    return tuple(dict.fromkeys(i.table for i in rules().identities.values()))


# Distinct (table, printed rows, template) whose equations are remembered. Reports of one
# template print the same rows (a few layouts per table), so a few dozen are in use; 1024
# leaves room for partial reports' row sets.
EQUATIONS_CACHE_SIZE = 1024


@lru_cache(maxsize=EQUATIONS_CACHE_SIZE)
def _table_equations(table: str, printed_rows: frozenset[str], template: str | None
                     ) -> tuple[tuple[Identity, Equation, tuple[CellKey, ...]], ...]:
    """The equations of one table (see `equations`), each with the cells it involves
    (`_involved`). They depend only on the rows the report printed (a sum over the leaves
    follows the layout it used) and the template, which repeat from report to report."""
    out = []
    for over, keys in (("columns", [r.key for r in schema().rows(table)]),
                       ("rows", list(schema().all_columns(table)))):
        idents = rules().identities_for(table, over)
        per_ident = [[(i, eq) for eq in i.equations(keys, set(printed_rows), template)] for i in idents]
        out += [(i, eq, _involved(eq)) for group in zip(*per_ident, strict=True) for i, eq in group]
    return tuple(out)


def run_checks(values: list[Value], findings: list[Finding], template: str | None) -> tuple[list[Finding], CheckSummary]:
    """Evaluate every identity of the template on the values (see the module docstring)."""
    cell = {(v.table, v.row, v.column): v for v in values if v.row is not None}
    # info-level reconstructions (a split unique under the row's own arithmetic) are not doubtful
    doubtful_rows = {(f.table, f.row) for f in findings if f.check in DOUBTFUL_KINDS
                     and not (f.check == "reconstructed_split" and f.severity == "info")}
    printed: dict[str, set[str]] = {}
    for table, row, _col in cell:
        printed.setdefault(table, set()).add(row)
    nums = {k: _num(v) for k, v in cell.items()}  # None: not a number (unreadable)
    out: list[Finding] = []
    summary = CheckSummary(suspected=[])
    for table in _identity_tables():
        for ident, eq, keys in _table_equations(table, frozenset(printed.get(table, ())), template):
            finding = _evaluate(ident, eq, keys, cell, nums, doubtful_rows, summary)
            if finding:
                out.append(finding)
    return out, summary


def _involved(eq: Equation) -> tuple[CellKey, ...]:
    """The cells an equation names, as its finding lists them: a sum's total first, a
    balance's left side then its right side."""
    return (*eq.printed, *eq.expected) if eq.form == "sum" else (*eq.expected, *eq.printed)


def _evaluate(ident: Identity, eq: Equation, keys: tuple[CellKey, ...], cell, nums, doubtful_rows,
              summary: CheckSummary) -> Finding | None:
    """Count one equation as passed, failed or not evaluated; the finding when it fails.
    `keys` are the cells it involves (`_involved(eq)`), `nums` each cell's number (`_num`)."""
    if not any(k in cell for k in keys):
        return None  # the table (or row) is not printed at all
    parts = [nums.get(k) for k in eq.expected]
    totals = [nums.get(k) for k in eq.printed]
    if None in parts or None in totals:
        summary.not_evaluated += 1
        return None
    expected = sum(parts)
    printed = sum(totals)
    # the scale of the tolerance: a sum's printed total, a balance's left side
    scale = printed if eq.form == "sum" else expected
    if abs(expected - printed) <= TOLERANCE * max(1.0, abs(scale)):
        summary.passed += 1
        return None
    summary.failed += 1
    involved = [cell[k] for k in keys]
    verdict, evidence = _verdict(involved, doubtful_rows, expected, printed, cell, eq)
    if verdict == "suspected_extraction_error":
        summary.suspected.append(".".join(eq.printed[0]))
    return Finding(eq.check, "warning", _message(ident, eq, expected, printed, verdict, cell), eq.table,
                   *_finding_place(ident, eq),
                   detail={"verdict": verdict, "evidence": evidence, "expected": expected, "printed": printed,
                           "cells": [f"{v.table}.{v.row}.{v.column}" for v in involved],
                           "printed_as": {f"{v.table}.{v.row}.{v.column}": printed_as(v) for v in involved}})


def _finding_place(ident: Identity, eq: Equation) -> tuple[str | None, str | None]:
    """(row, column) a finding names: a sum's total cell, a balance's row or column."""
    if eq.form == "sum":
        return (eq.row, ident.total) if eq.over_columns else (ident.total, eq.column)
    return eq.row, eq.column


def printed_as(v: Value) -> str:
    """What the report prints in a cell, as a finding states it: the number as printed
    ("0", "272"), "blank" (an empty cell), "not applicable ('/')" or "unreadable ('l2')"."""
    if v.value_kind == "number":
        return _fmt(v.value) if v.value is not None else "unreadable"
    if v.value_kind == "blank":
        return "blank"
    raw = (v.raw_value or "").strip()
    return f"{v.value_kind.replace('_', ' ')} ({raw!r})" if raw else v.value_kind.replace("_", " ")


def _is_number(v: Value) -> bool:
    return v.value_kind == "number" and v.value is not None


def _totals_said(eq: Equation, printed: float, cell) -> str:
    """How a sum's printed total reads: "0 is printed", "the X cell is blank", "the X cell
    is not applicable ('/')"; several total cells: each named with what it prints."""
    totals = [cell[k] for k in eq.printed if k in cell]
    if totals and all(_is_number(v) for v in totals):
        return f"{_fmt(printed)} is printed"
    if len(totals) == 1:
        v = totals[0]
        return f"the {v.row}.{v.column} cell is {printed_as(v)}"
    return "the totals print " + ", ".join(f"{v.row}.{v.column} {printed_as(v)}" for v in totals)


def _empty_parts(keys, cell) -> str:
    """'' or ' (blank cells counted as 0: a.b, c.d)' for the cells of one side that print no number."""
    empty = [f"{cell[k].row}.{cell[k].column} {printed_as(cell[k])}" for k in keys
             if k in cell and not _is_number(cell[k])]
    if not empty:
        return ""
    more = f" and {len(empty) - NAMED_EMPTY_CELLS} more" if len(empty) > NAMED_EMPTY_CELLS else ""
    return f" (counted as 0: {', '.join(empty[:NAMED_EMPTY_CELLS])}{more})"


def _message(ident: Identity, eq: Equation, expected: float, printed: float, verdict: str, cell) -> str:
    """The finding's sentence, saying what is printed: a number, a blank cell or '/'
    (both counted as 0 in the sum), never a blank reported as a printed 0."""
    whose = "probably the report’s own error" if verdict == "source_inconsistent" else "possibly our extraction"
    if eq.form == "balance":
        left, right = ident.side_names()
        where = f"column {eq.column}" if eq.column is not None else f"row {eq.row}"
        return (f"{where}: {left} = {_fmt(expected)}{_empty_parts(eq.expected, cell)} but {right} = "
                f"{_fmt(printed)}{_empty_parts(eq.printed, cell)} ({whose})")
    what = f"{eq.row} total" if eq.over_columns else f"{ident.total} for {eq.column}"
    return (f"{what}: the parts add up to {_fmt(expected)}{_empty_parts(eq.expected, cell)} but "
            f"{_totals_said(eq, printed, cell)} ({whose})")


def _verdict(involved: list[Value], doubtful_rows, expected, printed, cell, eq: Equation) -> tuple[str, list[str]]:
    evidence = []
    for v in involved:
        if v.raw_value is None:
            evidence.append(f"{v.row}.{v.column} was inferred, not read from a printed cell")
        if (v.table, v.row) in doubtful_rows:
            evidence.append(f"row {v.row} printed a different number of cells than its columns")
        if v.match_score is not None and v.match_score < LOW_SCORE and v.value \
                and abs(v.value) == abs(expected - printed):
            # a doubtful label whose value is exactly the gap: it may belong to another row
            evidence.append(f"row label {v.raw_row_label!r} matched {v.row} with a low score ({v.match_score:.2f}) "
                            f"and its value {v.value:g} is exactly the gap")
        if eq.form == "sum" and v.value is not None and v.raw_value \
                and _run_together(v, expected, printed, v is involved[0]):
            evidence.append(f"{v.row}.{v.column} = {v.raw_value!r} looks like numbers run together")
    if eq.form == "sum" and eq.over_columns and _shift_fits(eq, cell):
        evidence.append(f"shifting row {eq.row} by one column would satisfy the check")
    evidence = list(dict.fromkeys(evidence))
    return ("suspected_extraction_error" if evidence else "source_inconsistent"), evidence


def _shift_fits(eq: Equation, cell) -> bool:
    """Would the row's cells, moved one column left or right, satisfy its sum (parts, then
    the total, in printed order)?"""
    seq = [_num(cell.get(k)) for k in (*eq.expected, *eq.printed)]
    if any(s is None for s in seq):
        return False
    return any(sum(shifted[:-1]) == shifted[-1] and any(shifted)
               for shifted in (seq[1:] + [0.0], [0.0] + seq[:-1]))


def _run_together(v: Value, expected: float, printed: float, is_total: bool) -> bool:
    """Would reading the cell's digits as two numbers run together (3|1 printed as 31) satisfy
    the check? A part must split into two numbers adding up to what the check needs; a total
    (three digits or more) must start or end with the expected figure."""
    digits = "".join(ch for ch in v.raw_value if ch.isdigit())
    if len(digits) < 2 or v.value is None:
        return False
    needed = expected if is_total else v.value - (expected - printed)
    for k in range(1, len(digits)):
        a, b = digits[:k], digits[k:]
        if (len(a) > 1 and a[0] == "0") or (len(b) > 1 and b[0] == "0"):
            continue
        if is_total:
            if len(digits) >= 3 and needed in (int(a), int(b)):
                return True
        elif int(a) + int(b) == needed:
            return True
    return False


def quality(values: list[Value]) -> dict:
    matched = [v for v in values if v.row is not None and v.match_score is not None]
    low = sum(1 for v in matched if v.match_score < LOW_SCORE)
    return {"low_score_share": round(low / len(matched), 4) if matched else None}


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:g}"

