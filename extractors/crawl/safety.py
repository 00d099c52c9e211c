"""Network safety of the crawler: which addresses, redirects and downloads it accepts.

A request is refused (`FetchRefused`, never retried) when its host is (or resolves to) a
private, loopback, link-local, reserved or otherwise non-global address, unless the site
opts in with ``allow_private_network``. Redirects are followed hop by hop, each hop
checked again by the crawler; downloads are streamed and capped in bytes and in
wall-clock time (`DownloadTooLarge`).

Known limit: the address check resolves the host before each request and httpx resolves
it again to connect, so a DNS answer that changes in between (DNS rebinding) is not caught.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from urllib.parse import urldefrag, urljoin, urlsplit

# Redirect hops followed per URL; RFC 9309 §2.3.1.2 asks for at least five for robots.txt.
MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Wall-clock bound on one download, whatever the server's drip rate (50 MB at 100 KB/s ≈ 8 min).
MAX_DOWNLOAD_SECONDS = 600.0
# Streamed downloads are read in chunks of this size.
CHUNK_BYTES = 64 * 1024
# The port a URL without one connects to (RFC 9110 §4.2.1, §4.2.2).
DEFAULT_PORTS = {"http": 80, "https": 443}
SCHEMES = ("http", "https")


class FetchRefused(Exception):
    """A request the crawler will not make (off-host redirect, private address, robots.txt,
    bad scheme). Never retried."""


class DownloadTooLarge(Exception):
    """A download went past the site's max_download_mb (or MAX_DOWNLOAD_SECONDS)."""


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


def on_allowed_host(url: str, allowed_hosts: Iterable[str]) -> bool:
    """An http(s) URL whose host is one of `allowed_hosts`."""
    return urlsplit(url).scheme in SCHEMES and host_of(url) in allowed_hosts


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


def read_capped(chunks: Iterable[bytes], cap: int, truncate: bool, cap_mb: float) -> bytes:
    """Join streamed `chunks` up to `cap` bytes: cut there when `truncate` (robots.txt),
    else raise DownloadTooLarge; also past MAX_DOWNLOAD_SECONDS."""
    kept, total, start = [], 0, time.monotonic()
    for chunk in chunks:
        total += len(chunk)
        if total > cap:
            if truncate:
                kept.append(chunk[: cap - (total - len(chunk))])
                break
            raise DownloadTooLarge(f"download exceeds the {cap_mb:g} MB cap (aborted after {total} bytes)")
        if time.monotonic() - start > MAX_DOWNLOAD_SECONDS:
            raise DownloadTooLarge(f"download took longer than {MAX_DOWNLOAD_SECONDS:g} s")
        kept.append(chunk)
    return b"".join(kept)
