"""The extraction flow: discover documents, extract them in batches, write the dataset.

Thin by design: each step is a plain function from `extractors` (`discover`, the
dataset store, `extract_paths`, `summarize`) or `flows.runtime` (where the batches run),
so everything here is also callable (and tested) without Prefect. A task handles a batch
of documents, never a cell: Prefect's bookkeeping costs ~10 ms per task run.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import as_completed

from extractors.dataset.batch import DEFAULT_BATCH_SIZE, Batch, batches, extract_paths
from extractors.dataset.remote import scan_url
from extractors.dataset.storage import is_url
from extractors.dataset.store import DatasetStore
from extractors.dataset.summary import RunSummary, summarize
from extractors.discover import only, scan
from extractors.export.derived import refresh_after_commit
from extractors.records import DocResult
from extractors.settings import DEFAULT, Settings
from flows.runtime import local_pool, plan_execution, run_in_pool, shared_api_settings


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_batch(paths: list[str], root: str, staging: str, settings: Settings = DEFAULT,
                  source_urls: dict[str, str] | None = None, fmt: str | None = None) -> Batch:
    return run_in_pool(extract_paths, paths, root, staging, settings, source_urls, fmt)


@flow(name="ogi-extract", log_prints=False)
def extract_flow(input_path: str, out: str = "data/processed", batch_size: int = DEFAULT_BATCH_SIZE,
                 progress: bool = True, settings: Settings | None = None, paths: list[str] | None = None,
                 source_urls: dict[str, str] | None = None, force: bool = False,
                 processes: int | None = None, fmt: str | None = None) -> RunSummary:
    """Extract every document under `input_path` into the dataset at `out`.

    `paths` restricts the run to these files under `input_path` (a crawl passes what is
    new); `source_urls` maps a path relative to `input_path` (POSIX) to the URL it was
    fetched from, recorded as `source_url`. Documents already stored with the same bytes
    and extractor version are skipped unless `force`. `processes` local worker processes do
    the CPU work (default: one per core; 1 = in this process); with a Dask task runner the
    Dask workers do it and `processes` is ignored. `input_path` and `out` may be URLs
    (`s3://…`): the workers then read the documents and stage their parts there. `fmt` forces a format for every file
    instead of sniffing it (the format used is recorded either way). Inputs not extracted
    (hidden, special files, symlink loops, unreadable) are counted in the summary.
    """
    started = time.perf_counter()
    with _collector_frozen():
        settings = settings or Settings.from_env()
        if is_url(input_path):  # object storage: listed here, read by the workers themselves
            root, files, found_skipped = scan_url(input_path)
            files = files if paths is None else [f for f in files if f in set(paths)]
        else:
            found = scan(Path(input_path))
            root, files, found_skipped = found.root, only(found.files, paths), found.skipped
        with DatasetStore(out) as store:
            plan = store.plan(files, root, force)
            runner = get_run_context().task_runner
            run = plan_execution(runner, len(plan.todo), batch_size, processes)
            with local_pool(run.local_workers):
                with shared_api_settings() if run.dask else contextlib.nullcontext():
                    futures = [extract_batch.submit([str(p) for p in b], str(root), str(store.staging), settings,
                                                    source_urls, fmt)
                               for b in batches(plan.todo, run.batch_size)]
                show = progress and len(plan.todo) > run.batch_size
                results, extract_s = _collect(futures, store, len(plan.todo) if show else None)
            t = time.perf_counter()
            written = store.commit(plan.path_ids)
            # agencies, labels, cross-year findings (extractors.export.derived); on object storage
            # and for large datasets `ogi derive` builds them
            derived_note = refresh_after_commit(Path(out)) if not is_url(out) else None
            write_s = time.perf_counter() - t
        results.sort(key=lambda r: r.report["source_path"])
        skipped = (found_skipped if paths is None else []) + plan.unreadable  # a crawl names its files
        summary = summarize(results, written, out if is_url(out) else Path(out), plan.skipped, skipped_inputs=skipped)
        summary.extract_seconds, summary.write_seconds = extract_s, write_s
        if derived_note:
            summary.notes.append(derived_note)
        summary.wall_seconds = time.perf_counter() - started
        return summary


@contextlib.contextmanager
def _collector_frozen():
    """The objects that exist when the run starts (Prefect's and the libraries', hundreds of
    thousands in this process) left out of the collector's full collections while the run
    makes its records, then handed back. In one process the collector is about 5% of a
    report's cost; in the flow's process its full collections walk those objects too."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _collect(futures: list, store: DatasetStore, total: int | None) -> tuple[list[DocResult], float]:
    """Register each batch's staged part with the store as batches complete; their report
    rows and the time spent inside the tasks. Prints progress out of `total` when given."""
    results: list[DocResult] = []
    extract_s = 0.0
    for fut in as_completed(futures):
        batch = fut.result()
        if batch.part:
            store.add_part(batch.part)  # staged on disk by the worker: memory stays bounded
        extract_s += batch.seconds
        results.extend(DocResult(r) for r in batch.reports)
        if total is not None:
            print(f"  extracted {len(results)}/{total} documents", file=sys.stderr, flush=True)
    return results, extract_s
