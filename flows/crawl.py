"""The nightly crawl: fetch new annual reports from the sites in a SOURCES file, then
extract what is new into the dataset.

Thin by design: one Prefect task per site wraps `extractors.crawl.crawl_site`, and the
extraction is the existing `ogi-extract` flow run on the new files only. Also here: the
deployment that serves the flow on a cron schedule. The `ogi crawl` / `ogi serve`
commands are in `flows.cli`.

Prefect is imported lazily: `ogi` imports this module for its defaults, and Prefect must
not be imported before the CLI has set PREFECT_HOME (Prefect reads its settings once, at
import). `crawl_flow` and `crawl_site_task` are therefore module attributes built on
first access (PEP 562); `from flows.crawl import crawl_flow` works as usual.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extractors.settings import Settings

if TYPE_CHECKING:  # the crawler is imported when the flow is built (its HTTP client is ~0.2 s)
    from extractors.crawl import CrawlResult, Site
    from extractors.crawl.summary import CrawlSummary

# 02:00 every night: government portals see least traffic at night, and a report published
# during the day is in the dataset the next morning.
DEFAULT_CRON = "0 2 * * *"
# The sites' own clock (China Standard Time, UTC+8, no daylight saving).
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_DEPLOYMENT_NAME = "nightly"
FLOW_NAME = "ogi-crawl"
DEFAULT_RAW = "data/raw"
DEFAULT_OUT = "data/processed"


@functools.cache
def _prefect_objects() -> dict[str, Any]:
    """Build the task and the flow (imports Prefect; see the module docstring)."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    from extractors.crawl import crawl_site, load_sources
    from extractors.crawl.summary import failed_site, summarize_crawl

    @task(name="crawl-site", task_run_name="crawl-{site.name}", cache_policy=NO_CACHE)
    def crawl_site_task(site: Site, raw: str) -> CrawlResult:
        return crawl_site(site, raw)

    @flow(name=FLOW_NAME, log_prints=False)
    def crawl_flow(sources: str, raw: str = DEFAULT_RAW, out: str = DEFAULT_OUT,
                   settings: Settings | None = None) -> CrawlSummary:
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
                results.append(failed_site(site.name, site.start_urls[0], exc))
        new = [f for r in results for f in r.new_files]
        extraction = None
        if new:
            extraction = extract_flow(raw, out, paths=[str(Path(raw) / f.path) for f in new],
                                      source_urls={f.path: f.url for f in new}, progress=False, settings=settings)
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
