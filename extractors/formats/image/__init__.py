"""Page images (.png, .jpg/.jpeg, .tif/.tiff) read by OCR (`extractors.formats.ocr`).

Each image file is one document: a single page, or the pages of a multi-page TIFF in
order. A folder of page images is not joined into one report (file names give no
reliable page order, and a page alone is still read for what it holds: its tables and
the cells they print).

`renumber` numbers pages read from several image files as one document's pages (the HTML
reader's images: `extractors.formats.html.images`).
"""

from __future__ import annotations

from extractors.formats.ocr.engine import INSTALL_HINT, available
from extractors.formats.pdf.reader import finish_pages
from extractors.records import RawDocument
from extractors.settings import DEFAULT, Settings


def extract(data: bytes, name: str, settings: Settings = DEFAULT) -> RawDocument:
    """Read the page image(s) of one file with OCR."""
    from extractors.errors import NeedsOCR

    if not available():
        raise NeedsOCR(f"{name}: an image; its text can only be read with OCR ({INSTALL_HINT})")
    from extractors.formats.ocr.document import image_pages

    pages, notes = image_pages(data, name)
    doc = finish_pages(pages, name, notes, "image")
    doc.detail = f"{len(pages)} page image(s) read by OCR (RapidOCR PP-OCRv4, OpenCV rules); {doc.detail}"
    return doc


def renumber(pages: list, first: int = 1) -> None:
    """Number `pages` (`PageLayout`s, each read from its own image) `first`, `first` + 1, … in
    order, their text lines and table parts with them, so that the PDF reader's stitching
    sees consecutive pages."""
    for n, page in enumerate(pages, start=first):
        page.number = n
        for ln in page.lines:
            ln.page = n
        for part in page.parts:
            part.page = n
