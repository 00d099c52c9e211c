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
# A vertical run shorter than LONG_RULE_PT has ink on at least this share of its rows at
# Otsu's threshold before gaps are closed: the short real rules of the benchmark's scans
# (seed 3, 200 dpi) measured 0.947, the chains of noise specks on its noisy grey page
# 0.70-0.91, splitting the cells they cross.
SHORT_CONTINUITY = 0.93
# A rule is removed from the image before recognition with this margin (px) around it.
ERASE_PX = 2


def _segments(mask: np.ndarray, horizontal: bool) -> list[tuple[int, int, int, int]]:
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [tuple(int(v) for v in stats[i, :4]) for i in range(1, n)]  # x, y, w, h


def _inside_text(x: int, y: int, w: int, h: int, text_boxes: list, margin: int) -> bool:
    """A run through the middle of a detected line of text (a stroke of it, not a rule)."""
    cx, cy = x + w / 2, y + h / 2
    return any(x0 + margin < cx < x1 - margin and y0 <= cy <= y1 for x0, y0, x1, y1 in text_boxes)


def chained(vboxes: list[tuple[int, int, int, int]], tol: int, long_px: int,
            text_boxes: list) -> list[tuple[int, int, int, int]]:
    """The vertical runs that do not cut through a detected line of text and are long, or
    line up with another run (a table's column rules share their x across its rows and
    blocks; a character's stroke that touches both rules of a tight row rarely does)."""
    out = []
    for x, y, w, h in vboxes:
        cx = x + w / 2
        if h < long_px and _inside_text(x, y, w, h, text_boxes, 2 * tol):
            continue
        if h >= long_px or any(abs(cx - (x2 + w2 / 2)) <= tol for x2, y2, w2, h2 in vboxes if (x2, y2) != (x, y)):
            out.append((x, y, w, h))
    return out


def _in_character(piece: np.ndarray, stats: np.ndarray, w: int, tol: int) -> bool:
    """The ink across a vertical run at one height is part of something much wider than the
    run: a character's stroke, not a rule."""
    piece = piece[piece > 0]
    return bool(piece.size) and stats[int(piece[0]), cv2.CC_STAT_WIDTH] > 2 * w + 2 * tol


def _vertical(vmask: np.ndarray, binary: np.ndarray, near_h: np.ndarray, tol: int,
              at: tuple[float, ...] = (0.5,)) -> list[tuple[int, int, int, int]]:
    """Vertical runs of `vmask` that are thin, meet a horizontal rule at both ends and are
    not a stroke of a character where looked at (shares `at` of their height; x, y, w, h in
    pixels)."""
    # the ink left when the horizontal rules are taken out: a vertical rule is a thin piece
    # of it on its own, a character's stroke part of a character as wide as the character
    _, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.bitwise_and(binary, cv2.bitwise_not(near_h)))
    out = []
    for x, y, w, h in _segments(vmask, False):
        cx = min(x + w // 2, near_h.shape[1] - 1)
        if w > max(4, h // 8) or not (near_h[y, cx] and near_h[min(y + h - 1, near_h.shape[0] - 1), cx]):
            continue
        if any(_in_character(labels[y + int(h * share), x:x + w], stats, w, tol) for share in at):
            continue
        out.append((x, y, w, h))
    return out


def _faint_rules(faint: np.ndarray, near_h: np.ndarray, found: list, tol: int,
                 long_px: int, gap: int, vk: int) -> list[tuple[int, int, int, int]]:
    """Column rules only the lighter threshold shows (a thin rule gone grey in the scan):
    those at least `long_px` tall, at an x where no rule was found already, and no part of
    a character at a quarter, half and three quarters of their height. Shorter ones are not
    taken (on a noisy grey page the lighter threshold turns specks into short runs), nor
    ones that are strokes of characters one above the other (年 over 年) joined across the
    row rule between them."""
    vmask = cv2.morphologyEx(faint, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    vmask = cv2.morphologyEx(vmask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    xs = [x + w / 2 for x, y, w, h in found]
    return [(x, y, w, h) for x, y, w, h in _vertical(vmask, faint, near_h, tol, (0.25, 0.5, 0.75))
            if h >= long_px and all(abs(x + w / 2 - c) > 2 * tol for c in xs)
            and _continuous(faint[y:y + h, x:x + w]) >= FAINT_CONTINUITY]


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
    vboxes = [(x, y, w, h) for x, y, w, h in chained(_vertical(vmask, binary, near_h, tol), tol, long_px, text_boxes)
              if h >= long_px or _continuous(binary[y:y + h, x:x + w]) >= SHORT_CONTINUITY]
    keep = np.zeros_like(vmask)
    for x, y, w, h in vboxes:
        keep[y:y + h, x:x + w] = vmask[y:y + h, x:x + w]
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
