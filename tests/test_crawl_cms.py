"""The crawler on sites built as CMSs build them: TRS script pagers, Hanweb jpage datastores and
their record proxy, downloads through scripts and download endpoints, portals found from the
home page (tests/fixtures/sites/, made by make_sites.py).

Each site is served by a real HTTP server on 127.0.0.1 with its own document root; the handler
adds what static files cannot: the jpage proxy (POST only, the column's parameters only),
downfile.jsp (a 302 to the file, or the file with a Content-Disposition), validators and 304s.
Every request is logged, so the tests can assert what was asked, how, and what never was.
"""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from extractors.crawl import crawl_site, load_sources
from extractors.crawl.cms import (
    JPage,
    datastore_records,
    download_filename,
    gkmlpt,
    gkmlpt_answer,
    is_download_endpoint,
    jpage,
    jpage_requests,
    script_target,
    trs_pager,
)
from extractors.crawl.pages import is_column_link, is_portal_link, is_report_page, parse_page
from extractors.crawl.summary import summarize_crawl
from tests.sitehttp import LAST_MODIFIED, ConditionalHandler

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"
GOLD = SITES / "gold.jsonl"
PROXY = "/module/web/jpage/dataproxy.jsp"
DOWNFILE = "/module/download/downfile.jsp"
GKMLPT_API = "/gkmlpt/api/all/"
CONTENT_TYPES = {"": "text/html; charset=utf-8", ".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
                 ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 ".pdf": "application/pdf"}


def gold(site: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    return [g for g in rows if site is None or g["path"].split("/", 1)[0] == site]


# ---------------------------------------------------------------- the server


class CmsServer:
    """One fixture site (`root`) on 127.0.0.1:<port>, logging every request."""

    def __init__(self, root: Path):
        self.root = root
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.robots: bytes | None = None  # overrides robots.txt
        self.missing: set[str] = set()  # paths answered 404
        self.overrides: dict[str, bytes] = {}  # path → body served instead of the file
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.log if (path is None or r["path"] == path) and
                    (method is None or r["method"] == method)]

    def paths(self) -> list[str]:
        with self.lock:
            return [r["path"] for r in self.log]

    def clear(self) -> None:
        with self.lock:
            self.log.clear()


def _handler(srv: CmsServer):
    class Handler(ConditionalHandler):
        protocol_version = "HTTP/1.0"


        def do_GET(self):
            self.handle_any("GET", b"")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.handle_any("POST", body)

        def handle_any(self, method: str, body: bytes):
            url = urlsplit(self.path)
            entry = {"method": method, "path": unquote(url.path), "query": parse_qs(url.query),
                     "form": parse_qs(body.decode("utf-8")), "inm": self.headers.get("If-None-Match"),
                     "ims": self.headers.get("If-Modified-Since"), "ctype": self.headers.get("Content-Type")}
            with srv.lock:
                srv.log.append(entry)
            entry["status"] = self.route(entry)

        def route(self, r: dict) -> int:
            path = r["path"]
            if path in srv.missing:
                return self.send(404, b"<h1>404</h1>", "text/html")
            if path == "/robots.txt" and srv.robots is not None:
                return self.send(200, srv.robots, "text/plain")
            if path == PROXY:
                return self.proxy(r)
            if path.startswith(GKMLPT_API):
                return self.gkmlpt_api(r, path[len(GKMLPT_API):])
            if path == DOWNFILE:
                name = (r["query"].get("filename") or [""])[0]
                file = srv.root / "attach" / "0" / Path(name).name
                if not file.is_file():
                    return self.send(404, b"<h1>404</h1>", "text/html")
                if file.suffix == ".docx":
                    return self.send(302, b"", "text/html", {"Location": f"/attach/0/{file.name}"})
                return self.file(file, {"Content-Disposition": f'attachment; filename="{file.name}"'})
            file = (srv.root / path.lstrip("/")).resolve()
            if path.endswith("/"):
                file = file / "index.html"
            if srv.root not in file.parents or not file.is_file() or file.suffix == ".py" or \
                    file.name.startswith("_"):
                return self.send(404, b"<h1>404</h1>", "text/html")
            return self.file(file)

        def proxy(self, r: dict) -> int:
            """jpage's record proxy: POST with the column's ids; records startrecord..endrecord."""
            columns = json.loads((srv.root / "_jpage.json").read_text(encoding="utf-8"))
            form = {k: v[0] for k, v in r["form"].items()}
            records = columns.get(f"{form.get('columnid')}|{form.get('unitid')}", []) if r["method"] == "POST" else []
            start = int((r["query"].get("startrecord") or ["1"])[0])
            end = int((r["query"].get("endrecord") or ["0"])[0])
            chosen = "".join(f"<record><![CDATA[{x}]]></record>\n" for x in records[start - 1:end])
            xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<totalrecord>{len(records)}</totalrecord>\n'
                   f"<recordset>\n{chosen}</recordset>\n</datastore>\n")
            return self.send(200, xml.encode("utf-8"), "text/xml; charset=UTF-8")

        def gkmlpt_api(self, r: dict, category: str) -> int:
            """gkmlpt's list API: GET …/api/all/<category>?page=n&sid=<SID>, JSON."""
            data = json.loads((srv.root / "_gkmlpt.json").read_text(encoding="utf-8").replace("{{ORIGIN}}", srv.origin))
            sid = (r["query"].get("sid") or [""])[0]
            articles = data["categories"].get(category, []) if sid == data["sid"] else []
            n, per = int((r["query"].get("page") or ["1"])[0]), data["perpage"]
            answer = {"articles": articles[(n - 1) * per:n * per], "classify": {"id": category, "post_count": len(articles)}}
            return self.send(200, json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")

        def file(self, file: Path, extra: dict | None = None) -> int:
            body = srv.overrides.get("/" + file.relative_to(srv.root).as_posix()) or file.read_bytes()
            ctype = "text/plain" if file.name == "robots.txt" else CONTENT_TYPES[file.suffix]
            return self.conditional(body, ctype, extra)

    return Handler


@contextlib.contextmanager
def serving(site: str):
    srv = CmsServer(SITES / site)
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


def write_sources(path: Path, servers: dict[str, CmsServer], **extra) -> Path:
    """A SOURCES file listing each site by its home page only."""
    sites = [{"name": name, "start_urls": [f"{srv.origin}/index.html"], "allow_private_network": True, **extra}
             for name, srv in servers.items()]
    data = {"defaults": {"delay_seconds": 0, "retry_base_delay_seconds": 0.01, "timeout_seconds": 5}, "sites": sites}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def gold_urls(site: str, srv: CmsServer) -> dict[str, dict]:
    """Each gold report's URL on the running server → its gold line."""
    return {f"{srv.origin}/{g['path'].split('/', 1)[1]}": g for g in gold(site)}


# ---------------------------------------------------------------- the patterns


def test_trs_pager_calls():
    old = trs_pager('<script>createPageHTML(12, 0, "index", "html");</script>', "http://a.gov.cn/zwgk/ndbg/index.html")
    assert (old.total, old.current, old.prefix, old.ext) == (12, 0, "index", "html")
    urls = old.urls()
    assert urls[:3] == ["http://a.gov.cn/zwgk/ndbg/index.html", "http://a.gov.cn/zwgk/ndbg/index_1.html",
                        "http://a.gov.cn/zwgk/ndbg/index_2.html"] and len(urls) == 12
    new = trs_pager("createPageHTML('page_div', 5, 2, 'list', 'shtml', 73);", "http://a.gov.cn/x/list_2.shtml")
    assert (new.total, new.current, new.prefix, new.ext) == (5, 2, "list", "shtml")
    assert new.urls()[-1] == "http://a.gov.cn/x/list_4.shtml" and new.column == "http://a.gov.cn/x/list.shtml"
    by_var = trs_pager('var countPage = 4;//共多少页\nvar currentPage = 0;\n'
                       'createPageHTML(countPage, currentPage, "index", "htm");', "http://a.gov.cn/y/index.htm")
    assert (by_var.total, by_var.prefix, by_var.ext) == (4, "index", "htm")
    assert trs_pager("<p>createPageHTML is mentioned</p>", "http://a.gov.cn/") is None
    assert trs_pager("function createPageHTML(a, b, c, d) {}", "http://a.gov.cn/") is None
    assert len(trs_pager('createPageHTML(99999999, 0, "index", "html")', "http://a.gov.cn/").urls()) == 1000


def test_a_pager_makes_a_listing_unless_the_page_holds_its_table():
    from extractors.crawl import Site

    site = Site(name="x", start_urls=("http://a.gov.cn/",))
    column = (SITES / "trs/zwgk/ndbg/index.html").read_bytes()
    page = parse_page(column, "http://a.gov.cn/zwgk/ndbg/index.html")
    assert page.trs is not None and not is_report_page(page, site, anchor_matched=True)
    article = ('<html><head><title>某局2023年政府信息公开工作年度报告</title></head><body><table><tr><td>1</td></tr>'
               '</table><script>createPageHTML(2, 0, "t20240110_1", "html");</script></body></html>').encode()
    paged = parse_page(article, "http://a.gov.cn/zwgk/ndbg/202401/t20240110_1.html")
    assert paged.trs.urls()[1].endswith("/202401/t20240110_1_1.html") and is_report_page(paged, site, False)


def test_hanweb_datastore_and_proxy_calls():
    page = (SITES / "hanweb/col/col1234/index.html").read_text(encoding="utf-8")
    col = jpage(page, "http://b.gov.cn/col/col1234/index.html")
    assert isinstance(col, JPage)
    assert col.proxy == "http://b.gov.cn/module/web/jpage/dataproxy.jsp"
    assert (col.params["columnid"], col.params["unitid"], col.params["webid"]) == ("1234", "5678", "1")
    assert col.params["webname"] == "某县人民政府" and col.params["path"] == "/"
    assert (col.total_records, col.perpage, col.embedded, col.pages) == (8, 1, 3, 8)
    calls = jpage_requests(col)
    assert [urlsplit(u).query for u, _ in calls] == ["startrecord=4&endrecord=6&perpage=1",
                                                     "startrecord=7&endrecord=8&perpage=1"]
    assert all(form == col.params for _, form in calls)
    # A page without a datastore has no column; one without a total asks the proxy nothing.
    assert jpage("<html><script>var a=1;</script></html>", "http://b.gov.cn/") is None
    bare = jpage("<datastore><recordset><record><![CDATA[<li>x</li>]]></record></recordset></datastore>",
                 "http://b.gov.cn/col/col9/index.html")
    assert bare.total_records is None and jpage_requests(bare) == [] and bare.embedded == 1
    assert datastore_records("<datastore><totalrecord>2</totalrecord><recordset><record><![CDATA[<a>1</a>]]>"
                             "</record><record><![CDATA[<a>2</a>]]></record></recordset></datastore>") == ["<a>1</a>",
                                                                                                          "<a>2</a>"]
    # The records' links are the page's links (the HTML parser alone never sees them).
    parsed = parse_page(page.encode("utf-8"), "http://b.gov.cn/col/col1234/index.html")
    assert parsed.jpage is not None and parsed.trs is None
    assert sum("/art/2024/1/" in lk.url for lk in parsed.links) == 3


def test_gkmlpt_config_and_api_answers():
    page = (SITES / "gkmlpt/gkmlpt/index").read_text(encoding="utf-8")
    g = gkmlpt(page, "http://c.gov.cn/gkmlpt/index")
    assert g.sid == "200001" and g.api == "http://c.gov.cn/gkmlpt/api/all/"
    assert ("721", "政府信息公开年报") in g.categories and "9" not in dict(g.categories)  # a jump_url is a link out
    assert g.request("721", 2) == "http://c.gov.cn/gkmlpt/api/all/721?page=2&sid=200001"
    sub = gkmlpt(page, "http://c.gov.cn/qxj/gkmlpt/index")  # a department's platform under the portal
    assert sub.api == "http://c.gov.cn/qxj/gkmlpt/api/all/"
    assert gkmlpt(page, "http://c.gov.cn/other/index.html") is None  # only on the platform's own path
    assert gkmlpt("window._CONFIG = { SID: '1', TREE: [ {broken", "http://c.gov.cn/gkmlpt/index") is None
    answer = gkmlpt_answer(json.dumps({"articles": [{"title": "某年报", "url": "/gkmlpt/content/0/1/post_1.html",
                                                     "attachment": [{"name": "a.pdf", "url": "/attachment/0/1/1.pdf"}]}],
                                       "classify": {"post_count": 7}}).encode(), "http://c.gov.cn/gkmlpt/api/all/721")
    assert answer.post_count == 7
    assert answer.articles == [("http://c.gov.cn/gkmlpt/content/0/1/post_1.html", "某年报",
                                ["http://c.gov.cn/attachment/0/1/1.pdf"])]
    assert gkmlpt_answer(b"<html>not json</html>", "http://c.gov.cn/").articles == []
    assert gkmlpt_answer(b"[1, 2]", "http://c.gov.cn/").post_count is None


def test_script_and_endpoint_downloads():
    assert script_target("javascript:void(0)", "window.open('./P020230315.txt')") == "./P020230315.txt"
    url = "/module/download/downfile.jsp?classid=0&filename=ab12.pdf"
    assert script_target(f"javascript:downloadFile('{url}')", None) == url
    assert script_target("javascript:void(0)", "show(1); return false;") is None
    assert script_target("javascript:history.back()", None) is None
    assert is_download_endpoint("http://a.gov.cn" + url) and download_filename(url) == "ab12.pdf"
    assert is_download_endpoint("http://a.gov.cn/attach/download.do?id=7")
    assert download_filename("/downfile.jsp?classid=0&filename=a.pdf&showname=%E5%B9%B4%E6%8A%A5.docx") == "年报.docx"
    assert not is_download_endpoint("http://a.gov.cn/art/2024/1/1/art_1_2.html")
    html = (f'<html><body><a href="javascript:void(0)" onclick="window.open(\'{url}\')">附件</a>'
            '<a href="javascript:;">返回</a></body></html>')
    links = parse_page(html.encode(), "http://a.gov.cn/art/1.html").links
    assert [lk.url for lk in links] == ["http://a.gov.cn" + url]


def test_column_and_portal_link_texts():
    for text in ("政府信息公开年报", "年度报告", "年报", "政府信息公开工作年度报告", "政务公开年报专栏"):
        assert is_column_link(text), text
    for text in ("2023年度报告", "关于年报的通知", "政府信息公开指南"):
        assert not is_column_link(text), text
    for text in ("政府信息公开", "信息公开", "政务公开", "政府信息公开专栏"):
        assert is_portal_link(text), text
    assert not is_portal_link("公开征求意见") and not is_portal_link("首页")


# ---------------------------------------------------------------- the sites


def test_trs_site_from_its_home_page(tmp_path):
    with serving("trs") as srv:
        site = load_sources(write_sources(tmp_path / "s.yaml", {"trs": srv}))[0]
        result = crawl_site(site, tmp_path / "raw")
        expected = gold_urls("trs", srv)
        saved = {f.url: f for f in result.new_files}
        assert set(expected) <= set(saved)  # every report, html page or relative/script attachment
        assert result.errors == [] and result.warnings == []
        (col,) = result.columns
        assert (col.family, col.announced, col.read) == ("trs", 3, 3)
        assert col.url == f"{srv.origin}/zwgk/ndbg/index.html"
        paths = srv.paths()
        assert {"/zwgk/ndbg/index_1.html", "/zwgk/ndbg/index_2.html", "/zwgk/index.html"} <= set(paths)
        # Only the portal and the column are followed: not the portal's other entries, not the chrome.
        assert not {"/zwfw/index.html", "/xwdt/index.html", "/zwgk/xxgkzn/index.html"} & set(paths)
        assert len(paths) == len(set(paths))  # nothing asked twice
        assert result.reports == 6 and result.attachments == 4
        for url, f in saved.items():
            if url in expected:
                assert (tmp_path / "raw" / f.path).read_bytes() == (SITES / expected[url]["path"]).read_bytes()


def test_hanweb_site_posts_the_proxy_like_the_browser(tmp_path):
    with serving("hanweb") as srv:
        site = load_sources(write_sources(tmp_path / "s.yaml", {"hanweb": srv}))[0]
        result = crawl_site(site, tmp_path / "raw")
        expected = gold_urls("hanweb", srv)
        saved = {f.url: f for f in result.new_files}
        assert set(expected) <= set(saved)
        assert result.errors == [] and result.warnings == []
        (col,) = result.columns
        assert (col.family, col.announced, col.read, col.records_read) == ("hanweb", 8, 8, 8)
        calls = srv.requests(PROXY)
        assert [c["method"] for c in calls] == ["POST", "POST"]
        assert [(c["query"]["startrecord"], c["query"]["endrecord"], c["query"]["perpage"]) for c in calls] == \
            [(["4"], ["6"], ["1"]), (["7"], ["8"], ["1"])]
        for c in calls:
            assert {k: v[0] for k, v in c["form"].items() if k in ("columnid", "unitid", "webid")} == \
                {"columnid": "1234", "unitid": "5678", "webid": "1"}
            assert c["ctype"].startswith("application/x-www-form-urlencoded")
        # downfile.jsp: the 302 to /attach/0/… is followed; the other answers with the file.
        assert sum(r["path"].startswith("/attach/0/") for r in srv.requests()) == 2
        assert len(srv.requests(DOWNFILE)) == 4
        for url, f in saved.items():
            if url in expected:
                name = f.path.split("/", 1)[1]
                assert name.endswith(Path(expected[url]["path"]).suffix.split("?")[0]) or "downfile" not in url
                assert (tmp_path / "raw" / f.path).read_bytes() == _gold_bytes(expected[url])
        assert not [p for p in srv.paths() if p.startswith(("/col/col101", "/col/col200", "/xwdt"))]


def test_gkmlpt_site_reads_the_category_api(tmp_path):
    with serving("gkmlpt") as srv:
        site = load_sources(write_sources(tmp_path / "s.yaml", {"gkmlpt": srv}))[0]
        result = crawl_site(site, tmp_path / "raw")
        expected = gold_urls("gkmlpt", srv)
        saved = {f.url: f for f in result.new_files}
        assert set(expected) <= set(saved)
        assert result.errors == [] and result.warnings == []
        (col,) = result.columns
        assert (col.family, col.announced, col.read) == ("gkmlpt", 3, 3)
        api = [r for r in srv.requests() if r["path"].startswith(GKMLPT_API)]
        assert [(r["path"], r["query"]["page"], r["query"]["sid"]) for r in api] == \
            [(f"{GKMLPT_API}721", [str(n)], ["200001"]) for n in (1, 2, 3)]  # only the annual-report category
        for url, f in saved.items():
            if url in expected:
                assert (tmp_path / "raw" / f.path).read_bytes() == (SITES / expected[url]["path"]).read_bytes()


def _gold_bytes(g: dict) -> bytes:
    rest = g["path"].split("/", 1)[1]
    if rest.startswith(DOWNFILE.lstrip("/")):
        name = parse_qs(urlsplit("/" + rest).query)["filename"][0]
        return (SITES / "hanweb/attach/0" / name).read_bytes()
    return (SITES / g["path"]).read_bytes()


def test_a_column_read_short_is_a_warning(tmp_path):
    with serving("hanweb") as hw, serving("trs") as trs:
        hw.robots = b"User-agent: *\nDisallow: /module/web/\n"  # the proxy is off limits
        trs.missing.add("/zwgk/ndbg/index_2.html")
        sites = load_sources(write_sources(tmp_path / "s.yaml", {"hanweb": hw, "trs": trs}))
        results = [crawl_site(s, tmp_path / "raw") for s in sites]
        assert hw.requests(PROXY) == []  # robots.txt holds for the proxy calls too
        assert results[0].warnings == [f"column {hw.origin}{PROXY}?webid=1&columnid=1234&unitid=5678 (hanweb): "
                                       "the pager announces 8 page(s), 3 read"]
        assert results[1].warnings == [f"column {trs.origin}/zwgk/ndbg/index.html (trs): the pager announces "
                                       "3 page(s), 2 read"]
        text = summarize_crawl(results).format()
        assert "[hanweb] warning: column" in text and "[trs] warning: column" in text
        assert "[hanweb] skipped: 2 disallowed by robots.txt" in text and "[trs] skipped: 1 HTTP 404" in text


def test_a_proxy_on_another_origin_is_never_asked(tmp_path):
    with serving("hanweb") as hw:
        column = "/col/col1234/index.html"
        other = hw.origin.replace("127.0.0.1", "localhost")  # the same server under another host name
        page = (SITES / "hanweb" / column.lstrip("/")).read_text(encoding="utf-8")
        hw.overrides[column] = page.replace('href="/module/web/jpage/', f'href="{other}/module/web/jpage/').encode()
        site = load_sources(write_sources(tmp_path / "s.yaml", {"hanweb": hw}))[0]
        result = crawl_site(site, tmp_path / "raw")
        assert hw.requests(PROXY) == []
        assert all(r["path"] != PROXY for r in hw.requests())
        assert result.warnings and "3 read" in result.warnings[0]  # only the embedded records


def test_hostile_cms_markup_is_read_in_linear_time():
    import time

    n = 100_000
    t = time.perf_counter()
    assert datastore_records("<datastore>" + "<record><![CDATA[" * n) == []
    assert jpage("<datastore>" + "<record>" * n + "</datastore>", "http://a.gov.cn/").records == []
    assert trs_pager("createPageHTML(" * n, "http://a.gov.cn/") is None
    assert script_target("javascript:" + "'" * n, "'" * n) is None
    assert gkmlpt("window._CONFIG = { SID: '1', TREE: " + "[" * n, "http://a.gov.cn/gkmlpt/index") is None
    assert time.perf_counter() - t < 5  # a quadratic scan of these would take minutes


def test_second_crawl_is_conditional_and_adds_nothing(tmp_path):
    with serving("trs") as trs, serving("hanweb") as hw, serving("gkmlpt") as gk:
        sites = load_sources(write_sources(tmp_path / "s.yaml", {"trs": trs, "hanweb": hw, "gkmlpt": gk}))
        raw = tmp_path / "raw"
        first = [crawl_site(s, raw) for s in sites]
        documents = {f.url for r in first for f in r.new_files}
        before = _tree(raw)
        for srv in (trs, hw, gk):
            srv.clear()
        second = [crawl_site(s, raw) for s in sites]
        assert [r.new_files for r in second] == [[], [], []]
        assert sum(r.not_modified for r in second) == len(documents)
        assert _tree(raw) == before  # same files, same bytes, untouched mtimes
        for srv in (trs, hw, gk):
            for r in srv.requests():
                if r["path"].startswith(("/zwgk/ndbg/2023", "/art/", "/attach", "/gkmlpt/content/")) or \
                        r["path"] == DOWNFILE:
                    assert r["inm"] and r["ims"] == LAST_MODIFIED, r["path"]
        assert [c.read for r in second for c in r.columns] == [3, 8, 3]  # the columns are read again in full


def _tree(raw: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(raw).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in raw.rglob("*") if p.is_file() and p.name != "_manifest.jsonl"}


@pytest.mark.flow
def test_every_report_of_every_family_reaches_the_dataset(prefect_harness, tmp_path):
    import pandas as pd

    from extractors.evaluate.scoring import score
    from flows.crawl import crawl_flow
    from schemas import TABLES

    with serving("trs") as trs, serving("hanweb") as hw, serving("gkmlpt") as gk:
        sources = write_sources(tmp_path / "s.yaml", {"trs": trs, "hanweb": hw, "gkmlpt": gk})
        raw, out = tmp_path / "raw", tmp_path / "out"
        summary = crawl_flow(str(sources), str(raw), str(out))
        assert summary.errors == [] and summary.warnings == []
        reports = pd.read_parquet(out / "reports.parquet")
        values = pd.read_parquet(out / "values.parquet")
        assert reports.source_url.notna().all() and not reports.source_url.duplicated().any()
        by_url = dict(zip(reports.source_url, reports.source_path, strict=True))
        expected = {**gold_urls("trs", trs), **gold_urls("hanweb", hw), **gold_urls("gkmlpt", gk)}
        assert len(expected) == 18 and set(expected) <= set(by_url)  # six reports per family
        rescored = [{**g, "path": by_url[url]} for url, g in expected.items()]
        result = score(values[values["table"].isin(TABLES)], reports, rescored)  # as `ogi eval` scores
        assert result.overall.f1 >= 0.99 and result.overall.precision == 1.0, result.overall
        assert all(d.found for d in result.docs)

        second = crawl_flow(str(sources), str(raw), str(out))
        assert second.saved == 0 and second.extraction is None
        assert second.not_modified == summary.saved
        assert len(pd.read_parquet(out / "reports.parquet")) == len(reports)
