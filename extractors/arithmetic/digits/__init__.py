"""Split fused digit runs back into table cells, under the template arithmetic.

Some archives keep only a page's flattened text, where every cell of a table row is
concatenated with no separator: ``规范性文件7777166`` is 77 | 77 | 166 and
``一、本年新收政府信息公开申请数量200 000121`` is 20, 0, 0, 0, 0, 1, 21. This package
turns such a *run* back into cells. Pure functions, no I/O.

How a run may be split (`splits`, in `lattice`):

* whitespace, a sign (``-``/``+`` followed by a digit) and a not-applicable marker
  (``/``, a lone ``-``, ``—``) are hard cell boundaries; everything else may or may
  not be a boundary;
* a multi-digit cell never starts with ``0`` (a lone ``0`` and ``0.5`` are fine);
* a decimal stays in one cell, and its fractional digits run to the end of the digit
  group (``5.9012`` is never ``5.90 | 12``); thousands separators must be well formed
  (``1,647,000``);
* a unit written into a cell (``元``, ``万元``, ``件``) is stripped, acts as a boundary
  and is reported;
* a cell of a column that is not signed must not be negative.

How rows are solved (`solve_table`, in `solve`; the joint search in `joint`):

* applications (table 3): each row's candidate splits are the ones where the total
  column equals the sum of the six applicant columns (``applications.row_total``).
  Rows are then solved jointly, per column, under ``applications.results_sum`` and
  ``applications.balance``: an exact branch-and-bound search finds the smallest cost
  any combination of candidates reaches, the cost being the number of broken
  equations (row totals, and each check in each column), 0 for a report whose
  arithmetic holds; every row keeps the candidates that occur in at least one
  combination of that cost. When a column check still breaks, the misprint may sit
  in a row whose split satisfies its total only by coincidence, so each row taking
  part in a broken check is re-solved with its other splits too (a broken row total
  costing 1 like any equation; stage 2, see `stages.solve_jointly`). A report whose
  printed arithmetic is wrong (pingtan-2020) therefore still gets its splits, at low
  confidence, with the broken check named, and ties leave the disputed cells open.
* review_litigation (table 4): three groups of five cells, each group's total equals
  the sum of its four parts (``review_litigation.row_total``).
* active_disclosure (table 2): no arithmetic, so every valid split is kept; narrative
  `hints` (figures for (row, column) stated elsewhere in the report) filter them.

The checks and the layouts are the template rules' (`schemas/template-rules.yaml` via
`extractors.template`): nothing here names a row or a check.

A table-4 run, or a table-3 row alone, with no split satisfying its own total keeps
the splits breaking the fewest of its sum groups and reports the check as broken.

A cell is *determined* when it has the same value in every remaining candidate of its
row; determined cells are filled in `RowSolution.values`, the others are None. No
guessing: an ambiguous cell is never filled.

Modules: `lattice` (one run: pieces, the split lattice, `splits`, `determined`),
`joint` (several rows: the branch-and-bound solve and its budget), `stages` (table 3 in
two stages: the column checks, then the misprint search),
`solve` (`solve_table`, `RowSolution`, the per-table setup from the template rules).
"""

from extractors.arithmetic.digits.lattice import Splits, determined, splits
from extractors.arithmetic.digits.solve import (
    ALL_ROWS,
    MAX_CANDIDATES,
    STATUS_AMBIGUOUS,
    STATUS_NO_SOLUTION,
    STATUS_UNIQUE,
    RowSolution,
    solve_table,
)

__all__ = [
    "ALL_ROWS", "MAX_CANDIDATES", "STATUS_AMBIGUOUS", "STATUS_NO_SOLUTION", "STATUS_UNIQUE", "RowSolution",
    "Splits", "determined", "solve_table", "splits",
]
