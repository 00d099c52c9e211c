"""The nightly crawl: fetch new annual reports from the sites in a SOURCES file, then
extract what is new into the dataset.

Thin by design: one Prefect task per site wraps `extractors.crawl.crawler.crawl_site`, and the
extraction is the existing `ogi-extract` flow run on the new files only. Also here: the
deployment that serves the flow on a cron schedule, and the `ogi crawl` / `ogi serve`
command-line glue (`add_parsers`, `cmd_crawl`, `cmd_serve`).

Prefect is imported lazily: `ogi` imports this module for its parser, and Prefect must
not be imported before the CLI has set PREFECT_HOME (Prefect reads its settings once, at
import). `crawl_flow` and `crawl_site_task` are therefore module attributes built on
first access (PEP 562); `from flows.crawl import crawl_flow` works as usual.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.crawl import CrawlResult, Site, SourcesError, crawl_site, load_sources

# 02:00 every night: government portals see least traffic at night, and a report published
# during the day is in the dataset the next morning.
DEFAULT_CRON = "0 2 * * *"
# The sites' own clock (China Standard Time, UTC+8, no daylight saving).
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_DEPLOYMENT_NAME = "nightly"
FLOW_NAME = "ogi-crawl"
DEFAULT_RAW = "data/raw"
DEFAULT_OUT = "data/processed"
EXIT_OK, EXIT_NOTHING_FETCHED, EXIT_USAGE = 0, 1, 2
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
    new_files: dict[str, str] = field(default_factory=dict)  # path under RAW → URL
    extraction: Any = None  # flows.extract.RunSummary, or None when nothing was new

    def format(self) -> str:
        lines = [f"{self.sites} site(s) crawled: {self.fetched} URL(s) fetched ({self.not_modified} not modified), "
                 f"{self.saved} file(s) new or changed, {self.unchanged} unchanged, "
                 f"{len(self.errors)} error(s), {self.robots_disallowed} skipped by robots.txt"]
        for site, url, err in self.errors[:SUMMARY_ERRORS_SHOWN]:
            lines.append(f"  [{site}] {url}: {err}")
        if len(self.errors) > SUMMARY_ERRORS_SHOWN:
            lines.append(f"  … {len(self.errors) - SUMMARY_ERRORS_SHOWN} more in the sites' _manifest.jsonl")
        if self.extraction is None:
            lines.append("nothing new to extract")
        else:
            lines.append(self.extraction.format())
        return "\n".join(lines)


def summarize_crawl(results: list[CrawlResult], extraction=None) -> CrawlSummary:
    s = CrawlSummary(sites=len(results), extraction=extraction)
    for r in results:
        s.requests += r.requests
        s.fetched += r.fetched
        s.not_modified += r.not_modified
        s.saved += len(r.new_files)
        s.unchanged += r.unchanged
        s.robots_disallowed += len(r.robots_disallowed)
        s.errors += [(r.site, url, err) for url, err in r.errors]
        s.new_files.update(r.source_urls)
    return s


@functools.cache
def _prefect_objects() -> dict[str, Any]:
    """Build the task and the flow (imports Prefect; see the module docstring)."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    @task(name="crawl-site", task_run_name="crawl-{site.name}", cache_policy=NO_CACHE)
    def crawl_site_task(site: Site, raw: str) -> CrawlResult:
        return crawl_site(site, raw)

    @flow(name=FLOW_NAME, log_prints=False)
    def crawl_flow(sources: str, raw: str = DEFAULT_RAW, out: str = DEFAULT_OUT) -> CrawlSummary:
        """Crawl every site in `sources` into `raw/<site>/` (sites in parallel), then
        extract the new or changed files into the dataset at `out`, with their URLs."""
        from flows.extract import extract_flow

        sites = load_sources(sources)
        futures = [crawl_site_task.submit(site, raw) for site in sites]
        results: list[CrawlResult] = []
        for site, fut in zip(sites, futures, strict=True):
            try:
                results.append(fut.result())
            except Exception as exc:  # one broken site never stops the others
                results.append(CrawlResult(site=site.name, errors=[(site.start_urls[0], f"crawl failed: {exc}")]))
        new = [f for r in results for f in r.new_files]
        extraction = None
        if new:
            extraction = extract_flow(raw, out, paths=[str(Path(raw) / f.path) for f in new],
                                      source_urls={f.path: f.url for f in new}, progress=False)
        return summarize_crawl(results, extraction)

    return {"crawl_flow": crawl_flow, "crawl_site_task": crawl_site_task}


def __getattr__(name: str):
    if name in ("crawl_flow", "crawl_site_task"):
        return _prefect_objects()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_deployment(sources: str, cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE, *,
                     raw: str = DEFAULT_RAW, out: str = DEFAULT_OUT, name: str = DEFAULT_DEPLOYMENT_NAME):
    """The crawl flow as a Prefect deployment (a RunnerDeployment) on a cron schedule.

    Paths are made absolute so runs do not depend on the worker's directory. The
    entrypoint is the module path `flows.crawl.crawl_flow`. Raises ValueError for a bad
    cron expression or time zone.
    """
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    params = {"sources": str(Path(sources).resolve()), "raw": str(Path(raw).resolve()),
              "out": str(Path(out).resolve())}
    return _prefect_objects()["crawl_flow"].to_deployment(
        name=name,
        schedules=[Cron(cron, timezone=timezone)],
        parameters=params,
        description=f"Crawl the sites in {params['sources']} and extract new reports ({cron}, {timezone}).",
        tags=["ogi-reports", "crawl"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve_crawl(sources: str, cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE, *,
                raw: str = DEFAULT_RAW, out: str = DEFAULT_OUT, name: str = DEFAULT_DEPLOYMENT_NAME) -> None:
    """Register the scheduled deployment and run its flow runs in this process until
    interrupted. Needs a long-lived Prefect server (PREFECT_API_URL): Prefect's
    temporary server has no scheduler, so nothing would ever run."""
    from prefect import serve

    serve(build_deployment(sources, cron, timezone, raw=raw, out=out, name=name))


# ---------------------------------------------------------------- command line


def add_parsers(subparsers) -> None:
    """Add `crawl` and `serve` to the `ogi` sub-command parsers."""
    cr = subparsers.add_parser(
        "crawl", help="crawl the report columns in SOURCES.yaml and extract what is new",
        description="Fetch new or changed reports from the sites in SOURCES.yaml into RAW/<site>/, "
                    "then extract them into the dataset (see docs/crawling.md).")
    cr.add_argument("sources", metavar="SOURCES.yaml", help="the sites to crawl")
    cr.add_argument("--raw", default=DEFAULT_RAW, help=f"where downloads go (default: {DEFAULT_RAW})")
    cr.add_argument("--out", default=DEFAULT_OUT, help=f"dataset folder (default: {DEFAULT_OUT})")
    se = subparsers.add_parser(
        "serve", help="run the crawl on a schedule (needs a Prefect server)",
        description="Serve the crawl flow as a Prefect deployment on a cron schedule until interrupted. "
                    "Needs a long-lived Prefect server: `prefect server start`, then PREFECT_API_URL.")
    se.add_argument("sources", metavar="SOURCES.yaml", help="the sites to crawl")
    se.add_argument("--cron", default=DEFAULT_CRON, help=f"cron expression (default: '{DEFAULT_CRON}')")
    se.add_argument("--timezone", default=DEFAULT_TIMEZONE, help=f"IANA time zone (default: {DEFAULT_TIMEZONE})")
    se.add_argument("--name", default=DEFAULT_DEPLOYMENT_NAME,
                    help=f"deployment name (default: {DEFAULT_DEPLOYMENT_NAME})")
    se.add_argument("--raw", default=DEFAULT_RAW, help=f"where downloads go (default: {DEFAULT_RAW})")
    se.add_argument("--out", default=DEFAULT_OUT, help=f"dataset folder (default: {DEFAULT_OUT})")


def _error(msg: str) -> int:
    print(f"Error: {msg}", file=sys.stderr)
    return EXIT_USAGE


def _check_sources(path: str) -> list[Site] | None:
    try:
        return load_sources(path)
    except SourcesError as exc:
        _error(str(exc))
        return None


def _api_url() -> str | None:
    """The configured Prefect API (env or profile); None means Prefect's temporary server."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def cmd_crawl(args) -> int:
    """`ogi crawl`: 0 done; 1 no URL could be fetched at all; 2 usage error."""
    if _check_sources(args.sources) is None:
        return EXIT_USAGE
    from flows.cli import _prefect_env, _quiet_shutdown  # lazy: flows.cli imports this module

    _prefect_env()
    with _quiet_shutdown():
        summary = _prefect_objects()["crawl_flow"](str(args.sources), args.raw, args.out)
    print(summary.format())
    if summary.fetched == 0:
        print("Error: nothing could be fetched from any site", file=sys.stderr)
        return EXIT_NOTHING_FETCHED
    return EXIT_OK


def cmd_serve(args) -> int:
    """`ogi serve`: serves until interrupted; 2 for a usage error (bad SOURCES, cron or
    time zone, no Prefect server configured)."""
    if _check_sources(args.sources) is None:
        return EXIT_USAGE
    from flows.cli import _prefect_env

    _prefect_env()
    if not _api_url():
        return _error("`ogi serve` needs a long-lived Prefect server: run `prefect server start` and set "
                      "PREFECT_API_URL (e.g. http://127.0.0.1:4200/api); see docs/crawling.md")
    try:
        deployment = build_deployment(args.sources, args.cron, args.timezone, raw=args.raw, out=args.out,
                                      name=args.name)
    except ValueError as exc:
        return _error(f"invalid schedule or name: {exc}")
    from prefect import serve

    print(f"Serving {FLOW_NAME}/{args.name}: '{args.cron}' ({args.timezone}) on {args.sources}; "
          "Ctrl+C to stop", file=sys.stderr)
    serve(deployment)
    return EXIT_OK
