"""A page image made ready for recognition: grey without the red seal, turned upright,
deskewed.

* `to_gray` - the red channel of a colour page as its grey image: red ink (a seal, a
  red-letter masthead) is bright in it, so it vanishes, while black text stays black;
  the paper is stretched to white.
* `skew_angle` / `rotate` - the angle (within ±`MAX_SKEW` degrees) that makes the text
  lines horizontal, by the projection-profile method on a reduced binary copy (rows of
  text give the sharpest row profile when level), and the rotation by it.
* `binarize` - ink as 255 on 0, Otsu's threshold.

A page turned by 90° is found by the page reader from the shape of the detected text
boxes (`extractors.formats.ocr.page`), not here.
"""

from __future__ import annotations

import cv2
import numpy as np

# Skew searched: scans are fed slightly crooked (the issue: up to ±2°); ±3° leaves margin.
MAX_SKEW = 3.0
# Coarse and fine steps of the angle search (degrees): 0.25° then 0.025° around the best;
# 0.025° leaves a residual drift of < 1 px across a 1654 px-wide page (200 dpi).
COARSE_STEP, FINE_STEP = 0.25, 0.025
# A smaller angle is left alone: 0.15° drifts < 4.5 px across a 200-dpi page, less than a
# rule's snap tolerance, and the search finds a few hundredths of a degree on level pages.
MIN_SKEW = 0.15
# Width of the reduced copy the skew is measured on: 800 px (a text line stays a few px tall).
SKEW_WIDTH = 800
# Paper level: the 90th percentile of the grey image is taken as the paper (grey or
# yellowed paper is stretched to white); ink below INK_LEVEL of it is kept as it is.
PAPER_PERCENTILE = 90


def to_gray(img: np.ndarray) -> np.ndarray:
    """The page as 8-bit grey, red removed (colour input: its red channel), paper white."""
    if img.ndim == 3:
        gray = img[:, :, 2] if img.shape[2] >= 3 else img[:, :, 0]  # OpenCV's BGR(A): index 2 is red
    else:
        gray = img
    if gray.dtype != np.uint8:
        gray = cv2.normalize(gray, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    paper = float(np.percentile(gray[:: 4, :: 4], PAPER_PERCENTILE))
    if 0 < paper < 250:
        gray = cv2.convertScaleAbs(gray, alpha=255.0 / paper)
    return np.ascontiguousarray(gray)


def binarize(gray: np.ndarray) -> np.ndarray:
    """Ink 255, paper 0 (Otsu's threshold on the grey page)."""
    _, out = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return out


def rule_ink(gray: np.ndarray) -> np.ndarray:
    """Ink 255, paper 0, at a threshold halfway between Otsu's and the paper: a thin rule
    blurred by the scan, or thinned by a rotation's interpolation, is grey (136-152 on a
    page whose Otsu level is 154, measured on a generated turned page), and Otsu's threshold
    breaks it into pieces too short to be a rule. Only the rule finder reads this image."""
    level, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, out = cv2.threshold(gray, (level + 255) / 2, 255, cv2.THRESH_BINARY_INV)
    return out


def _profile_score(small: np.ndarray, angle: float) -> float:
    h, w = small.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(small, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rot.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def skew_angle(gray: np.ndarray) -> float:
    """Degrees to rotate the page by (counter-clockwise, OpenCV's sense) to level its lines."""
    h, w = gray.shape
    scale = min(1.0, SKEW_WIDTH / w)
    small = cv2.resize(binarize(gray), (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, COARSE_STEP), key=lambda a: _profile_score(small, a))
    fine = np.arange(best - COARSE_STEP, best + COARSE_STEP + 1e-9, FINE_STEP)
    return float(max(fine, key=lambda a: _profile_score(small, a)))


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """`gray` rotated by `angle` degrees about its centre, the corners filled with paper."""
    if abs(angle) < MIN_SKEW:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def turn(gray: np.ndarray, quarter_turns: int) -> np.ndarray:
    """`gray` turned by 90° × `quarter_turns` counter-clockwise."""
    return np.ascontiguousarray(np.rot90(gray, quarter_turns % 4))
