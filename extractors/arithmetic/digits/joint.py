"""Several rows at once: the branch-and-bound solve under the column checks.

Each row has a *domain* (its candidate splits) and each candidate its *local* cost (the
sum groups of its own row it breaks). A `Constraint` is one column check in one column,
a linear equation over cells of several rows. `joint` finds the smallest cost any
combination of candidates reaches (local costs + broken constraints) and keeps, per
row, every candidate of some combination of that cost, within an `Allowance` of
candidate evaluations. `extractors.arithmetic.digits.stages` runs it on a table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extractors.arithmetic.digits.lattice import TOLERANCE, Budget


@dataclass
class Constraint:
    check: str
    column: str
    terms: list[tuple[str, int, int]]  # (row key, coefficient, cell index)


class Allowance:
    """Candidate evaluations left for the joint solve of one table."""

    def __init__(self, left: int):
        self.left = left

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise Budget


@dataclass
class JointResult:
    domains: dict[str, list[tuple]]  # per row, the candidates of some optimal combination
    local: dict[str, list[int]]  # their row-level breaks
    broken: set[int]  # constraints broken in some optimal combination
    cost: int  # row-level breaks + broken constraints of an optimal combination
    found: bool = True  # False: no combination within `upper` (cost is then upper + 1)


def _broken_mask(a: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return (a + lo > TOLERANCE) | (a + hi < -TOLERANCE)


class _Search:
    """The state of one `joint` call. Rows with one candidate are constants; the others
    are *variables* d, each with F[d][kk, j], the contribution of its candidate kk to
    the j-th constraint it touches (touch[d][j]), and Lc[d][kk], the candidate's local
    cost. alive[d] lists the candidates not pruned yet, fewest row breaks first."""

    def __init__(self, domains: dict[str, list[tuple]], local: dict[str, list[int]],
                 constraints: list[Constraint], budget: Allowance, memo: dict):
        self.domains, self.local, self.budget = domains, local, budget
        keys = list(domains)
        self.var_keys = [k for k in keys if len(domains[k]) > 1]
        self.nv, self.nc = len(self.var_keys), len(constraints)
        var_index = {k: d for d, k in enumerate(self.var_keys)}
        self.const = np.zeros(self.nc)
        self.base = sum(local[k][0] for k in keys if k not in var_index)
        terms: list[dict[int, list[tuple[int, int]]]] = [{} for _ in self.var_keys]
        for ci, con in enumerate(constraints):
            for key, coef, idx in con.terms:
                if key in var_index:
                    terms[var_index[key]].setdefault(ci, []).append((coef, idx))
                else:
                    self.const[ci] += coef * (domains[key][0][idx] or 0)
        self.touch = [np.array(sorted(t), dtype=int) for t in terms]  # constraints each variable takes part in

        def contributions(d: int, key: str, cand: tuple) -> list[float]:
            got = memo.get((key, cand))  # (row, candidate) -> contributions, across calls
            if got is None:
                got = memo[(key, cand)] = [sum(coef * (cand[idx] or 0) for coef, idx in terms[d][ci])
                                           for ci in self.touch[d]]
            return got

        self.F = [np.array([contributions(d, k, c) for c in domains[k]], dtype=float)
                  .reshape(len(domains[k]), len(self.touch[d])) for d, k in enumerate(self.var_keys)]
        self.Lc = [np.array(local[k], dtype=int) for k in self.var_keys]
        self.alive = [np.argsort(self.Lc[d], kind="stable") for d in range(self.nv)]
        self._ranges: tuple | None = None

    def ranges(self) -> tuple[list[np.ndarray], list[np.ndarray], list[int]]:
        """Per variable, the smallest and largest contribution of its live candidates
        to each constraint it touches, and its smallest row-level cost."""
        if self._ranges is None:
            F, alive, nv = self.F, self.alive, self.nv
            lo = [F[d][alive[d]].min(axis=0) for d in range(nv)]
            hi = [F[d][alive[d]].max(axis=0) for d in range(nv)]
            mins = [int(self.Lc[d][alive[d]].min()) for d in range(nv)]
            self._ranges = (lo, hi, mins)
        return self._ranges

    def _prune(self, limit: int) -> bool | None:
        """One pass of `prefilter`: True if something was dropped, None if some
        variable has no candidate left."""
        lo, hi, mins = self.ranges()
        tot_lo, tot_hi = self.const.copy(), self.const.copy()
        for d in range(self.nv):
            tot_lo[self.touch[d]] += lo[d]
            tot_hi[self.touch[d]] += hi[d]
        sure = (tot_lo > TOLERANCE) | (tot_hi < -TOLERANCE)
        nsure = int(sure.sum())
        min_loc = self.base + sum(mins)
        changed = False
        for d in range(self.nv):
            t, live = self.touch[d], self.alive[d]
            self.budget.spend(len(live))
            nb = (nsure - int(sure[t].sum())) + _broken_mask(self.F[d][live], tot_lo[t] - lo[d],
                                                             tot_hi[t] - hi[d]).sum(axis=1)
            ok = min_loc - mins[d] + self.Lc[d][live] + nb <= limit
            if not ok.all():
                if not ok.any():
                    return None
                self.alive[d] = live[ok]
                changed = True
        return changed

    def prefilter(self, limit: int) -> bool:
        """Drop candidates that cannot be part of a combination of cost <= limit (bounds
        consistency, to a fixpoint); False when some variable is left with none."""
        while True:
            changed = self._prune(limit)
            if changed is None:
                return False
            if not changed:
                return True
            self._ranges = None

    def exact_cost(self, choice: list[int]) -> tuple[int, set[int]]:
        acc = self.const.copy()
        lc = self.base
        for d, kk in enumerate(choice):
            lc += int(self.Lc[d][kk])
            acc[self.touch[d]] += self.F[d][kk]
        broken = {int(ci) for ci in np.nonzero(np.abs(acc) > TOLERANCE)[0]}
        return lc + len(broken), broken

    def solve(self, limit: int, strict: bool, visit) -> None:
        """Depth-first over the variables, calling visit(choice) at every complete
        combination of cost <= limit. strict: branch and bound, only combinations
        cheaper than every one visited before."""
        lo, hi, mins = self.ranges()
        nv, nc = self.nv, self.nc
        self.sufmin = np.zeros((nv + 1, nc))  # per depth, the range the rows below can add
        self.sufmax = np.zeros((nv + 1, nc))
        self.sufloc = [0] * (nv + 1)
        for d in range(nv - 1, -1, -1):
            self.sufloc[d] = self.sufloc[d + 1] + mins[d]
            self.sufmin[d] = self.sufmin[d + 1]
            self.sufmax[d] = self.sufmax[d + 1]
            self.sufmin[d][self.touch[d]] += lo[d]
            self.sufmax[d][self.touch[d]] += hi[d]
        self.best = limit + 1 if strict else limit
        self.strict, self.visit = strict, visit
        nb0 = int(_broken_mask(self.const, self.sufmin[0], self.sufmax[0]).sum())
        self._descend(0, self.const.copy(), self.base, nb0, [])

    def _descend(self, d: int, acc: np.ndarray, lc: int, nb: int, choice: list[int]) -> None:
        if d == self.nv:
            if self.strict:
                self.best = lc + nb
            self.visit(choice)
            return
        t = self.touch[d]
        cand = self.alive[d]
        self.budget.spend(len(cand))
        before = int(_broken_mask(acc[t], self.sufmin[d][t], self.sufmax[d][t]).sum())
        A = acc[t] + self.F[d][cand]
        after = _broken_mask(A, self.sufmin[d + 1][t], self.sufmax[d + 1][t]).sum(axis=1)
        bound = lc + self.Lc[d][cand] + self.sufloc[d + 1] + (nb - before) + after
        for i in np.nonzero(bound <= self.best)[0]:
            b = int(bound[i])
            if b > self.best or (self.strict and b == self.best):
                continue  # best improved meanwhile
            nacc = acc.copy()
            nacc[t] = A[i]
            choice.append(int(cand[i]))
            self._descend(d + 1, nacc, lc + int(self.Lc[d][cand[i]]), nb - before + int(after[i]), choice)
            choice.pop()

    def run(self, upper: int | None) -> JointResult:
        """The optimal cost and every candidate of an optimal combination."""
        # a first upper bound: every row on its cheapest candidate
        greedy, _ = self.exact_cost([int(a[0]) for a in self.alive])
        ub = min(greedy, upper) if upper is not None else greedy
        if not self.prefilter(ub):
            return JointResult({}, {}, set(), ub + 1, found=False)
        best_choice: list[int] = []

        def keep_best(choice: list[int]) -> None:
            best_choice[:] = choice

        self.solve(ub, True, keep_best)
        if len(best_choice) != self.nv or (self.nv == 0 and self.exact_cost([])[0] > ub):
            return JointResult({}, {}, set(), ub + 1, found=False)
        cost = self.exact_cost(best_choice)[0]
        # every combination of the optimal cost, in one pass (drop what cannot reach it)
        supported: list[set[int]] = [set() for _ in range(self.nv)]
        broken: set[int] = set()

        def collect(choice: list[int]) -> None:
            for d, kk in enumerate(choice):
                supported[d].add(kk)
            broken.update(self.exact_cost(choice)[1])

        self.prefilter(cost)
        self.solve(cost, False, collect)
        return self._result(supported, broken, cost)

    def _result(self, supported: list[set[int]], broken: set[int], cost: int) -> JointResult:
        out = {k: list(v) for k, v in self.domains.items()}
        out_local = {k: list(v) for k, v in self.local.items()}
        for d, k in enumerate(self.var_keys):
            keep = sorted(supported[d])
            out[k] = [self.domains[k][kk] for kk in keep]
            out_local[k] = [self.local[k][kk] for kk in keep]
        return JointResult(out, out_local, broken, cost)


def joint(domains: dict[str, list[tuple]], local: dict[str, list[int]], constraints: list[Constraint],
          budget: Allowance, upper: int | None = None, memo: dict | None = None) -> JointResult | None:
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
    try:
        return _Search(domains, local, constraints, budget, {} if memo is None else memo).run(upper)
    except Budget:
        return None


def row_ranges(domains: dict[str, list[tuple]], constraints: list[Constraint]) -> dict[str, dict[int, tuple[float, float]]]:
    """Per row and constraint, the smallest and largest contribution of its candidates."""
    out: dict[str, dict[int, tuple[float, float]]] = {}
    for ci, con in enumerate(constraints):
        for key, coef, idx in con.terms:
            vals = [coef * (c[idx] or 0) for c in domains[key]]
            lo, hi = out.setdefault(key, {}).get(ci, (0.0, 0.0))
            out[key][ci] = (lo + min(vals), hi + max(vals))
    return out


def merge(results: list[JointResult]) -> JointResult:
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
    return JointResult(domains, local, broken, first.cost)
