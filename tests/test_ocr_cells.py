"""OCR table structure on drawn page images (no mocks: the packaged RapidOCR models and
OpenCV run on images drawn here with Noto Sans CJK): empty cells that hold ink are read
again on their own, and a column rule gone grey in the scan is still a rule."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.formats.ocr import available

pytestmark = pytest.mark.skipif(not available(), reason="the OCR extra (rapidocr-onnxruntime) is not installed")

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
PX_PER_PT = 200 / 72  # a page at 200 dpi, the resolution scanned PDF pages are read at
# A 4 x 3 grid of 60 x 36 pt cells, its top-left corner at (40, 40) pt.
X0, Y0, CW, RH, NCOLS, NROWS = 40.0, 40.0, 60.0, 36.0, 4, 3


def _px(pt: float) -> int:
    return round(pt * PX_PER_PT)


def _page(grey_col: int | None = None, rule_level: int = 0) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """White page with the grid ruled in black (one vertical rule drawn at `rule_level` grey)."""
    img = Image.new("L", (_px(X0 + CW * NCOLS + 40), _px(Y0 + RH * NROWS + 40)), 255)
    d = ImageDraw.Draw(img)
    for r in range(NROWS + 1):
        y = _px(Y0 + r * RH)
        d.line([(_px(X0), y), (_px(X0 + CW * NCOLS), y)], fill=0, width=2)
    for c in range(NCOLS + 1):
        x = _px(X0 + c * CW)
        d.line([(x, _px(Y0)), (x, _px(Y0 + RH * NROWS))], fill=rule_level if c == grey_col else 0, width=2)
    return img, d


def _put(d: ImageDraw.ImageDraw, col: int, row: int, text: str) -> None:
    if not FONT.exists():
        pytest.skip("fonts-noto-cjk is not installed")
    font = ImageFont.truetype(str(FONT), _px(10.5))
    cx, cy = _px(X0 + (col + 0.5) * CW), _px(Y0 + (row + 0.5) * RH)
    d.text((cx, cy), text, font=font, fill=0, anchor="mm")


def _part():
    from extractors.formats.pdf.geometry import PartCell, TablePart

    cells = [PartCell(X0 + c * CW, X0 + (c + 1) * CW, r, r + 1) for r in range(NROWS) for c in range(NCOLS)]
    ys = [Y0 + r * RH for r in range(NROWS + 1)]
    return TablePart(1, (X0, Y0, X0 + CW * NCOLS, Y0 + RH * NROWS), cells, NROWS, True, row_ys=ys)


def _cell(part, col: int, row: int):
    return next(c for c in part.cells if c.r0 == row and abs(c.x0 - (X0 + col * CW)) < 1e-6)


def test_an_empty_cell_holding_a_lone_zero_is_read_alone_and_a_truly_empty_one_stays_blank():
    from extractors.formats.ocr.cells import reread_inked

    img, d = _page()
    _put(d, 1, 0, "0")
    _put(d, 2, 1, "7")
    clean = np.array(img)
    clean[np.array(_page()[0]) < 128] = 255  # the rules erased, as the page reader does
    part = _part()
    got, unread, dashes = reread_inked([part], clean, PX_PER_PT)
    assert (got, unread, dashes) == (2, 0, 0)
    assert _cell(part, 1, 0).text == "0" and _cell(part, 1, 0).conf >= 0.8
    assert _cell(part, 2, 1).text == "7"
    blank = [c for c in part.cells if c is not _cell(part, 1, 0) and c is not _cell(part, 2, 1)]
    assert all(c.text == "" and c.conf is None for c in blank)


def test_ink_that_reads_as_no_number_makes_the_cell_unreadable_not_blank():
    from extractors.formats.ocr.cells import UNREAD_MARK, reread_inked
    from extractors.tables.cells import parse_value

    img, d = _page()
    x, y = _px(X0 + 2.5 * CW), _px(Y0 + 1.5 * RH)
    d.ellipse([x - 10, y - 10, x + 10, y + 10], fill=0)  # a blot the size of a digit
    clean = np.array(img)
    clean[np.array(_page()[0]) < 128] = 255
    part = _part()
    got, unread, dashes = reread_inked([part], clean, PX_PER_PT)
    cell = _cell(part, 2, 1)
    assert (got, unread, dashes) == (0, 1, 0) and cell.text == UNREAD_MARK
    assert parse_value(cell.text).kind == "unreadable"


def test_a_printed_dash_is_not_applicable_and_a_rule_sliver_along_the_border_is_not_a_dash():
    from extractors.formats.ocr.cells import reread_inked
    from extractors.tables.cells import parse_value

    img, d = _page()
    x, y = _px(X0 + 1.5 * CW), _px(Y0 + 0.5 * RH)
    d.line([(x - _px(3), y), (x + _px(3), y)], fill=0, width=2)  # a 6-pt dash across the cell's middle
    clean = np.array(img)
    clean[np.array(_page()[0]) < 128] = 255
    # a horizontal rule's sliver left just inside another cell's top border (a skewed rule)
    top = _px(Y0 + RH) + _px(1.6)
    clean[top:top + 2, _px(X0 + 2 * CW) + 10:_px(X0 + 3 * CW) - 10] = 0
    part = _part()
    assert reread_inked([part], clean, PX_PER_PT) == (0, 0, 1)
    assert _cell(part, 1, 0).text == "-" and parse_value("-").kind == "not_applicable"
    assert _cell(part, 2, 1).text == ""


def test_specks_of_noise_in_an_empty_cell_are_not_ink():
    from extractors.formats.ocr.cells import reread_inked

    img, _ = _page()
    clean = np.array(img)
    clean[clean < 128] = 255
    rng = np.random.default_rng(7)
    ys, xs = rng.integers(_px(Y0) + 8, _px(Y0 + RH * NROWS) - 8, 300), rng.integers(_px(X0) + 8, _px(X0 + CW * NCOLS) - 8, 300)
    clean[ys, xs] = 0  # one-pixel specks, as noise and JPEG damage leave them
    part = _part()
    assert reread_inked([part], clean, PX_PER_PT) == (0, 0, 0)
    assert all(c.text == "" for c in part.cells)


def test_a_column_rule_gone_grey_is_found_at_the_lighter_threshold():
    from extractors.formats.ocr import prep
    from extractors.formats.ocr.rules import ruling

    img, d = _page(grey_col=2, rule_level=160)
    for c in range(NCOLS):
        for r in range(NROWS):
            _put(d, c, r, str(c + r))
    # a scanner's blur: the grey rule's core is 175, Otsu's level of the page 158 (measured)
    gray = prep.to_gray(cv2.GaussianBlur(np.array(img), (3, 3), 0.8))
    x_grey = X0 + 2 * CW

    def verticals(edges):
        return sorted(round(e["x0"]) for e in edges if e["orientation"] == "v")

    plain, _, _ = ruling(prep.binarize(gray), PX_PER_PT, [])
    assert round(x_grey) not in verticals(plain)  # Otsu's threshold drops the grey rule
    edges, mask, vboxes = ruling(prep.binarize(gray), PX_PER_PT, [], prep.rule_ink(gray))
    assert round(x_grey) in verticals(edges)
    assert len(verticals(edges)) == NCOLS + 1
    assert mask[_px(Y0 + RH), _px(x_grey)] > 0  # erased before recognition like the others


def test_noise_on_grey_paper_makes_no_faint_rule():
    from extractors.formats.ocr import prep
    from extractors.formats.ocr.rules import ruling

    img, _ = _page()
    page = np.array(img).astype(np.int16)
    rng = np.random.default_rng(3)
    page = np.clip(page - 40 + rng.normal(0, 30, page.shape), 0, 255).astype(np.uint8)  # grey, noisy paper
    gray = prep.to_gray(page)
    plain, _, _ = ruling(prep.binarize(gray), PX_PER_PT, [])
    edges, _, _ = ruling(prep.binarize(gray), PX_PER_PT, [], prep.rule_ink(gray))
    assert sum(e["orientation"] == "v" for e in edges) == sum(e["orientation"] == "v" for e in plain)
