"""Rows printed without their label, placed by the template's row order.

Converter Markdown (and any reader that flags its rows `Row.by_order`) can print a row's
values in a pipe row of their own while the label went to a text line elsewhere. Such a row
is held back until the next row of its table is placed by its label (or the table ends); the
rows held back between two placed rows fill the template's rows between them only when they
are exactly as many as the template has there, none of them already placed. Anything else
is stored unplaced with a finding: never a guess.

At the end of the walk the template's identities over rows (results sum, balance) confirm
every row placed this way: where one fails with every cell printed, the rows placed by order
that add a non-zero cell to it are taken back (stored unplaced, with a finding). A row whose
cell there is 0 is kept: the sum fails as much without it (the report's own error).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.records import Cell, Finding
from extractors.tables.state import TableState
from extractors.template import rules
from schemas import schema

# Two sums differing by less than this are equal (counts and fees as printed).
SUM_TOLERANCE = 1e-6


@dataclass
class Pending:
    """Label-less rows of one table waiting for the next row placed by its label."""

    table: str | None = None
    rows: list[tuple[list[Cell], bool]] = field(default_factory=list)  # (values, grid)

    def take(self) -> tuple[str | None, list[tuple[list[Cell], bool]]]:
        table, rows = self.table, self.rows
        self.table, self.rows = None, []
        return table, rows


def order_gap(order: list[str], prev: str | None, nxt: str | None, placed: set[tuple[str, str]],
              table: str, n: int) -> tuple[list[str] | None, str]:
    """(the template rows between `prev` and `nxt`, why not): the rows when they are exactly
    `n` and none is placed yet, else None and the reason. `prev` None: the table's start;
    `nxt` None: its end."""
    if prev is not None and prev not in order or nxt is not None and nxt not in order:
        return None, "a row around it is not in the template's order"
    i = order.index(prev) if prev is not None else -1
    j = order.index(nxt) if nxt is not None else len(order)
    gap = order[i + 1:j]
    if len(gap) != n:
        return None, f"the template has {len(gap)} row(s) between the rows around it, {n} printed without a label"
    if any((table, k) in placed for k in gap):
        return None, "a row of that gap is already placed"
    return gap, ""


def confirm(state: TableState, ordered: list[tuple[str, str]], template: str) -> None:
    """Take back the rows placed by order that an identity over rows contradicts (see the
    module docstring)."""
    if not ordered:
        return
    known = {(v.table, v.row, v.column): v.value for v in state.values
             if v.row is not None and v.column is not None and v.value_kind == "number"}
    by_table: dict[str, set[str]] = {}
    for t, r in ordered:
        by_table.setdefault(t, set()).add(r)
    bad: dict[tuple[str, str], str] = {}
    for table, rows in by_table.items():
        printed = {v.row for v in state.values if v.table == table and v.row is not None}
        columns = list(schema().all_columns(table))
        for ident in rules().identities_for(table, "rows"):
            for eq in ident.equations(columns, printed, template):
                cells = (*eq.expected, *eq.printed)
                # A row placed by order whose cell here is 0 adds nothing to the sum: its
                # place cannot be what breaks it (the report's own error can).
                mine = {c[1] for c in cells if c[1] in rows and known.get(c) != 0}
                if not mine or not all(c in known for c in cells):
                    continue
                diff = sum(known[c] for c in eq.expected) - sum(known[c] for c in eq.printed)
                if abs(diff) > SUM_TOLERANCE:
                    for r in mine:
                        bad.setdefault((table, r), f"{eq.check} fails in column {eq.column}")
    for (table, row), why in bad.items():
        for v in state.values:
            if v.table == table and v.row == row:
                v.row = v.column = None
        state.seen.discard((table, row))
        state.findings.append(Finding("order_unconfirmed", "warning",
                                      f"{table}.{row}: a row printed without its label was placed by the "
                                      f"template's row order, but {why}; its values are stored unplaced",
                                      table, row, detail={"reason": why}))
