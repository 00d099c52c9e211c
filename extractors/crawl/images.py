"""Report pages whose tables are images: the images downloaded with the page and written into it.

    embed_images(body, page_url, fetch, log) -> Embedded

A report page whose article holds no table with a number but shows images (a scan or a
screenshot of the tables pasted into the CMS editor) is read by the HTML reader's OCR
(`extractors.formats.html.images`) from images inside the page. So the crawler downloads
the article's images (the ones `content_image_srcs` names: the reader's own choice of
article, icons the page declares small left out) and rewrites each downloaded ``<img
src>`` into a ``data:`` URI, keeping the original address in ``data-ogi-src``. The saved
page is then self-contained: its sha256 (the report's id) covers its images, an upload
folder needs nothing beside the file, and the stored document reads the same on any machine.
The rest of the page's bytes are unchanged (only the ``src`` attributes are rewritten).

Every image is fetched by the crawler's own request path (`fetch`): allowed origins and the
address check, robots.txt, the host throttle, retries and the download deadline, with a
per-image byte cap and a per-page total. An image that is skipped or fails is logged with its
reason (`log`) and left as it was in the page; the page is saved all the same.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin

from extractors.formats.html.images import MAX_PAGE_IMAGES, RASTER_MAGICS
from extractors.formats.html.reader import content_image_srcs

# Bytes of one image at most: a scanned A4 page at 300 dpi is ~1-3 MB as a grey PNG and
# under 2 MB as JPEG (the generated scans); 10 MB leaves room for a colour PNG of a page.
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# Bytes of a page's images together at most: base64 makes them 4/3 larger in the saved page,
# and the HTML reader refuses a page over 50 MB (`MAX_HTML_BYTES`); 30 MB of images is
# 40 MB of text, leaving room for the page itself.
MAX_PAGE_IMAGE_BYTES = 30 * 1024 * 1024
# MIME type of the data: URI by the image's first bytes (what the reader decodes).
MIME_BY_MAGIC = ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"II*\x00", "image/tiff"),
                 (b"MM\x00*", "image/tiff"), (b"BM", "image/bmp"), (b"GIF8", "image/gif"), (b"RIFF", "image/webp"))
_IMG_TAG = re.compile(rb"<img\b[^>]*>", re.I)
_SRC_ATTR = re.compile(rb"""(\ssrc\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_BASE_HREF = re.compile(rb"""<base\b[^>]*\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)

Fetch = Callable[[str, int], bytes]  # (url, cap) -> the body; raises with the reason
Log = Callable[[str, int | None, str | None], None]  # (url, bytes or None, error or None)


@dataclass
class Embedded:
    body: bytes
    embedded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (image URL, reason)


def _attr(m: re.Match) -> bytes:
    return next(g for g in m.groups()[1:] if g is not None)


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def _base(body: bytes, page_url: str) -> str:
    m = _BASE_HREF.search(body)
    href = next((g for g in m.groups() if g is not None), None) if m else None
    return urljoin(page_url, html.unescape(_text(href)).strip()) if href else page_url


def embed_images(body: bytes, page_url: str, fetch: Fetch, log: Log, describe: Callable[[BaseException], str]) \
        -> Embedded:
    """`body` with the article's images written into it as data: URIs (module docstring)."""
    wanted = content_image_srcs(body, page_url, page_url)
    out = Embedded(body)
    if not wanted:
        return out
    got: dict[str, bytes] = {}
    left = MAX_PAGE_IMAGE_BYTES
    for n, url in enumerate(wanted, start=1):
        if n > MAX_PAGE_IMAGES:
            _skip(out, log, url, f"not fetched: over the cap of {MAX_PAGE_IMAGES} images per page")
            continue
        cap = min(MAX_IMAGE_BYTES, left)
        try:
            data = fetch(url, cap)
        except Exception as exc:  # the fetch's reason: robots.txt, origin, too large, timeout, HTTP error
            why = describe(exc)
            if cap < MAX_IMAGE_BYTES and why.startswith("too large"):
                why += f" (what is left of the {MAX_PAGE_IMAGE_BYTES}-byte cap on a page's images)"
            _skip(out, log, url, why)
            continue
        mime = next((m for magic, m in MIME_BY_MAGIC if data.startswith(magic)), None)
        if mime is None or not data.startswith(RASTER_MAGICS):
            _skip(out, log, url, "not a PNG, JPEG, TIFF, BMP, GIF or WebP image", len(data))
            continue
        left -= len(data)
        got[url] = b"data:" + mime.encode() + b";base64," + base64.b64encode(data)
        log(url, len(data), None)
    if got:
        out.body = _rewrite(body, _base(body, page_url), got)
        out.embedded = len(got)
    return out


def _skip(out: Embedded, log: Log, url: str, why: str, size: int | None = None) -> None:
    out.skipped.append((url, why))
    log(url, size, why)


def _rewrite(body: bytes, base: str, got: dict[str, bytes]) -> bytes:
    """Every <img> whose src resolves to a downloaded URL gets the data: URI, and its original
    address in data-ogi-src; the page's other bytes stay as they were."""

    def tag(m: re.Match) -> bytes:
        t = m.group(0)
        src = _SRC_ATTR.search(t)
        if src is None:
            return t
        url = urljoin(base, html.unescape(_text(_attr(src))).strip())
        uri = got.get(url)
        if uri is None:
            return t
        original = html.escape(quote(url, safe=":/?#[]@!$&'()*+,;=%~"), quote=True).encode("ascii")
        return t[:src.start()] + src.group(1) + b'"' + uri + b'" data-ogi-src="' + original + b'"' + t[src.end():]

    return _IMG_TAG.sub(tag, body)
