"""Empty cells of an OCR'd ruled table that hold ink: read again on their own.

    reread_inked(parts, clean, px_per_pt) -> (cells read, cells left unreadable, dashes)

The detector works on a reduced copy of the page and misses a lone narrow glyph now and
then (a `0` or `1` alone in a cell of a dense table). Once the table finder has formed the
cells, every cell left without text is looked at in the page image with the rules erased:
when it holds glyph-sized ink (not specks of noise, not a remnant of a rule along its
border) the ink is cropped with a margin and recognised alone. A number read there is the
cell's text, with its confidence (the arithmetic check then treats it like any other OCR'd
cell); ink that still reads as no number makes the cell `unreadable` (its text is
`UNREAD_MARK`), never blank: a blank cell says nothing is printed there. A cell whose only
ink is one short bar across its middle holds a printed dash (`-`, not applicable), which the
detector does not box.
"""

from __future__ import annotations

import cv2
import numpy as np

from extractors.formats.ocr import engine, prep
from extractors.formats.ocr.text import fix_text
from extractors.formats.pdf.geometry import TablePart

# The text an inked cell that cannot be read gets: the table reader takes a lone "o" for a
# value that cannot be read (`extractors.tables.cells.is_value_like`, `parse_value` ->
# unreadable), so the cell is null with value_kind `unreadable`.
UNREAD_MARK = "o"
# Confidence given to a cell whose ink reads as no number (none: it is not read at all).
UNREAD_CONF = 0.0
# Pixels kept off a cell's borders when looking for ink (pt): the rules are erased with
# `rules.ERASE_PX` around them, a skewed or thick rule leaves a sliver beyond that.
BORDER_PT = 1.5
# Ink that counts as a glyph: a connected piece at least this tall (pt; a digit of the
# reports' 9-12 pt table type is 6-9 pt tall, a 1's foot or a comma is less) ...
GLYPH_MIN_H_PT = 4.0
# ... and no taller than this (pt; taller is a rule's remnant or a stroke of a row below).
GLYPH_MAX_H_PT = 16.0
# ... with at least this much ink (pixels) per pixel of its height and per px per pt (a JPEG
# speck or a broken rule's dust is sparser; a thin 1 of 7.5 pt at 200 dpi, 21 px tall with
# 2-px strokes, has ~45 px of ink, the threshold there is 35).
GLYPH_MIN_INK = 0.6
# A printed dash (`-`, `—`: not applicable) in an empty-looking cell: one bar under this tall
# (pt; the reports' dash is ~0.6 pt thick, 1 pt at most when blurred), 2.5-14 pt long (a
# hyphen of 10 pt type to a 一-wide dash), this solid, its middle within this share of the
# cell's height of the cell's middle; nothing else in the cell as long as the shortest dash.
DASH_MAX_H_PT = 2.0
DASH_MIN_W_PT, DASH_MAX_W_PT = 2.5, 14.0
DASH_FILL = 0.6
DASH_OFF_MIDDLE = 0.25
# The text and confidence a cell read as a dash gets (`parse_value` -> not_applicable).
DASH_TEXT = "-"
# Margin around the ink when it is cropped for recognition (pt), like the detector's padding.
CROP_PAD_PT = 2.5
# A crop is scaled to this height (px) before recognition: the recogniser's input height
# (48 px) with the glyph filling ~60% of it, as in the crops the detector's boxes give.
REC_HEIGHT = 48


def _glyph_ink(stats: np.ndarray, shape: tuple[int, int], px_per_pt: float) -> tuple[int, int, int, int] | None:
    """The box (x0, y0, x1, y1) of the glyph-sized ink of a cell's inner area (`stats`: its
    connected pieces of ink, OpenCV's, background first; `shape`: its height and width), or None."""
    lo, hi = GLYPH_MIN_H_PT * px_per_pt, GLYPH_MAX_H_PT * px_per_pt
    h_img, w_img = shape
    box = None
    for x, y, w, h, area in stats[1:]:
        if not lo <= h <= hi or area < GLYPH_MIN_INK * h * px_per_pt:
            continue
        if (x == 0 or x + w >= w_img) and w < h / 3:  # a sliver of a column rule along the border
            continue
        b = (int(x), int(y), int(x + w), int(y + h))
        box = b if box is None else (min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3]))
    return box


def _dash(stats: np.ndarray, shape: tuple[int, int], px_per_pt: float) -> bool:
    """The inner area of a cell (`stats`, `shape` as for `_glyph_ink`) holds one solid short
    bar across its middle and nothing else glyph-like: a printed `-` (not applicable), which
    is too flat for `_glyph_ink`."""
    h_img, w_img = shape
    bars = others = 0
    for x, y, w, h, area in stats[1:]:
        if h < DASH_MAX_H_PT * px_per_pt and DASH_MIN_W_PT * px_per_pt <= w <= DASH_MAX_W_PT * px_per_pt \
                and area >= DASH_FILL * w * h and y > 0 and y + h < h_img and x > 0 and x + w < w_img \
                and abs((y + h / 2) - h_img / 2) <= DASH_OFF_MIDDLE * h_img:
            bars += 1
        elif max(w, h) >= DASH_MIN_W_PT * px_per_pt:
            others += 1
    return bars == 1 and others == 0


def _inner(part: TablePart, cell, px_per_pt: float, shape) -> tuple[int, int, int, int] | None:
    ys = part.row_ys
    if ys is None or cell.r1 >= len(ys):
        return None
    m = BORDER_PT * px_per_pt
    x0, x1 = round(cell.x0 * px_per_pt + m), round(cell.x1 * px_per_pt - m)
    y0, y1 = round(ys[cell.r0] * px_per_pt + m), round(ys[cell.r1] * px_per_pt - m)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(shape[1], x1), min(shape[0], y1)
    return (x0, y0, x1, y1) if x1 - x0 > 2 and y1 - y0 > 2 else None


def _crop(clean: np.ndarray, box: tuple[int, int, int, int], px_per_pt: float) -> np.ndarray:
    pad = max(2, round(CROP_PAD_PT * px_per_pt))
    x0, y0, x1, y1 = box
    crop = np.full((y1 - y0 + 2 * pad, x1 - x0 + 2 * pad), 255, np.uint8)
    crop[pad:pad + y1 - y0, pad:pad + x1 - x0] = clean[y0:y1, x0:x1]
    scale = REC_HEIGHT / crop.shape[0]
    if scale > 1:
        crop = cv2.resize(crop, (max(1, round(crop.shape[1] * scale)), REC_HEIGHT), interpolation=cv2.INTER_CUBIC)
    return crop


def _as_number(text: str, confs: list[float]) -> tuple[str, float] | None:
    text, confs = fix_text(text.strip(), confs)
    core = text.replace(",", "")
    if core and core.isdigit() and len(confs) == len(text):
        return text, min(confs)
    return None


def reread_inked(parts: list[TablePart], clean: np.ndarray, px_per_pt: float,
                 binary: np.ndarray | None = None) -> tuple[int, int, int]:
    """Recognise the ink of empty cells of ruled parts (module docstring); `binary`: the ink
    of `clean` (`prep.binarize`), when the caller has it. Returns how many cells got a
    number, how many were made unreadable and how many hold a dash (`_dash`: text `-`, no
    recogniser's confidence)."""
    binary = prep.binarize(clean) if binary is None else binary
    todo = []
    dashes = 0
    for part in parts:
        if not part.ruled:
            continue
        for cell in part.cells:
            if cell.text.strip():
                continue
            inner = _inner(part, cell, px_per_pt, clean.shape)
            if inner is None:
                continue
            x0, y0, x1, y1 = inner
            area = binary[y0:y1, x0:x1]
            stats = cv2.connectedComponentsWithStats(area, connectivity=8)[2]
            ink = _glyph_ink(stats, area.shape, px_per_pt)
            if ink is None and _dash(stats, area.shape, px_per_pt):
                cell.text, cell.conf = DASH_TEXT, None
                dashes += 1
            elif ink is not None:
                box = (x0 + ink[0], y0 + ink[1], x0 + ink[2], y0 + ink[3])
                todo.append((cell, _crop(clean, box, px_per_pt)))
    read = unread = 0
    for (cell, _), (text, confs) in zip(todo, engine.recognise([c for _, c in todo]), strict=True):
        got = _as_number(text, confs)
        if got is None:
            cell.text, cell.conf = UNREAD_MARK, UNREAD_CONF
            unread += 1
        else:
            cell.text, cell.conf = got
            read += 1
    return read, unread, dashes
