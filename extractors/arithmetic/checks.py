"""The arithmetic the templates imply, run on every report (the spec's `checks`).

A failed check is a finding with the cells involved, the expected and the printed
figure, and a verdict: `source_inconsistent` when every cell involved was read straight
from a clean printed cell (the report itself is wrong, as real reports often are), or
`suspected_extraction_error` when the evidence points at us: a cell that was inferred,
placed with doubt or rebuilt from fused digits, a one-column shift or two numbers run
together that would explain the break. Printed values are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.records import Finding, Value
from schemas import schema

APPLICANT_COLUMNS = ("natural_person", "commercial_enterprise", "research_institution",
                     "social_welfare_org", "legal_service_org", "other_org")
REVIEW_PARTS = ("upheld", "corrected", "other", "pending")
# Finding kinds that mark a row's cells as not read straight from print.
DOUBTFUL_KINDS = ("placement_inferred", "placement_ambiguous", "reconstructed_split", "ambiguous_split",
                  "extra_cells")
# Values compared as equal within this tolerance (fees in 万元 carry decimals).
TOLERANCE = 1e-6
# Match scores below this count as low-confidence label matches in the quality summary.
# 0.9: every label in the seeds and the generated corpus that matched correctly but not
# exactly scores above 0.9 except dropped/swapped characters, which are the doubtful ones.
LOW_SCORE = 0.9


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


def run_checks(values: list[Value], findings: list[Finding], template: str | None) -> tuple[list[Finding], CheckSummary]:
    cell = {(v.table, v.row, v.column): v for v in values if v.row is not None}
    # info-level reconstructions (a split unique under the row's own arithmetic) are not doubtful
    doubtful_rows = {(f.table, f.row) for f in findings if f.check in DOUBTFUL_KINDS
                     and not (f.check == "reconstructed_split" and f.severity == "info")}
    out: list[Finding] = []
    summary = CheckSummary(suspected=[])

    def evaluate(check: str, table: str, row: str | None, column: str | None, total_key, part_keys, label):
        total = cell.get(total_key)
        parts = [cell.get(k) for k in part_keys]
        if total is None and all(p is None for p in parts):
            return  # the table is not printed at all
        nums = [_num(total), *[_num(p) for p in parts]]
        if any(n is None for n in nums):
            summary.not_evaluated += 1
            return
        expected = sum(nums[1:])
        printed = nums[0]
        if abs(expected - printed) <= TOLERANCE * max(1.0, abs(printed)):
            summary.passed += 1
            return
        summary.failed += 1
        involved = [total, *parts]
        verdict, evidence = _verdict(involved, doubtful_rows, expected, printed, cell, check, row)
        names = [f"{v.table}.{v.row}.{v.column}" for v in involved]
        msg = (f"{label}: the parts add up to {_fmt(expected)} but {_fmt(printed)} is printed "
               f"({'probably the report’s own error' if verdict == 'source_inconsistent' else 'possibly our extraction'})")
        if verdict == "suspected_extraction_error":
            summary.suspected.append(f"{total.table}.{total.row}.{total.column}")
        out.append(Finding(check, "warning", msg, table, row, column,
                           detail={"verdict": verdict, "evidence": evidence, "expected": expected,
                                   "printed": printed, "cells": names}))

    # applications: row totals, results sum per column, balance per column
    rows = [r.key for r in schema().rows("applications")]
    printed_rows = {k[1] for k in cell if k[0] == "applications"}
    for r in rows:
        if r in printed_rows:
            evaluate("applications.row_total", "applications", r, "total", ("applications", r, "total"),
                     [("applications", r, c) for c in APPLICANT_COLUMNS], f"{r} total")
    leaves = _result_leaves(printed_rows)
    for c in (*APPLICANT_COLUMNS, "total"):
        evaluate("applications.results_sum", "applications", "results.total", c,
                 ("applications", "results.total", c), [("applications", leaf, c) for leaf in leaves],
                 f"results.total for {c}")
        # balance: new + carried_over == results.total + carried_forward  ⇔  new + carried - forward == total
        _balance(cell, c, out, summary, doubtful_rows)
    for r in ("review", "litigation_direct", "litigation_after_review"):
        evaluate("review_litigation.row_total", "review_litigation", r, "total", ("review_litigation", r, "total"),
                 [("review_litigation", r, p) for p in REVIEW_PARTS], f"{r} total")
    return out, summary


def _result_leaves(printed_rows: set[str]) -> list[str]:
    leaves = [r.key for r in schema().rows("applications")
              if r.key.startswith("results.") and r.key != "results.total"]
    subrows = [k for k in leaves if k.startswith("results.other.")]
    if any(k in printed_rows for k in subrows):
        leaves = [k for k in leaves if k != "results.other"]
    else:
        leaves = [k for k in leaves if k not in subrows]
    return leaves


def _balance(cell, c, out, summary, doubtful_rows):
    keys = {n: ("applications", n, c) for n in ("new_received", "carried_over", "results.total", "carried_forward")}
    vals = {n: _num(cell.get(k)) for n, k in keys.items()}
    if all(cell.get(k) is None for k in keys.values()):
        return
    if any(v is None for v in vals.values()):
        summary.not_evaluated += 1
        return
    left = vals["new_received"] + vals["carried_over"]
    right = vals["results.total"] + vals["carried_forward"]
    if abs(left - right) <= TOLERANCE * max(1.0, abs(left)):
        summary.passed += 1
        return
    summary.failed += 1
    involved = [cell[k] for k in keys.values()]
    verdict, evidence = _verdict(involved, doubtful_rows, left, right, cell, "applications.balance", None)
    if verdict == "suspected_extraction_error":
        summary.suspected.append(f"applications.results.total.{c}")
    out.append(Finding(
        "applications.balance", "warning",
        f"column {c}: new + carried over = {_fmt(left)} but results total + carried forward = {_fmt(right)} "
        f"({'probably the report’s own error' if verdict == 'source_inconsistent' else 'possibly our extraction'})",
        "applications", None, c,
        detail={"verdict": verdict, "evidence": evidence, "expected": left, "printed": right,
                "cells": [f"{v.table}.{v.row}.{v.column}" for v in involved]}))


def _verdict(involved: list[Value], doubtful_rows, expected, printed, cell, check, row) -> tuple[str, list[str]]:
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
        if check != "applications.balance" and v.value is not None and v.raw_value \
                and _run_together(v, expected, printed, v is involved[0]):
            evidence.append(f"{v.row}.{v.column} = {v.raw_value!r} looks like numbers run together")
    if check in ("applications.row_total", "review_litigation.row_total") and row is not None:
        cols = APPLICANT_COLUMNS + ("total",) if check.startswith("applications") else REVIEW_PARTS + ("total",)
        table = "applications" if check.startswith("applications") else "review_litigation"
        seq = [_num(cell.get((table, row, c))) for c in cols]
        if all(s is not None for s in seq):
            for shifted in (seq[1:] + [0.0], [0.0] + seq[:-1]):
                if sum(shifted[:-1]) == shifted[-1] and any(shifted):
                    evidence.append(f"shifting row {row} by one column would satisfy the check")
                    break
    evidence = list(dict.fromkeys(evidence))
    return ("suspected_extraction_error" if evidence else "source_inconsistent"), evidence


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

