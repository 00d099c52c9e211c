"""The HTML reader's entry point: decode, parse, drop what is never content, choose the
article, walk it.

Decoding is `extractors.charset` (BOM, then a declared charset, then detection;
GB2312/GBK read as GB18030); parsing is lxml's libxml2 HTML parser (the one lxml.html
uses, without its Python element classes, which cost more than the parse).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

from extractors.charset import decode_html_document
from extractors.errors import DocumentTooLarge, EmptyDocument, UnreadableDocument
from extractors.formats.html.cells import mark_breaks, text_of
from extractors.formats.html.container import choose_container, drop, find_junk
from extractors.formats.html.furniture import take_box
from extractors.formats.html.images import content_image_urls, image_article, read_images, table_images
from extractors.formats.html.walker import HtmlWalker
from extractors.records import RawDocument
from extractors.settings import DEFAULT, Settings

# Real report pages are 100-320 k characters (Word-exported markup); pages with inline
# base64 images reach a few MB. 50 MB is far beyond any report page and keeps lxml's
# tree (about 10x the text) within memory on the 24 GiB workers.
MAX_HTML_BYTES = 50 * 1024 * 1024

# libxml2's HTML parser without lxml.html's Python element-class lookup (which costs
# more than the parse itself on a 300 KB page); comments (including Word's
# conditional-comment XML) and processing instructions are dropped while parsing.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def extract(data: bytes, name: str, settings: Settings = DEFAULT) -> RawDocument:
    """Read an HTML page into rows (text blocks and table grids in reading order) and text."""
    text, how, notes = _decode(data, name)
    root = _parse(text, name)
    page_title = _first_text(root, "title")
    for el in find_junk(root):
        drop(el)
    body = root.find("body")
    if body is None:
        body = root
    page_box = take_box(body)
    container, start_how = choose_container(body)
    container = image_article(container, body)
    h1_title = _first_text(container, "h1")
    mark_breaks(container)
    walker = HtmlWalker(table_images(container))
    walker.walk(container)
    if not walker.lines and not walker.slots and container is not body:
        # The chosen element holds no text (it should not happen): read the whole body.
        mark_breaks(body)
        walker = HtmlWalker(table_images(body))
        walker.walk(body)
        container, start_how = body, "whole body"
    ocr = _read_images(walker, name, notes) if walker.slots else ""
    if not walker.lines:
        raise EmptyDocument(f"{name}: the page holds no text")
    notes.extend(_walk_notes(walker))
    detail = (f"{how}; lxml html parser; article {_describe(container)} (from {start_how}); "
              f"{walker.table_count} table(s){ocr}")
    return RawDocument(
        format="html",
        rows=walker.rows,
        text="\n".join(walker.lines),
        detail=detail,
        notes=notes,
        title_hint=h1_title or page_title,
        page_box=page_box,
    )


def _read_images(walker: HtmlWalker, name: str, notes: list) -> str:
    """OCR the article's table images into the walker's rows, where they stood; the detail."""
    got = read_images(walker.slots, name, notes, walker.table_count)
    for pos, lpos, rows, lines in reversed(got.inserts):
        walker.rows[pos:pos] = rows
        walker.lines[lpos:lpos] = lines
    walker.table_count += got.tables
    return (f"; tables read by OCR (RapidOCR PP-OCRv4, OpenCV rules) from {got.read} of {len(walker.slots)} "
            f"image(s): {got.tables} table(s) on {got.pages} image page(s)")


def content_image_srcs(data: bytes, name: str, url: str) -> list[str]:
    """The absolute URLs of the images a live report page's article shows, when its markup holds
    no table with a number: what `ogi crawl` downloads and writes into the saved page, for
    this reader to OCR (`extractors.formats.html.images`). [] for a page it cannot parse."""
    try:
        root = _parse(_decode(data, name)[0], name)
    except (EmptyDocument, DocumentTooLarge, UnreadableDocument):
        return []
    base = next((urljoin(url, b.get("href").strip()) for b in root.iter("base") if b.get("href")), url)
    for el in find_junk(root):
        drop(el)
    body = root.find("body")
    body = root if body is None else body
    take_box(body)
    container, _how = choose_container(body)
    return content_image_urls(image_article(container, body), base)


def _decode(data: bytes, name: str) -> tuple[str, str, list[tuple[str, str]]]:
    if not data or data.isspace():  # (isspace: no copy of the page, as strip() makes)
        raise EmptyDocument(f"{name}: empty file")
    if len(data) > MAX_HTML_BYTES:
        raise DocumentTooLarge(f"{name}: {len(data)} bytes of HTML exceeds the cap of {MAX_HTML_BYTES}")
    text, how, notes = decode_html_document(data, name)
    # (libxml2 turns stray control characters into U+FFFD itself.)
    text = _XML_DECL.sub("", text, count=1)
    if not text or text.isspace():
        raise EmptyDocument(f"{name}: no text after decoding")
    return text, how, notes


def _parse(text: str, name: str):
    """The page's element tree (libxml2's HTML parser, comments and PIs dropped)."""
    try:
        root = etree.fromstring(text, _PARSER)
    except (ValueError, etree.LxmlError) as exc:
        raise UnreadableDocument(f"{name}: cannot parse as HTML ({exc})") from exc
    if root is None:
        raise EmptyDocument(f"{name}: no HTML content")
    return root


def _first_text(root, tag: str) -> str | None:
    """The text of the first `tag` element that has any (the page title, the first h1)."""
    for el in root.iter(tag):
        t = text_of(el)
        if t:
            return t
    return None


def _walk_notes(walker: HtmlWalker) -> list[tuple[str, str]]:
    notes = [("html_table_skipped", s) for s in walker.skipped]
    if walker.nested:
        notes.append(("html_nested_table", f"{walker.nested} table(s) nested in table cells"))
    if walker.layout:
        notes.append(("html_layout_table", f"{walker.layout} layout table(s) around content unwrapped"))
    return notes


def _describe(el) -> str:
    """``tag#id`` or ``tag.class1.class2`` of the article element."""
    where = el.tag
    if el.get("id"):
        where += "#" + el.get("id")
    elif el.get("class"):
        where += "." + ".".join(el.get("class").split())
    return where
