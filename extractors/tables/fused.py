"""Cells that ran together: hand the fused digit runs the walker collected to the solver
(`extractors.arithmetic.digits`) and store what the template arithmetic determines
(through the assembly's `TableState`).

A cell every remaining split agrees on is stored as a number with a `reconstructed_split`
finding naming the run; a cell the splits disagree on is stored as unreadable (null) with
an `ambiguous_split` finding listing the candidate splits. Nothing is guessed.
"""

from __future__ import annotations

from extractors.arithmetic import digits
from extractors.narrative import narrative_hints
from extractors.records import Finding
from extractors.tables.cells import ParsedValue
from extractors.tables.state import FusedRun, TableState
from extractors.template import rules

# Candidate splits listed in a finding's message (all of them go to its detail).
SHOWN_CANDIDATES = 5


def row_checks() -> set[str]:
    """The identities within one row (`over: columns`): a split breaking one is doubtful."""
    return {i.id for i in rules().identities.values() if i.over == "columns"}


def store_solutions(state: TableState, fused: dict[str, dict[str, FusedRun]], text: str) -> None:
    """Solve the fused runs of each table (`fused`: table -> row key -> run, in the order
    read; `digits.ALL_ROWS` for table 4 printed as one run) and store the values; `text`
    is the document's text (figures stated in it can pin a table-2 split)."""
    hints = None
    if "active_disclosure" in fused:
        hints = narrative_hints(text, state.template) or None
    for table, rows in fused.items():
        runs = {key: r.run for key, r in rows.items()}
        solutions = digits.solve_table(table, state.template, runs, hints if table == "active_disclosure" else None)
        for key, sol in solutions.items():
            if table in rules().one_printed_row:  # one run for all the table's rows
                src = rows.get(digits.ALL_ROWS) or next(iter(rows.values()))
            else:
                src = rows.get(key)
                if src is None:
                    continue
            _store(state, table, key, sol, src)


def _store(state: TableState, table: str, key: str, sol: digits.RowSolution, src: FusedRun) -> None:
    if not state.claim(table, key):
        state.findings.append(Finding("duplicate_row", "warning", f"{table}.{key} printed a second time",
                                      table, key))
        return
    state.enter(table)
    run, cell, score = src.run, src.cells[0] if src.cells else None, src.score
    cols = state.schema.columns(table, key, state.template)
    label = src.raw_label or (state.schema.row(table, key).label if table in rules().one_printed_row else None)
    for c, v in zip(cols, sol.values, strict=False):
        if v is None:
            pv, raw = ParsedValue(None, "unreadable"), None
        else:
            pv, raw = ParsedValue(float(v), "number", sol.unit), _fmt(v)
        state.add(table, key, c.key, pv, raw, label, state.col_labels[table].get(c.key), score, cell)
    detail = {"run": run, "status": sol.status, "candidates": [list(x) for x in sol.candidates],
              "n_candidates": sol.n_candidates, "broken": sol.broken, "confidence": sol.confidence,
              "hint_used": sol.hint_used, "notes": sol.notes}
    if sol.status == digits.STATUS_UNIQUE and len(cols) == 1 and not sol.broken:
        return  # a one-cell row: nothing ran together
    if sol.status == digits.STATUS_UNIQUE:
        low = f" (low confidence: the report breaks {', '.join(sol.broken)})" if sol.broken else ""
        severity = "warning" if any(b in row_checks() for b in sol.broken) else "info"
        hint = "; a figure stated in the text pinned it" if sol.hint_used else ""
        state.findings.append(Finding(
            "reconstructed_split", severity,
            f"{table}.{key}: cells run together in {run!r}; the template arithmetic leaves one split "
            f"{_show(sol.candidates[0])}{hint}{low}", table, key, detail=detail))
    else:
        shown = "; ".join(_show(c) for c in sol.candidates[:SHOWN_CANDIDATES])
        more = f" and {sol.n_candidates - SHOWN_CANDIDATES} more" if sol.n_candidates > SHOWN_CANDIDATES else ""
        what = "no split fits the template" if sol.status == digits.STATUS_NO_SOLUTION else \
            f"{sol.n_candidates} splits remain: {shown}{more}"
        state.findings.append(Finding(
            "ambiguous_split", "warning",
            f"{table}.{key}: cells run together in {run!r} and {what}; undetermined cells stored as unreadable",
            table, key, detail=detail))


def _fmt(v) -> str:
    return str(int(v)) if float(v) == int(v) else str(v)


def _show(cand) -> str:
    return " | ".join("/" if x is None else _fmt(x) for x in cand)
