"""What a crawl of several sites did, added up for the `ogi crawl` summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extractors.crawl.crawler import CrawlResult
from extractors.discover import printable

# Errors listed in the printed summary (all are in each site's _manifest.jsonl).
SUMMARY_ERRORS_SHOWN = 15


@dataclass
class CrawlSummary:
    """What a crawl did, across sites, and the extraction run on what was new."""

    sites: int = 0
    requests: int = 0
    fetched: int = 0
    not_modified: int = 0
    saved: int = 0  # new or changed files written
    unchanged: int = 0
    robots_disallowed: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (site, url, error)
    limits: list[tuple[str, str]] = field(default_factory=list)  # (site, the limit that stopped its crawl)
    new_files: dict[str, str] = field(default_factory=dict)  # path under RAW → URL
    extraction: Any = None  # the extraction's RunSummary, or None when nothing was new

    def format(self) -> str:
        lines = [f"{self.sites} site(s) crawled: {self.fetched} URL(s) fetched ({self.not_modified} not modified), "
                 f"{self.saved} file(s) new or changed, {self.unchanged} unchanged, "
                 f"{len(self.errors)} error(s), {self.robots_disallowed} skipped by robots.txt"]
        for site, limit in self.limits:  # a limit cut the crawl short: say so even when errors are many
            lines.append(printable(f"  [{site}] {limit}"))
        shown = [e for e in self.errors if (e[0], e[2]) not in self.limits]  # limits are listed above
        for site, url, err in shown[:SUMMARY_ERRORS_SHOWN]:
            lines.append(printable(f"  [{site}] {url}: {err}"))  # a server's text never reaches the terminal raw
        if len(shown) > SUMMARY_ERRORS_SHOWN:
            lines.append(f"  … {len(shown) - SUMMARY_ERRORS_SHOWN} more in the sites' _manifest.jsonl")
        if self.extraction is None:
            lines.append("nothing new to extract")
        else:
            lines.append(self.extraction.format())
        return "\n".join(lines)


def summarize_crawl(results: list[CrawlResult], extraction=None) -> CrawlSummary:
    """Add up the sites' results; `extraction` is the run over their new files, if any."""
    s = CrawlSummary(sites=len(results), extraction=extraction)
    for r in results:
        s.requests += r.requests
        s.fetched += r.fetched
        s.not_modified += r.not_modified
        s.saved += len(r.new_files)
        s.unchanged += r.unchanged
        s.robots_disallowed += len(r.robots_disallowed)
        s.errors += [(r.site, url, err) for url, err in r.errors]
        s.limits += [(r.site, limit) for limit in r.limits]
        s.new_files.update(r.source_urls)
    return s


def failed_site(site_name: str, start_url: str, exc: BaseException) -> CrawlResult:
    """The result of a site whose crawl raised: one error, nothing fetched."""
    return CrawlResult(site=site_name, errors=[(start_url, f"crawl failed: {exc}")])
