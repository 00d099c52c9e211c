"""Pages read by OCR: a scanned PDF page rendered from PDFium, and image files (PNG, JPEG,
one or many pages of a TIFF) made into a `RawDocument` the way the PDF reader finishes one.

    ocr_pdf_page(page, index, notes) -> PageLayout
    image_pages(data, name) -> (pages, notes)
"""

from __future__ import annotations

import cv2
import numpy as np

from extractors.errors import DocumentTooLarge, EmptyDocument, UnreadableDocument
from extractors.formats.ocr.page import ocr_page
from extractors.formats.pdf.page import PageLayout

# Resolution a scanned PDF page is rendered at for recognition: 200 dpi (body text of
# 10.5 pt is ~29 px tall, the recogniser's 48 px input is reached with little upscaling;
# 300 dpi costs 2.2x the pixels for the same text on the generated scans).
RENDER_DPI = 200
POINTS_PER_INCH = 72.0
# An image file's resolution when it states none: its width taken as an A4 page's 8.27 in.
A4_WIDTH_IN = 8.27
# Pages of one image file (a multi-page TIFF) read at most; more is not a report's scan.
MAX_IMAGE_PAGES = 300
# Pixels of one page image at most (~ A4 at 600 dpi): larger is a decompression bomb.
MAX_PIXELS = 5000 * 7100


def ocr_pdf_page(page, index: int, notes: list) -> PageLayout:
    """A PDF page without a text layer, rendered at RENDER_DPI and read by OCR."""
    scale = RENDER_DPI / POINTS_PER_INCH
    bitmap = page.render(scale=scale)
    try:
        img = np.array(bitmap.to_numpy(), copy=True)  # BGR(x), OpenCV's channel order
    finally:
        bitmap.close()
    out = ocr_page(img[:, :, :3] if img.ndim == 3 else img, index + 1, scale, notes)
    out.ocr = True
    return out


def _quiet_opencv() -> None:
    """A broken image is this reader's error, not a log line of OpenCV's on stderr."""
    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    except AttributeError:  # pragma: no cover - an OpenCV build without the logging module
        pass


def decode_pages(data: bytes, name: str) -> list[np.ndarray]:
    """The pages of an image file, as OpenCV decodes them (colour kept for the red seal)."""
    _quiet_opencv()
    buf = np.frombuffer(data, np.uint8)
    ok, pages = cv2.imdecodemulti(buf, cv2.IMREAD_COLOR)
    if not ok or not pages:
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
        if img is None:
            raise UnreadableDocument(f"{name}: the image cannot be decoded (corrupt or truncated)")
        pages = [img]
    if len(pages) > MAX_IMAGE_PAGES:
        raise DocumentTooLarge(f"{name}: {len(pages)} pages in one image file, over the {MAX_IMAGE_PAGES}-page cap")
    for img in pages:
        if img.shape[0] * img.shape[1] > MAX_PIXELS:
            raise DocumentTooLarge(f"{name}: a {img.shape[1]} x {img.shape[0]} px page is over the {MAX_PIXELS}-pixel cap")
    return list(pages)


def image_pages(data: bytes, name: str, upright: bool = False) -> tuple[list[PageLayout], list[tuple[str, str]]]:
    """An image file's pages read by OCR, and the reader's notes. `upright`: pictures shown the
    right way up (in a web page), not checked for a quarter turn (`ocr_page`)."""
    cv2.setNumThreads(1)
    notes: list[tuple[str, str]] = []
    pages = []
    for i, img in enumerate(decode_pages(data, name)):
        portrait_width = min(img.shape[:2])  # a page turned by 90° is turned back by ocr_page
        px_per_pt = portrait_width / (A4_WIDTH_IN * POINTS_PER_INCH)
        page = ocr_page(img, i + 1, px_per_pt, notes, upright)
        page.ocr = True
        pages.append(page)
    if not any(p.n_chars for p in pages):
        raise EmptyDocument(f"{name}: OCR found no text in the image")
    return pages, notes
