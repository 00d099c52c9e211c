"""HTTP under the clock: one GET, with retries, that ends by its deadline whatever the server does.

A server that drips a byte at a time never trips a per-read timeout, so the deadline of a
download (and of the site's crawl) is kept by a `Watchdog`: a timer that, when the
deadline passes, shuts the request's connection down, so that a read blocked in the
middle of the TLS handshake, the response headers or the body returns at once. The clock
is also read after every received chunk (`extractors.crawl.safety.read_capped`), each
request's connect/read timeout shrinks to the time left, and backoff pauses and waits for
a host's turn never run past the deadline.

`HostThrottle` serialises and spaces the requests to one host; `Fetcher` sends one URL's
request (retried on timeouts, connection errors, 429 and 5xx) and reads its body under
the size cap, decoding gzip/deflate itself in bounded pieces (`decoded`), so a
compression bomb never expands more than DECODE_PIECE_BYTES at a time. Redirects, robots.txt and the allowed origins are the crawler's
(`extractors.crawl.crawler`).

Known limit: name resolution (the address check's and httpx's own) runs before a socket
exists and is bounded by the system resolver's timeouts, not by the watchdog.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import httpx

from extractors.crawl.safety import (
    Deadline,
    DownloadTooLarge,
    check_declared_length,
    host_of,
    read_capped,
)

# Backoff before retry n is base * 2**(n-1) (Site.retry_base_delay_seconds), capped here.
RETRY_MAX_DELAY_SECONDS = 60.0
# httpcore trace events whose return value is a new connection's network stream.
CONNECT_EVENTS = ("connection.connect_tcp.complete", "connection.start_tls.complete")
# No kept-alive connections: each request opens its own, so the watchdog sees the socket
# before the request is sent (a reused connection's would be known only once headers arrive).
NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
# The encodings `decoded` undoes; asked for explicitly, so that an installed brotli or
# zstandard package (httpx would then advertise br/zstd) changes nothing.
ACCEPT_ENCODING = "gzip, deflate"
# Most bytes one call to zlib may produce: a 64 KB read of a deflate bomb would otherwise
# expand to ≈ 66 MB at once (deflate's ratio is at most ≈ 1032:1).
DECODE_PIECE_BYTES = 256 * 1024
# zlib window bits: a gzip member; a zlib stream, else raw deflate (sent by some servers as "deflate").
GZIP_WBITS = (16 + zlib.MAX_WBITS,)
DEFLATE_WBITS = (zlib.MAX_WBITS, -zlib.MAX_WBITS)
# Floor of a request's shrunken timeout: a socket timeout of 0 would make it non-blocking.
MIN_TIMEOUT_SECONDS = 0.001


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
        def __init__(self, throttle: HostThrottle, host: str, delay: float, deadline: Deadline | None):
            self.t, self.host, self.delay, self.deadline = throttle, host, delay, deadline

        def __enter__(self):
            """Wait for the host's turn and its delay; DeadlineExceeded if that would end past the deadline."""
            self.lock = self.t._lock(self.host)
            if self.deadline is None:
                self.lock.acquire()
            elif not self.lock.acquire(timeout=max(0.0, self.deadline.left())):
                raise self.deadline.exceeded()
            wait = self.t._last.get(self.host, -1e9) + self.delay - time.monotonic()
            if self.deadline is not None and wait >= self.deadline.left():
                self.lock.release()
                raise self.deadline.exceeded()
            if wait > 0:
                time.sleep(wait)

        def __exit__(self, *exc):
            self.t._last[self.host] = time.monotonic()
            self.lock.release()

    def slot(self, host: str, delay: float, deadline: Deadline | None = None) -> HostThrottle._Slot:
        return HostThrottle._Slot(self, host, delay, deadline)


HOST_THROTTLE = HostThrottle()


# ---------------------------------------------------------------- the watchdog


class Watchdog:
    """Shuts one request's connection down when `deadline` passes (use as a context manager).

    Sockets are registered through httpcore's ``trace`` request extension as the connection
    is made, and from the response's ``network_stream`` (a kept-alive connection). Each is
    held as a duplicate descriptor, closed on exit: shutting it down ends the connection's
    reads, and it can never be a descriptor closed and reused meanwhile by someone else.
    """

    def __init__(self, deadline: Deadline):
        self.deadline = deadline
        self.fired = False
        self._done = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline.left()), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True
            socks, self._socks = self._socks, []
        for s in socks:
            s.close()

    def trace(self, event: str, info: dict) -> None:
        """httpcore's trace callback: watch each connection as soon as it exists."""
        if event in CONNECT_EVENTS:
            self.watch(info.get("return_value"))

    def watch(self, stream) -> None:
        """Watch the socket of an httpcore network stream (ignored when it has none)."""
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        try:
            dup = socket.socket(fileno=os.dup(sock.fileno()))
        except OSError:  # already closed: nothing left to end
            return
        with self._lock:
            if self._done:
                dup.close()
                return
            self._socks.append(dup)
            if self.fired:
                _shutdown(dup)

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            for s in self._socks:
                _shutdown(s)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


# ---------------------------------------------------------------- bodies


def decoded(raw: Iterable[bytes], content_encoding: str | None) -> Iterator[bytes]:
    """The body's bytes with its Content-Encoding undone, in pieces of at most
    DECODE_PIECE_BYTES. gzip and deflate are decoded (nested ones too, innermost last);
    identity and unknown codings pass through unchanged, as httpx does."""
    pieces: Iterable[bytes] = raw
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            pieces = _inflate(pieces, GZIP_WBITS, coding)
        elif coding == "deflate":
            pieces = _inflate(pieces, DEFLATE_WBITS, coding)
    return iter(pieces)


def _inflate(pieces: Iterable[bytes], wbits: tuple[int, ...], coding: str) -> Iterator[bytes]:
    """Decompress `pieces` in outputs of at most DECODE_PIECE_BYTES; stop reading at the
    end of the stream (bytes after it are ignored, never read on)."""
    d, started = zlib.decompressobj(wbits[0]), False
    for data in pieces:
        while data:
            try:
                out = d.decompress(data, DECODE_PIECE_BYTES)
            except zlib.error as exc:
                if started or len(wbits) == 1:
                    raise httpx.DecodingError(f"cannot decode the {coding} body ({exc})") from None
                d, started = zlib.decompressobj(wbits[1]), True  # not a zlib stream: raw deflate
                continue
            started, data = True, d.unconsumed_tail
            if out:
                yield out
            if d.eof:
                return
            if not data and len(out) == DECODE_PIECE_BYTES:  # output may be pending: drain it
                while (out := d.decompress(b"", DECODE_PIECE_BYTES)):
                    yield out
    if rest := d.flush():
        yield rest


# ---------------------------------------------------------------- one request


@dataclass
class Response:
    url: str  # final URL after redirects
    status: int
    headers: httpx.Headers
    body: bytes | None  # None for 304 and for bodies not read (errors)


class Retry(Exception):
    """A retryable HTTP status (5xx, 429)."""

    def __init__(self, message: str, retry_after: str | None = None):
        super().__init__(message)
        self.retry_after = retry_after


RETRYABLE = (Retry, httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def backoff(base: float, attempt: int, retry_after: str | None) -> float:
    """The pause before retry `attempt` + 1 (a longer numeric Retry-After wins, up to the cap)."""
    delay = base * 2 ** (attempt - 1)
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, float(retry_after))
    return min(delay, RETRY_MAX_DELAY_SECONDS)


def describe(exc: BaseException) -> str:
    """The one-line error a failed fetch is logged with."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {exc}"
    if isinstance(exc, Retry):
        return f"{exc} (after retries)"
    if isinstance(exc, DownloadTooLarge):
        return f"too large: {exc}"
    return str(exc)


def new_client(user_agent: str) -> httpx.Client:
    """The crawler's own client: its User-Agent, no automatic redirects (each hop is
    checked first), no kept-alive connections (see NO_KEEPALIVE)."""
    return httpx.Client(headers={"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING},
                        follow_redirects=False, limits=NO_KEEPALIVE)


class Fetcher:
    """Sends one crawl's requests: throttled per host, retried, capped and on the clock.
    Counts requests in `requests`; `responded` says whether any got an HTTP response."""

    def __init__(self, client: httpx.Client, throttle: HostThrottle, *, timeout: float, retries: int,
                 retry_base_delay: float, cap_mb: float, sleep: Callable[[float], None] = time.sleep):
        self.client, self.throttle, self.sleep = client, throttle, sleep
        self.timeout, self.retries, self.retry_base_delay, self.cap_mb = timeout, retries, retry_base_delay, cap_mb
        self.requests = 0
        self.responded = False

    def get(self, url: str, headers: dict[str, str], cap: int, truncate: bool, deadline: Deadline,
            delay: float, form: dict[str, str] | None = None) -> Response:
        """GET `url` (POST `form` when given, as a CMS's list script does; no redirects
        followed), retrying as the site says, ended by `deadline`."""
        attempts = max(1, self.retries)
        for attempt in range(1, attempts + 1):
            deadline.check()
            try:
                with self.throttle.slot(host_of(url), delay, deadline), Watchdog(deadline) as dog:
                    try:
                        return self._attempt(url, headers, cap, truncate, deadline, dog, attempt < attempts, form)
                    except httpx.HTTPError:
                        if dog.fired or deadline.left() <= 0:
                            raise deadline.exceeded() from None
                        raise
            except RETRYABLE as exc:
                if attempt >= attempts:
                    raise
                pause = backoff(self.retry_base_delay, attempt, getattr(exc, "retry_after", None))
                if pause >= deadline.left():
                    raise deadline.exceeded() from None
                self.sleep(pause)
        raise AssertionError("unreachable")

    def _attempt(self, url: str, headers: dict[str, str], cap: int, truncate: bool, deadline: Deadline,
                 dog: Watchdog, may_retry: bool, form: dict[str, str] | None = None) -> Response:
        self.requests += 1
        timeout = httpx.Timeout(min(self.timeout, max(deadline.left(), MIN_TIMEOUT_SECONDS)))
        headers = {"Accept-Encoding": ACCEPT_ENCODING, **headers}
        with self.client.stream("POST" if form is not None else "GET", url, headers=headers, data=form,
                                timeout=timeout, extensions={"trace": dog.trace}) as r:
            dog.watch(r.extensions.get("network_stream"))
            self.responded = True
            if r.status_code >= 500 or r.status_code == 429:
                if may_retry:
                    raise Retry(f"HTTP {r.status_code}", r.headers.get("retry-after"))
                return Response(url, r.status_code, r.headers, None)
            body = None
            if r.status_code == 200:
                if not truncate:
                    check_declared_length(r.headers.get("content-length"), cap, self.cap_mb)
                # Each piece as it arrives (the clock is read per read), decoded in bounded pieces.
                pieces = decoded(r.iter_raw(), r.headers.get("content-encoding"))
                body = read_capped(pieces, cap, truncate, self.cap_mb, deadline)
                if dog.fired:  # the shutdown ended a body delimited by the connection's close
                    raise deadline.exceeded()
            return Response(url, r.status_code, r.headers, body)

