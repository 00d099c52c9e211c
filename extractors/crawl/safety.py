"""Network safety of the crawler: which addresses, redirects and downloads it accepts.

A request is refused (`FetchRefused`, never retried) when its origin (scheme, host, port)
is not one the site allows (`site_origins`), or when its host is (or resolves to) a
private, loopback, link-local, reserved or otherwise non-global address, unless the site
opts in with ``allow_private_network``. Redirects are followed hop by hop, each hop
checked again by the crawler; downloads are streamed and capped in bytes
(`DownloadTooLarge`) and by the clock (`Deadline`, `DeadlineExceeded`; the watchdog that
makes a blocked read return at the deadline is in `extractors.crawl.fetch`).

Known limit: the address check resolves the host before each request and httpx resolves
it again to connect, so a DNS answer that changes in between (DNS rebinding) is not caught.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

# Redirect hops followed per URL; RFC 9309 §2.3.1.2 asks for at least five for robots.txt.
MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# The port a URL without one connects to (RFC 9110 §4.2.1, §4.2.2).
DEFAULT_PORTS = {"http": 80, "https": 443}
SCHEMES = ("http", "https")


class FetchRefused(Exception):
    """A request the crawler will not make (off-host redirect, private address, robots.txt,
    bad scheme). Never retried."""


class DownloadTooLarge(Exception):
    """A download went past the site's max_download_mb."""


class DeadlineExceeded(Exception):
    """A download ran past its wall-clock deadline (max_download_seconds), or the site's
    crawl past its own (max_site_seconds: `site` is then true). Never retried."""

    def __init__(self, message: str, site: bool = False):
        super().__init__(message)
        self.site = site


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock by which something must end, and the one-line
    message naming the option that set it."""

    at: float
    message: str
    site: bool = False  # the site's deadline (max_site_seconds), not one download's

    @classmethod
    def after(cls, seconds: float, message: str, site: bool = False) -> Deadline:
        return cls(time.monotonic() + seconds, message, site)

    def left(self) -> float:
        """Seconds until the deadline (negative once it has passed)."""
        return self.at - time.monotonic()

    def exceeded(self) -> DeadlineExceeded:
        return DeadlineExceeded(self.message, self.site)

    def check(self) -> None:
        """Raise DeadlineExceeded once the deadline has passed."""
        if self.left() <= 0:
            raise self.exceeded()


def earliest(*deadlines: Deadline) -> Deadline:
    """The deadline that comes first."""
    return min(deadlines, key=lambda d: d.at)


def host_of(url: str) -> str:
    """The URL's host name, lower-cased, without a trailing dot ('' when it has none)."""
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def is_ip(text: str) -> bool:
    """Whether `text` is an IPv4 or IPv6 address literal."""
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def port_of(url: str) -> int:
    """The port a request to `url` connects to: its own, else its scheme's default."""
    parts = urlsplit(url)
    return parts.port or (DEFAULT_PORTS["https"] if parts.scheme == "https" else DEFAULT_PORTS["http"])


Origin = tuple[str, str, int]  # (scheme, host, port), host lower-cased, port explicit


def origin_of(url: str) -> Origin | None:
    """The URL's origin with its default port made explicit; None when it is not an
    http(s) URL with a host and a valid port."""
    parts = urlsplit(url)
    try:
        port = port_of(url)
    except ValueError:  # a port out of range or not a number
        return None
    host = host_of(url)
    if parts.scheme not in SCHEMES or not host:
        return None
    return parts.scheme, host, port


def format_origin(origin: Origin) -> str:
    """``scheme://host:port`` (IPv6 hosts in brackets)."""
    scheme, host, port = origin
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def site_origins(start_urls: Iterable[str], allowed_hosts: Iterable[str],
                 allowed_origins: Iterable[str] = ()) -> frozenset[Origin]:
    """The origins a site may request: each start URL's own; both schemes on their default
    ports for every allowed host (a start URL's host included); each listed origin. Any
    other port of an allowed host is refused (it may be a local service's, e.g. 127.0.0.1:4200)."""
    origins = {o for o in map(origin_of, [*start_urls, *allowed_origins]) if o}
    origins |= {(scheme, host, port) for host in allowed_hosts for scheme, port in DEFAULT_PORTS.items()}
    return frozenset(origins)


def on_allowed_origin(url: str, origins: frozenset[Origin]) -> bool:
    """An http(s) URL whose origin is one of `origins`."""
    return origin_of(url) in origins


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
    host, port = urlsplit(url).hostname or "", port_of(url)
    try:
        addrs = [host] if is_ip(host) else resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchRefused(f"cannot resolve host {host!r} ({exc})") from None
    for a in addrs:
        ip = ipaddress.ip_address(a.split("%", 1)[0])
        if is_blocked_address(ip):
            raise FetchRefused(f"host {host!r} resolves to non-public address {ip} "
                               "(set allow_private_network: true to allow it)")


def redirect_target(url: str, status: int, location: str | None) -> str | None:
    """The next hop of a redirect answer (fragment dropped), or None when it is not one."""
    if status in REDIRECT_STATUSES and location:
        return urldefrag(urljoin(url, location.strip()))[0]
    return None


def check_declared_length(content_length: str | None, cap: int, cap_mb: float) -> None:
    """Refuse a download whose Content-Length already exceeds the cap."""
    if content_length and content_length.isdigit() and int(content_length) > cap:
        raise DownloadTooLarge(f"Content-Length {int(content_length)} bytes exceeds the {cap_mb:g} MB cap")


def read_capped(chunks: Iterable[bytes], cap: int, truncate: bool, cap_mb: float,
                deadline: Deadline | None = None) -> bytes:
    """Join streamed `chunks` up to `cap` bytes: cut there when `truncate` (robots.txt),
    else raise DownloadTooLarge. The clock is read after every chunk: past `deadline`,
    DeadlineExceeded (a read that blocks is ended by the fetcher's watchdog)."""
    kept, total = [], 0
    for chunk in chunks:
        if deadline is not None:
            deadline.check()
        total += len(chunk)
        if total > cap:
            if truncate:
                kept.append(chunk[: cap - (total - len(chunk))])
                break
            raise DownloadTooLarge(f"download exceeds the {cap_mb:g} MB cap (aborted after {total} bytes)")
        kept.append(chunk)
    return b"".join(kept)
