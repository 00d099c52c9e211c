"""One run on its own: where its cells may start and end, and every split into n cells.

A *run* is the text of a row's cells printed with no separator (``7777166``). It is cut
at its hard boundaries into *pieces* (`pieces`), every valid cell of the pieces goes
into a *lattice* (`lattice`: cells_from[i] = the cells starting at i), and `splits`
enumerates the paths through the lattice with exactly n cells, under the row's sum
groups when it has any. See the package docstring for the rules of a valid cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.labels.normalize import MINUS_DASHES, fold_width

# Splits enumerated for one row without arithmetic (table 2, or a table-3 row whose
# own total cannot hold). A 3-cell row of 25 digits has C(24,2) = 276 splits, a
# 7-cell row of 16 digits C(15,6) = 5005; 20000 covers every row length seen with
# room to spare. Beyond it the row is reported ambiguous with nothing determined.
MAX_ROW_SPLITS = 20_000

# Search nodes for one row's arithmetic-constrained enumeration. The 15-cell table 4
# of pingtan-2024 (17 digits) takes a few hundred nodes; 200000 is far above any
# real run and keeps a pathological one (hundreds of digits) well under a second.
MAX_ROW_NODES = 200_000

# Absolute tolerance when comparing sums of decimal cells (fees print 2 decimals).
TOLERANCE = 1e-6

# Units that may be written into a cell of a fused run, where they also end the cell (spec
# cell_conventions.unit_in_cell and the gb2021 column units); longest first so 万元 wins
# over 元. Fewer than tables.cells.CELL_UNITS: in a run, 条/个/项/篇/% never occur.
RUN_UNITS = ("万元", "元", "件")

# Dashes read as a minus sign in a run: the ones `fold_width` folds everywhere, plus
# the figure dash U+2012 (printed between figures; folded in runs only).
RUN_DASHES = MINUS_DASHES + "‒"

Number = int | float

_NUM_RE = re.compile(r"[+-]?(?:0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)(?:\.\d+)?")
_NA_RE = re.compile(r"/|-|—+")
_INF = float("inf")


class Budget(Exception):
    """A search ran out of its allowance (nodes of one row, or evaluations of a table)."""


def equal(a: float, b: float) -> bool:
    """Equal within TOLERANCE, plus float rounding on very large sums (never a whole unit)."""
    return abs(a - b) <= TOLERANCE + 1e-12 * max(abs(a), abs(b))


# ---- tokenising a run ---------------------------------------------------------------


def _cut_segment(seg: str, pieces: list[str]) -> None:
    """Append the pieces of one blank-free segment: a not-applicable marker (/, a lone
    sign, a run of —) is a piece of its own, a sign followed by a digit opens a piece."""
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


def pieces(run: str) -> tuple[list[str], str | None]:
    """Cut a run at its hard boundaries. Returns the pieces and the unit found."""
    s = fold_width(run, RUN_DASHES)
    unit = None
    for u in RUN_UNITS:
        if u in s:
            unit = unit or u
            s = s.replace(u, " ")
    out: list[str] = []
    for seg in s.split():
        _cut_segment(seg, out)
    return out, unit


def cell_value(text: str) -> Number | None | bool:
    """The number a cell text stands for; None for a not-applicable marker; False if
    the text is not a valid cell."""
    if _NA_RE.fullmatch(text):
        return None
    if not _NUM_RE.fullmatch(text):
        return False
    t = text.replace(",", "")
    return float(t) if "." in t else int(t)


# ---- the lattice ----------------------------------------------------------------------


@dataclass
class Lattice:
    """Every valid cell of a run: cells_from[i] lists (end, value) of cells starting at i."""

    length: int
    text: str
    cells_from: list[list[tuple[int, Number | None]]]
    unit: str | None
    nonneg: bool
    ways: list[list[int]] = field(default_factory=list)  # ways[i][k]: splits of run[i:] into k cells


def _cut_points(piece: str, pos: int) -> list[int]:
    """Allowed cut points inside a piece starting at pos: never next to '.' or ',' or
    after a sign, never inside a fractional part."""
    cuts = [pos]
    seen_point = False
    for k in range(1, len(piece)):
        if piece[k - 1] == ".":
            seen_point = True
        if seen_point or piece[k] in ".," or piece[k - 1] in ".,+-":
            continue
        cuts.append(pos + k)
    cuts.append(pos + len(piece))
    return cuts


def _count_ways(cells_from: list[list[tuple[int, Number | None]]], n: int, max_cells: int) -> list[list[int]]:
    ways = [[0] * (max_cells + 1) for _ in range(n + 1)]
    ways[n][0] = 1
    for i in range(n - 1, -1, -1):
        for j, _v in cells_from[i]:
            for k in range(1, max_cells + 1):
                if ways[j][k - 1]:
                    ways[i][k] += ways[j][k - 1]
    return ways


def lattice(run: str, max_cells: int) -> Lattice:
    """The lattice of a run, with the number of splits into up to max_cells cells."""
    parts, unit = pieces(run)
    text = "".join(parts)
    n = len(text)
    cells_from: list[list[tuple[int, Number | None]]] = [[] for _ in range(n + 1)]
    pos = 0
    for piece in parts:
        cuts = _cut_points(piece, pos)
        for a in range(len(cuts) - 1):
            for b in range(a + 1, len(cuts)):
                v = cell_value(text[cuts[a]:cuts[b]])
                if v is not False:
                    cells_from[cuts[a]].append((cuts[b], v))
        pos += len(piece)
    return Lattice(n, text, cells_from, unit, "-" not in text, _count_ways(cells_from, n, max_cells))


# ---- enumerating the splits of one run ----------------------------------------------


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


def group_breaks(cand: tuple, sums: list[int]) -> tuple[int, ...]:
    """Indices of the sum groups of a split whose parts do not add up to its total."""
    out, start = [], 0
    for g, size in enumerate(sums):
        part = cand[start:start + size]
        if not equal(sum(v or 0 for v in part[:-1]), part[-1] or 0):
            out.append(g)
        start += size
    return tuple(out)


class _SumSearch:
    """The splits of a lattice satisfying every sum group, found group by group: the
    group's total cell first (its value bounds the parts), then the parts in front of it,
    pruned by the smallest and largest sum a span can be cut into and by casting out
    nines."""

    def __init__(self, lat: Lattice, sums: list[int], signed: list[bool]):
        self.lat, self.sums, self.signed = lat, sums, signed
        self.first_col = [sum(sums[:g]) for g in range(len(sums))]
        self.cells_from = lat.cells_from  # each list is in increasing end order
        self.cell_at = {(x, j): v for x, cells in enumerate(lat.cells_from) for j, v in cells}
        # Casting out nines: the cells of a pure-integer span add up to its digit sum
        # modulo 9, however the span is cut, so a remainder that disagrees ends a branch.
        self.integral = lat.nonneg and all(isinstance(v, int) for cells in lat.cells_from for _j, v in cells)
        self.dsum = [0]
        for ch in lat.text:
            self.dsum.append(self.dsum[-1] + (int(ch) if ch.isdigit() else 0))
        self.ranges: dict[tuple[int, int, int], tuple[float, float]] = {}
        self.nodes = 0
        self.out: list[tuple] = []

    def sign_ok(self, c: int, v: Number | None) -> bool:
        return v is None or v >= 0 or self.signed[c]

    def span_range(self, x: int, a: int, r: int) -> tuple[float, float]:
        """Smallest and largest sum of r cells cutting run[x:a]; (inf, -inf) if
        run[x:a] cannot be cut into r cells."""
        key = (x, a, r)
        got = self.ranges.get(key)
        if got is not None:
            return got
        if r == 0:
            got = (0.0, 0.0) if x == a else (_INF, -_INF)
        elif r == 1:
            v = self.cell_at.get((x, a), False)
            got = (_INF, -_INF) if v is False else (v or 0, v or 0)
        else:
            lo, hi = _INF, -_INF
            for j, v in self.cells_from[x]:
                if j >= a:
                    break
                sub_lo, sub_hi = self.span_range(j, a, r - 1)
                if sub_lo <= sub_hi:
                    lo = min(lo, (v or 0) + sub_lo)
                    hi = max(hi, (v or 0) + sub_hi)
            got = (lo, hi)
        self.ranges[key] = got
        return got

    def fits(self, x: int, a: int, r: int, rest: float) -> bool:
        if self.integral and (rest - (self.dsum[a] - self.dsum[x])) % 9:
            return False
        lo, hi = self.span_range(x, a, r)
        return lo - TOLERANCE <= rest <= hi + TOLERANCE

    def parts(self, x: int, a: int, c: int, r: int, rest: float, acc: list, sink: list) -> None:
        """Cut run[x:a] into r >= 1 cells (columns c, c+1, ...) adding up to `rest`;
        the caller has checked that this is possible in range."""
        self.nodes += 1
        if self.nodes > MAX_ROW_NODES:
            raise Budget
        if r == 1:  # the last part is run[x:a] itself
            v = self.cell_at.get((x, a), False)
            if v is not False and self.sign_ok(c, v) and equal(v or 0, rest):
                sink.append(acc + [v])
            return
        for j, v in self.cells_from[x]:
            if j >= a:
                break
            nrest = rest - (v or 0)
            if not self.sign_ok(c, v) or not self.fits(j, a, r - 1, nrest):
                continue
            acc.append(v)
            self.parts(j, a, c + 1, r - 1, nrest, acc, sink)
            acc.pop()

    def group(self, i: int, g: int, acc: list) -> None:
        """Groups g.. from position i: pick the group's total cell first (its value
        bounds the parts), then the parts in front of it."""
        lat, sums = self.lat, self.sums
        if g == len(sums):
            if i == lat.length:
                self.out.append(tuple(acc))
            return
        k = sums[g]
        after = sum(sums[g + 1:])
        tcol = self.first_col[g] + k - 1
        for a in range(i + k - 1, lat.length):
            for b, tval in self.cells_from[a]:
                if not lat.ways[b][after] or not self.sign_ok(tcol, tval) or not self.fits(i, a, k - 1, tval or 0):
                    continue
                sink: list[list] = []
                self.parts(i, a, self.first_col[g], k - 1, tval or 0, [], sink)
                for p in sink:
                    self.group(b, g + 1, acc + p + [tval])


def _sum_splits(lat: Lattice, n: int, total: int, sums: list[int], signed: list[bool]) -> Splits | None:
    """The splits satisfying every sum group; None when there is none."""
    assert sum(sums) == n and min(sums) >= 2, "sum groups (parts + total) must cover the row"
    search = _SumSearch(lat, sums, signed)
    try:
        search.group(0, 0, [])
    except Budget:
        return Splits(search.out, [() for _ in search.out], lat.unit, total, complete=False)
    if search.out:
        return Splits(search.out, [() for _ in search.out], lat.unit, total)
    return None


def _every_split(lat: Lattice, n: int, signed: list[bool]) -> list[tuple]:
    out: list[tuple] = []

    def rec(i: int, c: int, acc: list) -> None:
        if c == n:
            out.append(tuple(acc))
            return
        for j, v in lat.cells_from[i]:
            if lat.ways[j][n - c - 1] and (v is None or v >= 0 or signed[c]):
                rec(j, c + 1, acc + [v])

    rec(0, 0, [])
    return out


def _fewest_breaks(allsplits: list[tuple], sums: list[int], unit: str | None, total: int) -> Splits:
    breaks = [group_breaks(c, sums) for c in allsplits]
    if not breaks:
        return Splits([], [], unit, total)
    fewest = min(len(b) for b in breaks)
    keep = [(c, b) for c, b in zip(allsplits, breaks, strict=True) if len(b) == fewest]
    return Splits([c for c, _ in keep], [b for _, b in keep], unit, total)


def splits(run: str, n: int, sums: list[int] | None = None, signed: list[bool] | None = None) -> Splits:
    """Every way to cut `run` into exactly `n` cells.

    sums    sizes of consecutive cell groups whose last cell is the sum of the others
            (table 3: [7]; table 4: [5, 5, 5]); None for no arithmetic (table 2)
    signed  per cell, whether a negative value is allowed (default: none is)
    """
    signed = signed or [False] * n
    lat = lattice(run, n)
    total = lat.ways[0][n] if lat.length else 0
    if not total:
        return Splits([], [], lat.unit, 0)
    if sums:
        found = _sum_splits(lat, n, total, sums, signed)
        if found is not None:
            return found
    # no arithmetic, or no split satisfies it: every split (bounded)
    if total > MAX_ROW_SPLITS:
        return Splits([], [], lat.unit, total, complete=False)
    allsplits = _every_split(lat, n, signed)
    if not sums:
        return Splits(allsplits, [() for _ in allsplits], lat.unit, total)
    return _fewest_breaks(allsplits, sums, lat.unit, total)


def determined(candidates: list[tuple], n: int) -> list[Number | None]:
    """Per cell, the value shared by every candidate, else None."""
    if not candidates:
        return [None] * n
    out: list[Number | None] = []
    for i in range(n):
        first = candidates[0][i]
        same = all(
            (c[i] is None and first is None) or (c[i] is not None and first is not None and equal(c[i], first))
            for c in candidates
        )
        out.append(first if same else None)
    return out
