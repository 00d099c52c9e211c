"""What a crawl of several sites did, added up for the `ogi crawl` summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extractors.crawl.crawler import CrawlResult
from extractors.crawl.reach import ColumnReach
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
    reports: int = 0  # report pages reached (saved, unchanged or 304)
    attachments: int = 0  # attachments fetched (saved, unchanged or 304)
    columns: list[tuple[str, ColumnReach]] = field(default_factory=list)  # (site, a CMS column's reach)
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)  # site → reason → URLs skipped
    images: int = 0  # images written into saved report pages (tables printed as images)
    image_skips: list[tuple[str, str, str]] = field(default_factory=list)  # (site, image URL, reason)

    @property
    def warnings(self) -> list[tuple[str, str]]:
        """(site, warning) for every CMS column read short of what its pager announces."""
        return [(site, w) for site, c in self.columns if (w := c.warning)]
    extraction: Any = None  # the extraction's RunSummary, or None when nothing was new

    def format(self) -> str:
        lines = [f"{self.sites} site(s) crawled: {self.fetched} URL(s) fetched ({self.not_modified} not modified), "
                 f"{self.saved} file(s) new or changed, {self.unchanged} unchanged, "
                 f"{len(self.errors)} error(s), {self.robots_disallowed} skipped by robots.txt"]
        for site, limit in self.limits:  # a limit cut the crawl short: say so even when errors are many
            lines.append(printable(f"  [{site}] {limit}"))
        for site, warning in self.warnings:  # a column read short: never silence
            lines.append(printable(f"  [{site}] warning: {warning}"))
        lines.append(f"{self.reports} report page(s) and {self.attachments} attachment(s) reached, "
                     f"{len(self.columns)} CMS column(s) paged")
        for site, col in self.columns:
            if col.warning is None:
                lines.append(printable(f"  [{site}] {col.line()}"))
        if self.images or self.image_skips:
            lines.append(f"{self.images} image(s) of report pages written into the saved pages, "
                         f"{len(self.image_skips)} skipped")
            for site, url, why in self.image_skips[:SUMMARY_ERRORS_SHOWN]:
                lines.append(printable(f"  [{site}] image {url}: {why}"))
        for site, reasons in self.skipped.items():
            detail = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
            lines.append(printable(f"  [{site}] skipped: {detail}"))
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
        s.reports += r.reports
        s.attachments += r.attachments
        s.columns += [(r.site, c) for c in r.columns]
        s.images += r.images
        s.image_skips += [(r.site, url, why) for url, why in r.image_skips]
        reasons = skip_reasons(r)
        if reasons:
            s.skipped[r.site] = reasons
    return s


def skip_reasons(r: CrawlResult) -> dict[str, int]:
    """URLs not fetched or not saved, counted by the kind of reason (the first words of the error)."""
    out: dict[str, int] = {}
    for reason in ["disallowed by robots.txt"] * len(r.robots_disallowed) + [_reason(e) for _, e in r.errors]:
        out[reason] = out.get(reason, 0) + 1
    return out


def _reason(error: str) -> str:
    """'HTTP 404', 'timeout', 'too large', 'origin not allowed', … of a one-line error."""
    head = error.split(":", 1)[0].split(" (", 1)[0]
    if head.startswith("origin "):
        return "origin not allowed"
    return head[:60]


def failed_site(site_name: str, start_url: str, exc: BaseException) -> CrawlResult:
    """The result of a site whose crawl raised: one error, nothing fetched."""
    return CrawlResult(site=site_name, errors=[(start_url, f"crawl failed: {exc}")])
