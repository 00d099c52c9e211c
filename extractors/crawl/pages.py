"""What the crawler reads in a fetched page, and how it names what it saves.

`parse_page` turns HTML into a `Page` (title, absolute links, whether it holds a table);
the classification functions decide which links are pagination, report candidates or
attachments, and whether a page is a report or a (sub-)listing; `safe_filename` and
`content_disposition_filename` name saved files without trusting the server.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from email.message import Message
from pathlib import PurePosixPath
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from extractors.charset import decode_html
from extractors.crawl.cms import (
    Gkmlpt,
    JPage,
    TrsPager,
    datastore_records,
    download_filename,
    gkmlpt,
    is_download_endpoint,
    jpage,
    script_target,
    trs_pager,
)
from extractors.crawl.safety import SCHEMES
from extractors.crawl.sources import Site, squash

ATTACHMENT_EXTENSIONS = (".pdf", ".docx", ".doc", ".wps", ".txt")
# Content-Type → extension, for downloads whose URL and Content-Disposition name none.
CONTENT_TYPE_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/x-pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc",
    "application/kswps": ".wps",
    "application/vnd.ms-works": ".wps",
    "application/wps-office.wps": ".wps",
    "application/wps-office.doc": ".doc",
    "application/wps-office.docx": ".docx",
    "text/plain": ".txt",
}
HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
# Types that say nothing about the content: the body itself is looked at.
GENERIC_CONTENT_TYPES = ("application/octet-stream", "binary/octet-stream")
# Page suffixes dropped from a saved name's stem (the saved file gets its own extension).
PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".jsp", ".aspx", ".asp", ".php")
# Pagination link texts on Chinese CMS listing pages (TRS, 政府网站集约化平台, …). 首页 is left
# out: on most pages it means the site's home page.
PAGINATION_TEXTS = frozenset({"下一页", "下页", "后页", "上一页", "上页", "前页", "尾页", "末页", "最后一页",
                              ">", ">>", "»", "<", "<<", "«", "next", "next page", "last"})
ATTACHMENT_LINK_RE = re.compile(r"附件|下载|全文|原文")
# A candidate page holding this many report links and neither a table nor an attachment is
# a (sub-)listing, e.g. a per-year column, not a report (a report links at most 上一篇/下一篇).
LISTING_MIN_REPORT_LINKS = 3
# Saved names: stem length before the URL hash (keeps paths well under filesystem limits).
MAX_STEM_CHARS = 60
# Hex digits of sha256(URL) in each saved name: unique per URL, stable across crawls.
URL_HASH_CHARS = 10
# Schemes of hrefs that never lead to a document.
SKIPPED_HREFS = ("javascript:", "mailto:", "tel:", "#", "data:")
EMBEDDING_TAGS = ("iframe", "embed", "object")
# Link texts of an annual-report column (the portal's menu entry), matched whole with
# whitespace removed: 政府信息公开年报, 政府信息公开工作年度报告, 年度报告, 年报专栏, ….
COLUMN_LINK_RE = re.compile(r"(?:(?:政府|政务|政務)?(?:信息)?公[开開](?:工作)?)?(?:年度[报報]告|年[报報])(?:专栏|專欄)?")
# Link texts of a site's 政府信息公开 portal on its home page, matched whole.
PORTAL_LINK_RE = re.compile(r"(?:政府|政务|政務)?(?:信息)?公[开開](?:专栏|專欄|平台|目录|目錄)?")


@dataclass
class Link:
    url: str
    text: str
    title: str = ""
    embedded: bool = False  # <iframe>/<embed>/<object>: an attachment shown in the page


@dataclass
class Page:
    title: str
    links: list[Link]
    has_table: bool
    trs: TrsPager | None = None  # a TRS column's script pager
    jpage: JPage | None = None  # a Hanweb column's datastore and proxy
    gkmlpt: Gkmlpt | None = None  # a gkmlpt platform page (its category tree)


# ---------------------------------------------------------------- parsing


def parse_page(data: bytes, url: str, header_charset: str | None = None) -> Page:
    """Title, absolute links and whether the page holds a table (for classification)."""
    text = decode_html(data, header_charset)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an XML declaration
    try:
        doc = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return Page("", [], False)
    titles = _titles(doc)
    base = _base_url(doc, url)
    links = _links(doc, base)
    column = jpage(text, url)
    if column is not None:
        links += record_links(column.records, base)
    has_table = next(doc.iter("table"), None) is not None
    return Page(" | ".join(t.strip() for t in titles if t and t.strip()), links, has_table,
                trs=trs_pager(text, url), jpage=column, gkmlpt=gkmlpt(text, url))


def record_links(records: list[str], base: str) -> list[Link]:
    """The links of a Hanweb datastore's records (HTML fragments), absolute against `base`."""
    links: list[Link] = []
    for fragment in records:
        try:
            doc = lxml_html.document_fromstring(f"<html><body>{fragment}</body></html>")
        except (etree.ParserError, ValueError):
            continue
        links += _links(doc, base)
    return links


def parse_records(data: bytes, url: str, header_charset: str | None = None) -> tuple[int, list[Link]]:
    """The number of records of a Hanweb proxy answer (XML holding a datastore) and their links."""
    records = datastore_records(decode_html(data, header_charset))
    return len(records), record_links(records, url)


def _base_url(doc, url: str) -> str:
    """The page's first <base href>, resolved against its URL; else the URL itself."""
    for b in doc.iter("base"):
        if b.get("href"):
            return urljoin(url, b.get("href").strip())
    return url


def _titles(doc) -> list[str]:
    """<title>, the ArticleTitle/title meta and every <h1>, in that order."""
    titles = [doc.findtext(".//title") or ""]
    for meta in doc.iter("meta"):
        if (meta.get("name") or "").lower() in ("articletitle", "title") and meta.get("content"):
            titles.append(meta.get("content"))
    titles += [h.text_content() for h in doc.iter("h1")]
    return titles


def _links(doc, base: str) -> list[Link]:
    """Absolute http(s) links of <a>, <area> and the embedding tags, fragments dropped."""
    links: list[Link] = []
    for el in doc.iter("a", "area", *EMBEDDING_TAGS):
        href = el.get("data") if el.tag == "object" else el.get("src") if el.tag in ("iframe", "embed") \
            else el.get("href")
        if el.tag == "a" and (el.get("onclick") or (href or "").strip().lower().startswith("javascript:")):
            href = script_target(href, el.get("onclick")) or href  # the file or page the script opens
        if not href:
            continue
        href = href.strip()
        if href.lower().startswith(SKIPPED_HREFS):
            continue
        absolute = urldefrag(urljoin(base, href))[0]
        if urlsplit(absolute).scheme not in SCHEMES:
            continue
        label = el.text_content() if el.tag == "a" else ""
        links.append(Link(absolute, " ".join(label.split()), el.get("title") or "",
                          embedded=el.tag in EMBEDDING_TAGS))
    return links


# ---------------------------------------------------------------- classification


def url_ext(url: str) -> str:
    """The lower-cased extension of the URL's path ('' when none)."""
    return PurePosixPath(unquote(urlsplit(url).path)).suffix.lower()


def header_charset(headers) -> str | None:
    """The charset a Content-Type header declares, if any."""
    ctype = headers.get("content-type") or ""
    m = re.search(r"charset\s*=\s*\"?([^\";\s]+)", ctype, re.I)
    return m.group(1) if m else None


def main_type(ctype: str | None) -> str:
    """'text/html' of 'text/html; charset=utf-8'."""
    return (ctype or "").split(";", 1)[0].strip().lower()


def is_html(ctype: str | None, body: bytes, url: str) -> bool:
    """An HTML page by its Content-Type, or (untyped and not named as a file) by its markup."""
    main = main_type(ctype)
    if main in HTML_CONTENT_TYPES:
        return True
    if main and main not in GENERIC_CONTENT_TYPES:
        return False
    if url_ext(url) in ATTACHMENT_EXTENSIONS:
        return False
    return bool(re.search(rb"<(?:!doctype\s+html|html[\s>])", body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n"), re.I))


def attachment_ext(headers, url: str, body: bytes) -> str | None:
    """The saved extension of a download: its name's, else its Content-Type's, else its magic."""
    proposed = content_disposition_filename(headers.get("content-disposition"))
    for name in (proposed, unquote(urlsplit(url).path), download_filename(url)):
        if name:
            ext = PurePosixPath(name.replace("\\", "/")).suffix.lower()
            if ext in ATTACHMENT_EXTENSIONS:
                return ext
    ext = CONTENT_TYPE_EXTENSIONS.get(main_type(headers.get("content-type")))
    if ext:
        return ext
    if body.startswith(b"%PDF-"):
        return ".pdf"
    if body.startswith(b"PK\x03\x04") and b"word/" in body[:4096]:
        return ".docx"
    if body.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ".doc"
    return None


def is_pagination(label: str, url: str, here_dir: str) -> bool:
    """A listing page's link to another page of the same listing."""
    text = squash(label).lower()
    if text in PAGINATION_TEXTS or re.fullmatch(r"(?:下一?页|尾页|末页)[>»]*|[<«]*上一?页", text):
        return True
    # Bare page numbers ("2", "第3页") only within the listing's own folder: elsewhere digits
    # are dates, counters or menu items.
    return bool(re.fullmatch(r"第?\d{1,4}页?", text)) and urlsplit(url).path.rsplit("/", 1)[0] == here_dir


def is_attachment_link(link: Link, on_report: bool) -> bool:
    """A link to a file by its URL or label; on a report page also 附件/下载/全文/原文 links."""
    if url_ext(link.url) in ATTACHMENT_EXTENSIONS or is_download_endpoint(link.url):
        return True
    text = (link.text or link.title).lower()
    if any(text.endswith(e) for e in ATTACHMENT_EXTENSIONS):
        return True
    return on_report and bool(ATTACHMENT_LINK_RE.search(text))


def is_report_page(page: Page, site: Site, anchor_matched: bool) -> bool:
    """A report page: its link text or title names a report, and it is not a sub-listing
    (several report links with neither a table nor an attachment)."""
    if not (anchor_matched or site.matches(page.title)) or page.jpage or page.gkmlpt:
        return False  # a datastore or a catalogue makes it a column's listing
    if page.trs and not page.has_table:
        return False  # a pager without a table: a column's listing (a paged article has its table)
    report_links = sum(1 for lk in page.links if site.matches(lk.text or lk.title))
    attachments = any(is_attachment_link(lk, False) for lk in page.links)
    return page.has_table or attachments or report_links < LISTING_MIN_REPORT_LINKS


def links_to_follow(page: Page, site: Site, page_url: str, is_report: bool) -> list[tuple[str, str, bool]]:
    """(url, role, anchor_matched) of the page's links worth following; role is
    "attachment", "candidate" (a report page, perhaps) or "listing" (pagination)."""
    out: list[tuple[str, str, bool]] = []
    here_dir = urlsplit(page_url).path.rsplit("/", 1)[0]
    for lk in page.links:
        label = lk.text or lk.title
        matched = site.matches(lk.text) or site.matches(lk.title)
        if is_report and is_attachment_link(lk, not lk.embedded):
            out.append((lk.url, "attachment", matched))
        elif matched:
            role = "attachment" if is_attachment_link(lk, False) else "candidate"
            out.append((lk.url, role, True))
        elif not is_report and (is_pagination(label, lk.url, here_dir) or is_column_link(label)):
            out.append((lk.url, "listing", False))
    return out


def is_column_link(label: str) -> bool:
    """A link to an annual-report column by its menu text (年度报告, 政府信息公开年报, …)."""
    return bool(COLUMN_LINK_RE.fullmatch(squash(label)))


def is_portal_link(label: str) -> bool:
    """A home page's link to the site's 政府信息公开 portal by its menu text."""
    return bool(PORTAL_LINK_RE.fullmatch(squash(label)))


def portal_links(page: Page) -> list[str]:
    """The URLs of a home page's 政府信息公开 portal links."""
    return [lk.url for lk in page.links if is_portal_link(lk.text or lk.title)]


# ---------------------------------------------------------------- saved names


def content_disposition_filename(value: str | None) -> str | None:
    """The file name a Content-Disposition header proposes (RFC 6266/2231), untrusted."""
    if not value:
        return None
    msg = Message()
    msg["content-disposition"] = value
    try:
        name = msg.get_filename()
    except Exception:
        return None
    if name and "%" in name:
        name = unquote(name)  # many servers percent-encode a UTF-8 name in plain filename=
    return name


def safe_filename(url: str, proposed: str | None, ext: str) -> str:
    """A file name that cannot leave its folder: sanitised stem + short URL hash + `ext`.

    `proposed` (from Content-Disposition) or the URL's last path segment gives the stem;
    only its last component is kept, and only word characters, '-', '_', '.', '(' and ')'.
    """
    raw = proposed or unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    raw = unicodedata.normalize("NFKC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    stem = raw
    for suffix in (*ATTACHMENT_EXTENSIONS, *PAGE_SUFFIXES):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = re.sub(r"[^\w().-]+", "_", stem)
    stem = re.sub(r"[._]{2,}", "_", stem).strip("._- ")[:MAX_STEM_CHARS].strip("._- ") or "report"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:URL_HASH_CHARS]
    name = f"{stem}-{digest}{ext}"
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    return name
