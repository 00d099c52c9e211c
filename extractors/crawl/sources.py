"""The SOURCES file: which sites to crawl and how (`load_sources` → a list of `Site`).

A YAML mapping with a ``sites:`` list and optional ``defaults:`` applied to every site;
docs/crawling.md documents every field. Anything invalid raises `SourcesError` naming the
file, the site and the field.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import yaml

from extractors.crawl.safety import SCHEMES, Origin, format_origin, host_of, is_ip, origin_of, site_origins


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("ogi-reports")
    except Exception:  # not installed (e.g. run from a checkout): the version in pyproject.toml
        return "0.1.0"


# Identifies the crawler to site operators, as robots.txt and server logs expect: product
# token (what robots.txt groups match), version, and a URL to read about it.
USER_AGENT = f"ogi-reports/{_package_version()} (+https://example.invalid/ogi-reports)"

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
# Wall-clock bound on one URL's download, every redirect hop and retry included, whatever
# the server's drip rate: a 50 MB report at 100 KB/s (a slow provincial portal) takes ≈ 8 min.
DEFAULT_MAX_DOWNLOAD_SECONDS = 600.0
# Wall-clock bound on one site's crawl: 200 URLs at the 1 s delay plus a few slow downloads
# fit in well under an hour; a site still going after one is stuck (or hostile), and the
# nightly run of every site must end long before the next night's.
DEFAULT_MAX_SITE_SECONDS = 3600.0
# Attempts per URL (first try included) on timeouts, connection errors, 429 and 5xx.
RETRY_ATTEMPTS = 3
# Backoff before retry n is base * 2**(n-1): 2 s, 4 s, … (capped by RETRY_MAX_DELAY_SECONDS).
RETRY_BASE_DELAY_SECONDS = 2.0
# The report column's name is 政府信息公开工作年度报告 / 政府信息公开年报; some sites publish in
# traditional characters (公開, 報告), so both are matched.
DEFAULT_REPORT_PATTERNS = (r"政府信息公[开開].*?(?:年度[报報]告|年[报報])",)

SAFE_NAME_RE = re.compile(r"^\w[\w.-]{0,79}$")


class SourcesError(ValueError):
    """The SOURCES file is missing, unreadable or has an invalid entry. The message names
    the file, the site and the field."""


def squash(text: str) -> str:
    """Whitespace-free, NFKC-normalised text for pattern matching (link texts wrap lines)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


_PATTERN_CACHE: dict[tuple[str, ...], list[re.Pattern]] = {}


def _compiled(patterns: tuple[str, ...]) -> list[re.Pattern]:
    if patterns not in _PATTERN_CACHE:
        _PATTERN_CACHE[patterns] = [re.compile(p) for p in patterns]
    return _PATTERN_CACHE[patterns]


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
    allowed_origins: tuple[str, ...] = ()  # scheme://host:port beyond the start URLs' and allowed hosts' own
    max_download_seconds: float = DEFAULT_MAX_DOWNLOAD_SECONDS
    max_site_seconds: float = DEFAULT_MAX_SITE_SECONDS

    def __post_init__(self):
        if not self.allowed_hosts:
            object.__setattr__(self, "allowed_hosts", tuple(dict.fromkeys(host_of(u) for u in self.start_urls)))

    @property
    def max_download_bytes(self) -> int:
        return int(self.max_download_mb * 1024 * 1024)

    @functools.cached_property
    def origins(self) -> frozenset[Origin]:
        """Every (scheme, host, port) the crawl may request, redirects and links included."""
        return site_origins(self.start_urls, self.allowed_hosts, self.allowed_origins)

    def matches(self, text: str | None) -> bool:
        """Whether `text` (link text or a page title) names an annual report."""
        if not text:
            return False
        text = squash(text)
        return any(p.search(text) for p in _compiled(self.report_patterns))


_SITE_FIELDS = {"name", "start_urls", "allowed_hosts", "max_pages", "delay_seconds", "allow_private_network",
                "report_patterns", "user_agent", "timeout_seconds", "max_download_mb", "retries",
                "retry_base_delay_seconds", "allowed_origins", "max_download_seconds", "max_site_seconds"}
_DEFAULTABLE_FIELDS = _SITE_FIELDS - {"name", "start_urls"}
# Numeric fields, checked in this order: (field, minimum, integer, strictly greater).
_NUMBER_FIELDS = (
    ("max_pages", 1, True, False),
    ("retries", 1, True, False),
    ("delay_seconds", 0, False, False),
    ("retry_base_delay_seconds", 0, False, False),
    ("timeout_seconds", 0, False, True),
    ("max_download_mb", 0, False, True),
    ("max_download_seconds", 0, False, True),
    ("max_site_seconds", 0, False, True),
)


# ---------------------------------------------------------------- the file


def load_sources(path: str | os.PathLike) -> list[Site]:
    """Read and validate a SOURCES YAML file (``sites:`` list, optional ``defaults:``).

    Raises SourcesError naming the file, the site and the field for anything invalid.
    """
    path = Path(path)
    data = _read_yaml(path)
    defaults = _defaults(data, path)
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


def _read_yaml(path: Path) -> dict:
    """The file's top-level mapping, which must hold `sites` (and may hold `defaults`)."""
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
    return data


def _defaults(data: dict, path: Path) -> dict:
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise SourcesError(f"{path}: defaults: expected a mapping")
    bad = set(defaults) - _DEFAULTABLE_FIELDS
    if bad:
        raise SourcesError(f"{path}: defaults: unknown or per-site-only field(s) {sorted(bad)}")
    return defaults


# ---------------------------------------------------------------- one site


class _Entry:
    """One site's mapping (defaults merged in) under validation."""

    def __init__(self, entry: dict, where: str):
        self.values = entry
        self.where = where

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def __getitem__(self, key: str):
        return self.values[key]

    def fail(self, fieldname: str, problem: str) -> NoReturn:
        raise SourcesError(f"{self.where}: {fieldname}: {problem}")


def _parse_site(entry: dict, where: str) -> Site:
    """Validate one site's fields in a fixed order (the first problem is the one reported)."""
    e = _Entry(entry, where)
    unknown = set(entry) - _SITE_FIELDS
    if unknown:
        e.fail(sorted(unknown)[0], f"unknown field (known: {', '.join(sorted(_SITE_FIELDS))})")
    kwargs: dict = {"name": _name(e), "start_urls": _start_urls(e)}
    if "allowed_hosts" in e:
        kwargs["allowed_hosts"] = _allowed_hosts(e, kwargs["start_urls"])
    for key, minimum, integer, strict in _NUMBER_FIELDS:
        if key in e:
            kwargs[key] = _number(e, key, minimum, integer, strict)
    for key, parse in (("allow_private_network", _private_network), ("report_patterns", _report_patterns),
                       ("user_agent", _user_agent), ("allowed_origins", _allowed_origins)):
        if key in e:
            kwargs[key] = parse(e)
    return Site(**kwargs)


def _name(e: _Entry) -> str:
    name = e.values.get("name")
    if not isinstance(name, str) or not name:
        e.fail("name", "missing (a folder name such as `wuhou-district`)")
    if not SAFE_NAME_RE.match(name) or name in {".", ".."}:
        e.fail("name", f"{name!r} is not a safe folder name (letters, digits, '_', '-', '.'; no '/')")
    return name


def _start_urls(e: _Entry) -> tuple[str, ...]:
    urls = e.values.get("start_urls")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls:
        e.fail("start_urls", "missing or empty (a list of listing-page URLs)")
    for u in urls:
        if not isinstance(u, str) or urlsplit(u).scheme not in SCHEMES or not urlsplit(u).hostname:
            e.fail("start_urls", f"{u!r} is not an absolute http(s) URL")
    return tuple(urls)


def _allowed_hosts(e: _Entry, urls: tuple[str, ...]) -> tuple[str, ...]:
    hosts = e["allowed_hosts"]
    if isinstance(hosts, str):
        hosts = [hosts]
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) and h.strip() for h in hosts):
        e.fail("allowed_hosts", "expected a non-empty list of host names")
    hosts = [h.strip().lower().rstrip(".") for h in hosts]
    for h in hosts:
        if "/" in h or ":" in h.strip("[]") and not is_ip(h.strip("[]")):
            e.fail("allowed_hosts", f"{h!r} is not a host name (no scheme, port or path)")
    for u in urls:
        if host_of(u) not in hosts:
            e.fail("allowed_hosts", f"does not include the host of start URL {u!r}")
    return tuple(hosts)


def _allowed_origins(e: _Entry) -> tuple[str, ...]:
    """``scheme://host[:port]`` entries, normalised to ``scheme://host:port``."""
    values = e["allowed_origins"]
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        e.fail("allowed_origins", "expected a list of origins such as https://files.example.gov.cn:8443")
    out = []
    for v in values:
        parts = urlsplit(v.strip())
        origin = origin_of(v.strip())
        if origin is None or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
            e.fail("allowed_origins", f"{v!r} is not an origin (http or https, a host, an optional port; no path)")
        out.append(format_origin(origin))
    return tuple(dict.fromkeys(out))


def _number(e: _Entry, key: str, minimum: float, integer: bool, strict: bool) -> int | float:
    v = e[key]
    ok_type = isinstance(v, int) if integer else isinstance(v, int | float)
    if isinstance(v, bool) or not ok_type or (v <= minimum if strict else v < minimum):
        kind = "an integer" if integer else "a number"
        e.fail(key, f"{v!r} must be {kind} {'>' if strict else '>='} {minimum:g}")
    return v if integer else float(v)


def _private_network(e: _Entry) -> bool:
    if not isinstance(e["allow_private_network"], bool):
        e.fail("allow_private_network", "expected true or false")
    return e["allow_private_network"]


def _report_patterns(e: _Entry) -> tuple[str, ...]:
    pats = e["report_patterns"]
    if isinstance(pats, str):
        pats = [pats]
    if not isinstance(pats, list) or not pats or not all(isinstance(p, str) and p for p in pats):
        e.fail("report_patterns", "expected a non-empty list of regular expressions")
    for p in pats:
        try:
            re.compile(p)
        except re.error as exc:
            e.fail("report_patterns", f"{p!r} is not a valid regular expression ({exc})")
    return tuple(pats)


def _user_agent(e: _Entry) -> str:
    ua = e["user_agent"]
    if not isinstance(ua, str) or not ua.strip() or any(c in ua for c in "\r\n"):
        e.fail("user_agent", "expected a non-empty single-line string")
    return ua.strip()
