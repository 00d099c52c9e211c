"""HTML pages whose tables are `<img>` elements, no mocks: the HTML reader OCRs the images a
page holds (data: URIs) with RapidOCR's packaged models, and the crawler downloads a live
page's images from a real HTTP server on 127.0.0.1 and writes them into the saved page.

The fixture (tests/fixtures/html-images, made by tests/fixtures/make_html_image_fixture.py)
is tests/fixtures/corpus-pdf's 0038 report as a page: its text as paragraphs, its four table
pieces as 150-dpi PNGs where they stood. OCR is kept to that page once and one image."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from extractors.crawl import Site, crawl_site
from extractors.crawl.summary import summarize_crawl
from extractors.formats.html.images import data_uri_bytes, declared_small, table_images
from extractors.formats.ocr import available
from extractors.pipeline import process_bytes, process_path
from tests.sitehttp import ConditionalHandler

FIX = Path(__file__).parent / "fixtures" / "html-images"
GOLD = json.loads((FIX / "gold.jsonl").read_text(encoding="utf-8").splitlines()[0])
TRUTH = {(t, r, c): v for t, r, c, v in GOLD["cells"]}
needs_ocr = pytest.mark.skipif(not available(), reason="the OCR extra (rapidocr-onnxruntime) is not installed")
# A PNG cut off after its header: decodes to nothing.
BROKEN_PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 7).decode()


def score(values: list[dict], keys=None) -> tuple[int, int, int]:
    """(right, wrong, unreadable) of the values against the gold cells (those in `keys` only)."""
    right = wrong = unreadable = 0
    for v in values:
        k = (v["table"], v["row"], v["column"])
        if k not in TRUTH or (keys is not None and k not in keys):
            continue
        if v["value_kind"] == "unreadable":
            unreadable += 1
        elif (v["value"] if v["value_kind"] == "number" else None) == TRUTH[k]:
            right += 1
        else:
            wrong += 1
    return right, wrong, unreadable


def cell(values: list[dict], table: str, row: str, column: str) -> float | None:
    return next((v["value"] for v in values if (v["table"], v["row"], v["column"]) == (table, row, column)), None)


# --- which images are read (no OCR) ----------------------------------------------------


def _article(html: str):
    return etree.fromstring(html, etree.HTMLParser()).find("body")


def test_only_data_uri_images_of_an_article_without_a_numeric_table_are_read():
    png = "data:image/png;base64," + BROKEN_PNG
    body = _article(f'<body><p>报告</p><img src="{png}"><img src="/t.png"><img src="{png}" width="16" height="16">'
                    f'<img src="{png}" style="width: 12px"></body>')
    assert len(table_images(body)) == 1  # the live URL, the declared icons are not read
    with_table = _article(f'<body><table><tr><td>规章</td><td>3</td></tr></table><img src="{png}"></body>')
    assert table_images(with_table) == []  # the markup holds the tables
    labels_only = _article(f'<body><table><tr><td>表一</td></tr></table><img src="{png}"></body>')
    assert len(table_images(labels_only)) == 1  # a table without a number does not hold them


def test_the_article_widens_to_hold_table_images_outside_its_paragraphs_but_not_site_chrome():
    from extractors.formats.html.container import choose_container
    from extractors.formats.html.images import image_article
    from extractors.formats.html.reader import content_image_srcs

    page = ('<html><body><div class="nav"><img src="/logo.png"></div><div id="text"><p>' + "本机关全年主动公开信息。" * 30
            + '</p></div><div id="tables"><img src="t1.png"><img src="/img/t2.png"></div></body></html>')
    body = _article(page)
    container, _how = choose_container(body)
    assert container.get("id") == "text" and image_article(container, body) is body
    assert content_image_srcs(page.encode(), "p.html", "http://gov.example/art/1.html") == [
        "http://gov.example/art/t1.png", "http://gov.example/img/t2.png"]  # the logo is site chrome


def test_declared_sizes_and_data_uris():
    img = etree.fromstring('<img width="99" height="80">', etree.HTMLParser()).find(".//img")
    assert declared_small(img)  # both sides under 100 px: an icon
    img.set("width", "600")
    assert not declared_small(img)  # a strip of table rows
    img.set("height", "12")
    assert declared_small(img)  # no row of text fits: a rule or a spacer
    assert data_uri_bytes("data:image/png;base64,iVBORw0KGgo=") == b"\x89PNG\r\n\x1a\n"
    assert data_uri_bytes("data:image/svg+xml,<svg/>") is None


@needs_ocr
def test_an_image_over_the_pixel_cap_is_refused_before_it_is_decoded():
    import struct
    import zlib

    from extractors.formats.html.images import header_size, read_images

    # A PNG stating 20000 x 20000 px (a decompression bomb's header): never decoded.
    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    assert header_size(bomb) == (20000, 20000)
    body = _article(f'<body><p>报告</p><img src="data:image/png;base64,{base64.b64encode(bomb).decode()}"></body>')
    notes: list = []
    got = read_images([(0, 0, table_images(body)[0])], "bomb.html", notes, 0)
    assert got.read == 0 and got.inserts == []
    assert notes == [("html_image_unreadable", "image 1: a 20000 x 20000 px image is over the 35500000-pixel cap")]


# --- the reader -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page():
    """The fixture page with a broken image before its first table image, through the pipeline
    (the sandbox worker with the OCR allowance, as `ogi extract` runs it)."""
    html = (FIX / "report.html").read_bytes()
    broken = f'<p><img src="data:image/png;base64,{BROKEN_PNG}" alt="损坏的图片" width="600"></p>'.encode()
    at = html.index(b"<p style=\"text-align:center\"><img")
    return process_bytes(html[:at] + broken + html[at:], "report.html")


@needs_ocr
def test_a_page_whose_tables_are_images_reads_its_values_by_ocr_with_no_wrong_number(page):
    rep = page.report
    assert rep["format"] == "html" and rep["status"] in ("ok", "partial")
    assert "tables read by OCR (RapidOCR PP-OCRv4, OpenCV rules) from 4 of 5 image(s)" in rep["format_detail"]
    assert (rep["year"], rep["agency"]) == (GOLD["year"], GOLD["agency"])  # from the page's text
    right, wrong, unreadable = score(page.values)
    assert wrong == 0
    assert right >= 0.97 * len(TRUTH), (right, unreadable)  # measured: 200 of 200 (185 before the header slivers were dropped)
    for key in [("active_disclosure", "licensing", "decisions"), ("active_disclosure", "fees", "amount_10k_yuan"),
                ("applications", "new_received", "total"), ("applications", "carried_over", "total"),
                ("applications", "carried_forward", "total")]:
        assert cell(page.values, *key) == TRUTH[key], key


@needs_ocr
def test_ocr_values_of_a_page_carry_their_confidence(page):
    table_values = [v for v in page.values if v["table"] in ("active_disclosure", "applications")
                    and v["value_kind"] == "number" and v["row"] is not None]
    assert table_values and all(v["ocr_confidence"] is not None for v in table_values)
    assert all(v["page"] is not None for v in table_values)  # the image page the cell is on


@needs_ocr
def test_a_broken_image_is_a_warning_naming_it_and_the_rest_is_read(page):
    bad = [f for f in page.findings if f["check"] == "html_image_unreadable"]
    assert len(bad) == 1 and bad[0]["severity"] == "warning"
    assert bad[0]["message"].startswith("image 1 (损坏的图片): ")
    assert cell(page.values, "applications", "new_received", "total") == 80


# --- the crawler ------------------------------------------------------------------------

IMAGE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>2021年度天元区人民政府政府信息公开工作年度报告</title>
</head><body><div class="nav"><a href="/">首页</a></div><div class="article">
<h1>2021年度天元区人民政府政府信息公开工作年度报告</h1>
<p>2021年，天元区人民政府坚持以人民为中心的发展思想，认真落实《中华人民共和国政府信息公开条例》。</p>
<p>二、主动公开政府信息情况</p>
<p><img src="../img/table-1.png" width="600" alt="表一"></p>
<p><img src="/img/icon.png" width="16" height="16"></p>
<p><img src="/private/table-2.png" width="600"></p>
<p><img src="/img/huge.png" width="600"></p>
<p><img src="/img/missing.png" width="600"></p>
<p>株洲市天元区人民政府</p><p>二〇二二年二月二十日</p>
</div></body></html>"""
LISTING = """<html><head><meta charset="utf-8"><title>年度报告</title></head><body>
<a href="/art/report.html">天元区人民政府2021年政府信息公开工作年度报告</a></body></html>"""
HUGE_IMAGE = b"\x89PNG\r\n\x1a\n" + b"\x00" * (1536 * 1024)  # over the tests' 1 MB max_download_mb


class ImageSite:
    def __init__(self):
        self.log: list[str] = []
        self.lock = threading.Lock()
        site = self

        class Handler(ConditionalHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):
                path = urlsplit(self.path).path
                with site.lock:
                    site.log.append(path)
                files = {"/robots.txt": (b"User-agent: *\nDisallow: /private/\n", "text/plain"),
                         "/col/index.html": (LISTING.encode(), "text/html; charset=utf-8"),
                         "/art/report.html": (IMAGE_PAGE.encode(), "text/html; charset=utf-8"),
                         "/img/table-1.png": ((FIX / "table-1.png").read_bytes(), "image/png"),
                         "/private/table-2.png": ((FIX / "table-2.png").read_bytes(), "image/png"),
                         "/img/icon.png": ((FIX / "table-2.png").read_bytes(), "image/png"),
                         "/img/huge.png": (HUGE_IMAGE, "image/png")}
                if path not in files:
                    return self.send(404, b"<h1>404</h1>", "text/html")
                return self.conditional(*files[path])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    srv = ImageSite()
    thread = threading.Thread(target=srv.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    raw = tmp_path_factory.mktemp("raw")
    site = Site(name="tianyuan", start_urls=(f"{srv.origin}/col/index.html",), allow_private_network=True,
                delay_seconds=0, timeout_seconds=2, retries=1, max_download_mb=1)
    try:
        result = crawl_site(site, raw)
    finally:
        with contextlib.suppress(Exception):
            srv.httpd.shutdown()
            srv.httpd.server_close()
    return raw, result, srv


def test_the_crawler_writes_a_report_pages_images_into_it_politely(crawled):
    raw, result, srv = crawled
    assert result.images == 1 and [f.path for f in result.new_files] == [result.new_files[0].path]
    saved = (raw / result.new_files[0].path).read_bytes()
    assert saved.count(b'src="data:image/png;base64,') == 1
    assert f'data-ogi-src="{srv.origin}/img/table-1.png"'.encode() in saved
    assert b'src="/private/table-2.png"' in saved and b'src="/img/huge.png"' in saved  # left as they were
    assert "/private/table-2.png" not in srv.log  # robots.txt disallows it: never requested
    assert "/img/icon.png" not in srv.log  # the page says it is 16 x 16: an icon
    why = dict(result.image_skips)
    assert why[f"{srv.origin}/private/table-2.png"].startswith("disallowed by robots.txt")
    assert why[f"{srv.origin}/img/huge.png"].startswith("too large: image over the 1048576-byte cap")
    assert why[f"{srv.origin}/img/missing.png"] == "HTTP 404"
    summary = summarize_crawl([result]).format()
    assert "1 image(s) of report pages written into the saved pages, 3 skipped" in summary


def test_the_manifest_logs_each_image_and_the_saved_pages_own_hash(crawled):
    import hashlib

    raw, result, srv = crawled
    records = [json.loads(x) for x in (raw / "tianyuan" / "_manifest.jsonl").read_text().splitlines()]
    images = {urlsplit(r["url"]).path: r for r in records if r["kind"] == "image"}
    assert set(images) == {"/img/table-1.png", "/private/table-2.png", "/img/huge.png", "/img/missing.png"}
    assert images["/img/table-1.png"]["status"] == 200 and images["/img/table-1.png"]["error"] is None
    assert images["/img/huge.png"]["error"].startswith("too large")
    page = next(r for r in records if r["kind"] == "report")
    data = (raw / page["path"]).read_bytes()
    assert page["sha256"] == hashlib.sha256(data).hexdigest() and page["images"] == 1
    assert page["served_sha256"] == hashlib.sha256(IMAGE_PAGE.encode()).hexdigest()


def test_a_second_crawl_of_an_unchanged_page_fetches_no_image(tmp_path):
    srv = ImageSite()
    thread = threading.Thread(target=srv.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    site = Site(name="tianyuan", start_urls=(f"{srv.origin}/col/index.html",), allow_private_network=True,
                delay_seconds=0, timeout_seconds=2, retries=1, max_download_mb=1)
    try:
        crawl_site(site, tmp_path)
        srv.log.clear()
        again = crawl_site(site, tmp_path)
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
    assert again.new_files == [] and not any(p.startswith(("/img/", "/private/")) for p in srv.log)


@needs_ocr
def test_the_saved_page_reads_its_table_from_the_downloaded_image(crawled):
    raw, result, _srv = crawled
    res = process_path(raw / result.new_files[0].path, raw)
    rep = res.report
    assert rep["format"] == "html" and "from 1 of 1 image(s)" in rep["format_detail"]
    keys = {k for k in TRUTH if k[0] == "active_disclosure"}
    right, wrong, _unreadable = score(res.values, keys)
    assert wrong == 0 and right >= 0.8 * len(keys), right
    assert cell(res.values, "active_disclosure", "licensing", "decisions") == 1555


def test_without_the_ocr_extra_a_page_whose_tables_are_images_needs_ocr(tmp_path):
    """In a Python where rapidocr cannot be imported (not installed), as a scan without it."""
    import subprocess
    import sys

    html = (FIX / "report.html").read_bytes()
    (tmp_path / "report.html").write_bytes(html)
    code = ("import sys, json; sys.modules['rapidocr_onnxruntime'] = None\n"
            "from extractors.pipeline import process_bytes\nfrom extractors.settings import Settings\n"
            f"r = process_bytes(open({str(tmp_path / 'report.html')!r}, 'rb').read(), 'report.html',"
            " settings=Settings(sandboxed_formats=())).report\n"
            "print(json.dumps([r['status'], r['format'], r['error']]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).parent.parent, check=True)
    status, fmt, error = json.loads(out.stdout.strip().splitlines()[-1])
    assert (status, fmt) == ("needs_ocr", "html")
    assert error == ("report.html: the page's tables are images (4); they can only be read with OCR "
                     "(install the OCR extra: pip install 'ogi-reports[ocr]')")
