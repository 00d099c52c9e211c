"""OCR table structure on drawn page images and boxes (no mocks: OpenCV runs on images drawn
here): the pieces of a header cell's box run over a row rule, a column rule a blurred
character touches, a one-row table's short column rules, and boxes of grey noise."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from extractors.formats.ocr import available

pytestmark = pytest.mark.skipif(not available(), reason="the OCR extra (rapidocr-onnxruntime) is not installed")

PX_PER_PT = 200 / 72  # a page at 200 dpi, the resolution scanned PDF pages are read at


def _px(pt: float) -> int:
    return round(pt * PX_PER_PT)


def _verticals(edges) -> list[int]:
    return sorted(round(e["x0"]) for e in edges if e["orientation"] == "v")


def _grid(xs: list[float], ys: list[float], size: tuple[float, float] = (400, 300)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """White page (pt) with rules at `ys` across the grid and at `xs` down it, 2 px wide."""
    img = Image.new("L", (_px(size[0]), _px(size[1])), 255)
    d = ImageDraw.Draw(img)
    for y in ys:
        d.line([(_px(xs[0]), _px(y)), (_px(xs[-1]), _px(y))], fill=0, width=2)
    for x in xs:
        d.line([(_px(x), _px(ys[0])), (_px(x), _px(ys[-1]))], fill=0, width=2)
    return img, d


def test_the_piece_of_a_header_box_run_over_the_row_rule_onto_a_value_is_dropped():
    from extractors.formats.ocr.page import cut_at_hrules

    header = (100, 10, 150, 106)  # stacked header characters, padded 6 px past the rule at y=100
    value = (112, 101, 138, 128)  # the value below has a box of its own
    rules = [(0.0, 100.0, 400.0)]
    assert cut_at_hrules(header, rules, 5, [header, value]) == [(100, 10, 150, 100)]
    # without a box of its own below, the piece is what the detector ran on into: it is kept
    assert cut_at_hrules(header, rules, 5, [header]) == [(100, 10, 150, 100), (100, 101, 150, 106)]
    # a box run over a rule by half its height or more is two lines of text, both kept
    tall = (100, 60, 150, 150)
    assert len(cut_at_hrules(tall, rules, 5, [tall, value])) == 2


def test_a_column_rule_that_a_blurred_character_touches_is_still_a_rule():
    from extractors.formats.ocr import prep
    from extractors.formats.ocr.rules import ruling

    img, d = _grid([40.0, 340.0], [40.0, 52.0, 64.0, 76.0, 90.0])
    for x in (140, 240):  # column rules of the first three rows; the fourth is a caption row
        d.line([(_px(x), _px(40)), (_px(x), _px(76))], fill=0, width=2)
    # a character's strokes blurred into the rule at x=140 in the second row
    d.rectangle([_px(134), _px(54), _px(139.5), _px(62)], fill=0)
    # below the table's third row rule a bracket's stroke carries on from the rule (a （ in the
    # caption row under it), inside the caption's text box
    d.rectangle([_px(139), _px(76), _px(141), _px(86)], fill=0)
    gray = prep.to_gray(np.array(img))
    caption_box = (_px(100), _px(77), _px(200), _px(89))
    edges, _, _ = ruling(prep.binarize(gray), PX_PER_PT, [caption_box])
    assert 140 in _verticals(edges)
    rule = next(e for e in edges if e["orientation"] == "v" and round(e["x0"]) == 140)
    assert rule["top"] == pytest.approx(40, abs=1.5)
    assert rule["bottom"] == pytest.approx(76, abs=1.5)  # it stops at the row rule, not in the caption


def test_the_short_column_rules_of_a_one_row_table_are_found():
    from extractors.formats.ocr import prep
    from extractors.formats.ocr.rules import ruling

    xs = [40.0, 150.0, 190.0, 230.0, 270.0, 310.0]  # a label and five value columns
    img, _ = _grid(xs, [40.0, 52.0])  # one 12-pt row: its rules line up with no other rule
    gray = prep.to_gray(np.array(img))
    edges, _, _ = ruling(prep.binarize(gray), PX_PER_PT, [])
    assert _verticals(edges) == [round(x) for x in xs]


def test_a_stroke_inside_a_line_of_text_is_not_a_lone_rule():
    from extractors.formats.ocr import prep
    from extractors.formats.ocr.rules import ruling

    xs = [40.0, 150.0, 310.0]
    img, d = _grid(xs, [40.0, 52.0])
    d.rectangle([_px(200), _px(40), _px(200.7), _px(52)], fill=0)  # a stroke from rule to rule
    gray = prep.to_gray(np.array(img))
    text = (_px(160), _px(41), _px(300), _px(51))  # the detector's box of the cell's text
    edges, _, _ = ruling(prep.binarize(gray), PX_PER_PT, [text])
    assert _verticals(edges) == [40, 150, 310]


def test_a_box_of_grey_specks_is_inkless_and_a_drawn_zero_is_not():
    from extractors.formats.ocr import prep
    from extractors.formats.ocr.page import inkless

    img = Image.new("L", (_px(200), _px(60)), 255)
    d = ImageDraw.Draw(img)
    d.ellipse([_px(20), _px(20), _px(25), _px(28)], outline=0, width=3)  # a drawn 0, 8 pt tall
    page = np.array(img)
    rng = np.random.default_rng(11)
    ys, xs = rng.integers(_px(15), _px(35), 60), rng.integers(_px(100), _px(130), 60)
    page[ys, xs] = 60  # one-pixel specks, as a noisy grey scan leaves them
    ink = prep.binarize(prep.to_gray(page))
    assert not inkless(ink, (_px(15), _px(15), _px(30), _px(33)), PX_PER_PT)
    assert inkless(ink, (_px(98), _px(13), _px(132), _px(37)), PX_PER_PT)


def test_a_rule_broken_inside_a_row_is_cut_back_to_the_row_rule_and_its_stub_erased():
    from extractors.formats.ocr import prep
    from extractors.formats.ocr.rules import ruling

    img, d = _grid([40.0, 340.0], [40.0, 52.0, 64.0, 76.0])
    d.line([(_px(140), _px(40)), (_px(140), _px(70))], fill=0, width=2)  # broken 6 pt into the last row
    d.line([(_px(240), _px(40)), (_px(240), _px(76))], fill=0, width=2)
    gray = prep.to_gray(np.array(img))
    edges, mask, _ = ruling(prep.binarize(gray), PX_PER_PT, [])
    rule = next(e for e in edges if e["orientation"] == "v" and round(e["x0"]) == 140)
    assert rule["top"] == pytest.approx(40, abs=1.5) and rule["bottom"] == pytest.approx(64, abs=1.5)
    assert mask[_px(68), _px(140)] > 0  # the stub in the last row would read as a 1


def test_a_broken_short_rule_under_a_long_rule_is_kept_by_its_x_unless_text_reaches_it():
    from extractors.formats.ocr import prep
    from extractors.formats.ocr.rules import ruling

    img, d = _grid([40.0, 150.0, 310.0], [40.0, 52.0])  # a one-row piece of a table
    for y0 in (40.0, 43.0, 46.0, 49.0):  # its rule at x=200, broken by the scan: ink on ~80% of its rows
        d.line([(_px(200), _px(y0)), (_px(200), _px(y0 + 2.4))], fill=0, width=2)
    for y in (80.0, 100.0, 120.0):  # the table below, whose column rule at x=200 is long
        d.line([(_px(40), _px(y)), (_px(310), _px(y))], fill=0, width=2)
    for x in (40.0, 200.0, 310.0):
        d.line([(_px(x), _px(80)), (_px(x), _px(120))], fill=0, width=2)
    gray = prep.to_gray(np.array(img))

    def short_at_200(text_boxes):
        edges, _, _ = ruling(prep.binarize(gray), PX_PER_PT, text_boxes)
        return any(e["orientation"] == "v" and abs(e["x0"] - 200) < 2 and e["bottom"] < 60 for e in edges)

    assert short_at_200([])
    # a box the detector cut short right at the run: the run may be the upright of its last character
    assert not short_at_200([(_px(160), _px(41), _px(199.5), _px(51))])


def test_a_dash_read_as_a_one_is_dropped_by_its_shape_and_an_upright_one_is_not():
    from extractors.formats.ocr import prep
    from extractors.formats.ocr.page import UPRIGHT_READINGS, flat_ink

    img = Image.new("L", (_px(200), _px(40)), 255)
    d = ImageDraw.Draw(img)
    d.line([(_px(20), _px(20)), (_px(32), _px(20))], fill=0, width=2)  # a printed —, 12 pt long
    d.line([(_px(120), _px(14)), (_px(120), _px(26))], fill=0, width=3)  # the upright of a 1
    ink = prep.binarize(prep.to_gray(np.array(img)))
    assert "1" in UPRIGHT_READINGS
    assert flat_ink(ink, (_px(15), _px(14), _px(37), _px(26)), PX_PER_PT)
    assert not flat_ink(ink, (_px(114), _px(12), _px(126), _px(28)), PX_PER_PT)
