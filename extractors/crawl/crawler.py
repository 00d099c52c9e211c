"""A polite, focused crawler for the 政府信息公开年报 columns of government web sites.

Plain functions and classes (no Prefect): `crawl_site` crawls one site (a
`extractors.crawl.sources.Site`) into ``RAW/<site>/`` and returns what is new or changed.
`flows/crawl.py` wraps these in a Prefect flow; docs/crawling.md is the user guide.

What is crawled. From each start URL (a listing page of the annual-report column) the
crawler follows, breadth first and only within the site's allowed origins (`Site.origins`):

* pagination links of listing pages (下一页 / 尾页 / page numbers, …) → more listing pages;
* links whose text (or ``title`` attribute) matches the site's ``report_patterns`` →
  candidate report pages, or attachments when the URL names one (.pdf, .docx, …);
* on a report page, its attachments (by extension, or links labelled 附件) and further
  report links (上一篇/下一篇 often are other years' reports);
* what a CMS names only by script (`extractors.crawl.cms`): a TRS pager's pages, a Hanweb
  column's record-proxy calls (POSTed as jpage does), a gkmlpt category's API pages, files
  opened by onclick/javascript: or through download endpoints; and from a start page that
  lists no report (a home page), its 政府信息公开 portal link. How much of each such column
  was read against what its pager announces is `CrawlResult.columns` (`warnings` when short).

A candidate page is a report page when its link text or its own title (<title>, the
ArticleTitle meta or <h1>) matches, unless it looks like a sub-column listing (several
report links, no table, no attachment): see `extractors.crawl.pages`. Report pages and
attachments are saved with their original bytes; listing pages are only read for their
links. Every fetch is logged in ``RAW/<site>/_manifest.jsonl``; the next crawl sends the
saved validators (If-None-Match / If-Modified-Since) so an unchanged report costs a 304
and writes nothing.

Politeness and safety: robots.txt (RFC 9309) is honoured (an unreachable one is reported
as such and stops that origin's crawl), requests to one host are serialised and spaced by
the site's delay (shared across sites in this process), the User-Agent identifies the
project, timeouts and retries with exponential backoff are bounded, downloads are streamed
and capped in bytes and by the clock (max_download_seconds per URL, max_site_seconds per
site: `extractors.crawl.fetch`), redirects are followed hop by hop within the allowed
origins, and non-public addresses are refused (`extractors.crawl.safety`). A crawl cut
short by max_pages or max_site_seconds says so (`CrawlResult.limits`, a ``limit`` line in
the manifest). Saved file names are derived from the URL or Content-Disposition but
sanitised, never trusted: they cannot leave the site folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from extractors.charset import decode_html
from extractors.crawl.cms import (
    GKMLPT_MAX_PAGES,
    download_filename,
    gkmlpt_answer,
    jpage_requests,
    request_key,
)
from extractors.crawl.fetch import HOST_THROTTLE, Fetcher, HostThrottle, Response, Retry, describe, new_client
from extractors.crawl.images import MAX_IMAGE_BYTES, embed_images
from extractors.crawl.pages import (
    Link,
    Page,
    attachment_ext,
    content_disposition_filename,
    header_charset,
    is_column_link,
    is_html,
    is_report_page,
    links_to_follow,
    parse_page,
    parse_records,
    portal_links,
    safe_filename,
)
from extractors.crawl.reach import ColumnReach, Reach
from extractors.crawl.safety import (
    MAX_REDIRECTS,
    Deadline,
    DeadlineExceeded,
    DownloadTooLarge,
    FetchRefused,
    Resolver,
    check_address,
    earliest,
    format_origin,
    on_allowed_origin,
    origin_of,
    redirect_target,
    resolve_host,
)
from extractors.crawl.sources import Site

# Token matched against robots.txt `User-agent:` lines (RFC 9309 §2.2.1: the product token).
ROBOTS_AGENT = "ogi-reports"
# RFC 9309 §2.5: crawlers must parse at least 500 KiB of robots.txt; more is ignored.
ROBOTS_MAX_BYTES = 512 * 1024
# A robots.txt Crawl-delay above this is capped (a nightly crawl must finish).
MAX_ROBOTS_CRAWL_DELAY_SECONDS = 30.0
MANIFEST_NAME = "_manifest.jsonl"
# Every manifest line has these keys (None when not known), in this order.
MANIFEST_FIELDS = ("url", "final_url", "referrer", "kind", "fetched_at", "status", "content_type", "etag",
                   "last_modified", "sha256", "path", "bytes", "change", "error", "images", "served_sha256")


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
    page_limit_reached: bool = False  # stopped at max_pages with URLs left to visit
    deadline_reached: bool = False  # stopped at max_site_seconds
    limits: list[str] = field(default_factory=list)  # one line per limit that stopped the crawl
    columns: list[ColumnReach] = field(default_factory=list)  # CMS columns: pages announced vs read
    reports: int = 0  # report pages reached (saved, unchanged or 304)
    attachments: int = 0  # attachments fetched (saved, unchanged or 304)
    images: int = 0  # images written into saved report pages (their tables are images)
    image_skips: list[tuple[str, str]] = field(default_factory=list)  # (image URL, why it was not written in)

    @property
    def warnings(self) -> list[str]:
        """One line per CMS column read short of what its pager announces."""
        return [w for c in self.columns if (w := c.warning)]

    @property
    def source_urls(self) -> dict[str, str]:
        """Relative path (POSIX, under RAW) → URL, for the extraction flow's `source_urls`."""
        return {f.path: f.url for f in self.new_files}


# ---------------------------------------------------------------- robots.txt


class _Robots:
    """robots.txt rules of one origin, as RFC 9309 §2.3.1 says to treat fetch outcomes.
    `unreadable` says why everything is disallowed when robots.txt itself could not be read."""

    def __init__(self, text: str | None, allow_all: bool = False, unreadable: str | None = None):
        self.parser = RobotFileParser()
        if text is not None:
            self.parser.parse(text.splitlines())
        self.parser.allow_all = allow_all
        self.parser.disallow_all = unreadable is not None
        self.unreadable = unreadable

    def allowed(self, url: str, agent: str) -> bool:
        return self.parser.can_fetch(agent, url)

    def crawl_delay(self, agent: str) -> float:
        try:
            d = self.parser.crawl_delay(agent)
        except Exception:
            return 0.0
        return min(float(d or 0.0), MAX_ROBOTS_CRAWL_DELAY_SECONDS)


def _robots_rules(robots_url: str, resp: Response | None, error: str | None) -> _Robots:
    """The rules a robots.txt fetch outcome implies (`error`: why there is no response)."""
    if resp is not None and resp.status == 200:
        return _Robots(decode_html(resp.body or b"", header_charset(resp.headers)))
    if resp is not None and resp.status in (401, 403):
        # Stricter than RFC 9309 §2.3.1.3 (any 4xx allows all), as urllib.robotparser: a
        # site that refuses us its robots.txt is not crawled.
        return _Robots(None, unreadable=f"robots.txt refused: {robots_url} answered HTTP {resp.status}; "
                                        "nothing on that origin is fetched")
    if resp is not None and 400 <= resp.status < 500:
        return _Robots(None, allow_all=True)  # §2.3.1.3: unavailable → crawl allowed
    # §2.3.1.4: unreachable (no answer, or a 5xx after retries) → assume complete disallow
    why = error or f"HTTP {resp.status} (after retries)"
    return _Robots(None, unreadable=f"robots.txt unreachable: {robots_url}: {why}; nothing on that origin "
                                    "is fetched this crawl (RFC 9309 §2.3.1.4)")


class RobotsDisallowed(FetchRefused):
    """The site's robots.txt disallows the URL for our agent."""


# ---------------------------------------------------------------- crawler


@dataclass
class _Item:
    url: str
    referrer: str | None
    role: str  # "listing", "candidate", "attachment" or "proxy" (a Hanweb column's record proxy)
    anchor_matched: bool = False
    form: dict[str, str] | None = None  # POSTed (a proxy call), else a GET
    column: str | None = None  # the column a proxy call reads records of
    family: str = "hanweb"  # whose proxy: "hanweb" (jpage XML) or "gkmlpt" (its JSON API)
    start: bool = False  # a start URL: a home page's portal links are followed from it

    @property
    def key(self) -> str:
        return request_key(self.url, self.form)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _conditional_headers(prior: dict | None, role: str) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the last saved fetch (never for listings)."""
    headers: dict[str, str] = {}
    if prior and role != "listing":
        if prior.get("etag"):
            headers["If-None-Match"] = prior["etag"]
        if prior.get("last_modified"):
            headers["If-Modified-Since"] = prior["last_modified"]
    return headers


class Crawler:
    """Crawls one site into ``raw/<site.name>/``. Use `run()` once per instance.

    An injected `client` should not keep connections alive (`fetch.NO_KEEPALIVE`): the
    deadline's watchdog sees a reused connection only once its response headers arrive.
    """

    def __init__(self, site: Site, raw: str | os.PathLike, *, client: httpx.Client | None = None,
                 throttle: HostThrottle = HOST_THROTTLE, resolver: Resolver = resolve_host,
                 sleep: Callable[[float], None] = time.sleep):
        self.site = site
        self.raw = Path(raw)
        self.dir = self.raw / site.name
        self.resolver = resolver
        self._own_client = client is None
        self.client = client or new_client(site.user_agent)
        self.fetcher = Fetcher(self.client, throttle, timeout=site.timeout_seconds, retries=site.retries,
                               retry_base_delay=site.retry_base_delay_seconds, cap_mb=site.max_download_mb,
                               sleep=sleep)
        self.result = CrawlResult(site=site.name)
        self.state = self._load_state()
        self.robots: dict[str, _Robots] = {}
        self._manifest = None
        self.site_deadline = self._new_site_deadline()
        self.reach = Reach()

    def _new_site_deadline(self) -> Deadline:
        """max_site_seconds from now (the crawl's start)."""
        seconds = self.site.max_site_seconds
        return Deadline.after(seconds, "abandoned at the site deadline: the crawl took longer than "
                              f"max_site_seconds ({seconds:g} s)", site=True)

    # -- manifest -----------------------------------------------------------

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

    def _prior(self, url: str) -> dict | None:
        """The URL's last saved fetch, if its file is still there."""
        prior = self.state.get(url)
        if prior and not (self.raw / prior["path"]).is_file():
            return None
        return prior

    def _record(self, **rec) -> None:
        entry = dict.fromkeys(MANIFEST_FIELDS)
        entry["fetched_at"] = _now()
        entry.update(rec)
        self._manifest.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._manifest.flush()

    def _error(self, msg: str, **rec) -> None:
        """Count an error against the site's URL `rec["url"]` and log it."""
        self.result.errors.append((rec["url"], msg))
        self._record(**rec, error=msg)

    def _limit(self, msg: str, is_error: bool) -> None:
        """The crawl stopped at a limit: say so in the result and the manifest."""
        self.result.limits.append(msg)
        if is_error:
            self.result.errors.append((self.site.start_urls[0], msg))
        self._record(url=self.site.start_urls[0], kind="limit", error=msg)

    # -- HTTP ---------------------------------------------------------------

    def _allowed(self, url: str) -> bool:
        return on_allowed_origin(url, self.site.origins)

    def _robots_for(self, url: str) -> _Robots:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            self.robots[origin] = _Robots(None, allow_all=True)  # while robots.txt itself is fetched
            robots_url = origin + "/robots.txt"
            responded = self.fetcher.responded
            try:
                resp = self._get(robots_url, {}, ROBOTS_MAX_BYTES, truncate=True)
                error = None
            except (FetchRefused, httpx.HTTPError, DownloadTooLarge, DeadlineExceeded) as exc:
                resp, error = None, describe(exc)
            self.robots[origin] = robots = _robots_rules(robots_url, resp, error)
            self.fetcher.responded = responded
            self._record(url=robots_url, kind="robots", status=resp.status if resp else None,
                         final_url=resp.url if resp else None,
                         content_type=resp.headers.get("content-type") if resp else None,
                         bytes=len(resp.body) if resp and resp.body is not None else None,
                         error=robots.unreadable)
        return self.robots[origin]

    def _check_url(self, url: str) -> None:
        if not self._allowed(url):
            origin = origin_of(url)
            shown = format_origin(origin) if origin else repr(url)
            raise FetchRefused(f"origin {shown} is not allowed for this site (list it in allowed_origins, "
                               "or its host in allowed_hosts for ports 80/443, to allow it)")
        if not self.site.allow_private_network:
            check_address(url, self.resolver)

    def _check_robots(self, url: str) -> None:
        robots = self._robots_for(url)
        if robots.unreadable:
            raise FetchRefused(robots.unreadable)
        if not robots.allowed(url, ROBOTS_AGENT):
            raise RobotsDisallowed(f"disallowed by robots.txt: {url}")

    def _delay_for(self, url: str) -> float:
        robots = self.robots.get("{0.scheme}://{0.netloc}".format(urlsplit(url)))
        return max(self.site.delay_seconds, robots.crawl_delay(ROBOTS_AGENT) if robots else 0.0)

    def _get(self, url: str, headers: dict[str, str], cap: int, truncate: bool = False,
             check_robots: bool = False, form: dict[str, str] | None = None) -> Response:
        """GET (or POST `form`) with redirects (each hop re-checked), retries, the size cap and
        the download's deadline (every hop and retry included; never past the site's)."""
        deadline = earliest(self.site_deadline, Deadline.after(
            self.site.max_download_seconds,
            f"abandoned: the download took longer than max_download_seconds ({self.site.max_download_seconds:g} s)"))
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_url(url)
            if check_robots:
                self._check_robots(url)
            resp = self.fetcher.get(url, headers, cap, truncate, deadline, self._delay_for(url), form)
            nxt = redirect_target(url, resp.status, resp.headers.get("location"))
            if nxt is None:
                return resp
            if resp.status in (301, 302, 303):
                form = None  # as browsers do, the next hop is a GET
            url = nxt
        raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")

    # -- crawl --------------------------------------------------------------

    def run(self) -> CrawlResult:
        self.site_deadline = self._new_site_deadline()
        self.dir.mkdir(parents=True, exist_ok=True)
        queue: deque[_Item] = deque(_Item(u, None, "listing", start=True) for u in self.site.start_urls)
        seen = {u for u in self.site.start_urls}
        fetched = 0
        with open(self.dir / MANIFEST_NAME, "a", encoding="utf-8") as self._manifest:
            try:
                while queue and not self._stop(fetched, len(queue)):
                    outcome = self._visit_safely(queue.popleft())
                    if outcome is None:
                        continue
                    fetched += 1
                    for nxt in outcome:
                        if nxt.key not in seen and self._allowed(nxt.url):
                            seen.add(nxt.key)
                            queue.append(nxt)
                if self.result.deadline_reached and not self.result.limits:  # the last URL was cut
                    self._stop(fetched, 0)
            finally:
                self.result.columns = self.reach.result()
                self.result.requests = self.fetcher.requests
                if self._own_client:
                    self.client.close()
        return self.result

    def _stop(self, fetched: int, left: int) -> bool:
        """Whether a limit stops the crawl before the next of `left` queued URLs (logged once)."""
        if self.result.deadline_reached or self.site_deadline.left() <= 0:
            self.result.deadline_reached = True
            self._limit(f"site deadline: crawl stopped after max_site_seconds ({self.site.max_site_seconds:g} s) "
                        f"with {left} queued URL(s) not visited", is_error=True)
            return True
        if fetched >= self.site.max_pages:
            self.result.page_limit_reached = True
            self._limit(f"page limit: crawl stopped at max_pages ({self.site.max_pages}) "
                        f"with {left} queued URL(s) not visited", is_error=False)
            return True
        return False

    def _visit_safely(self, item: _Item) -> list[_Item] | None:
        try:
            return self._visit(item)
        except Exception as exc:  # one odd URL never stops the site's crawl
            msg = f"internal error: {type(exc).__name__}: {exc}"
            self._error(msg, url=item.url, referrer=item.referrer, kind=item.role)
            return []

    def _visit(self, item: _Item) -> list[_Item] | None:
        """Fetch one URL, save it if it is a report or attachment; the links to follow.
        None when nothing was fetched (refused before any request)."""
        prior = self._prior(item.url)
        headers = _conditional_headers(prior, item.role)
        base = {"url": item.url, "referrer": item.referrer}
        cap = self.site.max_download_bytes
        try:
            self._check_url(item.url)
            self._robots_for(item.url)  # fetched before counting this URL's own requests
        except FetchRefused as exc:
            self._error(str(exc), **base, kind=item.role)
            return None
        requests_before, self.fetcher.responded = self.fetcher.requests, False
        try:
            resp = self._get(item.url, headers, cap, check_robots=True, form=item.form)
        except (FetchRefused, httpx.HTTPError, Retry, DownloadTooLarge, DeadlineExceeded) as exc:
            self._fetch_failed(item, base, exc)
            # Counts against max_pages only if a request was sent.
            return [] if self.fetcher.requests > requests_before else None
        self.result.fetched += 1
        ctype = resp.headers.get("content-type")
        meta = {**base, "final_url": resp.url, "status": resp.status, "content_type": ctype,
                "etag": resp.headers.get("etag"), "last_modified": resp.headers.get("last-modified")}
        if resp.status == 304 and prior:
            return self._not_modified(item, resp, meta, prior)
        if resp.status != 200 or resp.body is None:
            self._error(f"HTTP {resp.status}", **meta, kind=item.role)
            return []
        meta.update(sha256=hashlib.sha256(resp.body).hexdigest(), bytes=len(resp.body))
        if item.role == "proxy":
            return self._fetched_records(item, resp, meta)
        if is_html(ctype, resp.body, resp.url):
            return self._fetched_page(item, resp, meta, prior)
        return self._fetched_file(item, resp, meta, prior)

    def _fetch_failed(self, item: _Item, base: dict, exc: Exception) -> None:
        msg = describe(exc)
        if isinstance(exc, RobotsDisallowed):
            self.result.robots_disallowed.append(item.url)
        else:
            self.result.errors.append((item.url, msg))
        if isinstance(exc, DeadlineExceeded) and exc.site:
            self.result.deadline_reached = True
        self.result.fetched += self.fetcher.responded  # e.g. a redirect off-host, a download over the cap
        self._record(**base, kind=item.role, error=msg)

    def _not_modified(self, item: _Item, resp: Response, meta: dict, prior: dict) -> list[_Item]:
        """A 304 for a saved file: log it unchanged; a report's attachments still need checking."""
        self.result.not_modified += 1
        self.result.unchanged += 1
        meta.update(etag=meta["etag"] or prior.get("etag"),
                    last_modified=meta["last_modified"] or prior.get("last_modified"))
        self._record(**meta, kind=prior.get("kind") or item.role, sha256=prior["sha256"], path=prior["path"],
                     bytes=prior.get("bytes"), change="not_modified")
        self._count(prior.get("kind") or item.role)
        if prior.get("kind") == "report":
            body = (self.raw / prior["path"]).read_bytes()
            return self._follow(parse_page(body, resp.url, None), item, is_report=True)
        return []

    def _fetched_page(self, item: _Item, resp: Response, meta: dict, prior: dict | None) -> list[_Item]:
        """An HTML answer: a report page is saved; every page gives links to follow."""
        if item.role == "attachment":  # an 附件/下载 link that leads to a page, not a file
            self._record(**meta, kind="page", error=None)
            return []
        page = parse_page(resp.body, resp.url, header_charset(resp.headers))
        if item.role == "listing" or not is_report_page(page, self.site, item.anchor_matched):
            self._record(**meta, kind="listing")
            return self._follow(page, item, is_report=False) + self._cms_pages(page, item, resp.url)
        self._save(item, resp, ".html", "report", meta, prior)
        more = [_Item(u, item.url, "candidate", True) for u in page.trs.urls() if u != resp.url] if page.trs else []
        return self._follow(page, item, is_report=True) + more  # a paged article: its other pages

    def _cms_pages(self, page: Page, item: _Item, url: str) -> list[_Item]:
        """A listing's further pages that only its CMS script names: a TRS pager's pages, a
        Hanweb column's proxy calls; from a home page, its 政府信息公开 portal."""
        out: list[_Item] = []
        if page.trs is not None:
            self.reach.trs(page.trs, url)
            out += [_Item(u, item.url, "listing") for u in page.trs.urls() if u != url]
        else:
            self.reach.page_read(url)
        if page.jpage is not None and self.reach.hanweb(page.jpage):
            out += [_Item(u, item.url, "proxy", form=form, column=page.jpage.column)
                    for u, form in jpage_requests(page.jpage)]
        if page.gkmlpt is not None:
            g = page.gkmlpt
            out += [_Item(g.request(cid, 1), item.url, "proxy", family="gkmlpt", column=f"{g.api}{cid}?sid={g.sid}")
                    for cid, name in g.categories if is_column_link(name) or self.site.matches(name)]
        if item.start and not out and not any(self.site.matches(lk.text or lk.title) for lk in page.links):
            out += [_Item(u, item.url, "listing") for u in portal_links(page)]  # a home page: find the portal
        return out

    def _fetched_records(self, item: _Item, resp: Response, meta: dict) -> list[_Item]:
        """A Hanweb proxy answer: its records are a listing page's links."""
        if item.family == "gkmlpt":
            return self._fetched_api(item, resp, meta)
        n, links = parse_records(resp.body, resp.url, header_charset(resp.headers))
        self._record(**meta, kind="listing")
        self.reach.records(item.column, n)
        return self._follow(Page("", links, False), item, is_report=False)

    def _fetched_api(self, item: _Item, resp: Response, meta: dict) -> list[_Item]:
        """A gkmlpt API answer: its articles (and their attachments) are a listing's links;
        page 1 says how many pages the category has, and they are asked for in turn."""
        answer = gkmlpt_answer(resp.body, resp.url)
        self._record(**meta, kind="listing")
        page = dict(parse_qsl(urlsplit(item.url).query)).get("page")
        out: list[_Item] = []
        announced = None
        if page == "1" and answer.post_count is not None:
            per = max(1, len(answer.articles))
            announced = min(GKMLPT_MAX_PAGES, -(-answer.post_count // per)) if answer.articles else 0
            base = item.url.split("?", 1)[0]
            sid = dict(parse_qsl(urlsplit(item.url).query)).get("sid", "")
            out += [_Item(f"{base}?{urlencode({'page': n, 'sid': sid})}", item.referrer, "proxy", family="gkmlpt",
                          column=item.column) for n in range(2, announced + 1)]
        self.reach.api_page(item.column or item.url, item.url, announced)
        links = [Link(url, title) for url, title, _ in answer.articles]
        for _url, title, files in answer.articles:
            if self.site.matches(title):  # a report's attachments, named by the API itself
                out += [_Item(f, item.url, "attachment", anchor_matched=True) for f in files]
        return out + self._follow(Page("", links, False), item, is_report=False)

    def _count(self, kind: str) -> None:
        if kind == "report":
            self.result.reports += 1
        elif kind == "attachment":
            self.result.attachments += 1

    def _fetched_file(self, item: _Item, resp: Response, meta: dict, prior: dict | None) -> list[_Item]:
        """A download: saved when it is in a report format."""
        ext = attachment_ext(resp.headers, resp.url, resp.body)
        if ext is None:
            msg = f"not a report format (Content-Type {meta['content_type'] or 'none'})"
            self._error(msg, **meta, kind="attachment")
            return []
        self._save(item, resp, ext, "attachment", meta, prior)
        return []

    def _follow(self, page: Page, item: _Item, is_report: bool) -> list[_Item]:
        return [_Item(url, item.url, role, matched)
                for url, role, matched in links_to_follow(page, self.site, item.url, is_report)]

    def _save(self, item: _Item, resp: Response, ext: str, kind: str, meta: dict, prior: dict | None) -> None:
        body, sha = resp.body, meta["sha256"]
        self._count(kind)
        if prior and (prior.get("served_sha256") or prior["sha256"]) == sha:
            self.result.unchanged += 1
            self._record(**{**meta, "sha256": prior["sha256"], "bytes": prior.get("bytes")}, kind=kind,
                         path=prior["path"], change="unchanged", images=prior.get("images"),
                         served_sha256=prior.get("served_sha256"))
            return
        if kind == "report" and ext == ".html":
            body = self._with_images(body, resp.url, meta)
        if prior and prior["path"].endswith(ext):
            rel = prior["path"]
        else:
            proposed = content_disposition_filename(resp.headers.get("content-disposition")) or \
                download_filename(item.url)
            rel = f"{self.site.name}/{safe_filename(item.url, proposed, ext)}"
        target = self.raw / rel
        # Defence in depth: the name is sanitised, but never write outside the site folder.
        if target.resolve().parent != self.dir.resolve():
            self._error(f"refusing to write outside {self.dir}: {rel}", **meta, kind=kind)
            return
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_bytes(body)
        os.replace(tmp, target)
        change = "changed" if prior else "new"
        self.result.new_files.append(SavedFile(rel, item.url, change, meta["sha256"], len(body)))
        self._record(**meta, kind=kind, path=rel, change=change)

    def _with_images(self, body: bytes, url: str, meta: dict) -> bytes:
        """A report page whose tables are images, with its article's images written into it
        (`extractors.crawl.images`); `meta` then gives the saved bytes' sha256 and size, and the
        page's as served in `served_sha256`."""

        def log(image_url: str, size: int | None, error: str | None) -> None:
            self._record(url=image_url, referrer=url, kind="image", status=None if error else 200, bytes=size,
                         error=error)

        out = embed_images(body, url, self._fetch_image, log, describe)
        self.result.image_skips += out.skipped
        if not out.embedded:
            return body
        self.result.images += out.embedded
        meta.update(served_sha256=meta["sha256"], sha256=hashlib.sha256(out.body).hexdigest(), bytes=len(out.body),
                    images=out.embedded)
        return out.body

    def _fetch_image(self, url: str, cap: int) -> bytes:
        """One image of a report page, by the crawler's request path (origins, robots.txt, the
        host throttle, retries, the deadline), capped at `cap` bytes (and the site's cap)."""
        cap = min(cap, self.site.max_download_bytes)
        try:
            resp = self._get(url, {}, cap, check_robots=True)
        except DownloadTooLarge:
            raise DownloadTooLarge(f"image over the {cap}-byte cap (at most {MAX_IMAGE_BYTES} bytes an image, "
                                   "and the site's max_download_mb)") from None
        self.result.fetched += 1
        if resp.status != 200 or resp.body is None:
            raise FetchRefused(f"HTTP {resp.status}")
        return resp.body


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
