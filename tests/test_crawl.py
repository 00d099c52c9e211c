"""The crawler against a real HTTP server on 127.0.0.1 serving tests/fixtures/site/.

The server (http.server in a thread) adds what static files cannot: a URL that fails with
500 twice, one slower than the timeout, redirects (in-host and off-host), a download over
the size cap, a hostile Content-Disposition, ETag/Last-Modified with 304 answers. It logs
every request so the tests can assert what was, and was never, requested.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from extractors.crawl import (
    USER_AGENT,
    CrawlResult,
    FetchRefused,
    Site,
    SourcesError,
    check_address,
    content_disposition_filename,
    crawl_site,
    crawl_sites,
    decode_html,
    is_blocked_address,
    load_sources,
    parse_page,
    safe_filename,
)
from tests.sitehttp import LAST_MODIFIED, ConditionalHandler

SITE_DIR = Path(__file__).resolve().parent / "fixtures" / "site"
SLOW_SECONDS = 3.0  # the slow URL answers after this; the tests' timeout is TIMEOUT
TIMEOUT = 0.5
HUGE_BYTES = 3 * 1024 * 1024  # over the tests' 1 MB cap
DOCX_NAME = "某区司法局2022年政府信息公开工作年度报告.docx"
CONTENT_TYPES = {".html": "text/html", ".txt": "text/plain; charset=utf-8", ".pdf": "application/pdf",
                 ".doc": "application/msword",
                 ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}

# What the first crawl of the fixture site saves (page or attachment → saved name stem).
EXPECTED_SAVED = {
    "/art/2021/1/15/art_1088_1.html": "art_1088_1",  # real UTF-8 report page
    "/art/2024/1/20/art_1088_2.html": "art_1088_2",  # report page inside site chrome
    "/art/2023/1/30/art_1088_3.html": "art_1088_3",  # report page whose report is in attachments
    "/art/2020/1/12/art_1088_4.html": "art_1088_4",  # GBK page, linked from the GBK listing
    "/art/2021/3/2/art_1088_6.html": "art_1088_6",  # 500, 500, then 200
    "/art/old-address.html": "old-address",  # 302 to /art/2021/3/1/art_1088_5.html
    "/files/2022-report.txt": "2022-report",
    "/files/2022-report.docx": DOCX_NAME[:-5],  # name from Content-Disposition filename*
    "/files/2022-report.pdf": "2022-report",
    "/files/2022-report.doc": "2022-report",
    "/download?id=7": "passwd",  # Content-Disposition: filename="../../etc/passwd"
}
# 404s: a deliberate one, and the related-report links of the page copied from tests/fixtures/html.
EXPECTED_404 = {"/art/missing.html", "/gk/3.html", "/gk/4.html", "/gk/5.html"}
NEVER_REQUESTED = {"/private/art_1088_9.html", "/offsite/index.html", "/art/2023/5/1/art_1088_7.html",
                   "/col/col1001/index.html", "/"}


class SiteServer:
    """The fixture site on 127.0.0.1:<port>; `localhost:<port>` is the 'other host'."""

    def __init__(self):
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.flaky_left = 2
        self.overrides: dict[str, bytes] = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.other_origin = f"http://localhost:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def paths(self, status: int | None = None) -> list[str]:
        with self.lock:
            return [r["path"] for r in self.log if status is None or r.get("status") == status]

    def clear(self) -> None:
        with self.lock:
            self.log.clear()


def _handler_for(srv: SiteServer):
    class Handler(ConditionalHandler):
        protocol_version = "HTTP/1.0"  # one request per connection; bodies may end at close


        def do_GET(self):
            entry = {"path": self.path, "host": self.headers.get("Host"), "t": time.monotonic(),
                     "ua": self.headers.get("User-Agent"), "inm": self.headers.get("If-None-Match"),
                     "ims": self.headers.get("If-Modified-Since")}
            with srv.lock:
                srv.log.append(entry)
            try:
                entry["status"] = self.route(urlsplit(self.path))
            except (BrokenPipeError, ConnectionResetError):
                entry["status"] = "aborted"

        def route(self, url) -> int:
            path = unquote(url.path)
            if path == "/art/2021/3/2/art_1088_6.html":
                with srv.lock:
                    fail = srv.flaky_left > 0
                    srv.flaky_left -= fail
                if fail:
                    return self.send(500, b"<h1>500 Internal Server Error</h1>", "text/html")
            if path == "/art/slow.html":
                time.sleep(SLOW_SECONDS)
                return self.send(200, b"<html><title>slow</title></html>", "text/html")
            if path == "/art/old-address.html":
                return self.send(302, b"", "text/html", {"Location": "/art/2021/3/1/art_1088_5.html"})
            if path == "/art/moved-away.html":
                return self.send(302, b"", "text/html", {"Location": f"{srv.other_origin}/offsite/index.html"})
            if path == "/files/huge.pdf":  # no Content-Length: the cap must be enforced while streaming
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.end_headers()
                self.wfile.write(b"%PDF-1.4\n")
                for _ in range(HUGE_BYTES // 65536):
                    self.wfile.write(b"\0" * 65536)
                return 200
            extra = {}
            if path == "/download" and url.query == "id=7":
                file, extra = SITE_DIR / "files/download-7.txt", {
                    "Content-Disposition": 'attachment; filename="../../etc/passwd"'}
            else:
                file = (SITE_DIR / path.lstrip("/")).resolve()
                if SITE_DIR not in file.parents or not file.is_file() or file.suffix == ".py":
                    return self.send(404, b"<h1>404 Not Found</h1>", "text/html")
                if path == "/files/2022-report.docx":
                    extra = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(DOCX_NAME)}"}
            body = srv.overrides.get(path) or file.read_bytes()
            ctype = "text/plain" if file.name == "robots.txt" else CONTENT_TYPES[file.suffix]
            if file.suffix == ".html":
                body = body.replace(b"{{OTHER_ORIGIN}}", srv.other_origin.encode())
                try:
                    body.decode("utf-8")
                    ctype += "; charset=utf-8"
                except UnicodeDecodeError:
                    pass  # the GBK pages declare their charset only in <meta>
            return self.conditional(body, ctype, extra)

    return Handler


@contextlib.contextmanager
def running_server():
    srv = SiteServer()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


@pytest.fixture
def server():
    with running_server() as srv:
        yield srv


def write_sources(path: Path, server: SiteServer, **site) -> Path:
    """A SOURCES file for the fixture site, with test-sized delays and limits."""
    entry = {"name": "district", "start_urls": [f"{server.origin}/col/col1088/index.html"],
             "allow_private_network": True, **site}
    data = {"defaults": {"delay_seconds": 0, "retry_base_delay_seconds": 0.01, "timeout_seconds": TIMEOUT,
                         "max_download_mb": 1},
            "sites": [entry]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    return path


@pytest.fixture
def site(tmp_path, server) -> Site:
    return load_sources(write_sources(tmp_path / "sources.yaml", server))[0]


@dataclass
class FirstCrawl:
    raw: Path
    site: Site
    result: CrawlResult
    server: SiteServer
    requested: list[str]


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One crawl of the fresh fixture site, shared by the tests that only inspect it."""
    tmp = tmp_path_factory.mktemp("first")
    with running_server() as srv:
        site = load_sources(write_sources(tmp / "sources.yaml", srv))[0]
        raw = tmp / "work" / "raw"
        result = crawl_site(site, raw)
        yield FirstCrawl(raw, site, result, srv, srv.paths())


def manifest(raw: Path, name: str = "district") -> list[dict]:
    lines = (raw / name / "_manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def tree(raw: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under raw (manifests aside) → (mtime_ns, bytes)."""
    return {p.relative_to(raw).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in raw.rglob("*") if p.is_file() and p.name != "_manifest.jsonl"}


# ---------------------------------------------------------------- the crawl


def test_first_crawl_saves_reports_and_attachments_only(first):
    raw, result, server, site = first.raw, first.result, first.server, first.site

    by_url = {urlsplit(f.url).path + (f"?{urlsplit(f.url).query}" if urlsplit(f.url).query else ""): f
              for f in result.new_files}
    assert set(by_url) == set(EXPECTED_SAVED)
    for url_path, stem in EXPECTED_SAVED.items():
        f = by_url[url_path]
        assert f.change == "new" and f.path.startswith("district/")
        name = f.path.split("/", 1)[1]
        assert name.startswith(stem + "-"), name
        assert (raw / f.path).read_bytes().__len__() == f.bytes
    # Original bytes are saved (the GBK page byte for byte), with the extension of their format.
    assert (raw / by_url["/art/2020/1/12/art_1088_4.html"].path).read_bytes() == \
        (SITE_DIR / "art/2020/1/12/art_1088_4.html").read_bytes()
    assert {Path(f.path).suffix for f in result.new_files} == {".html", ".txt", ".docx", ".pdf", ".doc"}
    # Listing pages are read, never saved; nothing else lands in the folder.
    assert sorted(p.name for p in (raw / "district").iterdir()) == \
        sorted([*(Path(f.path).name for f in result.new_files), "_manifest.jsonl"])

    errors = {urlsplit(u).path: e for u, e in result.errors}
    assert set(errors) == {"/art/slow.html", "/files/huge.pdf", "/art/moved-away.html", *EXPECTED_404}
    assert errors["/art/slow.html"].startswith("timeout")
    assert all(errors[p] == "HTTP 404" for p in EXPECTED_404)
    assert "too large" in errors["/files/huge.pdf"] and "1 MB" in errors["/files/huge.pdf"]
    assert errors["/art/moved-away.html"].startswith(f"origin http://localhost:{server.port} is not allowed")
    assert [urlsplit(u).path for u in result.robots_disallowed] == ["/private/art_1088_9.html"]

    requested = first.requested
    assert not NEVER_REQUESTED & set(requested)  # robots.txt, off-host link and redirect, unrelated links
    assert all(r["host"] == f"127.0.0.1:{server.port}" for r in server.log)
    assert requested.count("/art/2021/3/2/art_1088_6.html") == 3  # two 500s, then success
    assert requested.count("/art/slow.html") == site.retries  # every attempt timed out
    assert requested.count("/robots.txt") == 1
    assert all(r["ua"] == USER_AGENT for r in server.log)
    assert USER_AGENT.startswith("ogi-reports/") and "+https://" in USER_AGENT
    assert result.requests == len(requested)
    # Every URL that got a response: all distinct paths but robots.txt, the slow URL (no answer)
    # and the redirect target (recorded under the URL that redirected).
    assert result.fetched == len(set(requested)) - 3 and result.not_modified == 0
    assert set(result.source_urls) == {f.path for f in result.new_files}


def test_manifest_records_every_fetch(first):
    raw, result, server = first.raw, first.result, first.server
    records = manifest(raw)
    keys = {"url", "referrer", "fetched_at", "status", "content_type", "etag", "last_modified", "sha256",
            "path", "bytes", "error"}
    assert all(keys <= set(r) for r in records)
    kinds = {urlsplit(r["url"]).path: r for r in records}
    assert kinds["/robots.txt"]["kind"] == "robots" and kinds["/robots.txt"]["status"] == 200
    listing = kinds["/col/col1088/index_2.html"]
    assert listing["kind"] == "listing" and listing["path"] is None and listing["status"] == 200
    assert listing["referrer"] == f"{server.origin}/col/col1088/index.html"
    assert kinds["/art/missing.html"]["status"] == 404 and kinds["/art/missing.html"]["error"] == "HTTP 404"
    assert kinds["/art/slow.html"]["status"] is None and kinds["/art/slow.html"]["error"].startswith("timeout")
    assert kinds["/private/art_1088_9.html"]["error"].startswith("disallowed by robots.txt")
    moved = kinds["/art/old-address.html"]
    assert moved["final_url"] == f"{server.origin}/art/2021/3/1/art_1088_5.html"
    saved = [r for r in records if r["path"]]
    assert len(saved) == len(result.new_files) == len(EXPECTED_SAVED)
    for r in saved:
        assert r["status"] == 200 and r["change"] == "new" and r["etag"] and r["last_modified"] == LAST_MODIFIED
        assert not r["path"].startswith("/") and "\\" not in r["path"] and ".." not in r["path"].split("/")
        data = (raw / r["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sha256"] and len(data) == r["bytes"]
        assert r["fetched_at"].endswith("+00:00")
    docx = next(r for r in saved if r["path"].endswith(".docx"))
    assert docx["content_type"].startswith("application/vnd.openxmlformats")


def test_second_crawl_is_conditional_and_writes_nothing(tmp_path, server, site):
    raw = tmp_path / "raw"
    first = crawl_site(site, raw)
    before = tree(raw)
    server.clear()

    second = crawl_site(site, raw)
    assert second.new_files == []
    assert tree(raw) == before  # same files, same bytes, untouched mtimes
    assert second.not_modified == len(first.new_files) == len(EXPECTED_SAVED)
    got_304 = server.paths(304)
    assert len(got_304) == len(EXPECTED_SAVED)
    target = "/art/2021/3/1/art_1088_5.html"  # where /art/old-address.html redirects
    assert set(got_304) == set(EXPECTED_SAVED) - {"/art/old-address.html"} | {target}
    conditional = [r for r in server.log if r["inm"] or r["ims"]]
    assert {r["path"] for r in conditional} == set(EXPECTED_SAVED) | {target}  # every hop carries them
    assert all(r["inm"] and r["ims"] == LAST_MODIFIED for r in conditional)
    # Listing pages are always fetched in full: their links are what is new.
    assert server.paths(200).count("/col/col1088/index.html") == 1
    statuses = [r["change"] for r in manifest(raw) if r["change"]]
    assert statuses.count("not_modified") == len(EXPECTED_SAVED)

    # A report that changes on the server is fetched in full and rewritten at the same path.
    url = "/files/2022-report.txt"
    server.overrides[url] = (SITE_DIR / "files/2022-report.txt").read_bytes() + "\n（更正）\n".encode()
    third = crawl_site(site, raw)
    assert [(urlsplit(f.url).path, f.change) for f in third.new_files] == [(url, "changed")]
    path = third.new_files[0].path
    assert path == next(f.path for f in first.new_files if f.url.endswith(url))
    assert (raw / path).read_bytes() == server.overrides[url]


def test_private_network_is_refused_without_opt_in(tmp_path, server):
    sources = write_sources(tmp_path / "s.yaml", server, allow_private_network=False)
    site = load_sources(sources)[0]
    result = crawl_site(site, tmp_path / "raw")
    assert server.log == []  # not even robots.txt
    assert result.new_files == [] and result.fetched == 0
    assert len(result.errors) == 1 and "non-public address 127.0.0.1" in result.errors[0][1]
    # Host names are resolved and every address is checked.
    with pytest.raises(FetchRefused, match="non-public"):
        check_address("http://intranet.example/", resolver=lambda h, p: ["93.184.216.34", "10.1.2.3"])
    check_address("http://www.example.gov.cn/", resolver=lambda h, p: ["93.184.216.34"])


@pytest.mark.parametrize("addr", ["10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.169.254",
                                  "0.0.0.0", "100.64.0.1", "240.0.0.1", "224.0.0.1", "::1", "fe80::1",
                                  "fc00::1", "::ffff:127.0.0.1"])
def test_blocked_addresses(addr):
    import ipaddress

    assert is_blocked_address(ipaddress.ip_address(addr))


def test_public_addresses_are_allowed():
    import ipaddress

    for addr in ("93.184.216.34", "202.108.22.5", "2001:4860:4860::8888"):
        assert not is_blocked_address(ipaddress.ip_address(addr))


def test_file_names_cannot_escape_the_raw_folder(first, tmp_path):
    raw = first.raw
    hostile = next(f for f in first.result.new_files if f.url.endswith("/download?id=7"))
    assert hostile.path.startswith("district/passwd-") and hostile.path.endswith(".txt")
    assert not (raw.parent / "etc").exists() and not (raw.parent.parent / "etc").exists()
    for p in raw.parent.rglob("*"):
        if p.is_file():
            assert (raw / "district") in p.parents, p
    url = "http://x.gov.cn/a/b"
    for proposed in ["../../etc/passwd", "..\\..\\windows\\system32\\evil.pdf", "/etc/shadow.txt", ".bashrc",
                     "a/../../b.docx", "..", "", "con", "x\x00y.pdf", "名" * 300 + ".pdf", "~/.ssh/id_rsa"]:
        name = safe_filename(url, proposed, ".pdf")
        assert "/" not in name and "\\" not in name and "\x00" not in name and not name.startswith(".")
        assert name.endswith(".pdf") and len(name) < 100
        assert (tmp_path / name).resolve().parent == tmp_path.resolve()
    # Unique per URL, stable across crawls.
    assert safe_filename(url, "r.pdf", ".pdf") == safe_filename(url, "r.pdf", ".pdf")
    assert safe_filename(url, "r.pdf", ".pdf") != safe_filename(url + "?v=2", "r.pdf", ".pdf")


def test_content_disposition_names():
    assert content_disposition_filename("attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf") == "报告.pdf"
    assert content_disposition_filename('attachment; filename="%E6%8A%A5%E5%91%8A.docx"') == "报告.docx"
    assert content_disposition_filename('attachment; filename="../../etc/passwd"') == "../../etc/passwd"
    assert content_disposition_filename(None) is None


def test_gbk_pages_are_decoded_for_links():
    data = (SITE_DIR / "col/col1088/index_2.html").read_bytes()
    page = parse_page(data, "http://h.gov.cn/col/col1088/index_2.html", header_charset=None)
    texts = [lk.text for lk in page.links]
    assert "武漢市漢陽區新華鎮人民政府2019年度政府信息公開工作年度報告" in texts
    assert "下一页" in texts
    # A wrong HTTP charset does not win over bytes that only decode as the declared <meta> charset.
    assert "年度報告" in decode_html(data, header_charset="utf-8")
    site = Site(name="x", start_urls=("http://h.gov.cn/",))
    assert site.matches("武漢市漢陽區新華鎮人民政府2019年度政府信息公開工作年度報告")
    assert site.matches("2023年政府信息公开\n工作年报")
    assert not site.matches("关于开展政务公开培训的通知")


def test_safety_policies_for_redirects_ports_and_download_caps():
    from extractors.crawl.safety import (
        DownloadTooLarge,
        check_declared_length,
        on_allowed_origin,
        origin_of,
        port_of,
        read_capped,
        redirect_target,
        site_origins,
    )

    assert redirect_target("http://a.gov.cn/x/y.html", 302, " ../z.html#top ") == "http://a.gov.cn/z.html"
    assert redirect_target("http://a.gov.cn/x", 200, "/elsewhere") is None
    assert redirect_target("http://a.gov.cn/x", 301, None) is None
    assert (port_of("https://a.gov.cn/"), port_of("http://a.gov.cn/"), port_of("http://a.gov.cn:8080/")) == (443, 80, 8080)
    assert origin_of("https://A.gov.cn./x") == ("https", "a.gov.cn", 443)
    assert origin_of("ftp://a.gov.cn/x") is None and origin_of("http://a.gov.cn:99999/") is None
    # A start URL's own origin, both default ports of every allowed host, listed origins; no other port.
    origins = site_origins(["http://a.gov.cn:8080/col/"], ["a.gov.cn", "f.gov.cn"], ["https://[::1]:9443"])
    assert on_allowed_origin("http://A.gov.cn.:8080/x", origins) and on_allowed_origin("https://a.gov.cn/", origins)
    assert on_allowed_origin("http://f.gov.cn:80/x", origins) and on_allowed_origin("https://[::1]:9443/", origins)
    for url in ("http://a.gov.cn:4200/", "https://a.gov.cn:8080/", "http://b.gov.cn/", "ftp://a.gov.cn/",
                "http://[::1]:9443/"):
        assert not on_allowed_origin(url, origins), url
    assert read_capped([b"abc", b"def"], 4, truncate=True, cap_mb=1) == b"abcd"
    assert read_capped([b"abc", b"def"], 6, truncate=False, cap_mb=1) == b"abcdef"
    with pytest.raises(DownloadTooLarge, match="aborted after 6 bytes"):
        read_capped([b"abc", b"def"], 5, truncate=False, cap_mb=1)
    with pytest.raises(DownloadTooLarge, match="Content-Length 11 bytes"):
        check_declared_length("11", 10, 1)
    check_declared_length("10", 10, 1)
    check_declared_length(None, 10, 1)


def test_link_classification():
    from extractors.crawl.pages import (
        Link,
        Page,
        attachment_ext,
        is_attachment_link,
        is_pagination,
        is_report_page,
        links_to_follow,
    )

    site = Site(name="x", start_urls=("http://h.gov.cn/col/index.html",))
    assert is_pagination("下一页", "http://h.gov.cn/col/index_2.html", "/col")
    assert is_pagination("3", "http://h.gov.cn/col/index_3.html", "/col")
    assert not is_pagination("3", "http://h.gov.cn/other/index_3.html", "/col")  # digits elsewhere: not pages
    assert is_attachment_link(Link("http://h.gov.cn/f/a.PDF", ""), on_report=False)
    assert is_attachment_link(Link("http://h.gov.cn/f?id=1", "附件1"), on_report=True)
    assert not is_attachment_link(Link("http://h.gov.cn/f?id=1", "附件1"), on_report=False)
    report = Link("http://h.gov.cn/art/1.html", "2023年政府信息公开工作年度报告")
    listing = Page("年报专栏", [report] * 3, has_table=False)
    assert not is_report_page(listing, site, anchor_matched=True)  # three report links, no table: a listing
    assert is_report_page(Page("2023年政府信息公开工作年度报告", [], has_table=True), site, anchor_matched=False)
    page = Page("", [report, Link("http://h.gov.cn/col/index_2.html", "下一页"),
                     Link("http://h.gov.cn/f/a.pdf", "附件")], has_table=False)
    assert links_to_follow(page, site, "http://h.gov.cn/col/index.html", is_report=False) == [
        ("http://h.gov.cn/art/1.html", "candidate", True), ("http://h.gov.cn/col/index_2.html", "listing", False)]
    assert links_to_follow(page, site, "http://h.gov.cn/art/0.html", is_report=True) == [
        ("http://h.gov.cn/art/1.html", "candidate", True), ("http://h.gov.cn/f/a.pdf", "attachment", False)]
    assert attachment_ext({}, "http://h.gov.cn/download?id=1", b"%PDF-1.7") == ".pdf"
    assert attachment_ext({"content-type": "application/msword"}, "http://h.gov.cn/d", b"") == ".doc"
    assert attachment_ext({"content-disposition": 'attachment; filename="r.docx"'}, "http://h.gov.cn/d", b"") == ".docx"
    assert attachment_ext({}, "http://h.gov.cn/d", b"hello") is None


def test_crawl_summary_adds_up_sites():
    from extractors.crawl.crawler import SavedFile
    from extractors.crawl.summary import failed_site, summarize_crawl

    a = CrawlResult(site="a", requests=3, fetched=2, not_modified=1, unchanged=1,
                    new_files=[SavedFile("a/r.pdf", "http://a/r.pdf", "new", "0" * 64, 10)])
    b = failed_site("b", "http://b/", RuntimeError("boom"))
    s = summarize_crawl([a, b])
    assert (s.sites, s.requests, s.fetched, s.saved, s.new_files) == (2, 3, 2, 1, {"a/r.pdf": "http://a/r.pdf"})
    assert s.errors == [("b", "http://b/", "crawl failed: boom")]
    assert "nothing new to extract" in s.format() and "[b] http://b/: crawl failed: boom" in s.format()


def test_page_limit_is_reported_in_result_manifest_and_summary(tmp_path, server):
    import re

    from extractors.crawl.summary import summarize_crawl

    site = load_sources(write_sources(tmp_path / "s.yaml", server, max_pages=2))[0]
    result = crawl_site(site, tmp_path / "raw")
    assert result.page_limit_reached and not result.deadline_reached and result.fetched == 2
    (limit,) = result.limits
    assert re.fullmatch(r"page limit: crawl stopped at max_pages \(2\) with [1-9]\d* queued URL\(s\) not visited",
                        limit), limit
    assert limit not in [e for _, e in result.errors]  # a limit, not an error
    assert [r["error"] for r in manifest(tmp_path / "raw") if r["kind"] == "limit"] == [limit]
    printed = summarize_crawl([result]).format().splitlines()
    assert f"  [district] {limit}" in printed
    assert printed.index(f"  [district] {limit}") == 1  # right under the totals, before any error


def test_a_crawl_within_its_limits_reports_none(first):
    assert first.result.limits == [] and not first.result.page_limit_reached and not first.result.deadline_reached
    assert not [r for r in manifest(first.raw) if r["kind"] == "limit"]


def test_one_request_at_a_time_per_host_with_delay(tmp_path, server):
    """Two sites on one host crawled in parallel still take turns, `delay` apart."""
    delay = 0.1
    base = {"start_urls": [f"{server.origin}/col/col1088/index.html"], "allow_private_network": True,
            "delay_seconds": delay, "max_pages": 3}
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps({"sites": [{"name": "a", **base}, {"name": "b", **base}]}), encoding="utf-8")
    results = crawl_sites(load_sources(path), tmp_path / "raw")
    assert [r.fetched for r in results] == [3, 3] and all(r.page_limit_reached for r in results)
    times = sorted(r["t"] for r in server.log)
    assert len(times) == 8  # each site: robots.txt and 3 pages
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= delay * 0.7, gaps


# ---------------------------------------------------------------- SOURCES


def test_load_sources_defaults_and_overrides(tmp_path):
    p = tmp_path / "sources.yaml"
    p.write_text("""
defaults:
  delay_seconds: 2
sites:
  - name: wuhou
    start_urls: [https://www.cdwh.gov.cn/col/col1088/index.html]
  - name: hanyang-2
    start_urls: https://www.hanyang.gov.cn/xxgk/ndbg/
    allowed_hosts: [www.hanyang.gov.cn, files.hanyang.gov.cn]
    delay_seconds: 0.5
    report_patterns: ['信息公开.*年报']
    user_agent: ogi-reports-test/1.0
    max_download_mb: 5
    allowed_origins: ['HTTP://Files.Hanyang.gov.cn.:8080/', 'https://[::1]']
    max_download_seconds: 60
    max_site_seconds: 600
""", encoding="utf-8")
    a, b = load_sources(p)
    assert a.allowed_hosts == ("www.cdwh.gov.cn",) and a.delay_seconds == 2.0 and a.max_pages == 200
    assert a.allow_private_network is False and a.user_agent == USER_AGENT
    assert b.start_urls == ("https://www.hanyang.gov.cn/xxgk/ndbg/",) and b.delay_seconds == 0.5
    assert b.allowed_hosts == ("www.hanyang.gov.cn", "files.hanyang.gov.cn")
    assert b.matches("2020年信息公开年报") and not a.matches("2020年信息公开年报")
    assert b.max_download_bytes == 5 * 1024 * 1024
    assert (a.max_download_seconds, a.max_site_seconds) == (600.0, 3600.0)
    assert (b.max_download_seconds, b.max_site_seconds) == (60.0, 600.0)
    assert b.allowed_origins == ("http://files.hanyang.gov.cn:8080", "https://[::1]:443")
    assert ("http", "files.hanyang.gov.cn", 8080) in b.origins and ("https", "::1", 443) in b.origins
    assert a.origins == {("https", "www.cdwh.gov.cn", 443), ("http", "www.cdwh.gov.cn", 80)}


@pytest.mark.parametrize("site_yaml, field, problem", [
    ("{start_urls: [http://a.gov.cn/]}", "name", "missing"),
    ("{name: ../up, start_urls: [http://a.gov.cn/]}", "name", "safe folder name"),
    ("{name: a}", "start_urls", "missing"),
    ("{name: a, start_urls: [ftp://a.gov.cn/]}", "start_urls", "absolute http"),
    ("{name: a, start_urls: [http://a.gov.cn/], max_page: 3}", "max_page", "unknown field"),
    ("{name: a, start_urls: [http://a.gov.cn/], max_pages: 0}", "max_pages", "must be an integer"),
    ("{name: a, start_urls: [http://a.gov.cn/], delay_seconds: fast}", "delay_seconds", "must be a number"),
    ("{name: a, start_urls: [http://a.gov.cn/], allow_private_network: 'yes'}", "allow_private_network", "true"),
    ("{name: a, start_urls: [http://a.gov.cn/], report_patterns: ['年报(']}", "report_patterns", "regular"),
    ("{name: a, start_urls: [http://a.gov.cn/], allowed_hosts: [b.gov.cn]}", "allowed_hosts", "start URL"),
    ("{name: a, start_urls: [http://a.gov.cn/], timeout_seconds: 0}", "timeout_seconds", "> 0"),
    ("{name: a, start_urls: [http://a.gov.cn/], max_download_seconds: 0}", "max_download_seconds", "> 0"),
    ("{name: a, start_urls: [http://a.gov.cn/], max_site_seconds: -1}", "max_site_seconds", "> 0"),
    ("{name: a, start_urls: [http://a.gov.cn/], allowed_origins: ['http://b.gov.cn/x']}", "allowed_origins",
     "not an origin"),
    ("{name: a, start_urls: [http://a.gov.cn/], allowed_origins: ['b.gov.cn:8080']}", "allowed_origins",
     "not an origin"),
])
def test_bad_sources_name_file_site_and_field(tmp_path, site_yaml, field, problem):
    p = tmp_path / "sources.yaml"
    p.write_text(f"sites:\n  - {site_yaml}\n", encoding="utf-8")
    with pytest.raises(SourcesError) as err:
        load_sources(p)
    msg = str(err.value)
    assert str(p) in msg and f"{field}:" in msg and problem in msg
    assert ("site 'a'" in msg) or ("site '../up'" in msg) or ("site #1" in msg)


def test_bad_sources_files(tmp_path):
    with pytest.raises(SourcesError, match="file not found"):
        load_sources(tmp_path / "nope.yaml")
    p = tmp_path / "s.yaml"
    p.write_text("sites: [", encoding="utf-8")
    with pytest.raises(SourcesError, match="not valid YAML"):
        load_sources(p)
    p.write_text("sites: []\n", encoding="utf-8")
    with pytest.raises(SourcesError, match="non-empty list"):
        load_sources(p)
    p.write_text("sites:\n  - {name: a, start_urls: [http://a.gov.cn/]}\n  - {name: a, start_urls: [http://b.gov.cn/]}\n",
                 encoding="utf-8")
    with pytest.raises(SourcesError, match="site 'a': name: duplicate"):
        load_sources(p)


# ---------------------------------------------------------------- CLI glue


def _parser():
    from flows.cli import build_parser

    return build_parser()


def test_cli_parsers_and_usage_errors(tmp_path, capsys, monkeypatch):
    from flows import cli, runtime

    args = _parser().parse_args(["serve", "s.yaml", "--cron", "*/5 * * * *", "--timezone", "UTC", "--name", "n"])
    assert (args.sources, args.cron, args.timezone, args.name) == ("s.yaml", "*/5 * * * *", "UTC", "n")
    args = _parser().parse_args(["crawl", "s.yaml"])
    assert (args.raw, args.out) == ("data/raw", "data/processed")

    missing = str(tmp_path / "missing.yaml")
    assert cli.cmd_crawl(_parser().parse_args(["crawl", missing])) == 2
    assert cli.cmd_serve(_parser().parse_args(["serve", missing])) == 2
    err = capsys.readouterr().err
    assert err.count("Error: ") == 2 and "file not found" in err and "Traceback" not in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("sites:\n  - {name: a, start_urls: [http://a.gov.cn/], max_pages: -1}\n", encoding="utf-8")
    assert cli.cmd_crawl(_parser().parse_args(["crawl", str(bad)])) == 2
    assert "max_pages" in capsys.readouterr().err

    good = tmp_path / "good.yaml"
    good.write_text("sites:\n  - {name: a, start_urls: [http://a.gov.cn/]}\n", encoding="utf-8")
    monkeypatch.setattr(runtime, "api_url", lambda: None)
    assert cli.cmd_serve(_parser().parse_args(["serve", str(good)])) == 2
    assert "prefect server start" in capsys.readouterr().err


# ---------------------------------------------------------------- Prefect


@pytest.mark.flow
def test_crawl_flow_end_to_end(prefect_harness, tmp_path, server, capsys):
    import pandas as pd

    from flows.crawl import crawl_flow

    sources = write_sources(tmp_path / "sources.yaml", server)
    raw, out = tmp_path / "raw", tmp_path / "out"
    summary = crawl_flow(str(sources), str(raw), str(out))
    assert summary.sites == 1 and summary.saved == len(EXPECTED_SAVED) and len(summary.errors) == 3 + len(EXPECTED_404)
    assert summary.extraction is not None and summary.extraction.documents == len(EXPECTED_SAVED)
    reports = pd.read_parquet(out / "reports.parquet")
    assert len(reports) == len(EXPECTED_SAVED)
    assert reports.source_url.notna().all()
    assert dict(zip(reports.source_path, reports.source_url, strict=True)) == summary.new_files
    ok = reports[reports.status.isin(["ok", "partial"])]
    assert {"html", "txt", "docx", "pdf"} <= set(ok.format)
    assert "crawled" in summary.format()

    # Nothing new on the next night: no extraction at all. (Through `ogi crawl`'s handler.)
    import logging

    from flows.cli import cmd_crawl

    try:
        code = cmd_crawl(_parser().parse_args(["crawl", str(sources), "--raw", str(raw), "--out", str(out)]))
    finally:
        logging.disable(logging.NOTSET)  # the CLI silences Prefect's shutdown noise
    printed = capsys.readouterr()
    assert code == 0 and "Traceback" not in printed.out + printed.err
    assert "0 file(s) new or changed" in printed.out and f"({len(EXPECTED_SAVED)} not modified)" in printed.out
    assert "nothing new to extract" in printed.out
    assert len(pd.read_parquet(out / "reports.parquet")) == len(EXPECTED_SAVED)


@pytest.mark.flow
def test_deployment_schedule(prefect_harness, tmp_path):
    from prefect import get_client

    from flows.crawl import build_deployment

    sources = tmp_path / "sources.yaml"
    sources.write_text("sites:\n  - {name: a, start_urls: [http://a.gov.cn/]}\n", encoding="utf-8")
    dep = build_deployment(str(sources), "0 2 * * *", "Asia/Shanghai")
    (sched,) = dep.schedules
    assert (sched.schedule.cron, sched.schedule.timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert dep.parameters["sources"] == str(sources.resolve())
    assert dep.entrypoint == "flows.crawl.crawl_flow"

    # Registered with the (embedded) server, the schedule reads back the same.
    deployment_id = dep.apply()
    with get_client(sync_client=True) as client:
        stored = client.read_deployment(deployment_id)
    assert stored.name == "nightly" and stored.entrypoint == "flows.crawl.crawl_flow"
    (s,) = stored.schedules
    assert (s.schedule.cron, s.schedule.timezone, s.active) == ("0 2 * * *", "Asia/Shanghai", True)

    # What a worker or `ogi serve` loads for each run.
    from prefect.flows import load_flow_from_entrypoint

    assert load_flow_from_entrypoint(stored.entrypoint).name == "ogi-crawl"

    with pytest.raises(ValueError):
        build_deployment(str(sources), "not a cron", "Asia/Shanghai")
    with pytest.raises(ValueError):
        build_deployment(str(sources), "0 2 * * *", "Mars/Olympus")


def test_crawl_result_is_plain_data():
    r = CrawlResult(site="x")
    assert r.source_urls == {} and r.new_files == []
