"""The entry point: `extract(data, name, settings)` checks the file, reads its pages in
one loop (`page.read_page`), refuses documents without a usable text layer, stitches
the tables across pages and returns the rows in reading order.

PDFium is not thread-safe: `extract` holds a process-wide lock (`FORK_LOCK`, which the
sandbox also takes while it forks a reader child) while it reads.

`warm()` builds the reader's per-process state (the table vocabulary with its OpenCC
converters, the patterns the text helpers compile on first use, PDFium's text codec): a
process that calls it before forking its workers gives them a reader that builds nothing
per document.
"""

from __future__ import annotations

import codecs
import threading

import pypdfium2 as pdfium

from extractors.errors import DocumentTooLarge, EmptyDocument, NeedsOCR, UnreadableDocument
from extractors.formats.ocr.engine import INSTALL_HINT as OCR_HINT
from extractors.formats.ocr.engine import available as ocr_available
from extractors.formats.pdf.geometry import GeometrySource, Line
from extractors.formats.pdf.order import document_rows, title_hint
from extractors.formats.pdf.page import PageLayout, read_page, vocabulary
from extractors.formats.pdf.stitch import drop_margin_junk, reaches_foot, stitch_tables
from extractors.records import RawDocument
from extractors.settings import DEFAULT, Settings

# ---------------------------------------------------------------------------
# Limits. hongze-2024 has 5 pages, the generated corpus 3-6; a report padded with
# narrative runs to a few dozen and a bundle of a county's reports to a few hundred.
# The cheap text pass costs ~3 ms a page, so 1500 pages bound it to ~5 s.
MAX_PAGES = 1500
# Same cap as the pipeline's MAX_INPUT_BYTES (extractors/pipeline.py): 200 MB.
MAX_BYTES = 200 * 1024 * 1024

_FPDF_ERR_PASSWORD = 4
# Size of a page PDFium cannot load (A4 in points): it still counts as a page.
_A4 = (595.0, 842.0)

# Codecs looked up (their modules imported) on first use: pypdfium2 decodes page text as
# UTF-16LE; pdfminer (the pdfplumber geometry) decodes UTF-16BE strings.
_TEXT_CODECS = ("utf-16-le", "utf-16-be")

# PDFium is not thread-safe, not even across documents (pypdfium2's documentation:
# "It is not allowed to call pdfium functions simultaneously across different
# threads"); a flow that runs tasks in threads must not read two PDFs at once.
_PDFIUM_LOCK = threading.RLock()
# Held by the sandbox while it forks a reader child (extractors.sandbox).
FORK_LOCK = _PDFIUM_LOCK


def extract(data: bytes, name: str, settings: Settings = DEFAULT) -> RawDocument:
    """Read a PDF into text rows and stitched table rows (see the package docstring).

    Thread-safe: PDFium work is serialised by a process-wide lock."""
    check_bytes(data, name)
    with _PDFIUM_LOCK:
        doc = open_document(data, name)
        try:
            return read_document(doc, data, name, settings.pdf_geometry)
        finally:
            doc.close()


def warm() -> None:
    """Build every per-process cache of the reader now, so that the worker processes forked
    afterwards inherit it instead of building it again for their first document (a forked
    child that reads one document each time would build it for every document): the table
    vocabulary and its two OpenCC converters (~150 ms), the text codecs, and the
    patterns that the page-margin, title and text helpers compile on first use (run here
    on a one-line page). Idempotent and cheap once done."""
    vocabulary()
    for codec in _TEXT_CODECS:
        codecs.lookup(codec)
    page = PageLayout(1, *_A4)
    page.lines = [Line("第 1 页", 290.0, 820.0, 305.0, 830.0, 1), Line("2024 年 报告 a b", 200.0, 60.0, 400.0, 80.0, 1)]
    title_hint([page])
    drop_margin_junk([page])


def check_bytes(data: bytes, name: str) -> None:
    """Refuse an empty, too large, truncated file or one that is not a PDF."""
    if not data:
        raise EmptyDocument(f"{name}: empty file")
    if len(data) > MAX_BYTES:
        raise DocumentTooLarge(f"{name}: {len(data)} bytes is over the {MAX_BYTES}-byte cap")
    head = data[:1024]
    if b"%PDF-" not in head:
        raise UnreadableDocument(f"{name}: not a PDF (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        raise UnreadableDocument(f"{name}: truncated PDF (no %%EOF marker at the end of the file)")


def open_document(data: bytes, name: str) -> pdfium.PdfDocument:
    """Open the file with PDFium (hold `_PDFIUM_LOCK`); a password or a broken file is
    UnreadableDocument."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == _FPDF_ERR_PASSWORD:
            raise UnreadableDocument(f"{name}: encrypted PDF, a password is needed to open it") from None
        raise UnreadableDocument(f"{name}: PDFium cannot open it ({e})") from None


def read_document(doc: pdfium.PdfDocument, data: bytes, name: str, geometry: str) -> RawDocument:
    npages = len(doc)
    if npages == 0:
        raise EmptyDocument(f"{name}: the PDF has no pages")
    if npages > MAX_PAGES:
        raise DocumentTooLarge(f"{name}: {npages} pages, over the {MAX_PAGES}-page cap")
    notes: list[tuple[str, str]] = []
    pages = read_pages(doc, data, geometry, notes)
    check_text_layer(pages, name, notes)
    out = finish_pages(pages, name, notes, "pdf")
    out.detail = describe(pages, geometry, out.detail)
    return out


def finish_pages(pages: list[PageLayout], name: str, notes: list, fmt: str) -> RawDocument:
    """Pages read (from a text layer or by OCR) into the document's rows: margins dropped,
    tables stitched across pages, rows in reading order; `detail` is the table count."""
    drop_margin_junk(pages)
    # re-check the foot of pages now that footers are gone, then stitch
    tables, part_table = stitch_tables(pages, notes)
    rows, texts = document_rows(pages, tables, part_table, notes)
    if not rows:
        raise EmptyDocument(f"{name}: no text rows could be read")
    return RawDocument(
        format=fmt,
        rows=rows,
        text="\n".join(texts),
        detail=f"{len(tables)} table(s)",
        notes=notes,
        title_hint=title_hint(pages),
    )


def read_pages(doc: pdfium.PdfDocument, data: bytes, geometry: str, notes: list) -> list[PageLayout]:
    """Every page in order; a page PDFium cannot load is kept as a page without text, a page
    that is only an image is read by OCR (`extractors.formats.ocr`) when it is installed."""

    pages: list[PageLayout] = []
    source = GeometrySource(data, geometry)
    pending_next = False  # the last table of the page before reaches its foot
    try:
        for i in range(len(doc)):
            try:
                page = doc[i]
            except pdfium.PdfiumError as e:
                notes.append(("pdf_page_unreadable", f"page {i + 1}: {e}"))
                pages.append(PageLayout(i + 1, *_A4, no_text=True, unreadable=True))
                continue
            try:
                out = read_page(page, i, source, pending_next, notes)
                if out.no_text and out.images and ocr_available():
                    from extractors.formats.ocr.document import ocr_pdf_page

                    out = ocr_pdf_page(page, i, notes)  # a scanned page: read its image
            finally:
                page.close()
            pages.append(out)
            # a table that reaches the foot of the page may run onto the next one
            pending_next = reaches_foot(out)
    finally:
        source.close()
    return pages


def check_text_layer(pages: list[PageLayout], name: str, notes: list) -> None:
    """Refuse a document without text (NeedsOCR when it has images, or glyphs without
    Unicode); note the pages that are only images."""
    npages = len(pages)
    total_chars = sum(p.n_chars for p in pages)
    unmapped = sum(p.n_unmapped for p in pages)
    image_pages = [p.number for p in pages if p.no_text and p.images]
    if total_chars == 0:
        if image_pages:
            raise NeedsOCR(f"{name}: no text layer on any of its {npages} pages, only images (a scan): needs OCR"
                           + ("" if ocr_available() else f"; {OCR_HINT}"))
        raise EmptyDocument(f"{name}: no text on any of its {npages} pages")
    if unmapped > 0.5 * total_chars:
        raise NeedsOCR(f"{name}: its text layer has no Unicode mapping ({unmapped} of {total_chars} characters "
                       "are private-use or unknown glyphs): only OCR could read it")
    if image_pages:
        notes.append(("pdf_pages_need_ocr", f"pages without a text layer, only images: {ranges(image_pages)}"))


def describe(pages: list[PageLayout], geometry: str, tables: str) -> str:
    """The document's `detail` line: how many pages, which were read in depth or by OCR, tables."""
    deep_pages = [p.number for p in pages if p.deep and not p.ocr]
    failed = [p.number for p in pages if p.unreadable]
    ocr_pages = [p.number for p in pages if p.ocr]
    detail = (f"pdfium text on {len(pages)} pages; in-depth ({geometry} geometry + pdfplumber ruled-table finder) "
              f"on pages {ranges(deep_pages) or 'none'}; {tables}")
    if ocr_pages:
        detail += f"; OCR (RapidOCR PP-OCRv4, OpenCV rules) on pages {ranges(ocr_pages)}"
    if failed:
        detail += f"; unreadable pages {ranges(failed)}"
    return detail


def ranges(nums: list[int]) -> str:
    """Page numbers as ranges: [1, 2, 3, 5] -> "1-3, 5"."""
    out = []
    for n in sorted(nums):
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in out)
