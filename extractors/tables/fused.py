"""Cells that ran together: hand the fused digit runs the walker collected to the solver
(`extractors.arithmetic.digits`) and store what the template arithmetic determines.

A cell every remaining split agrees on is stored as a number with a `reconstructed_split`
finding naming the run; a cell the splits disagree on is stored as unreadable (null) with
an `ambiguous_split` finding listing the candidate splits. Nothing is guessed.
"""

from __future__ import annotations

from extractors.arithmetic import digits
from extractors.formats.txt import flattened
from extractors.records import Finding
from extractors.tables.assemble import _Walker
from extractors.tables.cells import ParsedValue

# Candidate splits listed in a finding's message (all of them go to its detail).
SHOWN_CANDIDATES = 5
ROW_CHECKS = ("applications.row_total", "review_litigation.row_total")


def store_solutions(w: _Walker) -> None:
    hints = None
    if "active_disclosure" in w.fused:
        hints = flattened.narrative_hints(w.doc.text, w.template) or None
    for table, rows in w.fused.items():
        runs = {key: run for key, (run, _cells, _label, _score) in rows.items()}
        solutions = digits.solve_table(table, w.template, runs, hints if table == "active_disclosure" else None)
        for key, sol in solutions.items():
            if table == "review_litigation":
                src = rows.get(digits.ALL_ROWS) or next(iter(rows.values()))
            else:
                src = rows.get(key)
                if src is None:
                    continue
            run, cells, raw_label, score = src
            _store(w, table, key, sol, run, cells[0] if cells else None, raw_label, score)


def _store(w: _Walker, table: str, key: str, sol: digits.RowSolution, run: str, cell, raw_label, score) -> None:
    if (table, key) in w.seen:
        w.findings.append(Finding("duplicate_row", "warning", f"{table}.{key} printed a second time", table, key))
        return
    w.seen[(table, key)] = 1
    w._enter(table)
    cols = w.s.columns(table, key, w.template)
    label = raw_label or (w.s.row(table, key).label if table == "review_litigation" else None)
    for c, v in zip(cols, sol.values, strict=False):
        if v is None:
            pv, raw = ParsedValue(None, "unreadable"), None
        else:
            pv, raw = ParsedValue(float(v), "number", sol.unit), _fmt(v)
        w._add(table, key, c.key, pv, raw, label, w.col_labels[table].get(c.key), score, cell)
    detail = {"run": run, "status": sol.status, "candidates": [list(x) for x in sol.candidates],
              "n_candidates": sol.n_candidates, "broken": sol.broken, "confidence": sol.confidence,
              "hint_used": sol.hint_used, "notes": sol.notes}
    if sol.status == digits.STATUS_UNIQUE and len(cols) == 1 and not sol.broken:
        return  # a one-cell row: nothing ran together
    if sol.status == digits.STATUS_UNIQUE:
        low = f" (low confidence: the report breaks {', '.join(sol.broken)})" if sol.broken else ""
        severity = "warning" if any(b in ROW_CHECKS for b in sol.broken) else "info"
        hint = "; a figure stated in the text pinned it" if sol.hint_used else ""
        w.findings.append(Finding(
            "reconstructed_split", severity,
            f"{table}.{key}: cells run together in {run!r}; the template arithmetic leaves one split "
            f"{_show(sol.candidates[0])}{hint}{low}", table, key, detail=detail))
    else:
        shown = "; ".join(_show(c) for c in sol.candidates[:SHOWN_CANDIDATES])
        more = f" and {sol.n_candidates - SHOWN_CANDIDATES} more" if sol.n_candidates > SHOWN_CANDIDATES else ""
        what = "no split fits the template" if sol.status == digits.STATUS_NO_SOLUTION else \
            f"{sol.n_candidates} splits remain: {shown}{more}"
        w.findings.append(Finding(
            "ambiguous_split", "warning",
            f"{table}.{key}: cells run together in {run!r} and {what}; undetermined cells stored as unreadable",
            table, key, detail=detail))


def _fmt(v) -> str:
    return str(int(v)) if float(v) == int(v) else str(v)


def _show(cand) -> str:
    return " | ".join("/" if x is None else _fmt(x) for x in cand)
