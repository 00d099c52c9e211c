"""The polite crawler of government sites' report columns.

`sources` reads the SOURCES file, `safety` decides which origins, addresses, redirects and
downloads are acceptable, `fetch` sends one request on the clock (host throttle, retries,
the deadline's watchdog), `pages` reads fetched pages and names saved files, `crawler`
fetches a site politely into ``RAW/<site>/`` and `summary` adds up a crawl of many sites.
"""

from extractors.charset import decode_html
from extractors.crawl.crawler import Crawler, CrawlResult, SavedFile, crawl_site, crawl_sites
from extractors.crawl.fetch import HOST_THROTTLE, HostThrottle
from extractors.crawl.pages import content_disposition_filename, parse_page, safe_filename
from extractors.crawl.safety import (
    DeadlineExceeded,
    DownloadTooLarge,
    FetchRefused,
    check_address,
    is_blocked_address,
)
from extractors.crawl.sources import USER_AGENT, Site, SourcesError, load_sources

__all__ = [
    "USER_AGENT", "Site", "SourcesError", "FetchRefused", "DownloadTooLarge", "DeadlineExceeded", "SavedFile",
    "CrawlResult", "Crawler", "HostThrottle", "HOST_THROTTLE", "load_sources", "crawl_site", "crawl_sites", "safe_filename",
    "content_disposition_filename", "decode_html", "parse_page", "check_address", "is_blocked_address",
]
