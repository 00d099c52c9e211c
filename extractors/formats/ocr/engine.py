"""The recogniser: RapidOCR's PP-OCRv4 Chinese detection and recognition models (shipped
inside the `rapidocr-onnxruntime` wheel, run by onnxruntime on the CPU; nothing is
downloaded at run time). Built once per process, on first use.

    detect(img) -> [(x0, y0, x1, y1)]          text boxes of a grey page image
    recognise(crops) -> [(text, [conf per char])]

The detector and recogniser are called separately (not RapidOCR's whole pipeline): the
page reader detects on a reduced copy of the page (`DET_SIDE`), splits boxes at ruling
lines and crops from the full image, and keeps every character's confidence.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from extractors.errors import NeedsOCR

INSTALL_HINT = "install the OCR extra: pip install 'ogi-reports[ocr]'"
# Longest side of the image the text detector sees. A4 at 200 dpi is 1654 x 2339 px; the
# detector finds body text (10.5 pt ~ 29 px there) as well on a copy of 1600 px as on the
# full page and costs ~2.2x less (measured on generated scans here); 1280 px finds the same
# cells' text and keeps the detector's peak memory ~160 MB lower than 1600 px (measured).
DET_SIDE = 1280
# Threads onnxruntime may use per process: one. ogi runs one reader per core already; a
# second thread per reader on a loaded 2-core machine was slower, not faster (measured).
THREADS = 1
# Address space OCR adds to a reader (MB), on top of `Settings.memory_mb`: the models and
# onnxruntime's buffers took VmPeak from 422 MB to 1.9 GB on a 4-page scan read in one
# process here (RSS peak 0.94 GB); 2 GB more than the 1 GB of other formats leaves margin.
OCR_MEMORY_MB = 2048
# The per-document time limit of a document read by OCR is this many times the limit of the
# other formats (60 s): a page costs 3-8 s of CPU (benchmarks/OCR.md), so a 6-page scan on a
# loaded machine needs more than 60 s; 5x (300 s) still stops a 300-page scan in time.
OCR_TIME_FACTOR = 5
# Narrowest input of the recogniser (px, at its 48 px height): RapidOCR's 320, the width the
# model was trained at. Narrower is faster (160 px: 2.3 s instead of 3.9 s of recognition on a
# dense table page) but a lone 0 then reads as "o" half the time and its confidence drops from
# a median 0.95 to 0.74 (measured on 141 zero cells), which would leave the arithmetic to
# settle most cells of a table.
REC_MIN_WIDTH = 320
# First-pass width (px): a crop is read at 160 px first, 36% less CPU on dense table pages
# (6.3 s instead of 9.7 s for 388 crops of two 200-dpi table pages, measured here). There a
# lone 0 reads as "o" (a glyph of the 0, `DIGIT_GLYPHS`) with a summed confidence of
# 0.84-0.99, one in ~100 reads as nothing, and punctuation beside text loses confidence:
# a crop read as nothing or with a character under RECHECK_CONF is read again at 320 px.
FAST_WIDTH = 160
# The arithmetic check's `LOW_CONFIDENCE` (extractors/arithmetic/ocr_digits.py): a reading
# below it would be doubted, so it is worth the second, slower look.
RECHECK_CONF = 0.8
# Crops that fit in the pass's width share one input shape and are read this many at a time
# (RapidOCR's own batch size); a wider crop is read alone at its own width. Batches of six
# sorted crops padded to the widest of them cost 45% more recognition CPU (15.1 s against
# 10.5 s for 767 crops of eight 200-dpi pages, measured here); the narrow crops read the same
# in batches of 1, 6 or 12.
NARROW_BATCH = 6


@functools.cache
def engine():
    """RapidOCR with its packaged models (NeedsOCR when the extra is not installed)."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        raise NeedsOCR(f"the page has no text layer and OCR is not installed ({INSTALL_HINT})") from None
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    eng = RapidOCR(intra_op_num_threads=THREADS, inter_op_num_threads=THREADS, print_verbose=False)
    return eng


def available() -> bool:
    """Whether the OCR extra is installed (without loading its models)."""
    try:
        import importlib.util

        return importlib.util.find_spec("rapidocr_onnxruntime") is not None
    except (ImportError, ValueError):
        return False


def detect(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Axis-aligned boxes (x0, y0, x1, y1 in `gray`'s pixels) of the text the detector finds."""
    import cv2

    h, w = gray.shape[:2]
    scale = min(1.0, DET_SIDE / max(h, w))
    small = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else gray
    boxes, _ = engine().text_det(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    out = []
    for quad in boxes if boxes is not None else []:
        xs, ys = quad[:, 0] / scale, quad[:, 1] / scale
        x0, y0, x1, y1 = int(max(xs.min(), 0)), int(max(ys.min(), 0)), int(min(xs.max(), w)), int(min(ys.max(), h))
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            out.append((x0, y0, x1, y1))
    return out


# Glyphs the recogniser may put out for each digit (its dictionary holds full-width forms,
# letters and the Chinese zero): a digit's confidence is the probability of all of them, so
# that a 0 the model splits between "0" and "o" is not taken for a doubtful digit.
DIGIT_GLYPHS = {"0": "0oO０〇D", "1": "1lI|１", "2": "2２", "3": "3３", "4": "4４", "5": "5５S", "6": "6６",
                "7": "7７", "8": "8８B", "9": "9９"}


@functools.cache
def _digit_classes() -> dict[int, tuple[int, ...]]:
    """Class index of each digit glyph -> the class indices of its digit's glyphs."""
    index = engine().text_rec.postprocess_op.dict
    out = {}
    for glyphs in DIGIT_GLYPHS.values():
        ids = tuple(index[g] for g in glyphs if g in index)
        for i in ids:
            out[i] = ids
    return out


def _run(imgs: list[np.ndarray], min_width: int) -> list[tuple[str, list[float]]]:
    """One recognition pass over BGR crops (at the model's 48 px height): those no wider than
    `min_width` px in batches padded to it, each wider one alone at its own width."""
    rec = engine().text_rec
    chars = rec.postprocess_op.character
    same = _digit_classes()
    order = np.argsort([im.shape[1] / max(im.shape[0], 1) for im in imgs])
    out: list[tuple[str, list[float]]] = [("", [])] * len(imgs)
    height = rec.rec_image_shape[1]
    batches, narrow = [], []
    for i in order:  # crops no wider than `min_width` share one input shape: read together
        if imgs[i].shape[1] * height <= min_width * max(imgs[i].shape[0], 1):
            narrow.append(i)
        else:
            batches.append([i])
    batches = [narrow[k:k + NARROW_BATCH] for k in range(0, len(narrow), NARROW_BATCH)] + batches
    for idx in batches:
        ratio = max([min_width / height] + [imgs[i].shape[1] / max(imgs[i].shape[0], 1) for i in idx])
        batch = np.stack([rec.resize_norm_img(imgs[i], ratio) for i in idx]).astype(np.float32)
        preds = rec.session(batch)[0]  # (batch, time steps, classes): softmax probabilities
        for b, i in enumerate(idx):
            best = preds[b].argmax(axis=1)
            text, confs, prev = [], [], 0
            for t, k in enumerate(best):
                if k != 0 and k != prev:
                    text.append(chars[k])
                    ids = same.get(int(k))
                    confs.append(float(preds[b, t, list(ids)].sum() if ids else preds[b, t, k]))
                prev = k
            out[i] = ("".join(text), confs)
    return out


def recognise(crops: list[np.ndarray]) -> list[tuple[str, list[float]]]:
    """The text of each grey crop and the confidence (0..1) of each of its characters: the
    CTC decoding of RapidOCR's recogniser (greedy, repeats and blanks dropped), with a
    digit's confidence summed over the glyphs that write it (`DIGIT_GLYPHS`).

    Crops are read first at `FAST_WIDTH`; those narrower than `REC_MIN_WIDTH` that read as
    nothing or with a character under `RECHECK_CONF` are read again at `REC_MIN_WIDTH`, and
    the surer reading is kept."""
    import cv2

    if not crops:
        return []
    engine()
    imgs = [cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c in crops]
    out = _run(imgs, FAST_WIDTH)
    height = engine().text_rec.rec_image_shape[1]
    again = [i for i, (text, confs) in enumerate(out) if (not text or min(confs) < RECHECK_CONF)
             and imgs[i].shape[1] * height < REC_MIN_WIDTH * imgs[i].shape[0]]  # a wider crop reads the same
    for i, res in zip(again, _run([imgs[i] for i in again], REC_MIN_WIDTH), strict=True):
        if res[0] and (not out[i][0] or min(res[1]) > min(out[i][1])):
            out[i] = res
    return out
