"""The polite crawler of government sites' report columns.

`sources` reads the SOURCES file, `safety` decides which origins, addresses, redirects and
downloads are acceptable, `fetch` sends one request on the clock (host throttle, retries,
the deadline's watchdog), `pages` reads fetched pages and names saved files, `crawler`
fetches a site politely into ``RAW/<site>/`` and `summary` adds up a crawl of many sites.

The names below are imported from their modules on first use (PEP 562): `ogi` imports this
package for every command, and the HTTP client behind the crawler (~0.2 s of imports) is
needed only by a crawl.
"""

from __future__ import annotations

import importlib

# public name -> the module that defines it
_WHERE = {
    "decode_html": "extractors.charset",
    **dict.fromkeys(("Crawler", "CrawlResult", "SavedFile", "crawl_site", "crawl_sites"), "extractors.crawl.crawler"),
    **dict.fromkeys(("HOST_THROTTLE", "HostThrottle"), "extractors.crawl.fetch"),
    **dict.fromkeys(("content_disposition_filename", "parse_page", "safe_filename"), "extractors.crawl.pages"),
    **dict.fromkeys(("DeadlineExceeded", "DownloadTooLarge", "FetchRefused", "check_address", "is_blocked_address"),
                    "extractors.crawl.safety"),
    **dict.fromkeys(("USER_AGENT", "Site", "SourcesError", "load_sources"), "extractors.crawl.sources"),
}

__all__ = list(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
