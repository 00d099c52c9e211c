"""One page image read with OCR into the PDF reader's page layout (`PageLayout`): the
same ruled-table finder, cell placement, stitching and reading order as a text PDF, with
characters that come from the recogniser and keep its confidence.

    ocr_page(img, page_no, px_per_pt, notes) -> PageLayout

Steps: grey without red (`prep.to_gray`), a page turned by 90° turned back (the text
boxes are taller than wide; the turn whose recognition is surer wins), the skew levelled
(`prep.skew_angle`), the ruling lines found and erased (`rules.ruling`), text boxes
detected (`engine.detect`) and cut where a vertical rule crosses them, recognised
(`engine.recognise`) and spread into characters over their box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extractors.formats.ocr import engine, prep
from extractors.formats.ocr.cells import DASH_MAX_H_PT, reread_inked
from extractors.formats.ocr.rules import ruling
from extractors.formats.ocr.text import fix_text
from extractors.formats.pdf.geometry import Char
from extractors.formats.pdf.page import PageLayout, read_deep

# A page is taken as turned by 90° when more of its text boxes are tall than wide, by
# this factor (a portrait page of horizontal text has nearly none that are tall).
TALL_FACTOR = 2.0
# Boxes recognised to choose between the two quarter turns of a turned page.
TURN_SAMPLE = 12
# Long side over short side of a whole page, turned or not: A4 1.41, US letter 1.29, 16K 1.38;
# 1.6 leaves room for a scanner's margins. Longer images are strips cut from a page.
MAX_PAGE_ASPECT = 1.6
# A character's box: the middle share of its text box's height (the detector's boxes are
# padded, "unclipped", ~1.6x the glyphs: the neighbouring lines of a cell must not overlap).
CHAR_HEIGHT_SHARE = 0.55
# Width of a character relative to a CJK one, for spreading a box's text over its width:
# digits and Latin letters are about half as wide in the reports' fonts.
NARROW_WIDTH = 0.55
# Ink the detector left without a box is recognised when it is glyph-sized: 4-20 pt tall (a
# digit of 9-16 pt type), with some ink (a tenth of its height squared: noise specks and
# rule remnants are thinner); its box padded by ORPHAN_PAD_PT like the detector's.
GLYPH_MIN_PT, GLYPH_MAX_PT = 4.0, 20.0
GLYPH_MIN_INK = 0.1
ORPHAN_PAD_PT = 1.5
# A box without glyph-sized ink (`inkless`) whose reading is no surer than this is noise the
# recogniser read as characters (on the benchmark's noisy grey pages: 厦 0.08, 囍 0.16, 家 0.27
# in boxes of grey specks beside a value's 0).
INKLESS_CONF = 0.5
# Readings of an upright stroke that a flat bar (`flat_ink`) cannot be: the recogniser reads a
# printed — as 1 with a confidence of 0.84 (seed 7 of the benchmark's scans); dropped, the
# cell is looked at again as an empty one and its dash found (`cells.reread_inked`).
UPRIGHT_READINGS = frozenset("1lI|7")
# A box that reads as nothing but these is dropped.
LONE_MARKS = "。，、.,'\"`·:;：；_-—~ "
# A piece of a box cut at a row rule that another box overlaps for this share of its height is
# the padding of a header cell's box run over the rule onto the value below (measured on the
# benchmark's scans: such pieces 2-5 pt tall, 80-100% under the value's own box).
COVERED_SHARE = 0.5


@dataclass(slots=True)
class OcrChar(Char):
    """A recognised character: its box on the page (points) and the recogniser's confidence."""

    conf: float = 1.0


@dataclass
class PageRead:
    """What recognition of one page found besides its layout."""

    angle: float = 0.0
    quarter_turns: int = 0
    boxes: int = 0


def _is_narrow(ch: str) -> bool:
    return ord(ch) < 0x2E80 and ch not in "（）：；，。、"


def box_chars(box: tuple[int, int, int, int], text: str, confs: list[float], px_per_pt: float) -> list[OcrChar]:
    """The characters of one recognised box, spread over its width (points)."""
    text, confs = fix_text(text, confs)
    if not text.strip(LONE_MARKS):
        return []  # a lone mark: a speck or a stroke cut off a character, not content
    x0, y0, x1, y1 = box
    weights = [NARROW_WIDTH if _is_narrow(ch) else 1.0 for ch in text]
    total = sum(weights) or 1.0
    cy, half = (y0 + y1) / 2, (y1 - y0) * CHAR_HEIGHT_SHARE / 2
    out, x = [], float(x0)
    for ch, wgt, conf in zip(text, weights, confs, strict=True):
        step = (x1 - x0) * wgt / total
        if not ch.isspace():
            out.append(OcrChar(ch, x / px_per_pt, (cy - half) / px_per_pt, (x + step) / px_per_pt,
                               (cy + half) / px_per_pt, conf))
        x += step
    return out


def split_at_rules(box: tuple[int, int, int, int], vboxes: list[tuple[int, int, int, int]],
                   margin: int) -> list[tuple[int, int, int, int]]:
    """A text box cut where a vertical rule runs through it (two cells' texts read as one)."""
    x0, y0, x1, y1 = box
    cy = (y0 + y1) / 2
    cuts = sorted(vx + vw / 2 for vx, vy, vw, vh in vboxes if vy <= cy <= vy + vh and x0 + margin < vx + vw / 2 < x1 - margin)
    out, left = [], x0
    for c in cuts:
        out.append((left, y0, int(c), y1))
        left = int(c) + 1
    out.append((left, y0, x1, y1))
    return [b for b in out if b[2] - b[0] >= margin]


def cut_at_hrules(box: tuple[int, int, int, int], hrules: list[tuple[float, float, float]],
                  margin: int, found: list | None = None) -> list[tuple[int, int, int, int]]:
    """A text box cut where a horizontal rule runs through it (a column of stacked header
    characters the detector ran on into the value below). A piece less than half the box
    that another detected box covers for most of its height is dropped: the detector's
    padding carried the box over the rule onto the top of the value below, which has a box
    of its own (a sliver of a digit read alone comes out as `o` or `p`)."""
    x0, y0, x1, y1 = box
    cuts = sorted(int(y) for rx0, y, rx1 in hrules if y0 + margin < y < y1 - margin and rx0 <= x0 + margin and rx1 >= x1 - margin)
    if not cuts:
        return [box]
    out, top = [], y0
    for c in cuts:
        out.append((x0, top, x1, c))
        top = c + 1
    out.append((x0, top, x1, y1))
    keep = [b for b in out if b[3] - b[1] >= margin]
    return [b for b in keep if 2 * (b[3] - b[1]) >= y1 - y0 or not _covered(b, box, found or [])]


def _covered(piece: tuple[int, int, int, int], source: tuple[int, int, int, int], found: list) -> bool:
    """Another detected box overlaps `piece` across x and for at least COVERED_SHARE of its height."""
    x0, y0, x1, y1 = piece
    for b in found:
        if b == source:
            continue
        if min(x1, b[2]) > max(x0, b[0]) and min(y1, b[3]) - max(y0, b[1]) >= COVERED_SHARE * (y1 - y0):
            return True
    return False


def stacked_chars(box: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """A box much taller than wide holds characters stacked one per line (a narrow header
    cell): one square box per character, for the recogniser reads lines, not columns."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if h <= TALL_FACTOR * w or w <= 0:
        return [box]
    n = max(1, round(h / w))
    step = h / n
    return [(x0, round(y0 + i * step), x1, round(y0 + (i + 1) * step)) for i in range(n)]


def _pieces(ink: np.ndarray, box: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    """Width and height (px) of each connected piece of ink in the box."""
    import cv2

    x0, y0, x1, y1 = box
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink[y0:y1, x0:x1], connectivity=8)
    return [(int(w), int(h)) for _, _, w, h, _ in stats[1:n]]


def inkless(ink: np.ndarray, box: tuple[int, int, int, int], px_per_pt: float) -> bool:
    """No ink in the box (Otsu's, rules erased) is as tall or as wide as GLYPH_MIN_PT: it
    holds specks at most, whatever the recogniser made of the grey noise there."""
    least = GLYPH_MIN_PT * px_per_pt
    return not any(h >= least or w >= least for w, h in _pieces(ink, box))


def flat_ink(ink: np.ndarray, box: tuple[int, int, int, int], px_per_pt: float) -> bool:
    """The box's ink is one flat bar (`cells.DASH_MAX_H_PT` tall at most, three times as wide
    as tall), specks aside: a printed dash, whatever the recogniser made of it."""
    speck = GLYPH_MIN_PT * px_per_pt / 4
    pieces = [(w, h) for w, h in _pieces(ink, box) if max(w, h) > speck]
    return len(pieces) == 1 and pieces[0][1] <= DASH_MAX_H_PT * px_per_pt and pieces[0][0] >= 3 * pieces[0][1]


def orphan_boxes(ink: np.ndarray, boxes: list, px_per_pt: float) -> list[tuple[int, int, int, int]]:
    """Glyph-sized ink the detector found no box for (a lone 0 or 1 in a narrow cell is
    easily missed on a reduced page), grouped left to right into boxes of their own.
    `ink`: the page's ink with the rules erased (`prep.binarize`), changed here."""
    import cv2

    for x0, y0, x1, y1 in boxes:
        ink[y0:y1, x0:x1] = 0
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    lo, hi = GLYPH_MIN_PT * px_per_pt, GLYPH_MAX_PT * px_per_pt
    blobs = sorted((int(x), int(y), int(x + w), int(y + h)) for x, y, w, h, area in stats[1:n]
                   if lo <= h <= hi and w <= hi and area >= GLYPH_MIN_INK * h * h)
    out: list[list[int]] = []
    for x0, y0, x1, y1 in blobs:
        for b in out:
            gap = x0 - b[2]
            if -hi < gap <= 0.6 * max(y1 - y0, b[3] - b[1]) and min(y1, b[3]) - max(y0, b[1]) > 0:
                b[:] = [min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1)]
                break
        else:
            out.append([x0, y0, x1, y1])
    pad = max(2, round(ORPHAN_PAD_PT * px_per_pt))
    h, w = ink.shape
    return [(max(0, b[0] - pad), max(0, b[1] - pad), min(w, b[2] + pad), min(h, b[3] + pad)) for b in out]


def _turn_upright(gray: np.ndarray, boxes: list, read: PageRead) -> tuple[np.ndarray, list]:
    """A page turned by 90°: the quarter turn whose sample of boxes reads with more confidence.
    An image much longer than a page is never a turned page: it is a strip cut from one (a
    table pasted into a web page), whose stacked header characters make tall boxes upright."""
    h, w = gray.shape[:2]
    if max(h, w) > MAX_PAGE_ASPECT * min(h, w):
        return gray, boxes
    tall = sum(1 for x0, y0, x1, y1 in boxes if (y1 - y0) > TALL_FACTOR * (x1 - x0))
    wide = sum(1 for x0, y0, x1, y1 in boxes if (x1 - x0) > TALL_FACTOR * (y1 - y0))
    if tall <= TALL_FACTOR * max(wide, 1):
        return gray, boxes
    best = None
    for k in (1, 3):
        g = prep.turn(gray, k)
        bx = engine.detect(g)
        sample = sorted(bx, key=lambda b: -(b[2] - b[0]))[:TURN_SAMPLE]
        res = engine.recognise([g[y0:y1, x0:x1] for x0, y0, x1, y1 in sample])
        score = sum(sum(c) for _, c in res)
        if best is None or score > best[0]:
            best = (score, k, g, bx)
    read.quarter_turns = best[1]
    return best[2], best[3]


def ocr_page(img: np.ndarray, page_no: int, px_per_pt: float, notes: list, upright: bool = False) -> PageLayout:
    """Read one page image (OpenCV's BGR or grey) into a PageLayout in points. `upright`:
    the image is known to be shown the right way up (a picture in a web page): it is not
    checked for a quarter turn."""
    read = PageRead()
    gray = prep.to_gray(img)
    found = engine.detect(gray)
    if not upright:
        gray, found = _turn_upright(gray, found, read)
    read.angle = prep.skew_angle(gray)
    if abs(read.angle) >= prep.MIN_SKEW:
        gray = prep.rotate(gray, read.angle)
        found = engine.detect(gray)
    edges, mask, vboxes = ruling(prep.binarize(gray), px_per_pt, found, prep.rule_ink(gray))
    clean = gray.copy()
    clean[mask > 0] = 255
    margin = max(3, round(2 * px_per_pt))
    hrules = [(e["x0"] * px_per_pt, e["top"] * px_per_pt, e["x1"] * px_per_pt) for e in edges if e["orientation"] == "h"]
    boxes = [b for box in found for piece in cut_at_hrules(box, hrules, margin, found)
             for part in split_at_rules(piece, vboxes, margin) for b in stacked_chars(part)]
    ink = prep.binarize(clean)
    boxes += orphan_boxes(ink.copy(), boxes, px_per_pt)
    read.boxes = len(boxes)
    texts = engine.recognise([clean[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes])
    texts = [("", []) if (max(confs, default=0.0) < INKLESS_CONF and inkless(ink, box, px_per_pt))
             or (text.strip() in UPRIGHT_READINGS and flat_ink(ink, box, px_per_pt)) else (text, confs)
             for box, (text, confs) in zip(boxes, texts, strict=True)]
    chars = [ch for box, (text, confs) in zip(boxes, texts, strict=True) for ch in box_chars(box, text, confs, px_per_pt)]
    h, w = gray.shape
    out = PageLayout(page_no, w / px_per_pt, h / px_per_pt, deep=True)
    out.n_chars = len(chars)
    read_deep(out, chars, edges, notes)
    got, unread, dashes = reread_inked(out.parts, clean, px_per_pt, ink)
    if got or unread or dashes:
        notes.append(("ocr_inked_cells", f"page {page_no}: {got + unread + dashes} empty table cells hold ink; read alone: "
                      f"{got} numbers, {unread} unreadable, {dashes} dashes"))
    turned = f", turned by {90 * read.quarter_turns}°" if read.quarter_turns else ""
    notes.append(("ocr_page", f"page {page_no}: OCR of {read.boxes} text boxes, deskewed by {read.angle:+.2f}°{turned}"))
    return out
