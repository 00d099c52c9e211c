"""Ruling lines of a page image: the table borders, found with morphology, as the edge
records the PDF reader's ruled-table finder reads (`extractors.formats.pdf.ruled`).

    ruling(binary, px_per_pt, text_boxes) -> (edges in points, line mask in pixels, vertical boxes)

A horizontal rule is a run of ink at least `H_RULE_PT` long (longer than any stroke of
the report's characters), a vertical one at least `V_RULE_PT` tall; small gaps (noise,
JPEG blocks) are closed first.
"""

from __future__ import annotations

import cv2
import numpy as np

from extractors.formats.pdf.geometry import edge

# Shortest horizontal rule (pt): 24 pt, longer than the widest character stroke of a
# report's 22 pt title (a 一 is ~20 pt) and shorter than its narrowest table column (~40 pt).
H_RULE_PT = 24.0
# Shortest vertical rule (pt): 8 pt, shorter than the one-line table rows (~12 pt in the
# generated reports at 10.5 pt). A character's stroke can be as tall (16 pt body text), so a
# vertical run counts as a rule only where both its ends meet a horizontal rule (within
# TOUCH_PT), as every rule of a ruled table does.
V_RULE_PT = 8.0
TOUCH_PT = 2.0
# A vertical rule shares its x with another one (a column's rules run through the table's
# rows and blocks), or is this long on its own (pt): two rows of the generated tables.
LONG_RULE_PT = 26.0
# Gaps closed along a rule before it is measured (pt): 1.5 pt (a broken scan line).
GAP_PT = 1.5
# A column rule found only at the lighter threshold (`prep.rule_ink`) has ink on this share
# of its rows before gaps are closed: a grey rule is unbroken (1.0 on the generated turned
# page), runs of noise specks that the closing joined have gaps (0.6-0.9 on the noisy grey
# page of the benchmark's scans).
FAINT_CONTINUITY = 0.97
# A faint column rule is looked for where the rules found at its x cover less than this share
# of its rows (a rule broken at Otsu's threshold and cut back to a row rule covers 80% of the
# one found whole at the lighter threshold, on a noisy page of the benchmark's scans).
FAINT_COVERED = 0.9
# A vertical run shorter than LONG_RULE_PT, at an x where no long rule runs (the column's rule
# in other rows of the page), has ink on at least this share of its rows at Otsu's threshold
# before gaps are closed: the short real rules of the benchmark's scans (seed 3, 200 dpi)
# measured 0.947, the chains of noise specks on its noisy grey page 0.70-0.91, splitting
# the cells they cross. Short real rules under a column's long rule can be as broken on a
# noisy page (0.70-0.92 on a JPEG-damaged page of seed 5) and are kept by their x, unless a
# line of text reaches them (a character's upright at the edge of its box, 0.86).
SHORT_CONTINUITY = 0.93
# A vertical run wider than a rule is searched for a rule's core when at most this wide (px:
# a rule and the characters touching it on either side, ~3 CJK glyphs at 200 dpi).
MAX_CORE_SEARCH_PX = 96
# Columns of such a run whose longest stretch of ink is within this share of the longest one
# are the rule's core (a rule's columns differ by a pixel or two at its ends).
CORE_SHARE = 0.9
# Heights (shares) at which a short vertical run that lines up with no other one is looked at
# for a character's stroke before it is taken as a rule on its own (`chained`).
LONE_RULE_AT = (0.25, 0.5, 0.75)
# A rule is removed from the image before recognition with this margin (px) around it.
ERASE_PX = 2


def _segments(mask: np.ndarray, horizontal: bool) -> list[tuple[int, int, int, int]]:
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [tuple(int(v) for v in stats[i, :4]) for i in range(1, n)]  # x, y, w, h


def _inside_text(x: int, y: int, w: int, h: int, text_boxes: list, margin: int) -> bool:
    """A run through the middle of a detected line of text (a stroke of it, not a rule)."""
    cx, cy = x + w / 2, y + h / 2
    return any(x0 + margin < cx < x1 - margin and y0 <= cy <= y1 for x0, y0, x1, y1 in text_boxes)


def _by_text(x: int, y: int, w: int, h: int, text_boxes: list, tol: int) -> bool:
    """A detected line of text reaches the run's middle to within `tol` (a stroke at the edge
    of a box the detector cut short: 计's upright beside （七）总)."""
    cx, cy = x + w / 2, y + h / 2
    return any(x0 - tol <= cx <= x1 + tol and y0 <= cy <= y1 for x0, y0, x1, y1 in text_boxes)


def chained(vboxes: list[tuple[int, int, int, int]], tol: int, long_px: int,
            text_boxes: list, lone: set | frozenset = frozenset()) -> list[tuple[int, int, int, int]]:
    """The vertical runs that do not cut through a detected line of text and are long, or
    line up with another run (a table's column rules share their x across its rows and
    blocks; a character's stroke that touches both rules of a tight row rarely does), or
    are in `lone`: runs that no character's stroke is part of at a quarter, half and three
    quarters of their height (the column rules of a one-row piece of a table, at the top of
    a page, line up with nothing)."""
    out = []
    for x, y, w, h in vboxes:
        cx = x + w / 2
        if h < long_px and _inside_text(x, y, w, h, text_boxes, 2 * tol):
            continue
        if h >= long_px or (x, y, w, h) in lone or any(abs(cx - (x2 + w2 / 2)) <= tol for x2, y2, w2, h2 in vboxes if (x2, y2) != (x, y)):
            out.append((x, y, w, h))
    return out


def _in_character(piece: np.ndarray, stats: np.ndarray, w: int, tol: int) -> bool:
    """The ink across a vertical run at one height is part of something much wider than the
    run: a character's stroke, not a rule."""
    piece = piece[piece > 0]
    return bool(piece.size) and stats[int(piece[0]), cv2.CC_STAT_WIDTH] > 2 * w + 2 * tol


def _vertical(vmask: np.ndarray, binary: np.ndarray, near_h: np.ndarray, tol: int,
              at: tuple[float, ...] = (0.5,),
              cores: tuple[list, int] | None = None) -> tuple[list[tuple[int, int, int, int]], set]:
    """Vertical runs of `vmask` that are thin, meet a horizontal rule at both ends and are
    not a stroke of a character where looked at (shares `at` of their height; x, y, w, h in
    pixels), and the set of those no character takes in at any of LONE_RULE_AT (`chained`'s
    lone rules). With `cores` (the page's text boxes, and the height in px no character
    reaches: two rows), a run too wide for a rule is searched for a rule's core
    (`_thin_core`), taken when at least that tall; a run that stops inside a row is cut back
    to the row rules it crosses (`_to_crossings`); and a run that tall is dropped only when
    characters take it in at each of LONE_RULE_AT (blurred text touches a rule at one height
    or two)."""
    # the ink left when the horizontal rules are taken out: a vertical rule is a thin piece
    # of it on its own, a character's stroke part of a character as wide as the character
    _, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.bitwise_and(binary, cv2.bitwise_not(near_h)))
    out, lone = [], set()
    for seg in _segments(vmask, False):
        core = cores is not None and seg[2] > max(4, seg[3] // 8)
        x, y, w, h = _thin_core(vmask, near_h, cores[0], tol, *seg) if core else seg
        cx = min(x + w // 2, near_h.shape[1] - 1)
        if cores is not None and not (near_h[y, cx] and near_h[min(y + h - 1, near_h.shape[0] - 1), cx]):
            y, h = _to_crossings(near_h, cx, y, h)
        if w > max(4, h // 8) or not h or not (near_h[y, cx] and near_h[min(y + h - 1, near_h.shape[0] - 1), cx]):
            continue
        if core:
            if h >= cores[1]:
                out.append((x, y, w, h))
            continue
        three = [_in_character(labels[y + int(h * share), x:x + w], stats, w, tol) for share in LONE_RULE_AT]
        if all(three) if cores is not None and h >= cores[1] else \
                any(_in_character(labels[y + int(h * share), x:x + w], stats, w, tol) for share in at):
            continue
        out.append((x, y, w, h))
        if not any(three):
            lone.add((x, y, w, h))
    return out, lone


def _crossings(near_h: np.ndarray, cx: int, top: int, bottom: int) -> list[np.ndarray]:
    """The row rules a vertical run from `top` to `bottom` crosses at x `cx`: the y (px) of
    each, in groups of consecutive rows, top to bottom."""
    crossing = np.flatnonzero(near_h[top:bottom, cx] > 0) + top
    if not crossing.size:
        return []
    return np.split(crossing, np.flatnonzero(np.diff(crossing) > 1) + 1)


def _to_crossings(near_h: np.ndarray, cx: int, y: int, h: int) -> tuple[int, int]:
    """A vertical run cut back to the first and the last row rule it crosses (a rule broken
    by the scan ends in the middle of a row); (y, 0) when it crosses fewer than two."""
    groups = _crossings(near_h, cx, y, y + h)
    if len(groups) < 2:
        return y, 0
    first, last = groups[0], groups[-1]
    top = y if first[0] == y else int(first[len(first) // 2])
    bottom = y + h if last[-1] == y + h - 1 else int(last[len(last) // 2]) + 1
    return top, bottom - top


def _longest_run(col: np.ndarray) -> tuple[int, int]:
    """Start and length of the longest run of ink in one column of a mask."""
    padded = np.concatenate(([0], col.astype(np.int8), [0]))
    d = np.diff(padded)
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    if not starts.size:
        return 0, 0
    i = int(np.argmax(ends - starts))
    return int(starts[i]), int(ends[i] - starts[i])


def _thin_core(vmask: np.ndarray, near_h: np.ndarray, text_boxes: list, tol: int,
               x: int, y: int, w: int, h: int) -> tuple[int, int, int, int]:
    """A vertical run too wide for a rule may be a rule that a blurred character beside it
    touches (the benchmark's blurred scans: a 3-px rule merged with 件's strokes into a 21-px
    run). Its core is the columns that carry the run's longest stretch of ink (within
    CORE_SHARE of it), when they are side by side and thin, cut back to the row rules it
    crosses, less the rows at its ends where it runs through a line of text (a （ under the
    rule, across the row rule); else the run as it is."""
    if w > MAX_CORE_SEARCH_PX:
        return x, y, w, h
    sub = vmask[y:y + h, x:x + w] > 0
    runs = [_longest_run(sub[:, i]) for i in range(w)]
    best = max(n for _, n in runs)
    cols = [i for i, (_, n) in enumerate(runs) if n >= CORE_SHARE * best]
    if not best or cols[-1] - cols[0] + 1 != len(cols) or len(cols) > max(4, best // 8):
        return x, y, w, h
    top = y + min(runs[i][0] for i in cols)
    bottom = y + max(runs[i][0] + runs[i][1] for i in cols)
    x0, cw = x + cols[0], len(cols)
    cx = min(x0 + cw // 2, near_h.shape[1] - 1)
    groups = _crossings(near_h, cx, top, bottom)
    if sum(len(g) for g in groups) < 2:
        return x0, top, cw, bottom - top
    # the row rules it crosses, top to bottom, and its ends where it runs on past the first
    # or the last of them; the pieces between them cut off its ends while inside text
    marks = [int(g[len(g) // 2]) for g in groups]
    if groups[0][0] == top:
        marks[0] = top
    else:
        marks.insert(0, top)
    if groups[-1][-1] == bottom - 1:
        marks[-1] = bottom
    else:
        marks.append(bottom)
    while len(marks) > 2 and _inside_text(x0, marks[-2], cw, marks[-1] - marks[-2], text_boxes, 2 * tol):
        marks.pop()
    while len(marks) > 2 and _inside_text(x0, marks[0], cw, marks[1] - marks[0], text_boxes, 2 * tol):
        marks.pop(0)
    return x0, marks[0], cw, marks[-1] - marks[0]


def _faint_rules(faint: np.ndarray, near_h: np.ndarray, found: list, tol: int,
                 long_px: int, gap: int, vk: int) -> list[tuple[int, int, int, int]]:
    """Column rules only the lighter threshold shows (a thin rule gone grey in the scan):
    those at least `long_px` tall, where the rules found do not cover them already, no part of
    a character at a quarter, half and three quarters of their height. Shorter ones are not
    taken (on a noisy grey page the lighter threshold turns specks into short runs), nor
    ones that are strokes of characters one above the other (年 over 年) joined across the
    row rule between them."""
    vmask = cv2.morphologyEx(faint, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    vmask = cv2.morphologyEx(vmask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    return [(x, y, w, h) for x, y, w, h in _vertical(vmask, faint, near_h, tol, (0.25, 0.5, 0.75))[0]
            if h >= long_px and _uncovered(x, y, w, h, found, tol)
            and _continuous(faint[y:y + h, x:x + w]) >= FAINT_CONTINUITY]


def _uncovered(x: int, y: int, w: int, h: int, found: list, tol: int) -> bool:
    """No rule found already at this x covers FAINT_COVERED of the run's rows (one cut back
    to the row rules where the scan broke it leaves the rows below the break uncovered)."""
    rows = np.zeros(h, bool)
    for x2, y2, w2, h2 in found:
        if abs(x + w / 2 - (x2 + w2 / 2)) <= 2 * tol:
            rows[max(0, y2 - y):max(0, y2 + h2 - y)] = True
    return rows.mean() < FAINT_COVERED


def _continuous(run: np.ndarray) -> float:
    """Share of the rows of a vertical run with ink before its gaps were closed."""
    return float((run > 0).any(axis=1).mean()) if run.size else 0.0


def ruling(binary: np.ndarray, px_per_pt: float, text_boxes: list,
           faint: np.ndarray | None = None) -> tuple[list[dict], np.ndarray, list[tuple[int, int, int, int]]]:
    """Edges (pdfplumber dicts, in points) of the rules, the mask of rule pixels (to erase
    them before recognition) and the vertical rules' boxes (x, y, w, h in pixels).
    `faint` (`prep.rule_ink`, optional): the ink at a lighter threshold, where long column
    rules missing from `binary` are looked for (`_faint_rules`)."""
    hk = max(8, round(H_RULE_PT * px_per_pt))
    vk = max(8, round(V_RULE_PT * px_per_pt))
    gap = max(1, round(GAP_PT * px_per_pt))
    hmask = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    hmask = cv2.morphologyEx(hmask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vmask = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    vmask = cv2.morphologyEx(vmask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    edges: list[dict] = []
    for x, y, w, h in _segments(hmask, True):
        if h <= max(4, w // 8):  # a rule, not a filled block
            e = edge((x / px_per_pt, (y + h / 2) / px_per_pt), ((x + w) / px_per_pt, (y + h / 2) / px_per_pt))
            if e:
                edges.append(e)
    tol = max(2, round(TOUCH_PT * px_per_pt))
    long_px = round(LONG_RULE_PT * px_per_pt)
    near_h = cv2.dilate(hmask, np.ones((2 * tol + 1, 2 * tol + 1), np.uint8))
    runs, lone = _vertical(vmask, binary, near_h, tol, cores=(text_boxes, long_px))
    long_xs = [x + w / 2 for x, y, w, h in runs if h >= long_px]
    vboxes = [(x, y, w, h) for x, y, w, h in chained(runs, tol, long_px, text_boxes, lone)
              if h >= long_px or (any(abs(x + w / 2 - c) <= tol for c in long_xs) and not _by_text(x, y, w, h, text_boxes, tol))
              or _continuous(binary[y:y + h, x:x + w]) >= SHORT_CONTINUITY]
    keep = np.zeros_like(vmask)
    _, pieces = cv2.connectedComponents(vmask, connectivity=8)
    for x, y, w, h in vboxes:
        # the whole run in the rule's columns is erased, also where it was cut back to a row
        # rule: the stub of a broken rule left in a value cell reads as a 1
        band = pieces[:, x:x + w]
        ids = np.unique(band[y:y + h][band[y:y + h] > 0])
        keep[:, x:x + w][np.isin(band, ids)] = 255
    if faint is not None:
        extra = _faint_rules(faint, near_h, vboxes, tol, long_px, gap, vk)
        for x, y, w, h in extra:
            keep[y:y + h, x:x + w] = 255
        vboxes = vboxes + extra
    for x, y, w, h in vboxes:
        e = edge(((x + w / 2) / px_per_pt, y / px_per_pt), ((x + w / 2) / px_per_pt, (y + h) / px_per_pt))
        if e:
            edges.append(e)
    mask = cv2.dilate(cv2.bitwise_or(hmask, keep), np.ones((2 * ERASE_PX + 1, 2 * ERASE_PX + 1), np.uint8))
    return edges, mask, vboxes
