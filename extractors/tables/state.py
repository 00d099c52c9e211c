"""What the assembly of one document has collected so far, and how a value is stored.

`TableState` holds the values and findings read, the rows already placed, the printed
column labels, the tables met (in order) and the table being read. The table walker
(`extractors.tables.assemble`) and the storage of fused digit runs
(`extractors.tables.fused`) both write through it, so neither needs the other's insides.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from extractors.records import Cell, Finding, Value
from extractors.tables.cells import BLANK_TEXT, ParsedValue, parse_cell, text_kind
from extractors.template import row_allowed, row_sum_positions
from schemas import TABLES, schema
from schemas.canonical import ColumnSpec

# Distinct (table, row, template) plans kept: the two templates' ~130 canonical rows fit
# many times over; a row key outside the schema never reaches a plan (the matcher only
# returns schema rows).
PLAN_CACHE_SIZE = 1024


class FusedRun(NamedTuple):
    """A row whose cells ran together (flattened text), kept to be solved at the end."""

    run: str  # the digit run(s) as printed
    cells: list[Cell]
    raw_label: str | None
    score: float  # the label's match score


# A column no printed cell could be placed in with certainty.
UNREADABLE = ParsedValue(None, "unreadable")


class RowPlan(NamedTuple):
    """What placing a value in a canonical row needs, worked out once per (table, row,
    template) instead of per printed cell: the row's columns in printed order, the
    (row, column) key of each, each column's unit, the row's own sum identities as
    positions into the columns, and whether the template has the row."""

    columns: tuple[ColumnSpec, ...]
    keys: tuple[tuple[str, str], ...]
    units: tuple[str | None, ...]
    sums: list[tuple[int, tuple[int, ...]]]
    allowed: bool


@lru_cache(maxsize=PLAN_CACHE_SIZE)
def row_plan(table: str, row: str, template: str) -> RowPlan:
    """The `RowPlan` of a canonical row in a template (memoised: the schema and the template
    rules are fixed for the process)."""
    cols = schema().columns(table, row, template)
    # Only table 2 carries units (万元 for fees); the other tables' columns have none.
    units = tuple(c.unit if table == "active_disclosure" else None for c in cols)
    return RowPlan(cols, tuple((row, c.key) for c in cols), units,
                   row_sum_positions(table, [c.key for c in cols]), row_allowed(table, row, template))


class TableState:
    """Values, findings and bookkeeping of one document's assembly (see the module docstring)."""

    def __init__(self, template: str):
        self.template = template
        self.schema = schema()
        self.section: str | None = None  # the table being read, "end" after the tables
        self.values: list[Value] = []
        self.findings: list[Finding] = []
        self.seen: set[tuple[str, str]] = set()  # (table, row) already placed
        self.col_labels: dict[str, dict[str, str]] = {t: {} for t in TABLES}  # printed column labels
        self.tables: list[str] = []  # tables met, in order

    # ---- bookkeeping ------------------------------------------------------------------
    def enter(self, table: str) -> None:
        """The rows that follow belong to `table`."""
        self.section = table
        if table in TABLES and table not in self.tables:
            self.tables.append(table)

    def claim(self, table: str, row: str) -> bool:
        """Mark the row as placed; False when it already was (a second copy)."""
        if (table, row) in self.seen:
            return False
        self.seen.add((table, row))
        return True

    def unit(self, table: str, row: str, col: str) -> str | None:
        """The column's unit (table 2 only: 万元 for fees)."""
        plan = row_plan(table, row, self.template)
        for key, unit in zip(plan.keys, plan.units, strict=True):
            if key[1] == col:
                return unit
        return None

    # ---- storing ----------------------------------------------------------------------
    def add(self, table, row, col, pv: ParsedValue, raw, raw_label, raw_col, score, cell: Cell | None) -> None:
        """One value record; `cell` tells where it was printed (its column only when the
        value was read from it, `raw` not None)."""
        if cell is None:
            page = src_table = src_row = src_col = None
        else:
            page, src_table, src_row = cell.page, cell.table, cell.row
            src_col = cell.col if raw is not None else None
        self.values.append(Value(table, row, col, pv.value, pv.kind, raw, raw_label, raw_col, score,
                                 page, src_table, src_row, src_col))

    def store_unmatched(self, raw_label, values: list[Cell], check, message, quiet=False) -> None:
        """The printed values of a row placed nowhere (row null), with a finding unless `quiet`."""
        table = self.section if self.section in TABLES else "unknown"
        for c in values:
            if text_kind(c.text) == BLANK_TEXT:
                continue
            self.add(table, None, None, parse_cell(c), c.text, raw_label, None, None, c)
        if not quiet and message:
            self.findings.append(Finding(check, "warning", message, table,
                                         detail={"raw_label": raw_label, "values": [c.text for c in values]}))

    def store_placed(self, table, keys, placed, cells, raw_label, score, row_labels, units=None) -> None:
        """placed[i] is the Cell for keys[i] = (row, column), or None (unreadable), or a
        ParsedValue (pinned by the arithmetic). `row_labels` names each row's label when
        one printed row holds several canonical rows, else `raw_label` is the label.
        `units[i]` is the unit of keys[i]'s column (`RowPlan.units`; looked up when None).

        The loop is the assembler's per-cell hot path: a printed cell becomes its `Value`
        here directly (what `add` does, without the call)."""
        raw_cols = self.col_labels[table]
        append = self.values.append
        first = cells[0] if cells else None  # where an inferred or unreadable value is said to be
        doubtful = False  # some cell inferred or unreadable: a placement finding follows
        for i, (row, col) in enumerate(keys):
            label = row_labels[row] if row_labels else raw_label
            p = placed[i]
            if isinstance(p, Cell):
                unit = units[i] if units is not None else self.unit(table, row, col)
                text = p.text
                pv = parse_cell(p, unit)
                append(Value(table, row, col, pv.value, pv.kind, text, label, raw_cols.get(col), score,
                             p.page, p.table, p.row, p.col))
                if pv.kind == "unreadable" or (pv.unit and pv.unit != unit):
                    self._cell_finding(table, row, col, text, pv)
                continue
            doubtful = True
            if p is None:
                p = UNREADABLE
            self.add(table, row, col, p, None, label, raw_cols.get(col), score, first)
        if doubtful:
            self._placement_findings(table, keys, placed, cells)

    def _cell_finding(self, table, row, col, text: str, pv: ParsedValue) -> None:
        """The finding on a printed cell that is not a number, or carries a unit its column
        does not have."""
        if pv.kind == "unreadable":
            self.findings.append(Finding("unreadable_value", "warning",
                                         f"cell {text!r} is not a number", table, row, col,
                                         detail={"raw": text}))
        else:
            self.findings.append(Finding("unit_in_cell", "info",
                                         f"cell printed with unit {pv.unit!r}: {text!r}", table, row, col))

    def _placement_findings(self, table, keys, placed, cells) -> None:
        """A finding when some cells were pinned by the arithmetic or could not be placed."""
        inferred = [i for i, p in enumerate(placed) if isinstance(p, ParsedValue)]
        unreadable = [i for i, p in enumerate(placed) if p is None]
        if not (inferred or unreadable):
            return
        n_printed = len(cells)
        row_name = keys[0][0] if len({k[0] for k in keys}) == 1 else table
        printed = [c.text for c in cells]
        if unreadable:
            self.findings.append(Finding(
                "placement_ambiguous", "warning",
                f"{table}.{row_name}: {n_printed} of {len(keys)} values printed; "
                f"{len(unreadable)} cell(s) cannot be placed with certainty and are stored as unreadable",
                table, row_name, detail={"printed": printed,
                                         "unreadable": [keys[i][1] for i in unreadable]}))
        else:
            self.findings.append(Finding(
                "placement_inferred", "info",
                f"{table}.{row_name}: {n_printed} of {len(keys)} values printed; the row's arithmetic "
                "pins every cell", table, row_name, detail={"printed": printed,
                                                           "inferred": [keys[i][1] for i in inferred]}))
