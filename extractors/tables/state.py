"""What the assembly of one document has collected so far, and how a value is stored.

`TableState` holds the values and findings read, the rows already placed, the printed
column labels, the tables met (in order) and the table being read. The table walker
(`extractors.tables.assemble`) and the storage of fused digit runs
(`extractors.tables.fused`) both write through it, so neither needs the other's insides.
"""

from __future__ import annotations

from typing import NamedTuple

from extractors.records import Cell, Finding, Value
from extractors.tables.cells import ParsedValue, clean, parse_value
from schemas import TABLES, schema


class FusedRun(NamedTuple):
    """A row whose cells ran together (flattened text), kept to be solved at the end."""

    run: str  # the digit run(s) as printed
    cells: list[Cell]
    raw_label: str | None
    score: float  # the label's match score


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
        if table != "active_disclosure":
            return None
        for c in self.schema.columns(table, row, self.template):
            if c.key == col:
                return c.unit
        return None

    # ---- storing ----------------------------------------------------------------------
    def add(self, table, row, col, pv: ParsedValue, raw, raw_label, raw_col, score, cell: Cell | None) -> None:
        """One value record; `cell` tells where it was printed."""
        self.values.append(Value(
            table, row, col, pv.value, pv.kind, raw, raw_label, raw_col, score,
            cell.page if cell else None, cell.table if cell else None,
            cell.row if cell else None, cell.col if cell and raw is not None else None))

    def store_unmatched(self, raw_label, values: list[Cell], check, message, quiet=False) -> None:
        """The printed values of a row placed nowhere (row null), with a finding unless `quiet`."""
        table = self.section if self.section in TABLES else "unknown"
        for c in values:
            if not clean(c.text):
                continue
            pv = parse_value(c.text)
            self.add(table, None, None, pv, c.text, raw_label, None, None, c)
        if not quiet and message:
            self.findings.append(Finding(check, "warning", message, table,
                                         detail={"raw_label": raw_label, "values": [c.text for c in values]}))

    def store_placed(self, table, keys, placed, cells, raw_label, score, row_labels) -> None:
        """placed[i] is the Cell for keys[i] = (row, column), or None (unreadable), or a
        ParsedValue (pinned by the arithmetic). `row_labels` names each row's label when
        one printed row holds several canonical rows, else `raw_label` is the label."""
        for i, (row, col) in enumerate(keys):
            label = row_labels[row] if row_labels else raw_label
            self._store_cell(table, row, col, placed[i], cells, label, score)
        self._placement_findings(table, keys, placed, cells)

    def _store_cell(self, table, row, col, p, cells, label, score) -> None:
        raw_col = self.col_labels[table].get(col)
        if isinstance(p, Cell):
            unit = self.unit(table, row, col)
            pv = parse_value(p.text, unit)
            self.add(table, row, col, pv, p.text, label, raw_col, score, p)
            if pv.kind == "unreadable":
                self.findings.append(Finding("unreadable_value", "warning",
                                             f"cell {p.text!r} is not a number", table, row, col,
                                             detail={"raw": p.text}))
            elif pv.unit and pv.unit != unit:
                self.findings.append(Finding("unit_in_cell", "info",
                                             f"cell printed with unit {pv.unit!r}: {p.text!r}", table, row, col))
        elif isinstance(p, ParsedValue):
            self.add(table, row, col, p, None, label, raw_col, score, cells[0] if cells else None)
        else:
            self.add(table, row, col, ParsedValue(None, "unreadable"), None, label, raw_col, score,
                     cells[0] if cells else None)

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
