"""Table 3's column checks in two stages, and the misprint search of the second.

Stage 1 (`solve_jointly`) solves the rows with their row-level candidates (splits
satisfying the row total) under the column checks (`joint.joint`). When a check still
breaks, stage 2 looks for a misprinted row: each row taking part in a broken check is
re-solved with every split of it that could compete (`misprint_candidates`), and the
cheapest solves are kept. `RowWork` is one row's state through the solve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.arithmetic.digits.joint import Allowance, Constraint, JointResult, joint, merge, row_ranges
from extractors.arithmetic.digits.lattice import TOLERANCE, Budget, Splits, group_breaks, lattice

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


@dataclass
class RowWork:
    """One row while its table is solved: its run, its sum groups and what is left."""

    key: str
    run: str
    n: int
    columns: list[str]
    sums: list[int] | None
    signed: list[bool]
    group_checks: list[str] = field(default_factory=list)  # the check id of each sum group
    split: Splits | None = None
    domain: list[tuple] = field(default_factory=list)
    breaks: dict[tuple, tuple[int, ...]] = field(default_factory=dict)
    hint_used: bool = False
    unsure: bool = False  # determine nothing (misprint search incomplete)
    notes: list[str] = field(default_factory=list)


def misprint_candidates(w: RowWork, ranges: dict[str, dict[int, tuple[float, float]]], local: dict[str, list[int]],
                        constraints: list[Constraint], limit: int, budget: Allowance) -> dict[tuple, tuple]:
    """Every split of row w (row total kept or not) that could be part of a combination
    of cost <= limit, with its broken sum groups: the other rows range over their
    candidates (`ranges`, from `row_ranges`), so each column equation gives an
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
    lat = lattice(w.run, w.n)
    out: dict[tuple, tuple] = {}
    if room < 0 or not lat.ways[0][w.n]:
        return out

    def rec(i: int, c: int, cost: int, acc: list) -> None:
        if c == w.n:
            cand = tuple(acc)
            br = group_breaks(cand, w.sums) if w.sums else ()
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


# ---- the two stages ------------------------------------------------------------------------


def usable_rows(works: list[RowWork]) -> dict[str, RowWork]:
    """The rows the column checks can use: split completely into at least one candidate."""
    return {w.key: w for w in works if w.domain and w.split and w.split.complete}


def _misprinted_row(w: RowWork, domains: dict[str, list[tuple]], local: dict[str, list[int]],
                    constraints: list[Constraint], ranges: dict, best_cost: int, budget: Allowance,
                    memo: dict) -> JointResult | None:
    """The cheapest solve with row w given every split that could compete (a broken row
    total costing 1, like a broken column equation); None when none reaches the cost of
    the solves so far. Raises Budget when the allowance runs out.

    Cheapest first: a cost K admits only splits breaking at most K equations in all, and
    the solve looks only for combinations of cost <= K, which keeps both small; the first
    K that has one is exact (any split left out costs more than K). K = the stage-1 cost
    collects the ties with stage 1."""
    pool: dict[tuple, tuple] = {}  # splits admitted so far, beyond the row-level ones
    have = set(w.domain)
    for bound in range(min(best_cost, MAX_MISPRINT_COST) + 1):
        extra = misprint_candidates(w, ranges, local, constraints, bound, budget)
        pool.update({c: b for c, b in extra.items() if c not in have})
        if not pool:
            continue  # no split beyond the row-level ones can compete yet
        w.breaks.update(pool)
        full = w.domain + list(pool)
        res = joint({**domains, w.key: full}, {**local, w.key: [len(w.breaks[c]) for c in full]},
                    constraints, budget, upper=bound, memo=memo)
        if res is None:
            raise Budget
        if res.found:
            return res
    return None


def _misprint_stage(works: list[RowWork], usable: dict[str, RowWork], domains: dict[str, list[tuple]],
                    local: dict[str, list[int]], constraints: list[Constraint], results: list[JointResult],
                    budget: Allowance, memo: dict) -> None:
    """Stage 2: re-solve once per row taking part in a check stage 1 leaves broken,
    appending each solve that reaches the lowest cost so far to `results`."""
    suspects = {key for ci in results[0].broken for key, _c, _i in constraints[ci].terms}
    order = [w.key for w in works if w.key in suspects]
    ranges = row_ranges(domains, constraints)
    for pos, key in enumerate(order):
        w = usable[key]
        if w.hint_used or w.split.total <= len(w.domain):
            continue  # no other split exists (or a hint pinned the row)
        try:
            res = _misprinted_row(w, domains, local, constraints, ranges, min(r.cost for r in results), budget, memo)
        except Budget:
            # rows not tried may hold a misprint the stage-1 split hides: keep their
            # candidates but determine nothing (never a guess)
            for k in order[pos:]:
                x = usable[k]
                if x.split.total > len(x.domain):
                    x.unsure = True
                    x.notes.append("joint search budget exceeded before this row was tried as misprinted")
            return
        if res is not None:
            results.append(res)


def _apply(works: list[RowWork], constraints: list[Constraint], results: list[JointResult]) -> dict[str, set[str]]:
    """Keep the candidates of the cheapest solves; the checks each row takes part in that
    they break (also as notes)."""
    cost = min(r.cost for r in results)
    best = merge([r for r in results if r.cost == cost])
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


def solve_jointly(works: list[RowWork], constraints: list[Constraint]) -> dict[str, set[str]]:
    """Narrow each usable row's domain under the column checks; returns the checks each
    row takes part in that the retained solutions break.

    Stage 1 solves with the row-level candidates (splits satisfying the row total).
    When a column check still breaks, the misprint may sit in a row whose printed
    total is wrong, where a split satisfying the row total is a coincidence and the
    true split breaks it: stage 2 re-solves once per row taking part in a broken
    check, giving that row every split that could compete (a broken row total costing
    1, like a broken column equation), and keeps whatever reaches the lowest cost.
    One misprinted row at a time: two misprinted rows may end in a costlier solution,
    still flagged."""
    usable = usable_rows(works)
    budget = Allowance(MAX_JOINT_WORK)
    domains = {k: list(w.domain) for k, w in usable.items()}
    local = {k: [len(w.breaks[c]) for c in w.domain] for k, w in usable.items()}
    memo: dict = {}
    first = joint(domains, local, constraints, budget, memo=memo)
    if first is None:
        for w in works:
            w.notes.append("joint search budget exceeded: column checks not used")
        return {}
    results = [first]
    if first.broken:
        _misprint_stage(works, usable, domains, local, constraints, results, budget, memo)
    return _apply(works, constraints, results)
