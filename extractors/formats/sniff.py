"""Decide a document's format from its bytes (magic numbers, container contents, markup),
not from its file name. (Decoding the text of a page or report is `extractors.charset`'s job.)"""

from __future__ import annotations

import io
import re
import zipfile

from extractors.charset import SNIFF_BYTES  # leading bytes inspected (8 KiB: a page's <head>)
from extractors.errors import EmptyDocument, NeedsOCR, UnreadableDocument, UnsupportedFormat

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
IMAGE_MAGICS = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpeg", b"GIF8": "gif", b"II*\x00": "tiff", b"MM\x00*": "tiff"}
# Image kinds the OCR reader opens (extractors.formats.image): the page images of the issue.
READABLE_IMAGES = ("png", "jpeg", "tiff")
_HTML_RE = re.compile(rb"<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|table[\s>]|meta\s|div[\s>]|p[\s>])", re.I)


def sniff(data: bytes, name: str = "") -> str:
    """The format of a document: 'txt', 'markdown' (converter output with pipe tables),
    'html', 'docx', 'pdf', 'doc' / 'wps' / 'rtf' (read through LibreOffice) or 'image' (a
    PNG, JPEG or TIFF page image, read with OCR).

    Raises the documented errors for what cannot be read: an empty file, a corrupt
    container, a workbook, a GIF.
    """
    if not data or data.isspace():  # isspace: no copy of a large file
        raise EmptyDocument(f"{name}: empty file ({len(data)} bytes)")
    head = data[:SNIFF_BYTES]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise UnreadableDocument(f"{name}: corrupt or truncated zip container ({exc})") from exc
        if "word/document.xml" in names:
            return "docx"
        if any(n.startswith("xl/") for n in names):
            raise UnsupportedFormat(f"{name}: an Excel workbook (.xlsx), not a report format ogi-reports reads")
        raise UnreadableDocument(f"{name}: a zip archive without word/document.xml, so not a .docx")
    if head.startswith(OLE2_MAGIC):
        kind = _ole_kind(data, name)
        if kind.startswith(("Word", "WPS", "OLE2")):
            return "wps" if kind.startswith("WPS") else "doc"
        raise UnsupportedFormat(f"{name}: old binary {kind} file, not a report format ogi-reports reads")
    for magic, kind in IMAGE_MAGICS.items():
        if head.startswith(magic):
            if kind in READABLE_IMAGES:
                return "image"
            raise NeedsOCR(f"{name}: an image ({kind}); ogi-reports reads PNG, JPEG and TIFF page images")
    if head.startswith(b"{\\rtf"):
        return "rtf"
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _HTML_RE.search(text_head[:2048]) and (b"</" in head or b"/>" in head):
        return "html"
    if b"\x00" not in head and _looks_markdown(data):
        return "markdown"
    return "txt"


# Lines opening with a pipe that a text must hold to be converter Markdown (a pipe table
# has a header and a row at least); one separator line (|---|) is enough on its own.
MARKDOWN_PIPE_LINES = 2
# Pipes a pipe-table line holds at least (two cells).
MARKDOWN_LINE_PIPES = 3


def _looks_markdown(data: bytes) -> bool:
    """Pipe-table lines: lines that open and close with '|' and hold another pipe, or a
    separator line (|---|). A line start is safe to test on the raw bytes in every encoding we
    read (a GBK trail byte can be 0x7C, never the first byte of a line); the scan visits each
    line once and stops at the second such line."""
    found, pos = 0, 0
    while (pos := data.find(b"|", pos)) >= 0:
        start = data.rfind(b"\n", 0, pos) + 1
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        if not data[start:pos].strip(b" \t\xef\xbb\xbf"):
            line = data[start:end].strip(b" \t\r")
            if b"---" in line and not line.strip(b"|-: \t"):
                found += MARKDOWN_PIPE_LINES  # a separator line
            elif line.count(b"|") >= MARKDOWN_LINE_PIPES and line.endswith(b"|"):
                found += 1
            if found >= MARKDOWN_PIPE_LINES:
                return True
        pos = end
    return False


def _ole_kind(data: bytes, name: str) -> str:
    """An OLE2 compound file is a .doc, .wps, .xls or .ppt; tell which by stream names."""
    low = name.lower()
    blob = data[: 1 << 20]
    if b"W\x00o\x00r\x00d\x00D\x00o\x00c\x00u\x00m\x00e\x00n\x00t" in blob:
        return "WPS (.wps)" if low.endswith(".wps") else "Word 97-2003 (.doc)"
    if low.endswith(".wps") or b"WPS" in blob[:4096]:
        return "WPS (.wps)"
    if b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in blob:
        return "Excel 97-2003 (.xls)"
    return "OLE2 (.doc/.wps)"
