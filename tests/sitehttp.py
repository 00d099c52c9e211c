"""The HTTP side shared by the crawler tests' fixture servers (tests/test_crawl.py,
tests/test_crawl_cms.py): a quiet request handler that answers with a body, or with 304 when
the request's validators (If-None-Match, else If-Modified-Since) match it."""

from __future__ import annotations

import hashlib
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler

# Every fixture file's Last-Modified (a fixed date, so a second crawl can be conditional).
LAST_MODIFIED = "Mon, 15 Jan 2024 08:00:00 GMT"


class ConditionalHandler(BaseHTTPRequestHandler):
    """`send` writes a response; `conditional` sends a body with its ETag and Last-Modified,
    or 304 when the request already holds that version."""

    def log_message(self, *args):  # keep pytest output clean
        pass

    def conditional(self, body: bytes, ctype: str, extra: dict | None = None) -> int:
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if (inm and etag in [t.strip() for t in inm.split(",")]) or (
                not inm and ims and parsedate_to_datetime(ims) >= parsedate_to_datetime(LAST_MODIFIED)):
            return self.send(304, b"", None, validators)
        return self.send(200, body, ctype, {**validators, **(extra or {})})

    def send(self, status: int, body: bytes, ctype: str | None, headers: dict | None = None) -> int:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        return status
