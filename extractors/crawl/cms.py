"""What the content-management systems of Chinese government sites put where a plain link would be.

Recognised from the page itself, never configured per site (docs/crawling.md says where each
pattern was observed):

* **TRS WCM pagers**: a column's pages are ``index.html``, ``index_1.html``, … and the only
  pager is a script call, ``createPageHTML(total, current, "index", "html")`` (older
  templates) or ``createPageHTML("page_div", total, current, "index", "html", records)``
  (newer ones), sometimes with ``var countPage = N`` beside it. `trs_pager` reads it.
* **Hanweb (大汉) jpage columns**: the first page's records sit in
  ``<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li>…</li>]]></record>``,
  and the later ones come only from ``/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…
  &perpage=…``, POSTed with the column's parameters (``col``, ``appid``, ``webid``, ``path``,
  ``columnid``, ``unitid``, ``webname``, ``permissiontype``) as the jpage script does. `jpage`
  reads the column, `jpage_requests` lists the proxy calls for the records not yet seen and
  `datastore_records` the records of a page or of a proxy answer.
* **Guangdong's 政府信息公开目录管理平台 (gkmlpt)**: ``…/gkmlpt/index`` holds
  ``window._CONFIG = {SID: '…', TREE: [{id, name, children}, …]}`` and nothing else; a
  category's documents come from ``…/gkmlpt/api/all/<id>?page=<n>&sid=<SID>`` as JSON
  (``articles`` with ``url``, ``title``, ``attachment``; ``classify.post_count``). `gkmlpt`
  reads the page, `gkmlpt_answer` an API answer.
* **Script and proxy downloads**: ``onclick="window.open('…')"``, ``href="javascript:
  downloadFile('…')"`` and download endpoints such as ``/module/download/downfile.jsp?classid=0
  &filename=….pdf``: `script_target` finds the URL a script link opens, `download_filename`
  the file a download endpoint names.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

ATTACHMENT_SUFFIXES = (".pdf", ".docx", ".doc", ".wps", ".txt")

# ---------------------------------------------------------------- TRS WCM

# createPageHTML( … ) with its arguments (no nested parentheses in real calls).
# Arguments are bounded: a page of unclosed calls cannot make the scan quadratic.
_CREATE_PAGE_RE = re.compile(r"createPageHTML\s*\(([^()]{0,400})\)")
_COUNT_PAGE_RE = re.compile(r"\bvar\s+countPage\s*=\s*(\d+)")
_PAGE_EXTS = ("html", "htm", "shtml")
# Most pages a pager may announce that are listed: a script with a wild number (a typo, a
# hostile page) must not queue a million URLs; max_pages bounds the crawl anyway.
MAX_ANNOUNCED_PAGES = 1000


@dataclass(frozen=True)
class TrsPager:
    """A TRS column's pager: `total` pages named prefix.ext, prefix_1.ext, … in `folder`."""

    total: int
    current: int  # 0-based: 0 is prefix.ext
    prefix: str
    ext: str
    folder: str  # absolute URL of the folder, ending in '/'

    def urls(self) -> list[str]:
        n = min(self.total, MAX_ANNOUNCED_PAGES)
        return [f"{self.folder}{self.prefix}.{self.ext}" if i == 0 else f"{self.folder}{self.prefix}_{i}.{self.ext}"
                for i in range(n)]

    @property
    def column(self) -> str:
        """The column's first page: the key the crawl's reach is counted under."""
        return f"{self.folder}{self.prefix}.{self.ext}"


def _args(text: str) -> list[str]:
    """The call's arguments, unquoted (real calls have no commas inside their strings)."""
    return [a.strip().strip("\"'").strip() for a in text.split(",")]


def trs_pager(text: str, page_url: str) -> TrsPager | None:
    """The pager a TRS listing page announces by script, or None."""
    folder = urljoin(page_url, "./")
    named: tuple[str, str] | None = None  # (prefix, ext) of a call that passes variables
    for m in _CREATE_PAGE_RE.finditer(text):
        args = _args(m.group(1))
        ext_at = next((i for i, a in enumerate(args) if a.lower() in _PAGE_EXTS), None)
        if ext_at is None or ext_at < 1 or not re.fullmatch(r"[\w-]+", args[ext_at - 1]):
            continue
        numbers = [int(a) for a in args[:ext_at - 1] if a.isdigit()]
        if not numbers:
            named = named or (args[ext_at - 1], args[ext_at].lower())
            continue
        current = numbers[1] if len(numbers) > 1 else 0
        return TrsPager(numbers[0], current, args[ext_at - 1], args[ext_at].lower(), folder)
    m = _COUNT_PAGE_RE.search(text)
    if m and named:  # createPageHTML(countPage, currentPage, …): the variable names the total
        return TrsPager(int(m.group(1)), 0, named[0], named[1], folder)
    return None


# ---------------------------------------------------------------- Hanweb jpage

_HREF_RE = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_TOTAL_RE = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|\btotalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_PERPAGE_RE = re.compile(r"\bperPage\s*[:=]\s*['\"]?(\d+)", re.I)
_PROXY_RE = re.compile(r"""\bproxyUrl\s*[:=]\s*['"]([^'"]+)['"]""", re.I)
# Where Hanweb serves the proxy when the page names none (the jpage module's own path).
DEFAULT_PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
# Records per page when the page names none: jpage's default (15 on the sites looked at).
DEFAULT_PERPAGE = 15
# Pages asked for per proxy call: jpage asks for a group of three pages at a time.
JPAGE_GROUP_PAGES = 3
# The column parameters jpage POSTs with each proxy call.
JPAGE_PARAMS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname",
                "permissiontype")


@dataclass
class JPage:
    """A Hanweb column: its proxy, its parameters, its size and the records already on the page."""

    proxy: str  # absolute URL of dataproxy.jsp, without a query
    params: dict[str, str]
    total_records: int | None
    perpage: int
    embedded: int  # records in the page's own datastore
    records: list[str] = field(default_factory=list)

    @property
    def column(self) -> str:
        """The key the crawl's reach is counted under (column and unit ids, or the proxy)."""
        ids = [self.params.get(k, "") for k in ("webid", "columnid", "unitid")]
        return f"{self.proxy}?" + "&".join(f"{k}={v}" for k, v in zip(("webid", "columnid", "unitid"), ids, strict=True))

    @property
    def pages(self) -> int | None:
        if self.total_records is None:
            return None
        return min(MAX_ANNOUNCED_PAGES, math.ceil(self.total_records / self.perpage))


def _blocks(text: str, low: str, opening: str, closing: str, start: int = 0, end: int | None = None):
    """(begin, end) of each stretch of `text` between `opening` and the next `closing`, in
    order and without overlap (found in `low`, the text lower-cased: one pass, linear)."""
    end = len(text) if end is None else end
    while True:
        i = low.find(opening, start, end)
        if i < 0:
            return
        i += len(opening)
        j = low.find(closing, i, end)
        if j < 0:
            return
        yield i, j
        start = j + len(closing)


def _datastores(text: str, low: str) -> list[tuple[int, int]]:
    return list(_blocks(text, low, "<datastore", "</datastore>"))


def _cdata_after(text: str, low: str, tag: str, start: int, end: int) -> list[str]:
    """The CDATA content following each `tag` (e.g. '<record>') between start and end."""
    out = []
    for i, _ in _blocks(text, low, tag, ">", start, end):
        j = low.find("<![cdata[", i, end)
        k = low.find("]]>", j, end) if j >= 0 else -1
        if k < 0:
            break
        out.append(text[j + len("<![cdata["):k])
        start = k
    return out


def datastore_records(text: str) -> list[str]:
    """The HTML fragments of every <record> of every <datastore> in `text` (a page or a proxy answer)."""
    low = text.lower()
    out: list[str] = []
    for a, b in _datastores(text, low):
        out += _records_between(text, low, a, b)
    return out


def _records_between(text: str, low: str, a: int, b: int) -> list[str]:
    """Each <record>'s CDATA between a and b (a <recordset> is not a record)."""
    out, pos = [], a
    while True:
        i = low.find("<record", pos, b)
        if i < 0:
            return out
        pos = i + len("<record")
        if low.startswith("set", pos):
            continue
        j = low.find("<![cdata[", pos, b)
        k = low.find("]]>", j, b) if j >= 0 else -1
        if k < 0:
            return out
        out.append(text[j + len("<![cdata["):k])
        pos = k + len("]]>")


def jpage(text: str, page_url: str) -> JPage | None:
    """The Hanweb column a page (or proxy answer) holds, or None when it holds no datastore."""
    low = text.lower()
    blocks = _datastores(text, low)
    if not blocks:
        return None
    records = [r for a, b in blocks for r in _records_between(text, low, a, b)]
    params: dict[str, str] = {}
    proxy = None
    nxt = _cdata_after(text, low, "<nextgroup", blocks[0][0], blocks[0][1])
    href = _HREF_RE.search(nxt[0]) if nxt else None
    if href:
        parts = urlsplit(urljoin(page_url, href.group(1).replace("&amp;", "&")))
        proxy = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        params = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k in JPAGE_PARAMS}
    m = _PROXY_RE.search(text)
    if m and proxy is None:
        proxy = urljoin(page_url, m.group(1))
    total = next((int(a or b) for a, b in _TOTAL_RE.findall(text)), None)
    per = _PERPAGE_RE.search(text)
    perpage = max(1, int(per.group(1))) if per else DEFAULT_PERPAGE
    proxy = proxy or urljoin(page_url, DEFAULT_PROXY_PATH)
    params.setdefault("col", "1")
    return JPage(proxy, params, total, perpage, len(records), records)


def jpage_requests(col: JPage) -> list[tuple[str, dict[str, str]]]:
    """(URL, form) of the proxy calls a browser makes for the records after the embedded ones,
    a group of JPAGE_GROUP_PAGES pages at a time (none when the total is unknown)."""
    if col.total_records is None:
        return []
    total = min(col.total_records, MAX_ANNOUNCED_PAGES * col.perpage)
    step = col.perpage * JPAGE_GROUP_PAGES
    out = []
    start = col.embedded + 1
    while start <= total:
        end = min(total, start + step - 1)
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": col.perpage})
        out.append((f"{col.proxy}?{query}", dict(col.params)))
        start = end + 1
    return out


def request_key(url: str, form: dict[str, str] | None) -> str:
    """One string per distinct request (a POST's form is part of what is asked)."""
    return url if not form else f"{url}#POST:{urlencode(sorted(form.items()))}"


# ---------------------------------------------------------------- script and proxy downloads

# A quoted URL inside onclick / javascript: that names a file or a download endpoint.
_QUOTED_RE = re.compile(r"""["']([^"'\s]+)["']""")
_DOWNLOAD_ENDPOINT_RE = re.compile(r"(?:^|/)(?:down(?:load)?(?:file)?|getfile|attach(?:ment)?)\.(?:jsp|do|aspx?|php)$", re.I)
# Query parameters download endpoints name their file with.
_FILE_PARAMS = ("filename", "fileName", "file", "name", "showname", "fn")


def download_filename(url: str) -> str | None:
    """The file a download endpoint URL names in its query (filename=…, showname=…), if any."""
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    for key in ("showname", *_FILE_PARAMS):
        name = unquote(query.get(key, "")).replace("\\", "/").rsplit("/", 1)[-1]
        if name.lower().endswith(ATTACHMENT_SUFFIXES):
            return name
    return None


def is_download_endpoint(url: str) -> bool:
    """A URL that fetches a file through a script: downfile.jsp and its kin, or one whose
    query names a report file."""
    return bool(_DOWNLOAD_ENDPOINT_RE.search(urlsplit(url).path)) or download_filename(url) is not None


def _opens_file(candidate: str) -> bool:
    path = urlsplit(candidate).path.lower()
    return path.endswith(ATTACHMENT_SUFFIXES) or is_download_endpoint(candidate) or path.endswith(
        (".html", ".htm", ".shtml"))


def script_target(href: str | None, onclick: str | None) -> str | None:
    """The URL a script link opens (`javascript:` href or onclick), when it names a file, a
    download endpoint or a page; relative to the page. None when the script names no URL."""
    for code in (onclick or "", href if href and href.strip().lower().startswith("javascript:") else ""):
        for m in _QUOTED_RE.finditer(code):
            candidate = m.group(1).replace("&amp;", "&")
            if candidate.lower().startswith(("javascript:", "#")) or "(" in candidate:
                continue
            if _opens_file(candidate):
                return candidate
    return None


# ---------------------------------------------------------------- Guangdong gkmlpt

# The platform's page: window._CONFIG = { SID: '200001', TREE: [ {id, name, children, …} ], … }
_GKML_CONFIG_RE = re.compile(r"window\._CONFIG\s*=\s*\{")
_GKML_SID_RE = re.compile(r"""\bSID\s*:\s*['"]?(\d+)""")
_GKML_TREE_RE = re.compile(r"\bTREE\s*:\s*(?=\[)")
# Most API pages asked for per category (as MAX_ANNOUNCED_PAGES for the other pagers).
GKMLPT_MAX_PAGES = MAX_ANNOUNCED_PAGES
# Most categories read from a TREE (a hostile page cannot make the crawl walk a huge tree).
MAX_GKML_CATEGORIES = 2000
# Deepest category level read (real trees are three or four levels deep).
MAX_GKML_DEPTH = 20


@dataclass
class Gkmlpt:
    """A 政府信息公开目录管理平台 (gkmlpt) page: its site id, API root and category tree."""

    sid: str
    api: str  # absolute URL of …/gkmlpt/api/all/
    categories: list[tuple[str, str]]  # (id, name), depth first

    def request(self, category: str, page: int) -> str:
        return f"{self.api}{category}?{urlencode({'page': page, 'sid': self.sid})}"


def _walk_tree(nodes, out: list[tuple[str, str]], depth: int = 0) -> None:
    if depth > MAX_GKML_DEPTH:
        return
    for node in nodes if isinstance(nodes, list) else []:
        if len(out) >= MAX_GKML_CATEGORIES or not isinstance(node, dict):
            return
        if node.get("id") is not None and isinstance(node.get("name"), str) and not node.get("jump_url"):
            out.append((str(node["id"]), node["name"]))
        _walk_tree(node.get("children"), out, depth + 1)


def gkmlpt(text: str, page_url: str) -> Gkmlpt | None:
    """The gkmlpt platform a page is (its _CONFIG names a SID and a TREE), or None."""
    config = _GKML_CONFIG_RE.search(text)
    if config is None or "/gkmlpt/" not in urlsplit(page_url).path + "/":
        return None
    sid = _GKML_SID_RE.search(text, config.end())
    tree = _GKML_TREE_RE.search(text, config.end())
    if sid is None or tree is None:
        return None
    try:
        nodes, _ = json.JSONDecoder().raw_decode(text, tree.end())
    except (ValueError, RecursionError):  # RecursionError: a hostile, deeply nested TREE
        return None
    categories: list[tuple[str, str]] = []
    _walk_tree(nodes, categories)
    root = urlsplit(page_url).path.split("/gkmlpt/", 1)[0]
    api = urljoin(page_url, f"{root}/gkmlpt/api/all/")
    return Gkmlpt(sid.group(1), api, categories)


@dataclass
class GkmlptAnswer:
    """One page of a gkmlpt category from its API: its articles as (url, title, attachment
    URLs), and the category's size."""

    articles: list[tuple[str, str, list[str]]]
    post_count: int | None


def gkmlpt_answer(data: bytes, url: str) -> GkmlptAnswer:
    """Read an answer of …/gkmlpt/api/all/<category>?page=…; an unreadable one holds nothing."""
    try:
        doc = json.loads(data.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError):
        return GkmlptAnswer([], None)
    if not isinstance(doc, dict):
        return GkmlptAnswer([], None)
    articles = []
    for art in doc.get("articles") or []:
        link = art.get("url") or art.get("post_url") if isinstance(art, dict) else None
        if not isinstance(link, str) or not link:
            continue
        files = [urljoin(url, a["url"]) for a in art.get("attachment") or []
                 if isinstance(a, dict) and isinstance(a.get("url"), str)]
        articles.append((urljoin(url, link), str(art.get("title") or ""), files))
    classify = doc.get("classify")
    count = classify.get("post_count") if isinstance(classify, dict) else doc.get("total")
    return GkmlptAnswer(articles, count if isinstance(count, int) and count >= 0 else None)
