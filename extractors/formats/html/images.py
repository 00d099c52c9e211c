"""Report tables published as images in an HTML page, read by OCR.

    image_article(container, body) -> el         the article, widened to hold the page's images
    table_images(container) -> [img]            the article's images to read (data: URIs)
    content_image_urls(container, base) -> [url] the same images on a live page (the crawler)
    read_images(slots, name, notes, first_table) -> ImageRows

An article whose markup holds no table with a number, but images, may print its tables as
pictures (a scan or a screenshot pasted into the CMS editor). The images are read only
when their bytes are in the page itself: a ``data:`` URI, which is how `ogi crawl` saves
such a page (it downloads the images with the page and writes them into it, so the stored
document, its sha256 and the dataset's identity cover them). A relative ``src`` of a page
saved by a browser ("complete page", ``name_files/...``) is not followed: a reader gets the
document's bytes and its name only (it runs sandboxed, and the report's identity is the
hash of those bytes), so such images are not read.

Each image is decoded and read by `extractors.formats.ocr.document.image_pages`; the pages
of consecutive images (no text between them) go together through the PDF reader's
`finish_pages` (so a table continued on the next image is stitched), and their rows take
the place of the images among the page's text rows. An image that cannot be read gets a
warning note naming it and is left out; the rest of the page is read.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from extractors.errors import DocumentTooLarge, EmptyDocument, ExtractionError, NeedsOCR
from extractors.formats.html.container import is_chrome
from extractors.records import Cell, Row

# Images read per page at most: a report's three tables fill one to a few page images (the
# generated scans: 4 table pieces on 2 pages); 40 leaves room for a table cut into many
# screenshots and for the page's other pictures, and bounds the OCR time of one page.
MAX_PAGE_IMAGES = 40
# Decoded image bytes read per page at most: the HTML reader's 50 MB cap on the page
# (base64 is 4/3 of the bytes) leaves at most ~37 MB of image data in a page.
MAX_PAGE_IMAGE_BYTES = 37 * 1024 * 1024
# An icon, a rule or a spacer, not a table: an image whose sides are both under
# MIN_IMAGE_SIDE_PX (a table image is wider than 100 px: a label column alone is), or one
# side under MIN_ROW_PX (no row of text fits: a row of 10.5 pt text is over 20 px at 96
# dpi). A strip of one or two table rows (the end of a table cut at a page break: 50-77 px
# high at 150 dpi in the generated reports) is a table.
MIN_IMAGE_SIDE_PX = 100
MIN_ROW_PX = 20
# A picture at least this many times as high as wide is a page (a scan); a wider one is a
# cut-out of a page (a table), set on a page before OCR (`as_page`).
PAGE_SHAPE_MIN = 1.2
# Share of an A4 page's width its text block fills (the template's tables span it): 16 cm
# of 21 cm with the 2.5 cm margins of the official document format (GB/T 9704: 156 mm of
# 210 mm); the generated reports' tables are 466 of 595 pt (0.78).
TEXT_BLOCK_SHARE = 0.76
A4_RATIO = 297 / 210
# Width of an A4 page at the 200 dpi the OCR reader renders scans at (`RENDER_DPI`): a
# smaller picture is enlarged to it (a table at 150 dpi lost a ruling line at its own size
# and read every one enlarged 1.3x: tests/fixtures/html-images, measured here).
OCR_PAGE_PX = round(8.27 * 200)
# Enlargement at most (a 96-dpi screenshot needs 2.1x).
MAX_UPSCALE = 3.0
# Finding kind of an image that could not be read (a warning: its tables may be missing).
IMAGE_UNREADABLE = "html_image_unreadable"
# Finding kind saying which images were read by OCR and which were left out as not tables.
IMAGE_READ = "html_image_ocr"

_DIGIT = re.compile(r"\d")
_DATA_URI = re.compile(r"\s*data:([\w.+-]+/[\w.+-]+)?((?:;[^;,]*)*),", re.I)
_PX = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(px)?\s*$", re.I)
_STYLE_SIDE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+(?:\.\d+)?)\s*px", re.I)
# Magic numbers of the raster formats OpenCV decodes (what `image_pages` reads).
RASTER_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8", b"RIFF")


def holds_numeric_table(container) -> bool:
    """Whether the article's markup has a table with a digit in it (then its images are
    pictures, not the report's tables)."""
    return any(_DIGIT.search("".join(t.itertext())) for t in container.iter("table"))


def is_icon(width: float, height: float) -> bool:
    """Too small to hold a table (see MIN_IMAGE_SIDE_PX, MIN_ROW_PX)."""
    return max(width, height) < MIN_IMAGE_SIDE_PX or min(width, height) < MIN_ROW_PX


def declared_small(img) -> bool:
    """The page says the image is an icon (`is_icon` of its width and height attributes in
    px, or of an inline style; a side it does not state counts as large)."""
    sides = {}
    for attr in ("width", "height"):
        m = _PX.match(img.get(attr) or "")
        if m:
            sides[attr] = float(m.group(1))
    sides.update((k.lower(), float(v)) for k, v in _STYLE_SIDE.findall(img.get("style") or ""))
    return bool(sides) and is_icon(sides.get("width", float("inf")), sides.get("height", float("inf")))


def _candidates(container) -> list:
    if holds_numeric_table(container):
        return []
    return [img for img in container.iter("img") if (img.get("src") or "").strip() and not declared_small(img)
            and not _in_chrome(img, container)]  # the walker skips chrome: so does the crawler


def image_article(container, body):
    """The article element, widened to hold the page's images when the chosen one (the element
    with most paragraph text) holds none and the page shows some outside site chrome (a title
    and the table pictures in a box of their own): the nearest ancestor holding them all."""
    if container is body or _candidates(container) or holds_numeric_table(body):
        return container
    shown = _candidates(body)
    node = container
    while shown and node is not body and not all(_within(img, node) for img in shown):
        node = node.getparent()
    return node if shown else container


def _within(el, node) -> bool:
    return any(a is node for a in el.iterancestors())


def _in_chrome(el, body) -> bool:
    for a in el.iterancestors():
        if a is body:
            return False
        if is_chrome(a, a.tag):
            return True
    return False


def table_images(container) -> list:
    """The article's images whose bytes the page holds (``data:`` URIs), when its markup has no
    table with a number; icons the page declares small are left out."""
    return [img for img in _candidates(container) if _DATA_URI.match(img.get("src"))]


def content_image_urls(container, base: str) -> list[str]:
    """The absolute http(s) URLs of the article's images the crawler downloads with the page
    (the images `table_images` will read once they are written into it), in document order."""
    out: list[str] = []
    for img in _candidates(container):
        src = img.get("src").strip()
        if _DATA_URI.match(src):
            continue
        url = urljoin(base, src)
        if urlsplit(url).scheme in ("http", "https") and url not in out:
            out.append(url)
    return out


def data_uri_bytes(src: str) -> bytes | None:
    """The bytes of a base64 ``data:`` URI (None when it is not one, or not base64)."""
    m = _DATA_URI.match(src)
    if not m or ";base64" not in m.group(2).lower():
        return None
    try:
        return base64.b64decode(src[m.end():], validate=False)
    except (binascii.Error, ValueError):
        return None


def image_label(img, index: int) -> str:
    """How a finding names an image: its number on the page, and its alt text or source URL."""
    what = img.get("data-ogi-src") or img.get("alt") or img.get("title") or ""
    return f"image {index}" + (f" ({what.strip()[:120]})" if what.strip() else "")


@dataclass
class ImageRows:
    """What the images gave: rows per insertion point, their text lines, counts."""

    inserts: list[tuple[int, int, list[Row], list[str]]] = field(default_factory=list)  # (row pos, line pos, rows, lines)
    read: int = 0  # images read by OCR
    tables: int = 0  # tables found in them
    pages: int = 0


def read_images(slots: list[tuple[int, int, object]], name: str, notes: list, first_table: int) -> ImageRows:
    """OCR the images at `slots` ((row position, line position, img) in document order).
    Consecutive images (same position) are read together so that a table broken across them
    is stitched. Table indices of the rows start at `first_table`."""
    from extractors.formats.ocr.engine import INSTALL_HINT, available

    if not available():
        raise NeedsOCR(f"{name}: the page's tables are images ({len(slots)}); they can only be read with OCR "
                       f"({INSTALL_HINT})")
    out = ImageRows()
    runs: list[list[tuple[int, int, object, int]]] = []
    for i, (pos, lpos, img) in enumerate(slots, start=1):
        if runs and runs[-1][0][0] == pos:
            runs[-1].append((pos, lpos, img, i))
        else:
            runs.append([(pos, lpos, img, i)])
    budget = [MAX_PAGE_IMAGE_BYTES]
    table = first_table
    for run in runs:
        pages = []
        for _pos, _lpos, img, i in run:
            pages += _image_pages(img, i, name, notes, budget, out)
        if not pages:
            continue
        rows, lines, ntables = _finish(pages, name, notes, table, out.pages + 1)
        table += ntables
        out.tables += ntables
        out.pages += len(pages)
        out.inserts.append((run[0][0], run[0][1], rows, lines))
    return out


def _image_pages(img, index: int, name: str, notes: list, budget: list[int], out: ImageRows) -> list:
    """The pages of one image read by OCR ([] with a note when it cannot be, or is not a table)."""
    from extractors.formats.ocr.document import MAX_PIXELS, decode_pages, image_pages

    label = image_label(img, index)
    if index > MAX_PAGE_IMAGES:
        if index == MAX_PAGE_IMAGES + 1:  # one note for all of them
            notes.append((IMAGE_UNREADABLE, f"image {index} and those after it: not read, over the cap of "
                                            f"{MAX_PAGE_IMAGES} images per page"))
        return []
    data = data_uri_bytes(img.get("src"))
    if not data or not data.startswith(RASTER_MAGICS):
        notes.append((IMAGE_UNREADABLE, f"{label}: its data: URI holds no PNG, JPEG, TIFF, BMP, GIF or WebP image"))
        return []
    if len(data) > budget[0]:
        notes.append((IMAGE_UNREADABLE, f"{label}: not read, its {len(data)} bytes are over what is left of the "
                                        f"{MAX_PAGE_IMAGE_BYTES}-byte cap on a page's images"))
        return []
    budget[0] -= len(data)
    size = header_size(data)
    if size and size[0] * size[1] > MAX_PIXELS:  # refused before decoding (a decompression bomb)
        notes.append((IMAGE_UNREADABLE, f"{label}: a {size[0]} x {size[1]} px image is over the {MAX_PIXELS}-pixel cap"))
        return []
    try:
        decoded = decode_pages(data, f"{name}: {label}")
        if all(is_icon(p.shape[1], p.shape[0]) for p in decoded):
            notes.append((IMAGE_READ, f"{label}: {decoded[0].shape[1]} x {decoded[0].shape[0]} px, an icon, not read"))
            return []
        if len(decoded) == 1:
            data = as_page(decoded[0]) or data
        del decoded
        pages, page_notes = image_pages(data, f"{name}: {label}", upright=True)  # a browser shows it as it is
    except EmptyDocument:
        notes.append((IMAGE_READ, f"{label}: OCR found no text in it"))
        return []
    except (DocumentTooLarge, ExtractionError) as exc:
        notes.append((IMAGE_UNREADABLE, f"{label}: {_reason(exc, name)}"))
        return []
    notes.extend((kind, f"{label}: {msg}") for kind, msg in page_notes)
    out.read += 1
    return pages


def as_page(img) -> bytes | None:
    """An image made into the page the OCR reader expects, as a PNG (lossless), or None when
    it is one already. The OCR reader takes an image's shorter side for a page's width
    (`extractors.formats.ocr.document.image_pages`) and is tuned at 200 dpi: a picture wider
    than a page (a table cut out of one) is set on a white page of A4's shape, as wide as the
    page's text block (else a short wide crop reads as a page of huge type), and a page
    narrower than A4 at 200 dpi (a screenshot at screen resolution) is enlarged to it."""
    import cv2
    import numpy as np

    from extractors.formats.ocr.document import MAX_PIXELS

    h, w = img.shape[:2]
    cut_out = h < PAGE_SHAPE_MIN * w
    page_w = w / TEXT_BLOCK_SHARE if cut_out else w
    f = min(MAX_UPSCALE, OCR_PAGE_PX / page_w, (MAX_PIXELS / (2 * page_w * max(h, page_w * A4_RATIO))) ** 0.5)
    if f > 1.0:
        img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
        h, w = img.shape[:2]
    elif not cut_out:
        return None
    if cut_out:
        cw = round(w / TEXT_BLOCK_SHARE)
        ch = max(round(cw * A4_RATIO), h + (cw - w))
        canvas = np.full((ch, cw, 3), 255, np.uint8)
        y, x = (ch - h) // 4, (cw - w) // 2  # near the top, as a table on a page
        canvas[y:y + h, x:x + w] = img if img.ndim == 3 else img[:, :, None]
        img = canvas
    ok, buf = cv2.imencode(".png", img)
    return buf.tobytes() if ok else None


def header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) a PNG, GIF, BMP or JPEG states in its header, without decoding it (None
    for other formats, or a header that cannot be read)."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"GIF8") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"BM") and len(data) >= 26:
        return abs(int.from_bytes(data[18:22], "little", signed=True)), abs(int.from_bytes(data[22:26], "little", signed=True))
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The frame size of a JPEG's first SOF marker (segments walked by their lengths)."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    return None


def _reason(exc: Exception, name: str) -> str:
    """The error's message without the document name it starts with."""
    msg = str(exc)
    return msg.split(": ", 2)[-1] if msg.startswith(name) else msg


def _finish(pages: list, name: str, notes: list, first_table: int, first_page: int) -> tuple[list[Row], list[str], int]:
    """A run of images' pages through the PDF reader's stitching and reading order; the rows'
    table indices start at `first_table`, their `page` is the image page's number in the
    document (`first_page` for the run's first)."""
    from extractors.formats.image import renumber
    from extractors.formats.pdf.reader import finish_pages

    renumber(pages, first_page)
    try:
        doc = finish_pages(pages, name, notes, "html")
    except EmptyDocument:
        return [], [], 0
    tables = sorted({c.table for r in doc.rows if r.kind == "table" for c in r.cells if c.table is not None})
    index = {t: first_table + k for k, t in enumerate(tables)}
    rows = []
    for r in doc.rows:
        if r.kind == "table":
            r.cells = [Cell(c.text, c.page, index.get(c.table, c.table), c.row, c.col, c.fused, c.merged,
                            c.confidence) for c in r.cells]
        rows.append(r)
    return rows, doc.text.split("\n") if doc.text else [], len(tables)
