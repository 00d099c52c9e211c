"""Clustering of coordinates: positions that are one grid line, the nearest grid line to
a position, and overlapping intervals merged into one (column ranges)."""

from __future__ import annotations

from bisect import bisect_right


def cluster(values: list[float], tol: float) -> list[float]:
    """Sorted cluster means of values within `tol` of their neighbour."""
    if not values:
        return []
    vs = sorted(values)
    groups = [[vs[0]]]
    for v in vs[1:]:
        if v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def nearest(sorted_vals: list[float], v: float) -> int:
    """Index of the value of `sorted_vals` closest to `v` (the lower one on a tie)."""
    i = bisect_right(sorted_vals, v)
    if i == 0:
        return 0
    if i == len(sorted_vals):
        return len(sorted_vals) - 1
    return i if sorted_vals[i] - v < v - sorted_vals[i - 1] else i - 1


def union(ivs: list[tuple[float, float]], pad: float = 1.0) -> list[list[float]]:
    """Intervals that overlap (or lie within `pad` of each other) merged, left to right."""
    out: list[list[float]] = []
    for x0, x1 in sorted(ivs):
        if out and x0 <= out[-1][1] + pad:
            out[-1][1] = max(out[-1][1], x1)
        else:
            out.append([x0, x1])
    return out
