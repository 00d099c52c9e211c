"""Split fused digit runs back into table cells, under the template arithmetic.

Some archives keep only a page's flattened text, where every cell of a table row is
concatenated with no separator: ``规范性文件7777166`` is 77 | 77 | 166 and
``一、本年新收政府信息公开申请数量200 000121`` is 20, 0, 0, 0, 0, 1, 21. This module
turns such a *run* back into cells. Pure functions, no I/O.

How a run may be split (`splits`):

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

How rows are solved (`solve_table`):

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
  costing 1 like any equation; stage 2, see `_solve_applications`). A report whose
  printed arithmetic is wrong (pingtan-2020) therefore still gets its splits, at low
  confidence, with the broken check named, and ties leave the disputed cells open.
* review_litigation (table 4): three groups of five cells, each group's total equals
  the sum of its four parts (``review_litigation.row_total``).
* active_disclosure (table 2): no arithmetic, so every valid split is kept; narrative
  `hints` (figures for (row, column) stated elsewhere in the report) filter them.

A table-4 run, or a table-3 row alone, with no split satisfying its own total keeps
the splits breaking the fewest of its sum groups and reports the check as broken.

A cell is *determined* when it has the same value in every remaining candidate of its
row; determined cells are filled in `RowSolution.values`, the others are None. No
guessing: an ambiguous cell is never filled.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from schemas import schema

# ---- public constants ---------------------------------------------------------------

# Key of `runs` for table 4 (review_litigation) printed as ONE run of 15 cells (all
# seeds and the Pingtan files print the whole table as a single data row). The three
# canonical rows (review, litigation_direct, litigation_after_review) may also be
# passed separately, each with its own 5-cell run.
ALL_ROWS = "__all__"

# Candidates kept in `RowSolution.candidates` (the full set is still used for the
# solving and for deciding which cells are determined). 50 lists every split of a
# realistic 3-cell table-2 row of up to ~11 digits (C(10,2) = 45) in full.
MAX_CANDIDATES = 50

# Splits enumerated for one row without arithmetic (table 2, or a table-3 row whose
# own total cannot hold). A 3-cell row of 25 digits has C(24,2) = 276 splits, a
# 7-cell row of 16 digits C(15,6) = 5005; 20000 covers every row length seen with
# room to spare. Beyond it the row is reported ambiguous with nothing determined.
MAX_ROW_SPLITS = 20_000

# Search nodes for one row's arithmetic-constrained enumeration. The 15-cell table 4
# of pingtan-2024 (17 digits) takes a few hundred nodes; 200000 is far above any
# real run and keeps a pathological one (hundreds of digits) well under a second.
MAX_ROW_NODES = 200_000

# Candidate evaluations for the joint (column-check) solve of one table 3, all
# stages together. The Pingtan reports need a few dozen; random consistent tables
# with many ambiguous rows a few thousand; random tables with a misprint and a
# 3003-split row up to ~250000. One evaluation costs 2-4 µs of CPython, so 200000
# keeps the worst case well under a second. Past it the column checks are dropped
# (stage 1) or the rows not yet tried as misprinted determine nothing (stage 2):
# fewer cells determined, never a guess.
MAX_JOINT_WORK = 200_000


# Misprint search (stage 2 of the table-3 solve) looks for combinations costing at
# most this much: one misprinted cell breaks its row total and at most two column
# equations (results_sum, and balance for the results.total row), so 3. A report
# needing more is flagged with the stage-1 solution.
MAX_MISPRINT_COST = 3

# Absolute tolerance when comparing sums of decimal cells (fees print 2 decimals).
TOLERANCE = 1e-6

# Units that may be written into a cell (spec cell_conventions.unit_in_cell and the
# gb2021 column units); longest first so 万元 wins over 元.
UNITS = ("万元", "元", "件")

STATUS_UNIQUE = "unique"
STATUS_AMBIGUOUS = "ambiguous"
STATUS_NO_SOLUTION = "no_solution"

CHECK_ROW_TOTAL = "applications.row_total"
CHECK_RESULTS_SUM = "applications.results_sum"
CHECK_BALANCE = "applications.balance"
CHECK_REVIEW_TOTAL = "review_litigation.row_total"

REVIEW_ROWS = ("review", "litigation_direct", "litigation_after_review")

Number = int | float


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


# ---- tokenising a run ---------------------------------------------------------------

_NUM_RE = re.compile(r"[+-]?(?:0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)(?:\.\d+)?")
_NA_RE = re.compile(r"/|-|—+")
_DASHES = {"−": "-", "–": "-", "‒": "-", "﹣": "-", "－": "-"}


def _normalize(run: str) -> str:
    """Full-width digits and punctuation to ASCII, one char for one char."""
    out = []
    for ch in run:
        if ch in _DASHES:
            out.append(_DASHES[ch])
            continue
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out).replace("，", ",")


def _pieces(run: str) -> tuple[list[str], str | None]:
    """Cut a run at its hard boundaries. Returns the pieces and the unit found."""
    s = _normalize(run)
    unit = None
    for u in UNITS:
        if u in s:
            unit = unit or u
            s = s.replace(u, " ")
    pieces: list[str] = []
    for seg in s.split():
        cur = ""
        i = 0
        while i < len(seg):
            ch = seg[i]
            if ch == "/" or ch == "—" or (ch in "+-" and not (i + 1 < len(seg) and seg[i + 1].isdigit())):
                if cur:
                    pieces.append(cur)
                cur = ""
                j = i + 1
                while ch == "—" and j < len(seg) and seg[j] == "—":
                    j += 1
                pieces.append(seg[i:j])
                i = j
                continue
            if ch in "+-":
                if cur:
                    pieces.append(cur)
                cur = ch
            else:
                cur += ch
            i += 1
        if cur:
            pieces.append(cur)
    return pieces, unit


def _value(text: str) -> Number | None | bool:
    """The number a cell text stands for; None for a not-applicable marker; False if
    the text is not a valid cell."""
    if _NA_RE.fullmatch(text):
        return None
    if not _NUM_RE.fullmatch(text):
        return False
    t = text.replace(",", "")
    return float(t) if "." in t else int(t)


@dataclass
class _Lattice:
    """Every valid cell of a run: cells_from[i] lists (end, value) of cells starting at i."""

    length: int
    text: str
    cells_from: list[list[tuple[int, Number | None]]]
    unit: str | None
    nonneg: bool
    ways: list[list[int]] = field(default_factory=list)  # ways[i][k]: splits of run[i:] into k cells


def _lattice(run: str, max_cells: int) -> _Lattice:
    pieces, unit = _pieces(run)
    text = "".join(pieces)
    n = len(text)
    cells_from: list[list[tuple[int, Number | None]]] = [[] for _ in range(n + 1)]
    pos = 0
    for piece in pieces:
        # allowed cut points inside the piece: never next to '.' or ',' or after a
        # sign, never inside a fractional part
        cuts = [pos]
        seen_point = False
        for k in range(1, len(piece)):
            if piece[k - 1] == ".":
                seen_point = True
            if seen_point or piece[k] in ".," or piece[k - 1] in ".,+-":
                continue
            cuts.append(pos + k)
        cuts.append(pos + len(piece))
        for a in range(len(cuts) - 1):
            for b in range(a + 1, len(cuts)):
                v = _value(text[cuts[a]:cuts[b]])
                if v is not False:
                    cells_from[cuts[a]].append((cuts[b], v))
        pos += len(piece)
    ways = [[0] * (max_cells + 1) for _ in range(n + 1)]
    ways[n][0] = 1
    for i in range(n - 1, -1, -1):
        for j, _v in cells_from[i]:
            for k in range(1, max_cells + 1):
                if ways[j][k - 1]:
                    ways[i][k] += ways[j][k - 1]
    return _Lattice(n, text, cells_from, unit, "-" not in text, ways)


# ---- enumerating the splits of one run ----------------------------------------------


class _Budget(Exception):
    pass


@dataclass
class Splits:
    """The splits of one run into n cells.

    candidates  splits satisfying every sum group (or, when none does, the splits that
                break the fewest groups)
    broken_groups  for each candidate, the indices of its sum groups that do not add up
    total       how many splits into n cells exist at all (ignoring arithmetic and signs)
    complete    False when a cap was hit and `candidates` may miss some splits
    """

    candidates: list[tuple]
    broken_groups: list[tuple[int, ...]]
    unit: str | None
    total: int
    complete: bool = True


def _eq(a: float, b: float) -> bool:
    # absolute, plus float rounding on very large sums (never a whole unit)
    return abs(a - b) <= TOLERANCE + 1e-12 * max(abs(a), abs(b))


def _group_breaks(cand: tuple, sums: list[int]) -> tuple[int, ...]:
    out, start = [], 0
    for g, size in enumerate(sums):
        part = cand[start:start + size]
        if not _eq(sum(v or 0 for v in part[:-1]), part[-1] or 0):
            out.append(g)
        start += size
    return tuple(out)


def splits(run: str, n: int, sums: list[int] | None = None, signed: list[bool] | None = None) -> Splits:
    """Every way to cut `run` into exactly `n` cells.

    sums    sizes of consecutive cell groups whose last cell is the sum of the others
            (table 3: [7]; table 4: [5, 5, 5]); None for no arithmetic (table 2)
    signed  per cell, whether a negative value is allowed (default: none is)
    """
    signed = signed or [False] * n
    lat = _lattice(run, n)
    total = lat.ways[0][n] if lat.length else 0
    if not total:
        return Splits([], [], lat.unit, 0)

    def sign_ok(c: int, v: Number | None) -> bool:
        return v is None or v >= 0 or signed[c]

    if sums:
        assert sum(sums) == n and min(sums) >= 2, "sum groups (parts + total) must cover the row"
        out: list[tuple] = []
        nodes = 0
        first_col = [sum(sums[:g]) for g in range(len(sums))]
        cells_from = lat.cells_from  # each list is in increasing end order
        cell_at = {(x, j): v for x, cells in enumerate(cells_from) for j, v in cells}
        # Casting out nines: the cells of a pure-integer span add up to its digit sum
        # modulo 9, however the span is cut, so a remainder that disagrees ends a branch.
        integral = lat.nonneg and all(isinstance(v, int) for cells in cells_from for _j, v in cells)
        dsum = [0]
        for ch in lat.text:
            dsum.append(dsum[-1] + (int(ch) if ch.isdigit() else 0))
        ranges: dict[tuple[int, int, int], tuple[float, float]] = {}
        inf = float("inf")

        def span_range(x: int, a: int, r: int) -> tuple[float, float]:
            """Smallest and largest sum of r cells cutting run[x:a]; (inf, -inf) if
            run[x:a] cannot be cut into r cells."""
            key = (x, a, r)
            got = ranges.get(key)
            if got is not None:
                return got
            if r == 0:
                got = (0.0, 0.0) if x == a else (inf, -inf)
            elif r == 1:
                v = cell_at.get((x, a), False)
                got = (inf, -inf) if v is False else (v or 0, v or 0)
            else:
                lo, hi = inf, -inf
                for j, v in cells_from[x]:
                    if j >= a:
                        break
                    sub_lo, sub_hi = span_range(j, a, r - 1)
                    if sub_lo <= sub_hi:
                        lo = min(lo, (v or 0) + sub_lo)
                        hi = max(hi, (v or 0) + sub_hi)
                got = (lo, hi)
            ranges[key] = got
            return got

        def fits(x: int, a: int, r: int, rest: float) -> bool:
            if integral and (rest - (dsum[a] - dsum[x])) % 9:
                return False
            lo, hi = span_range(x, a, r)
            return lo - TOLERANCE <= rest <= hi + TOLERANCE

        def parts(x: int, a: int, c: int, r: int, rest: float, acc: list, sink: list) -> None:
            """Cut run[x:a] into r >= 1 cells (columns c, c+1, ...) adding up to `rest`;
            the caller has checked that this is possible in range."""
            nonlocal nodes
            nodes += 1
            if nodes > MAX_ROW_NODES:
                raise _Budget
            if r == 1:  # the last part is run[x:a] itself
                v = cell_at.get((x, a), False)
                if v is not False and sign_ok(c, v) and _eq(v or 0, rest):
                    sink.append(acc + [v])
                return
            for j, v in cells_from[x]:
                if j >= a:
                    break
                nrest = rest - (v or 0)
                if not sign_ok(c, v) or not fits(j, a, r - 1, nrest):
                    continue
                acc.append(v)
                parts(j, a, c + 1, r - 1, nrest, acc, sink)
                acc.pop()

        def group(i: int, g: int, acc: list) -> None:
            """Groups g.. from position i: pick the group's total cell first (its value
            bounds the parts), then the parts in front of it."""
            if g == len(sums):
                if i == lat.length:
                    out.append(tuple(acc))
                return
            k = sums[g]
            after = sum(sums[g + 1:])
            tcol = first_col[g] + k - 1
            for a in range(i + k - 1, lat.length):
                for b, tval in cells_from[a]:
                    if not lat.ways[b][after] or not sign_ok(tcol, tval) or not fits(i, a, k - 1, tval or 0):
                        continue
                    sink: list[list] = []
                    parts(i, a, first_col[g], k - 1, tval or 0, [], sink)
                    for p in sink:
                        group(b, g + 1, acc + p + [tval])

        try:
            group(0, 0, [])
        except _Budget:
            return Splits(out, [() for _ in out], lat.unit, total, complete=False)
        if out:
            return Splits(out, [() for _ in out], lat.unit, total)
    # no arithmetic, or no split satisfies it: every split (bounded)
    if total > MAX_ROW_SPLITS:
        return Splits([], [], lat.unit, total, complete=False)
    allsplits: list[tuple] = []

    def rec_all(i: int, c: int, acc: list) -> None:
        if c == n:
            allsplits.append(tuple(acc))
            return
        for j, v in lat.cells_from[i]:
            if lat.ways[j][n - c - 1] and sign_ok(c, v):
                rec_all(j, c + 1, acc + [v])

    rec_all(0, 0, [])
    if not sums:
        return Splits(allsplits, [() for _ in allsplits], lat.unit, total)
    breaks = [_group_breaks(c, sums) for c in allsplits]
    if not breaks:
        return Splits([], [], lat.unit, total)
    fewest = min(len(b) for b in breaks)
    keep = [(c, b) for c, b in zip(allsplits, breaks, strict=True) if len(b) == fewest]
    return Splits([c for c, _ in keep], [b for _, b in keep], lat.unit, total)


def determined(candidates: list[tuple], n: int) -> list[Number | None]:
    """Per cell, the value shared by every candidate, else None."""
    if not candidates:
        return [None] * n
    out: list[Number | None] = []
    for i in range(n):
        first = candidates[0][i]
        same = all(
            (c[i] is None and first is None) or (c[i] is not None and first is not None and _eq(c[i], first))
            for c in candidates
        )
        out.append(first if same else None)
    return out


# ---- the joint solve of table 3 -----------------------------------------------------


@dataclass
class _Constraint:
    check: str
    column: str
    terms: list[tuple[str, int, int]]  # (row key, coefficient, cell index)


class _Allowance:
    """Candidate evaluations left for the joint solve of one table."""

    def __init__(self, left: int):
        self.left = left

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise _Budget


@dataclass
class _JointResult:
    domains: dict[str, list[tuple]]  # per row, the candidates of some optimal combination
    local: dict[str, list[int]]  # their row-level breaks
    broken: set[int]  # constraints broken in some optimal combination
    cost: int  # row-level breaks + broken constraints of an optimal combination
    found: bool = True  # False: no combination within `upper` (cost is then upper + 1)


def _joint(domains: dict[str, list[tuple]], local: dict[str, list[int]], constraints: list[_Constraint],
           budget: _Allowance, upper: int | None = None, memo: dict | None = None) -> _JointResult | None:
    """Branch and bound over the rows' candidates: the smallest cost any combination
    reaches (cost = the row-level breaks of the chosen candidates + the constraints
    the combination breaks), and per row every candidate that occurs in a combination
    of that cost. `upper`: only combinations of cost <= upper are of interest (the
    result has found=False when there is none). None when the budget runs out.

    Each constraint is a linear equation over the rows; with every row ranging over
    its candidates it has an interval of possible values. A candidate whose own
    row-level breaks plus the equations that can no longer hold exceed the cost being
    looked for is dropped before the search (bounds consistency, to a fixpoint), and
    the same bound prunes the search. Candidates are handled as numpy arrays, one row
    of contributions per candidate, so a row with thousands of splits stays cheap."""
    keys = list(domains)
    var_keys = [k for k in keys if len(domains[k]) > 1]
    nv, nc = len(var_keys), len(constraints)
    var_index = {k: d for d, k in enumerate(var_keys)}
    const = np.zeros(nc)
    base = sum(local[k][0] for k in keys if k not in var_index)
    terms: list[dict[int, list[tuple[int, int]]]] = [{} for _ in var_keys]
    for ci, con in enumerate(constraints):
        for key, coef, idx in con.terms:
            if key in var_index:
                terms[var_index[key]].setdefault(ci, []).append((coef, idx))
            else:
                const[ci] += coef * (domains[key][0][idx] or 0)
    touch = [np.array(sorted(t), dtype=int) for t in terms]  # constraints each variable takes part in
    memo = {} if memo is None else memo  # (row, candidate) -> contributions, across calls

    def contributions(d: int, key: str, cand: tuple) -> list[float]:
        got = memo.get((key, cand))
        if got is None:
            got = memo[(key, cand)] = [sum(coef * (cand[idx] or 0) for coef, idx in terms[d][ci])
                                       for ci in touch[d]]
        return got

    # F[d][kk, j]: contribution of candidate kk of variable d to constraint touch[d][j]
    F = [np.array([contributions(d, k, c) for c in domains[k]], dtype=float).reshape(len(domains[k]), len(touch[d]))
         for d, k in enumerate(var_keys)]
    Lc = [np.array(local[k], dtype=int) for k in var_keys]
    alive = [np.argsort(Lc[d], kind="stable") for d in range(nv)]  # fewest row breaks first
    cache: dict[str, tuple] = {}

    def ranges() -> tuple[list[np.ndarray], list[np.ndarray], list[int]]:
        """Per variable, the smallest and largest contribution of its live candidates
        to each constraint it touches, and its smallest row-level cost."""
        if "r" not in cache:
            lo = [F[d][alive[d]].min(axis=0) for d in range(nv)]
            hi = [F[d][alive[d]].max(axis=0) for d in range(nv)]
            mins = [int(Lc[d][alive[d]].min()) for d in range(nv)]
            cache["r"] = (lo, hi, mins)
        return cache["r"]

    def broken_mask(a: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return (a + lo > TOLERANCE) | (a + hi < -TOLERANCE)

    def prefilter(limit: int) -> bool:
        """Drop candidates that cannot be part of a combination of cost <= limit;
        False when some variable is left with none."""
        changed = True
        while changed:
            changed = False
            lo, hi, mins = ranges()
            tot_lo, tot_hi = const.copy(), const.copy()
            for d in range(nv):
                tot_lo[touch[d]] += lo[d]
                tot_hi[touch[d]] += hi[d]
            sure = (tot_lo > TOLERANCE) | (tot_hi < -TOLERANCE)
            nsure = int(sure.sum())
            min_loc = base + sum(mins)
            for d in range(nv):
                t = touch[d]
                budget.spend(len(alive[d]))
                nb = (nsure - int(sure[t].sum())) + broken_mask(F[d][alive[d]], tot_lo[t] - lo[d],
                                                                tot_hi[t] - hi[d]).sum(axis=1)
                ok = min_loc - mins[d] + Lc[d][alive[d]] + nb <= limit
                if not ok.all():
                    if not ok.any():
                        return False
                    alive[d] = alive[d][ok]
                    changed = True
            if changed:
                cache.clear()
        return True

    def exact_cost(choice: list[int]) -> tuple[int, set[int]]:
        acc = const.copy()
        lc = base
        for d, kk in enumerate(choice):
            lc += int(Lc[d][kk])
            acc[touch[d]] += F[d][kk]
        broken = {int(ci) for ci in np.nonzero(np.abs(acc) > TOLERANCE)[0]}
        return lc + len(broken), broken

    def solve(limit: int, strict: bool, visit) -> None:
        """Depth-first over the variables, calling visit(choice) at every complete
        combination of cost <= limit. strict: branch and bound, only combinations
        cheaper than every one visited before."""
        lo, hi, mins = ranges()
        sufmin = np.zeros((nv + 1, nc))
        sufmax = np.zeros((nv + 1, nc))
        sufloc = [0] * (nv + 1)
        for d in range(nv - 1, -1, -1):
            sufloc[d] = sufloc[d + 1] + mins[d]
            sufmin[d] = sufmin[d + 1]
            sufmax[d] = sufmax[d + 1]
            sufmin[d][touch[d]] += lo[d]
            sufmax[d][touch[d]] += hi[d]
        best = [limit + 1 if strict else limit]

        def rec(d: int, acc: np.ndarray, lc: int, nb: int, choice: list[int]) -> None:
            if d == nv:
                if strict:
                    best[0] = lc + nb
                visit(choice)
                return
            t = touch[d]
            cand = alive[d]
            budget.spend(len(cand))
            before = int(broken_mask(acc[t], sufmin[d][t], sufmax[d][t]).sum())
            A = acc[t] + F[d][cand]
            after = broken_mask(A, sufmin[d + 1][t], sufmax[d + 1][t]).sum(axis=1)
            bound = lc + Lc[d][cand] + sufloc[d + 1] + (nb - before) + after
            for i in np.nonzero(bound <= best[0])[0]:
                b = int(bound[i])
                if b > best[0] or (strict and b == best[0]):
                    continue  # best improved meanwhile
                nacc = acc.copy()
                nacc[t] = A[i]
                choice.append(int(cand[i]))
                rec(d + 1, nacc, lc + int(Lc[d][cand[i]]), nb - before + int(after[i]), choice)
                choice.pop()

        nb0 = int(broken_mask(const, sufmin[0], sufmax[0]).sum())
        rec(0, const.copy(), base, nb0, [])

    supported: list[set[int]] = [set() for _ in range(nv)]
    broken: set[int] = set()
    best_choice: list[int] = []

    def keep_best(choice: list[int]) -> None:
        best_choice[:] = choice

    def collect(choice: list[int]) -> None:
        for d, kk in enumerate(choice):
            supported[d].add(kk)
        broken.update(exact_cost(choice)[1])

    try:
        # a first upper bound: every row on its cheapest candidate
        greedy, _ = exact_cost([int(a[0]) for a in alive])
        ub = min(greedy, upper) if upper is not None else greedy
        if not prefilter(ub):
            return _JointResult({}, {}, set(), ub + 1, found=False)
        best_choice.clear()
        solve(ub, True, keep_best)
        if len(best_choice) != nv or (nv == 0 and exact_cost([])[0] > ub):
            return _JointResult({}, {}, set(), ub + 1, found=False)
        cost = exact_cost(best_choice)[0]
        # every combination of the optimal cost, in one pass (drop what cannot reach it)
        prefilter(cost)
        solve(cost, False, collect)
    except _Budget:
        return None
    out = {k: list(v) for k, v in domains.items()}
    out_local = {k: list(v) for k, v in local.items()}
    for d, k in enumerate(var_keys):
        keep = sorted(supported[d])
        out[k] = [domains[k][kk] for kk in keep]
        out_local[k] = [local[k][kk] for kk in keep]
    return _JointResult(out, out_local, broken, cost)


def _row_ranges(domains: dict[str, list[tuple]], constraints: list[_Constraint]) -> dict[str, dict[int, tuple[float, float]]]:
    """Per row and constraint, the smallest and largest contribution of its candidates."""
    out: dict[str, dict[int, tuple[float, float]]] = {}
    for ci, con in enumerate(constraints):
        for key, coef, idx in con.terms:
            vals = [coef * (c[idx] or 0) for c in domains[key]]
            lo, hi = out.setdefault(key, {}).get(ci, (0.0, 0.0))
            out[key][ci] = (lo + min(vals), hi + max(vals))
    return out


def _misprint_candidates(w: _Work, ranges: dict[str, dict[int, tuple[float, float]]], local: dict[str, list[int]],
                         constraints: list[_Constraint], limit: int, budget: _Allowance) -> dict[tuple, tuple]:
    """Every split of row w (row total kept or not) that could be part of a combination
    of cost <= limit, with its broken sum groups: the other rows range over their
    candidates (`ranges`, from `_row_ranges`), so each column equation gives an
    interval a cell must fall in to hold, and a split is enumerated cell by cell,
    counting the equations its cells break."""
    nc = len(constraints)
    rest_lo, rest_hi = [0.0] * nc, [0.0] * nc
    for key, per in ranges.items():
        if key != w.key:
            for ci, (lo, hi) in per.items():
                rest_lo[ci] += lo
                rest_hi[ci] += hi
    own: dict[int, list[tuple[int, int]]] = {}  # cell index -> [(constraint, coefficient)]
    for ci, con in enumerate(constraints):
        for key, coef, idx in con.terms:
            if key == w.key:
                own.setdefault(idx, []).append((ci, coef))
    mine = {ci for pairs in own.values() for ci, _coef in pairs}

    def surely(a: float, ci: int) -> bool:
        return a + rest_lo[ci] > TOLERANCE or a + rest_hi[ci] < -TOLERANCE

    fixed = sum(1 for ci in range(nc) if ci not in mine and surely(0.0, ci))
    fixed += sum(min(x) for k, x in local.items() if k != w.key)
    room = limit - fixed
    lat = _lattice(w.run, w.n)
    out: dict[tuple, tuple] = {}
    if room < 0 or not lat.ways[0][w.n]:
        return out

    def rec(i: int, c: int, cost: int, acc: list) -> None:
        if c == w.n:
            cand = tuple(acc)
            br = _group_breaks(cand, w.sums) if w.sums else ()
            if cost + len(br) <= room:
                out[cand] = br
            return
        for j, v in lat.cells_from[i]:
            if not lat.ways[j][w.n - c - 1] or not (v is None or v >= 0 or w.signed[c]):
                continue
            budget.spend()
            cost2 = cost + sum(1 for ci, coef in own.get(c, ()) if surely(coef * (v or 0), ci))
            if cost2 <= room:
                acc.append(v)
                rec(j, c + 1, cost2, acc)
                acc.pop()

    rec(0, 0, 0, [])
    return out


def _merge(results: list[_JointResult]) -> _JointResult:
    """The union of several optimal solve results of equal cost."""
    first = results[0]
    domains = {k: list(v) for k, v in first.domains.items()}
    local = {k: list(v) for k, v in first.local.items()}
    broken = set(first.broken)
    for res in results[1:]:
        broken |= res.broken
        for k, cands in res.domains.items():
            for c, x in zip(cands, res.local[k], strict=True):
                if c not in domains[k]:
                    domains[k].append(c)
                    local[k].append(x)
    return _JointResult(domains, local, broken, first.cost)


def _applications_constraints(present: set[str], template: str, columns: list[str]) -> tuple[list[_Constraint], list[str]]:
    """The column checks whose rows are all present (a missing row would make an
    equation wrong, and a wrong equation would steer the splits)."""
    s = schema()
    notes = []
    out: list[_Constraint] = []
    leaves = [r.key for r in s.rows("applications", template) if r.key.startswith("results.") and r.key != "results.total"]
    other_split = [k for k in leaves if k.startswith("results.other.")]
    if template == "gb2021" and "results.other" in present and not any(k in present for k in other_split):
        leaves = [k for k in leaves if k not in other_split] + ["results.other"]  # undivided （六）
    if template == "gb2019" and any(k in present for k in ("results.other.overdue_correction", "results.other.unpaid_fee", "results.other.other")) and "results.other" not in present:
        leaves = [k for k in leaves if k != "results.other"] + ["results.other.overdue_correction", "results.other.unpaid_fee", "results.other.other"]
    missing = [k for k in leaves + ["results.total"] if k not in present]
    if missing:
        notes.append(f"{CHECK_RESULTS_SUM} not applied: rows missing or unsplittable: {', '.join(missing)}")
    else:
        for i, col in enumerate(columns):
            terms = [(k, 1, i) for k in leaves] + [("results.total", -1, i)]
            out.append(_Constraint(CHECK_RESULTS_SUM, col, terms))
    bal = ["new_received", "carried_over", "results.total", "carried_forward"]
    missing = [k for k in bal if k not in present]
    if missing:
        notes.append(f"{CHECK_BALANCE} not applied: rows missing or unsplittable: {', '.join(missing)}")
    else:
        for i, col in enumerate(columns):
            out.append(_Constraint(CHECK_BALANCE, col, [("new_received", 1, i), ("carried_over", 1, i),
                                                         ("results.total", -1, i), ("carried_forward", -1, i)]))
    return out, notes


def _solve_applications(works: list[_Work], template: str) -> dict[str, set[str]]:
    """Narrow each row's domain under the column checks; returns the checks each row
    takes part in that the retained solutions break.

    Stage 1 solves with the row-level candidates (splits satisfying the row total).
    When a column check still breaks, the misprint may sit in a row whose printed
    total is wrong, where a split satisfying the row total is a coincidence and the
    true split breaks it: stage 2 re-solves once per row taking part in a broken
    check, giving that row every split that could compete (a broken row total costing
    1, like a broken column equation), and keeps whatever reaches the lowest cost.
    One misprinted row at a time: two misprinted rows may end in a costlier solution,
    still flagged."""
    usable = {w.key: w for w in works if w.domain and w.split and w.split.complete}
    columns = [c.key for c in schema().columns("applications", "new_received", template)]
    constraints, notes = _applications_constraints(set(usable), template, columns)
    for w in works:
        w.notes += notes
    if not constraints:
        return {}
    budget = _Allowance(MAX_JOINT_WORK)
    domains = {k: list(w.domain) for k, w in usable.items()}
    local = {k: [len(w.breaks[c]) for c in w.domain] for k, w in usable.items()}
    memo: dict = {}
    first = _joint(domains, local, constraints, budget, memo=memo)
    if first is None:
        for w in works:
            w.notes.append("joint search budget exceeded: column checks not used")
        return {}
    results = [first]
    if first.broken:
        suspects = {key for ci in first.broken for key, _c, _i in constraints[ci].terms}
        order = [w.key for w in works if w.key in suspects]
        ranges = _row_ranges(domains, constraints)
        for pos, key in enumerate(order):
            w = usable[key]
            if w.hint_used or w.split.total <= len(w.domain):
                continue  # no other split exists (or a hint pinned the row)
            # cheapest first: a cost K admits only splits breaking at most K equations in
            # all, and the solve looks only for combinations of cost <= K, which keeps
            # both small; the first K that has one is exact (any split left out costs
            # more than K). K = the stage-1 cost collects the ties with stage 1.
            best_cost = min(r.cost for r in results)
            exhausted = False
            pool: dict[tuple, tuple] = {}  # splits admitted so far, beyond the row-level ones
            have = set(w.domain)
            for bound in range(min(best_cost, MAX_MISPRINT_COST) + 1):
                try:
                    extra = _misprint_candidates(w, ranges, local, constraints, bound, budget)
                    pool.update({c: b for c, b in extra.items() if c not in have})
                    if not pool:
                        continue  # no split beyond the row-level ones can compete yet
                    w.breaks.update(pool)
                    full = w.domain + list(pool)
                    res = _joint({**domains, key: full}, {**local, key: [len(w.breaks[c]) for c in full]},
                                 constraints, budget, upper=bound, memo=memo)
                    if res is None:
                        raise _Budget
                except _Budget:
                    exhausted = True
                    break
                if res.found:
                    results.append(res)
                    break
            if exhausted:
                # rows not tried may hold a misprint the stage-1 split hides: keep their
                # candidates but determine nothing (never a guess)
                for k in order[pos:]:
                    x = usable[k]
                    if x.split.total > len(x.domain):
                        x.unsure = True
                        x.notes.append("joint search budget exceeded before this row was tried as misprinted")
                break
    cost = min(r.cost for r in results)
    best = _merge([r for r in results if r.cost == cost])
    out: dict[str, set[str]] = {}
    by_key = {w.key: w for w in works}
    for key, dom in best.domains.items():
        by_key[key].domain = dom
    for ci in sorted(best.broken):
        con = constraints[ci]
        for key, _coef, _idx in con.terms:
            out.setdefault(key, set()).add(con.check)
            note = f"{con.check}[{con.column}] broken"
            if note not in by_key[key].notes:
                by_key[key].notes.append(note)
    return out


# ---- solve_table --------------------------------------------------------------------


@dataclass
class _Work:
    key: str
    run: str
    n: int
    columns: list[str]
    sums: list[int] | None
    signed: list[bool]
    split: Splits | None = None
    domain: list[tuple] = field(default_factory=list)
    breaks: dict[tuple, tuple[int, ...]] = field(default_factory=dict)
    hint_used: bool = False
    unsure: bool = False  # determine nothing (misprint search incomplete)
    notes: list[str] = field(default_factory=list)


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
              `extractors.formats.txt.flattened.narrative_hints`; a hint that matches no candidate
              is ignored (with a note).

    Returns canonical row key -> RowSolution (for review_litigation, always keyed by
    the three canonical rows).
    """
    s = schema()
    hints = hints or {}
    if (table == "review_litigation" and set(runs) == {"review"}
            and splits(runs["review"], 15, [5, 5, 5]).total):
        runs = {ALL_ROWS: runs["review"]}  # the whole table passed under its first row
    works: list[_Work] = []
    for key in runs:
        if table == "review_litigation" and key == ALL_ROWS:
            cols = [f"{r}.{c.key}" for r in REVIEW_ROWS for c in s.columns(table, r, template)]
            works.append(_Work(key, runs[key], 15, cols, [5, 5, 5], [False] * 15))
            continue
        specs = s.columns(table, key, template)
        cols = [c.key for c in specs]
        if table == "active_disclosure":
            works.append(_Work(key, runs[key], len(cols), cols, None, [c.signed for c in specs]))
        else:
            works.append(_Work(key, runs[key], len(cols), cols, [len(cols)], [False] * len(cols)))

    # 1. each row on its own
    for w in works:
        w.split = splits(w.run, w.n, w.sums, w.signed)
        w.domain = list(w.split.candidates)
        w.breaks = dict(zip(w.split.candidates, w.split.broken_groups, strict=True))
        if not w.split.complete:
            w.notes.append(f"cap hit: {w.split.total} splits into {w.n} cells; candidates incomplete")
        # hints
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
            kept = [c for c in w.domain if c[idx] is not None and _eq(c[idx], hval)]
            if not kept:
                w.notes.append(f"hint {hrow}.{hcol}={hval:g} matches no split; ignored")
            elif len(kept) < len(w.domain):
                w.domain = kept
                w.hint_used = True
                w.notes.append(f"hint {hrow}.{hcol}={hval:g} used")

    # 2. table 3: the column checks, jointly
    joint_broken: dict[str, set[str]] = {w.key: set() for w in works}
    if table == "applications":
        for key, checks in _solve_applications(works, template).items():
            joint_broken[key] |= checks

    # 3. results
    out: dict[str, RowSolution] = {}
    for w in works:
        if w.key == ALL_ROWS:
            for g, row in enumerate(REVIEW_ROWS):
                proj = list(dict.fromkeys(c[5 * g:5 * g + 5] for c in w.domain))
                broken = {CHECK_REVIEW_TOTAL} if any(g in w.breaks.get(c, ()) for c in w.domain) else set()
                out[row] = _solution(proj, 5, w, broken)
            continue
        broken = set(joint_broken[w.key])
        if any(w.breaks.get(c) for c in w.domain):
            broken.add(CHECK_ROW_TOTAL if table == "applications" else CHECK_REVIEW_TOTAL)
        out[w.key] = _solution(w.domain, w.n, w, broken)
    return out


def _solution(domain: list[tuple], n: int, w: _Work, broken: set[str]) -> RowSolution:
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
