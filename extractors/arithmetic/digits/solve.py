"""One table at a time: `solve_table` sets up each row from the template rules, splits
it on its own (`lattice.splits`), applies the narrative hints, solves the rows jointly
under the column checks (`stages.solve_jointly`) and says what each row resolves to
(`RowSolution`).

The arithmetic comes from `schemas/template-rules.yaml` through `extractors.template`:
a row's sum groups from the identities over its columns (`row_sum_positions`), table 4's
15-cell printed row from `one_row_layout`, the column checks from the identities over
the rows (`Identity.equations`, whose leaf rows follow the layout the report printed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.arithmetic.digits.joint import Constraint
from extractors.arithmetic.digits.lattice import Number, determined, equal, splits
from extractors.arithmetic.digits.stages import RowWork, solve_jointly, usable_rows
from extractors.template import one_row_layout, row_sum_positions, rules
from schemas import schema

# Key of `runs` for table 4 (review_litigation) printed as ONE run of 15 cells (all
# seeds and the Pingtan files print the whole table as a single data row). The three
# canonical rows (review, litigation_direct, litigation_after_review) may also be
# passed separately, each with its own 5-cell run.
ALL_ROWS = "__all__"

# Candidates kept in `RowSolution.candidates` (the full set is still used for the
# solving and for deciding which cells are determined). 50 lists every split of a
# realistic 3-cell table-2 row of up to ~11 digits (C(10,2) = 45) in full.
MAX_CANDIDATES = 50

STATUS_UNIQUE = "unique"
STATUS_AMBIGUOUS = "ambiguous"
STATUS_NO_SOLUTION = "no_solution"


@dataclass
class RowSolution:
    """What the digits of one canonical row resolve to.

    values      one entry per column (schema order): the number where every remaining
                candidate agrees, None where they do not (or where the row has no split)
    candidates  the remaining splits (tuples of numbers; None for a not-applicable
                marker such as ``/``), at most MAX_CANDIDATES of them
    status      "unique" (one split left), "ambiguous" (several) or "no_solution"
                (the run cannot be cut into that many cells)
    broken      ids of the spec checks the chosen split(s) break, e.g.
                "applications.results_sum"
    confidence  "high" when unique and nothing is broken, else "low"
    hint_used   a narrative hint removed at least one candidate of this row
    unit        a unit written in the run (元, 万元, 件), stripped from the numbers
    n_candidates  how many candidates remain in total (before the MAX_CANDIDATES cap)
    notes       human-readable remarks (broken columns, dropped hints, caps hit)
    """

    values: list[Number | None]
    candidates: list[tuple] = field(default_factory=list)
    status: str = STATUS_NO_SOLUTION
    broken: list[str] = field(default_factory=list)
    confidence: str = "low"
    hint_used: bool = False
    unit: str | None = None
    n_candidates: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def determined(self) -> int:
        return sum(v is not None for v in self.values)


# ---- per-row setup from the template rules -----------------------------------------------


def sum_groups(positions: list[tuple[int, tuple[int, ...]]], n: int) -> list[int] | None:
    """`row_sum_positions`-style (total, parts) positions as the group sizes `splits`
    takes (consecutive groups, the total last); None for a row without arithmetic."""
    if not positions:
        return None
    sizes, start = [], 0
    for total, parts in positions:
        if parts != tuple(range(start, total)):
            raise ValueError(f"sum over positions {parts} -> {total}: the solver needs each total "
                             "right after its parts, the groups side by side")
        sizes.append(total - start + 1)
        start = total + 1
    if start != n:
        raise ValueError(f"sum groups cover {start} of {n} cells")
    return sizes


def sum_checks(table: str, columns: list[str]) -> list[str]:
    """The check id of each sum group of a row, in the order of `row_sum_positions`
    (the same identities: sums over the columns, every column present)."""
    return [i.id for i in rules().identities_for(table, "columns")
            if i.form == "sum" and all(c in columns for c in [i.total, *i.parts])]


def _printed_row_layout(table: str, template: str) -> list[tuple[str, list[str]]]:
    """(canonical row, its columns) in the order a one-row table prints them."""
    keys, _constraints = one_row_layout(table, template)
    rows = dict.fromkeys(r for r, _c in keys)
    return [(r, [c for rr, c in keys if rr == r]) for r in rows]


def _one_row_work(table: str, template: str, run: str) -> RowWork:
    """The whole of a table printed as one row (table 4's 15 cells)."""
    keys, constraints = one_row_layout(table, template)
    printed = _printed_row_layout(table, template)
    signed = {(r, c.key): c.signed for r, _cols in printed for c in schema().columns(table, r, template)}
    checks = [x for _r, cols in printed for x in sum_checks(table, cols)]
    return RowWork(ALL_ROWS, run, len(keys), [f"{r}.{c}" for r, c in keys], sum_groups(constraints, len(keys)),
                   [signed[k] for k in keys], checks)


def _row_work(table: str, template: str, key: str, run: str) -> RowWork:
    specs = schema().columns(table, key, template)
    cols = [c.key for c in specs]
    return RowWork(key, run, len(cols), cols, sum_groups(row_sum_positions(table, cols), len(cols)),
                   [c.signed for c in specs], sum_checks(table, cols))


def _works(table: str, template: str, runs: dict[str, str]) -> list[RowWork]:
    layout = one_row_layout(table, template)
    if layout is not None:
        first = rules().one_printed_row[table][0]
        keys, constraints = layout
        if set(runs) == {first} and splits(runs[first], len(keys), sum_groups(constraints, len(keys))).total:
            runs = {ALL_ROWS: runs[first]}  # the whole table passed under its first row
    return [_one_row_work(table, template, runs[key]) if key == ALL_ROWS and layout is not None
            else _row_work(table, template, key, runs[key]) for key in runs]


# ---- each row on its own -------------------------------------------------------------------


def _apply_hints(w: RowWork, hints: dict[tuple[str, str], float]) -> None:
    for (hrow, hcol), hval in hints.items():
        if w.key == ALL_ROWS:
            name = f"{hrow}.{hcol}"
        elif hrow == w.key:
            name = hcol
        else:
            continue
        if name not in w.columns or not w.domain or not w.split.complete:
            continue
        idx = w.columns.index(name)
        kept = [c for c in w.domain if c[idx] is not None and equal(c[idx], hval)]
        if not kept:
            w.notes.append(f"hint {hrow}.{hcol}={hval:g} matches no split; ignored")
        elif len(kept) < len(w.domain):
            w.domain = kept
            w.hint_used = True
            w.notes.append(f"hint {hrow}.{hcol}={hval:g} used")


def _split_row(w: RowWork, hints: dict[tuple[str, str], float]) -> None:
    w.split = splits(w.run, w.n, w.sums, w.signed)
    w.domain = list(w.split.candidates)
    w.breaks = dict(zip(w.split.candidates, w.split.broken_groups, strict=True))
    if not w.split.complete:
        w.notes.append(f"cap hit: {w.split.total} splits into {w.n} cells; candidates incomplete")
    _apply_hints(w, hints)


# ---- the column checks -----------------------------------------------------------------------


def column_constraints(table: str, present: set[str], template: str,
                       columns: list[str]) -> tuple[list[Constraint], list[str]]:
    """The column checks (identities over the rows of `table`) whose rows are all
    present (a missing row would make an equation wrong, and a wrong equation would
    steer the splits); a note for each check left out."""
    notes = []
    out: list[Constraint] = []
    for ident in rules().identities_for(table, "rows"):
        equations = ident.equations(columns, present, template)
        rows = [row for (_t, row, _c), _coef in equations[0].terms()]
        missing = [k for k in rows if k not in present]
        if missing:
            notes.append(f"{ident.id} not applied: rows missing or unsplittable: {', '.join(missing)}")
            continue
        for eq in equations:
            out.append(Constraint(ident.id, eq.column, [(row, coef, columns.index(col))
                                                        for (_t, row, col), coef in eq.terms()]))
    return out, notes


def _solve_columns(table: str, template: str, works: list[RowWork]) -> dict[str, set[str]]:
    """Narrow each row's domain under the column checks (see `stages.solve_jointly`);
    the checks each row takes part in that the retained solutions break."""
    if not rules().identities_for(table, "rows"):
        return {}
    columns = [c.key for c in schema().columns(table, schema().rows(table)[0].key, template)]
    constraints, notes = column_constraints(table, set(usable_rows(works)), template, columns)
    for w in works:
        w.notes += notes
    if not constraints:
        return {}
    return solve_jointly(works, constraints)


# ---- results ---------------------------------------------------------------------------------


def _solution(domain: list[tuple], n: int, w: RowWork, broken: set[str]) -> RowSolution:
    complete = w.split.complete if w.split else False
    if not domain:
        status = STATUS_AMBIGUOUS if not complete else STATUS_NO_SOLUTION
        if status == STATUS_NO_SOLUTION and not any("no split" in x for x in w.notes):
            w.notes.append(f"no split into {w.n} cells")
        values: list[Number | None] = [None] * n
    else:
        status = STATUS_UNIQUE if len(domain) == 1 and complete and not w.unsure else STATUS_AMBIGUOUS
        values = determined(domain, n) if complete and not w.unsure else [None] * n
    return RowSolution(
        values=values,
        candidates=domain[:MAX_CANDIDATES],
        status=status,
        broken=sorted(broken),
        confidence="high" if status == STATUS_UNIQUE and not broken else "low",
        hint_used=w.hint_used,
        unit=w.split.unit if w.split else None,
        n_candidates=len(domain),
        notes=list(w.notes),
    )


def _broken_groups(w: RowWork, groups: range) -> set[str]:
    """The checks of `groups` that some remaining candidate of w breaks."""
    return {w.group_checks[g] for g in groups if any(g in w.breaks.get(c, ()) for c in w.domain)}


def _one_row_solutions(table: str, template: str, w: RowWork, out: dict[str, RowSolution]) -> None:
    """The canonical rows of a table printed as one row, each from its slice of the run."""
    start, g = 0, 0
    for row, cols in _printed_row_layout(table, template):
        ngroups = len(sum_checks(table, cols))
        proj = list(dict.fromkeys(c[start:start + len(cols)] for c in w.domain))
        out[row] = _solution(proj, len(cols), w, _broken_groups(w, range(g, g + ngroups)))
        start, g = start + len(cols), g + ngroups


def solve_table(table: str, template: str, runs: dict[str, str],
                hints: dict[tuple[str, str], float] | None = None) -> dict[str, RowSolution]:
    """Split the fused runs of one table.

    table     active_disclosure | applications | review_litigation
    template  gb2019 | gb2021 (decides the columns of table 2 and the leaves of table 3)
    runs      canonical row key -> the raw fused text of that row's cells. For
              review_litigation pass the 15-cell run under ALL_ROWS ("__all__").
              A run under "review" alone is taken for the whole 15-cell table too
              when it can be cut into 15 cells (the printed table is one row); with
              litigation_direct / litigation_after_review also present, each key
              holds its own 5-cell run.
    hints     known figures, (row key, column key) -> value, e.g. from
              `extractors.narrative.narrative_hints`; a hint that matches no candidate
              is ignored (with a note).

    Returns canonical row key -> RowSolution (for review_litigation, always keyed by
    the three canonical rows).
    """
    works = _works(table, template, runs)
    for w in works:  # 1. each row on its own
        _split_row(w, hints or {})
    joint_broken: dict[str, set[str]] = {w.key: set() for w in works}
    for key, checks in _solve_columns(table, template, works).items():  # 2. the column checks, jointly
        joint_broken[key] |= checks
    out: dict[str, RowSolution] = {}
    for w in works:  # 3. results
        if w.key == ALL_ROWS:
            _one_row_solutions(table, template, w, out)
        else:
            out[w.key] = _solution(w.domain, w.n, w, joint_broken[w.key] | _broken_groups(w, range(len(w.group_checks))))
    return out
