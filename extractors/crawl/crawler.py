"""A polite, focused crawler for the 政府信息公开年报 columns of government web sites.

Plain functions and classes (no Prefect): `load_sources` reads the SOURCES file,
`crawl_site` crawls one site into ``RAW/<site>/`` and returns what is new or changed.
`flows/crawl.py` wraps these in a Prefect flow; docs/crawling.md is the user guide.

What is crawled. From each start URL (a listing page of the annual-report column) the
crawler follows, breadth first and only within the site's allowed hosts:

* pagination links of listing pages (下一页 / 尾页 / page numbers, …) → more listing pages;
* links whose text (or ``title`` attribute) matches the site's ``report_patterns`` →
  candidate report pages, or attachments when the URL names one (.pdf, .docx, …);
* on a report page, its attachments (by extension, or links labelled 附件) and further
  report links (上一篇/下一篇 often are other years' reports).

A candidate page is a report page when its link text or its own title (<title>, the
ArticleTitle meta or <h1>) matches, unless it looks like a sub-column listing (several
report links, no table, no attachment). Report pages and attachments are saved with their
original bytes; listing pages are only read for their links. Every fetch is logged in
``RAW/<site>/_manifest.jsonl``; the next crawl sends the saved validators (If-None-Match /
If-Modified-Since) so an unchanged report costs a 304 and writes nothing.

Politeness and safety: robots.txt (RFC 9309) is honoured, requests to one host are
serialised and spaced by the site's delay (shared across sites in this process), the
User-Agent identifies the project, timeouts and retries with exponential backoff are
bounded, downloads are streamed and capped, redirects are followed hop by hop within the
allowed hosts, and private, loopback, link-local and reserved addresses are refused
unless a site opts in with ``allow_private_network``. Saved file names are derived from
the URL or Content-Disposition but sanitised, never trusted: they cannot leave the site
folder.

Known limit: the address check resolves the host before each request and httpx resolves
it again to connect, so a DNS answer that changes in between (DNS rebinding) is not caught.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
import socket
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx
import yaml
from lxml import etree
from lxml import html as lxml_html

from extractors.charset import decode_html


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("ogi-reports")
    except Exception:  # not installed (e.g. run from a checkout): the version in pyproject.toml
        return "0.1.0"


# Identifies the crawler to site operators, as robots.txt and server logs expect: product
# token (what robots.txt groups match), version, and a URL to read about it.
USER_AGENT = f"ogi-reports/{_package_version()} (+https://example.invalid/ogi-reports)"
# Token matched against robots.txt `User-agent:` lines (RFC 9309 §2.2.1: the product token).
ROBOTS_AGENT = "ogi-reports"

# --- Site defaults (each can be overridden per site or under `defaults:` in SOURCES) ---
# A report column rarely spans more than a few dozen listing pages plus a few reports
# each; 200 fetches bound a crawl of a misconfigured start URL to a few minutes.
DEFAULT_MAX_PAGES = 200
# One request per second per host: a common courtesy rate for small government servers.
DEFAULT_DELAY_SECONDS = 1.0
# Connect/read/write timeout per request; slow provincial portals answer within seconds.
DEFAULT_TIMEOUT_SECONDS = 30.0
# Published report PDFs are at most a few MB (scans ~20 MB); 50 MB matches the HTML
# extractor's MAX_HTML_BYTES and stops runaway downloads.
DEFAULT_MAX_DOWNLOAD_MB = 50.0
# Attempts per URL (first try included) on timeouts, connection errors, 429 and 5xx.
RETRY_ATTEMPTS = 3
# Backoff before retry n is base * 2**(n-1): 2 s, 4 s, … (capped by RETRY_MAX_DELAY_SECONDS).
RETRY_BASE_DELAY_SECONDS = 2.0
RETRY_MAX_DELAY_SECONDS = 60.0
# The report column's name is 政府信息公开工作年度报告 / 政府信息公开年报; some sites publish in
# traditional characters (公開, 報告), so both are matched.
DEFAULT_REPORT_PATTERNS = (r"政府信息公[开開].*?(?:年度[报報]告|年[报報])",)

# --- Fixed limits ---
# Redirect hops followed per URL; RFC 9309 §2.3.1.2 asks for at least five for robots.txt.
MAX_REDIRECTS = 5
# RFC 9309 §2.5: crawlers must parse at least 500 KiB of robots.txt; more is ignored.
ROBOTS_MAX_BYTES = 512 * 1024
# A robots.txt Crawl-delay above this is capped (a nightly crawl must finish).
MAX_ROBOTS_CRAWL_DELAY_SECONDS = 30.0
# Wall-clock bound on one download, whatever the server's drip rate (50 MB at 100 KB/s ≈ 8 min).
MAX_DOWNLOAD_SECONDS = 600.0
# Streamed downloads are read in chunks of this size.
CHUNK_BYTES = 64 * 1024
# A candidate page holding this many report links and neither a table nor an attachment is
# a (sub-)listing, e.g. a per-year column, not a report (a report links at most 上一篇/下一篇).
LISTING_MIN_REPORT_LINKS = 3
# Saved names: stem length before the URL hash (keeps paths well under filesystem limits).
MAX_STEM_CHARS = 60
# Hex digits of sha256(URL) in each saved name: unique per URL, stable across crawls.
URL_HASH_CHARS = 10

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
# Pagination link texts on Chinese CMS listing pages (TRS, 政府网站集约化平台, …). 首页 is left
# out: on most pages it means the site's home page.
PAGINATION_TEXTS = frozenset({"下一页", "下页", "后页", "上一页", "上页", "前页", "尾页", "末页", "最后一页",
                              ">", ">>", "»", "<", "<<", "«", "next", "next page", "last"})
ATTACHMENT_LINK_RE = re.compile(r"附件|下载|全文|原文")
SAFE_NAME_RE = re.compile(r"^\w[\w.-]{0,79}$")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MANIFEST_NAME = "_manifest.jsonl"


class SourcesError(ValueError):
    """The SOURCES file is missing, unreadable or has an invalid entry. The message names
    the file, the site and the field."""


class FetchRefused(Exception):
    """A request the crawler will not make (off-host redirect, private address, robots.txt,
    bad scheme). Never retried."""


class DownloadTooLarge(Exception):
    """A download went past the site's max_download_mb (or MAX_DOWNLOAD_SECONDS)."""


# ---------------------------------------------------------------- SOURCES


@dataclass(frozen=True)
class Site:
    """One site to crawl: see docs/crawling.md for every field."""

    name: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...] = ()
    max_pages: int = DEFAULT_MAX_PAGES
    delay_seconds: float = DEFAULT_DELAY_SECONDS
    allow_private_network: bool = False
    report_patterns: tuple[str, ...] = DEFAULT_REPORT_PATTERNS
    user_agent: str = USER_AGENT
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_download_mb: float = DEFAULT_MAX_DOWNLOAD_MB
    retries: int = RETRY_ATTEMPTS
    retry_base_delay_seconds: float = RETRY_BASE_DELAY_SECONDS

    def __post_init__(self):
        if not self.allowed_hosts:
            object.__setattr__(self, "allowed_hosts", tuple(dict.fromkeys(_host(u) for u in self.start_urls)))

    @property
    def max_download_bytes(self) -> int:
        return int(self.max_download_mb * 1024 * 1024)

    def matches(self, text: str | None) -> bool:
        """Whether `text` (link text or a page title) names an annual report."""
        if not text:
            return False
        text = _squash(text)
        return any(p.search(text) for p in _compiled(self.report_patterns))


_SITE_FIELDS = {"name", "start_urls", "allowed_hosts", "max_pages", "delay_seconds", "allow_private_network",
                "report_patterns", "user_agent", "timeout_seconds", "max_download_mb", "retries",
                "retry_base_delay_seconds"}
_DEFAULTABLE_FIELDS = _SITE_FIELDS - {"name", "start_urls"}


def load_sources(path: str | os.PathLike) -> list[Site]:
    """Read and validate a SOURCES YAML file (``sites:`` list, optional ``defaults:``).

    Raises SourcesError naming the file, the site and the field for anything invalid.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read ({exc})") from None
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or "sites" not in data:
        raise SourcesError(f"{path}: expected a mapping with a `sites:` list")
    unknown = set(data) - {"sites", "defaults"}
    if unknown:
        raise SourcesError(f"{path}: unknown top-level key(s) {sorted(unknown)}; expected `sites` and `defaults`")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise SourcesError(f"{path}: defaults: expected a mapping")
    bad = set(defaults) - _DEFAULTABLE_FIELDS
    if bad:
        raise SourcesError(f"{path}: defaults: unknown or per-site-only field(s) {sorted(bad)}")
    sites_raw = data["sites"]
    if not isinstance(sites_raw, list) or not sites_raw:
        raise SourcesError(f"{path}: sites: expected a non-empty list of sites")
    sites: list[Site] = []
    seen: set[str] = set()
    for i, entry in enumerate(sites_raw, start=1):
        where = f"{path}: site #{i}"
        if not isinstance(entry, dict):
            raise SourcesError(f"{where}: expected a mapping with name and start_urls")
        name = entry.get("name")
        if isinstance(name, str) and name:
            where = f"{path}: site {name!r}"
        site = _parse_site({**defaults, **entry}, where)
        if site.name in seen:
            raise SourcesError(f"{where}: name: duplicate site name (each site gets its own folder)")
        seen.add(site.name)
        sites.append(site)
    return sites


def _parse_site(entry: dict, where: str) -> Site:
    def fail(fieldname: str, problem: str):
        raise SourcesError(f"{where}: {fieldname}: {problem}")

    unknown = set(entry) - _SITE_FIELDS
    if unknown:
        fail(sorted(unknown)[0], f"unknown field (known: {', '.join(sorted(_SITE_FIELDS))})")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        fail("name", "missing (a folder name such as `wuhou-district`)")
    if not SAFE_NAME_RE.match(name) or name in {".", ".."}:
        fail("name", f"{name!r} is not a safe folder name (letters, digits, '_', '-', '.'; no '/')")

    urls = entry.get("start_urls")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls:
        fail("start_urls", "missing or empty (a list of listing-page URLs)")
    for u in urls:
        if not isinstance(u, str) or urlsplit(u).scheme not in ("http", "https") or not urlsplit(u).hostname:
            fail("start_urls", f"{u!r} is not an absolute http(s) URL")
    kwargs: dict = {"name": name, "start_urls": tuple(urls)}

    if "allowed_hosts" in entry:
        hosts = entry["allowed_hosts"]
        if isinstance(hosts, str):
            hosts = [hosts]
        if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) and h.strip() for h in hosts):
            fail("allowed_hosts", "expected a non-empty list of host names")
        hosts = [h.strip().lower().rstrip(".") for h in hosts]
        for h in hosts:
            if "/" in h or ":" in h.strip("[]") and not _is_ip(h.strip("[]")):
                fail("allowed_hosts", f"{h!r} is not a host name (no scheme, port or path)")
        for u in urls:
            if _host(u) not in hosts:
                fail("allowed_hosts", f"does not include the host of start URL {u!r}")
        kwargs["allowed_hosts"] = tuple(hosts)

    def number(key: str, minimum: float, integer: bool = False, strict: bool = False):
        if key not in entry:
            return
        v = entry[key]
        ok_type = isinstance(v, int) if integer else isinstance(v, int | float)
        if isinstance(v, bool) or not ok_type or (v <= minimum if strict else v < minimum):
            kind = "an integer" if integer else "a number"
            fail(key, f"{v!r} must be {kind} {'>' if strict else '>='} {minimum:g}")
        kwargs[key] = v if integer else float(v)

    number("max_pages", 1, integer=True)
    number("retries", 1, integer=True)
    number("delay_seconds", 0)
    number("retry_base_delay_seconds", 0)
    number("timeout_seconds", 0, strict=True)
    number("max_download_mb", 0, strict=True)

    if "allow_private_network" in entry:
        if not isinstance(entry["allow_private_network"], bool):
            fail("allow_private_network", "expected true or false")
        kwargs["allow_private_network"] = entry["allow_private_network"]
    if "report_patterns" in entry:
        pats = entry["report_patterns"]
        if isinstance(pats, str):
            pats = [pats]
        if not isinstance(pats, list) or not pats or not all(isinstance(p, str) and p for p in pats):
            fail("report_patterns", "expected a non-empty list of regular expressions")
        for p in pats:
            try:
                re.compile(p)
            except re.error as exc:
                fail("report_patterns", f"{p!r} is not a valid regular expression ({exc})")
        kwargs["report_patterns"] = tuple(pats)
    if "user_agent" in entry:
        ua = entry["user_agent"]
        if not isinstance(ua, str) or not ua.strip() or any(c in ua for c in "\r\n"):
            fail("user_agent", "expected a non-empty single-line string")
        kwargs["user_agent"] = ua.strip()
    return Site(**kwargs)


# ---------------------------------------------------------------- results


@dataclass
class SavedFile:
    """A report page or attachment written by this crawl."""

    path: str  # relative to RAW, POSIX
    url: str
    change: str  # "new" or "changed"
    sha256: str
    bytes: int


@dataclass
class CrawlResult:
    site: str
    requests: int = 0  # HTTP requests sent (retries, redirect hops and robots.txt included)
    fetched: int = 0  # URLs that got a final HTTP response (200, 304, 404, …)
    not_modified: int = 0  # of which 304 Not Modified
    unchanged: int = 0  # saved URLs whose bytes did not change (304 or same sha256)
    new_files: list[SavedFile] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (url, error)
    robots_disallowed: list[str] = field(default_factory=list)
    page_limit_reached: bool = False

    @property
    def source_urls(self) -> dict[str, str]:
        """Relative path (POSIX, under RAW) → URL, for the extraction flow's `source_urls`."""
        return {f.path: f.url for f in self.new_files}


# ---------------------------------------------------------------- helpers


def _squash(text: str) -> str:
    """Whitespace-free, NFKC-normalised text for pattern matching (link texts wrap lines)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


_PATTERN_CACHE: dict[tuple[str, ...], list[re.Pattern]] = {}


def _compiled(patterns: tuple[str, ...]) -> list[re.Pattern]:
    if patterns not in _PATTERN_CACHE:
        _PATTERN_CACHE[patterns] = [re.compile(p) for p in patterns]
    return _PATTERN_CACHE[patterns]


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _url_ext(url: str) -> str:
    return PurePosixPath(unquote(urlsplit(url).path)).suffix.lower()


def is_blocked_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Private, loopback, link-local, reserved, multicast, unspecified or otherwise not global."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified or not ip.is_global)


Resolver = Callable[[str, int], list[str]]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the system resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def check_address(url: str, resolver: Resolver = resolve_host) -> None:
    """Raise FetchRefused when `url`'s host is (or resolves to) a non-public address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addrs = [host] if _is_ip(host) else resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchRefused(f"cannot resolve host {host!r} ({exc})") from None
    for a in addrs:
        ip = ipaddress.ip_address(a.split("%", 1)[0])
        if is_blocked_address(ip):
            raise FetchRefused(f"host {host!r} resolves to non-public address {ip} "
                               "(set allow_private_network: true to allow it)")


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
    for suffix in (*ATTACHMENT_EXTENSIONS, ".html", ".htm", ".shtml", ".jsp", ".aspx", ".asp", ".php"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = re.sub(r"[^\w().-]+", "_", stem)
    stem = re.sub(r"[._]{2,}", "_", stem).strip("._- ")[:MAX_STEM_CHARS].strip("._- ") or "report"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:URL_HASH_CHARS]
    name = f"{stem}-{digest}{ext}"
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    return name


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


def parse_page(data: bytes, url: str, header_charset: str | None = None) -> Page:
    """Title, absolute links and whether the page holds a table (for classification)."""
    text = decode_html(data, header_charset)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an XML declaration
    try:
        doc = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return Page("", [], False)
    base = url
    for b in doc.iter("base"):
        if b.get("href"):
            base = urljoin(url, b.get("href").strip())
            break
    titles = [doc.findtext(".//title") or ""]
    for meta in doc.iter("meta"):
        if (meta.get("name") or "").lower() in ("articletitle", "title") and meta.get("content"):
            titles.append(meta.get("content"))
    titles += [h.text_content() for h in doc.iter("h1")]
    links: list[Link] = []
    for el in doc.iter("a", "area", "iframe", "embed", "object"):
        href = el.get("data") if el.tag == "object" else el.get("src") if el.tag in ("iframe", "embed") \
            else el.get("href")
        if not href:
            continue
        href = href.strip()
        if href.lower().startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
            continue
        absolute = urldefrag(urljoin(base, href))[0]
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        label = el.text_content() if el.tag == "a" else ""
        links.append(Link(absolute, " ".join(label.split()), el.get("title") or "",
                          embedded=el.tag in ("iframe", "embed", "object")))
    has_table = next(doc.iter("table"), None) is not None
    return Page(" | ".join(t.strip() for t in titles if t and t.strip()), links, has_table)


# ---------------------------------------------------------------- politeness


class HostThrottle:
    """At most one request at a time per host, and `delay` seconds between the end of one
    request and the start of the next. Shared by every crawl in the process (two sites on
    one portal are spaced too)."""

    def __init__(self):
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}

    def _lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    class _Slot:
        def __init__(self, throttle: HostThrottle, host: str, delay: float):
            self.t, self.host, self.delay = throttle, host, delay

        def __enter__(self):
            self.lock = self.t._lock(self.host)
            self.lock.acquire()
            wait = self.t._last.get(self.host, -1e9) + self.delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)

        def __exit__(self, *exc):
            self.t._last[self.host] = time.monotonic()
            self.lock.release()

    def slot(self, host: str, delay: float) -> HostThrottle._Slot:
        return HostThrottle._Slot(self, host, delay)


HOST_THROTTLE = HostThrottle()


class _Robots:
    """robots.txt rules of one origin, as RFC 9309 §2.3.1 says to treat fetch outcomes."""

    def __init__(self, text: str | None, allow_all: bool = False, disallow_all: bool = False):
        self.parser = RobotFileParser()
        if text is not None:
            self.parser.parse(text.splitlines())
        self.parser.allow_all = allow_all
        self.parser.disallow_all = disallow_all

    def allowed(self, url: str, agent: str) -> bool:
        return self.parser.can_fetch(agent, url)

    def crawl_delay(self, agent: str) -> float:
        try:
            d = self.parser.crawl_delay(agent)
        except Exception:
            return 0.0
        return min(float(d or 0.0), MAX_ROBOTS_CRAWL_DELAY_SECONDS)


# ---------------------------------------------------------------- crawler


@dataclass
class _Response:
    url: str  # final URL after redirects
    status: int
    headers: httpx.Headers
    body: bytes | None  # None for 304 and for bodies not read (errors)


@dataclass
class _Item:
    url: str
    referrer: str | None
    role: str  # "listing", "candidate" or "attachment"
    anchor_matched: bool = False


class Crawler:
    """Crawls one site into ``raw/<site.name>/``. Use `run()` once per instance."""

    def __init__(self, site: Site, raw: str | os.PathLike, *, client: httpx.Client | None = None,
                 throttle: HostThrottle = HOST_THROTTLE, resolver: Resolver = resolve_host,
                 sleep: Callable[[float], None] = time.sleep):
        self.site = site
        self.raw = Path(raw)
        self.dir = self.raw / site.name
        self.throttle = throttle
        self.resolver = resolver
        self.sleep = sleep
        self._own_client = client is None
        self.client = client or httpx.Client(
            headers={"User-Agent": site.user_agent},
            timeout=httpx.Timeout(site.timeout_seconds),
            follow_redirects=False,  # each hop is checked against the allowed hosts first
        )
        self.result = CrawlResult(site=site.name)
        self.state = self._load_state()
        self.robots: dict[str, _Robots] = {}
        self._responded = False  # whether the current URL got any HTTP response
        self._manifest = None

    # -- state --------------------------------------------------------------

    def _load_state(self) -> dict[str, dict]:
        """Last record per URL that points at a saved file (its validators and sha256)."""
        state: dict[str, dict] = {}
        path = self.dir / MANIFEST_NAME
        if not path.is_file():
            return state
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and rec.get("path") and rec.get("sha256") and rec.get("status") in (200, 304):
                state[rec["url"]] = rec
        return state

    def _record(self, **rec) -> None:
        entry = {"url": None, "final_url": None, "referrer": None, "kind": None, "fetched_at": _now(),
                 "status": None, "content_type": None, "etag": None, "last_modified": None, "sha256": None,
                 "path": None, "bytes": None, "change": None, "error": None}
        entry.update(rec)
        self._manifest.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._manifest.flush()

    # -- HTTP ---------------------------------------------------------------

    def _allowed_host(self, url: str) -> bool:
        return urlsplit(url).scheme in ("http", "https") and _host(url) in self.site.allowed_hosts

    def _robots_for(self, url: str) -> _Robots:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            self.robots[origin] = _Robots(None, allow_all=True)  # while robots.txt itself is fetched
            robots_url = origin + "/robots.txt"
            responded = self._responded
            try:
                resp = self._get(robots_url, {}, ROBOTS_MAX_BYTES, truncate=True)
                error = None
            except (FetchRefused, httpx.HTTPError, DownloadTooLarge) as exc:
                resp, error = None, _describe(exc)
            if resp is not None and resp.status == 200:
                rules = _Robots(decode_html(resp.body or b"", _charset(resp.headers)))
            elif resp is not None and resp.status in (401, 403):
                # Stricter than RFC 9309 §2.3.1.3 (any 4xx allows all), as urllib.robotparser: a
                # site that refuses us its robots.txt is not crawled.
                rules = _Robots(None, disallow_all=True)
            elif resp is not None and 400 <= resp.status < 500:
                rules = _Robots(None, allow_all=True)  # §2.3.1.3: unavailable → crawl allowed
            else:
                rules = _Robots(None, disallow_all=True)  # §2.3.1.4: unreachable → assume complete disallow
                error = error or f"HTTP {resp.status}"
            self.robots[origin] = rules
            self._responded = responded
            self._record(url=robots_url, kind="robots", status=resp.status if resp else None,
                         final_url=resp.url if resp else None,
                         content_type=resp.headers.get("content-type") if resp else None,
                         bytes=len(resp.body) if resp and resp.body is not None else None,
                         error=error and f"robots.txt unreachable, crawling nothing on {origin}: {error}")
        return self.robots[origin]

    def _check_url(self, url: str) -> None:
        if not self._allowed_host(url):
            raise FetchRefused(f"host {_host(url)!r} is not in allowed_hosts")
        if not self.site.allow_private_network:
            check_address(url, self.resolver)

    def _delay_for(self, url: str) -> float:
        robots = self.robots.get("{0.scheme}://{0.netloc}".format(urlsplit(url)))
        return max(self.site.delay_seconds, robots.crawl_delay(ROBOTS_AGENT) if robots else 0.0)

    def _get(self, url: str, headers: dict[str, str], cap: int, truncate: bool = False,
             check_robots: bool = False) -> _Response:
        """GET with redirects (each hop re-checked), retries and the size cap."""
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_url(url)
            if check_robots and not self._robots_for(url).allowed(url, ROBOTS_AGENT):
                raise FetchRefused(f"disallowed by robots.txt: {url}")
            resp = self._get_one(url, headers, cap, truncate)
            if resp.status in REDIRECT_STATUSES and resp.headers.get("location"):
                url = urldefrag(urljoin(url, resp.headers["location"].strip()))[0]
                continue
            return resp
        raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")

    def _get_one(self, url: str, headers: dict[str, str], cap: int, truncate: bool) -> _Response:
        attempts = max(1, self.site.retries)
        for attempt in range(1, attempts + 1):
            retry_after = None
            try:
                with self.throttle.slot(_host(url), self._delay_for(url)):
                    self.result.requests += 1
                    with self.client.stream("GET", url, headers=headers) as r:
                        self._responded = True
                        if r.status_code >= 500 or r.status_code == 429:
                            retry_after = r.headers.get("retry-after")
                            if attempt < attempts:
                                raise _Retry(f"HTTP {r.status_code}")
                            return _Response(url, r.status_code, r.headers, None)
                        body = None
                        if r.status_code == 200:
                            body = self._read_capped(r, cap, truncate)
                        return _Response(url, r.status_code, r.headers, body)
            except (_Retry, httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError):
                if attempt >= attempts:
                    raise
                self.sleep(_backoff(self.site.retry_base_delay_seconds, attempt, retry_after))
        raise AssertionError("unreachable")

    def _read_capped(self, r: httpx.Response, cap: int, truncate: bool) -> bytes:
        length = r.headers.get("content-length")
        if not truncate and length and length.isdigit() and int(length) > cap:
            raise DownloadTooLarge(f"Content-Length {int(length)} bytes exceeds the "
                                   f"{self.site.max_download_mb:g} MB cap")
        chunks, total, start = [], 0, time.monotonic()
        for chunk in r.iter_bytes(CHUNK_BYTES):
            total += len(chunk)
            if total > cap:
                if truncate:
                    chunks.append(chunk[: cap - (total - len(chunk))])
                    break
                raise DownloadTooLarge(f"download exceeds the {self.site.max_download_mb:g} MB cap "
                                       f"(aborted after {total} bytes)")
            if time.monotonic() - start > MAX_DOWNLOAD_SECONDS:
                raise DownloadTooLarge(f"download took longer than {MAX_DOWNLOAD_SECONDS:g} s")
            chunks.append(chunk)
        return b"".join(chunks)

    # -- crawl --------------------------------------------------------------

    def run(self) -> CrawlResult:
        self.dir.mkdir(parents=True, exist_ok=True)
        queue: deque[_Item] = deque(_Item(u, None, "listing") for u in self.site.start_urls)
        seen = {u for u in self.site.start_urls}
        fetched = 0
        with open(self.dir / MANIFEST_NAME, "a", encoding="utf-8") as self._manifest:
            try:
                while queue:
                    if fetched >= self.site.max_pages:
                        self.result.page_limit_reached = True
                        break
                    item = queue.popleft()
                    try:
                        outcome = self._visit(item)
                    except Exception as exc:  # one odd URL never stops the site's crawl
                        msg = f"internal error: {type(exc).__name__}: {exc}"
                        self.result.errors.append((item.url, msg))
                        self._record(url=item.url, referrer=item.referrer, kind=item.role, error=msg)
                        outcome = []
                    if outcome is None:
                        continue
                    fetched += 1
                    for nxt in outcome:
                        if nxt.url not in seen and self._allowed_host(nxt.url):
                            seen.add(nxt.url)
                            queue.append(nxt)
            finally:
                if self._own_client:
                    self.client.close()
        return self.result

    def _visit(self, item: _Item) -> list[_Item] | None:
        """Fetch one URL, save it if it is a report or attachment; the links to follow.
        None when nothing was fetched (refused before any request)."""
        prior = self.state.get(item.url)
        if prior and not (self.raw / prior["path"]).is_file():
            prior = None
        headers: dict[str, str] = {}
        if prior and item.role != "listing":
            if prior.get("etag"):
                headers["If-None-Match"] = prior["etag"]
            if prior.get("last_modified"):
                headers["If-Modified-Since"] = prior["last_modified"]
        base = {"url": item.url, "referrer": item.referrer}
        cap = self.site.max_download_bytes
        try:
            self._check_url(item.url)
            self._robots_for(item.url)  # fetched before counting this URL's own requests
        except FetchRefused as exc:
            self.result.errors.append((item.url, str(exc)))
            self._record(**base, kind=item.role, error=str(exc))
            return None
        requests_before, self._responded = self.result.requests, False
        try:
            resp = self._get(item.url, headers, cap, check_robots=True)
        except (FetchRefused, httpx.HTTPError, _Retry, DownloadTooLarge) as exc:
            msg = _describe(exc)
            if msg.startswith("disallowed by robots.txt"):
                self.result.robots_disallowed.append(item.url)
            else:
                self.result.errors.append((item.url, msg))
            self.result.fetched += self._responded  # e.g. a redirect off-host, a download over the cap
            self._record(**base, kind=item.role, error=msg)
            # Counts against max_pages only if a request was sent.
            return [] if self.result.requests > requests_before else None
        self.result.fetched += 1
        ctype = resp.headers.get("content-type")
        meta = {**base, "final_url": resp.url, "status": resp.status, "content_type": ctype,
                "etag": resp.headers.get("etag"), "last_modified": resp.headers.get("last-modified")}

        if resp.status == 304 and prior:
            self.result.not_modified += 1
            self.result.unchanged += 1
            meta.update(etag=meta["etag"] or prior.get("etag"),
                        last_modified=meta["last_modified"] or prior.get("last_modified"))
            self._record(**meta, kind=prior.get("kind") or item.role, sha256=prior["sha256"], path=prior["path"],
                         bytes=prior.get("bytes"), change="not_modified")
            if prior.get("kind") == "report":  # its attachments still need checking
                body = (self.raw / prior["path"]).read_bytes()
                return self._follow(parse_page(body, resp.url, None), item, is_report=True)
            return []
        if resp.status != 200 or resp.body is None:
            msg = f"HTTP {resp.status}"
            self.result.errors.append((item.url, msg))
            self._record(**meta, error=msg, kind=item.role)
            return []

        body = resp.body
        sha = hashlib.sha256(body).hexdigest()
        meta.update(sha256=sha, bytes=len(body))
        if _is_html(ctype, body, resp.url):
            if item.role == "attachment":  # an 附件/下载 link that leads to a page, not a file
                self._record(**meta, kind="page", error=None)
                return []
            page = parse_page(body, resp.url, _charset(resp.headers))
            if item.role == "listing" or not self._is_report(page, item):
                self._record(**meta, kind="listing")
                return self._follow(page, item, is_report=False)
            self._save(item, resp, body, sha, ".html", "report", meta, prior)
            return self._follow(page, item, is_report=True)

        ext = _attachment_ext(resp, body)
        if ext is None:
            msg = f"not a report format (Content-Type {ctype or 'none'})"
            self.result.errors.append((item.url, msg))
            self._record(**meta, kind="attachment", error=msg)
            return []
        self._save(item, resp, body, sha, ext, "attachment", meta, prior)
        return []

    def _is_report(self, page: Page, item: _Item) -> bool:
        if not (item.anchor_matched or self.site.matches(page.title)):
            return False
        report_links = sum(1 for lk in page.links if self.site.matches(lk.text or lk.title))
        attachments = any(self._is_attachment_link(lk, False) for lk in page.links)
        return page.has_table or attachments or report_links < LISTING_MIN_REPORT_LINKS

    def _is_attachment_link(self, link: Link, on_report: bool) -> bool:
        if _url_ext(link.url) in ATTACHMENT_EXTENSIONS:
            return True
        text = (link.text or link.title).lower()
        if any(text.endswith(e) for e in ATTACHMENT_EXTENSIONS):
            return True
        return on_report and bool(ATTACHMENT_LINK_RE.search(text))

    def _follow(self, page: Page, item: _Item, is_report: bool) -> list[_Item]:
        out: list[_Item] = []
        here_dir = urlsplit(item.url).path.rsplit("/", 1)[0]
        for lk in page.links:
            label = lk.text or lk.title
            matched = self.site.matches(lk.text) or self.site.matches(lk.title)
            if is_report and self._is_attachment_link(lk, not lk.embedded):
                out.append(_Item(lk.url, item.url, "attachment", matched))
            elif matched:
                role = "attachment" if self._is_attachment_link(lk, False) else "candidate"
                out.append(_Item(lk.url, item.url, role, True))
            elif not is_report and _is_pagination(label, lk.url, here_dir):
                out.append(_Item(lk.url, item.url, "listing"))
        return out

    def _save(self, item: _Item, resp: _Response, body: bytes, sha: str, ext: str, kind: str,
              meta: dict, prior: dict | None) -> None:
        if prior and prior["sha256"] == sha:
            self.result.unchanged += 1
            self._record(**meta, kind=kind, path=prior["path"], change="unchanged")
            return
        if prior and prior["path"].endswith(ext):
            rel = prior["path"]
        else:
            proposed = content_disposition_filename(resp.headers.get("content-disposition"))
            rel = f"{self.site.name}/{safe_filename(item.url, proposed, ext)}"
        target = self.raw / rel
        # Defence in depth: the name is sanitised, but never write outside the site folder.
        if target.resolve().parent != self.dir.resolve():
            msg = f"refusing to write outside {self.dir}: {rel}"
            self.result.errors.append((item.url, msg))
            self._record(**meta, kind=kind, error=msg)
            return
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_bytes(body)
        os.replace(tmp, target)
        change = "changed" if prior else "new"
        self.result.new_files.append(SavedFile(rel, item.url, change, sha, len(body)))
        self._record(**meta, kind=kind, path=rel, change=change)


class _Retry(Exception):
    """A retryable HTTP status (5xx, 429)."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {exc}"
    if isinstance(exc, _Retry):
        return f"{exc} (after retries)"
    if isinstance(exc, DownloadTooLarge):
        return f"too large: {exc}"
    return str(exc)


def _backoff(base: float, attempt: int, retry_after: str | None) -> float:
    delay = base * 2 ** (attempt - 1)
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, float(retry_after))
    return min(delay, RETRY_MAX_DELAY_SECONDS)


def _charset(headers: httpx.Headers) -> str | None:
    ctype = headers.get("content-type") or ""
    m = re.search(r"charset\s*=\s*\"?([^\";\s]+)", ctype, re.I)
    return m.group(1) if m else None


def _main_type(ctype: str | None) -> str:
    return (ctype or "").split(";", 1)[0].strip().lower()


def _is_html(ctype: str | None, body: bytes, url: str) -> bool:
    main = _main_type(ctype)
    if main in HTML_CONTENT_TYPES:
        return True
    if main and main not in ("application/octet-stream", "binary/octet-stream"):
        return False
    if _url_ext(url) in ATTACHMENT_EXTENSIONS:
        return False
    return bool(re.search(rb"<(?:!doctype\s+html|html[\s>])", body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n"), re.I))


def _attachment_ext(resp: _Response, body: bytes) -> str | None:
    """The saved extension of a download: its name's, else its Content-Type's, else its magic."""
    proposed = content_disposition_filename(resp.headers.get("content-disposition"))
    for name in (proposed, unquote(urlsplit(resp.url).path)):
        if name:
            ext = PurePosixPath(name.replace("\\", "/")).suffix.lower()
            if ext in ATTACHMENT_EXTENSIONS:
                return ext
    ext = CONTENT_TYPE_EXTENSIONS.get(_main_type(resp.headers.get("content-type")))
    if ext:
        return ext
    if body.startswith(b"%PDF-"):
        return ".pdf"
    if body.startswith(b"PK\x03\x04") and b"word/" in body[:4096]:
        return ".docx"
    if body.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ".doc"
    return None


def _is_pagination(label: str, url: str, here_dir: str) -> bool:
    """A listing page's link to another page of the same listing."""
    text = _squash(label).lower()
    if text in PAGINATION_TEXTS or re.fullmatch(r"(?:下一?页|尾页|末页)[>»]*|[<«]*上一?页", text):
        return True
    # Bare page numbers ("2", "第3页") only within the listing's own folder: elsewhere digits
    # are dates, counters or menu items.
    return bool(re.fullmatch(r"第?\d{1,4}页?", text)) and urlsplit(url).path.rsplit("/", 1)[0] == here_dir


def crawl_site(site: Site, raw: str | os.PathLike, **kwargs) -> CrawlResult:
    """Crawl one site into ``raw/<site.name>/``; see `Crawler` for keyword arguments."""
    return Crawler(site, raw, **kwargs).run()


def crawl_sites(sites: Iterable[Site], raw: str | os.PathLike, max_workers: int = 8) -> list[CrawlResult]:
    """Crawl several sites in parallel threads (one per site; hosts stay serialised by
    HOST_THROTTLE). Results in the order of `sites`."""
    from concurrent.futures import ThreadPoolExecutor

    sites = list(sites)
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(sites) or 1))) as pool:
        return list(pool.map(lambda s: crawl_site(s, raw), sites))


__all__ = [
    "USER_AGENT", "Site", "SourcesError", "FetchRefused", "DownloadTooLarge", "SavedFile", "CrawlResult",
    "Crawler", "HostThrottle", "HOST_THROTTLE", "load_sources", "crawl_site", "crawl_sites", "safe_filename",
    "content_disposition_filename", "decode_html", "parse_page", "check_address", "is_blocked_address",
]
