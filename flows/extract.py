"""The extraction flow: discover documents, extract them in batches, write the dataset.

Thin by design: each task wraps a plain function from `extractors`, so everything here
is also callable (and tested) without Prefect. A task handles a batch of documents, never
a cell: Prefect's bookkeeping costs ~10 ms per task run.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from extractors.dataset.store import DatasetStore, WriteSummary, write_part
from extractors.pipeline import process_path
from extractors.records import DocResult
from extractors.settings import DEFAULT, Settings

# Documents per task. 20: a .txt report takes ~5 ms, so a batch costs ~0.1 s against ~10 ms
# of Prefect bookkeeping; small enough that progress on a long run updates often.
DEFAULT_BATCH_SIZE = 20
# Files that are never reports (our own outputs, OS debris, ground-truth files).
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
IGNORED_SUFFIXES = {".parquet", ".jsonl", ".json", ".yaml", ".yml", ".md", ".tmp", ".lock"}


@dataclass
class RunSummary:
    documents: int = 0
    skipped: int = 0  # already in the dataset with the same bytes and extractor version
    by_status: dict[str, int] = field(default_factory=dict)
    values: int = 0
    findings: int = 0
    dataset_reports: int = 0
    out: str = ""
    worst: list[tuple[str, str, str]] = field(default_factory=list)  # (source_path, status, reason)
    extract_seconds: float = 0.0  # time spent extracting and staging inside the tasks (all workers)
    write_seconds: float = 0.0  # time spent committing the dataset
    wall_seconds: float = 0.0  # the flow's own wall time

    def format(self) -> str:
        lines = [f"{self.documents} document(s) processed → {self.out}"
                 + (f" ({self.skipped} unchanged, skipped)" if self.skipped else "")]
        lines.append("  by status: " + (", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items())) or "nothing new"))
        lines.append(f"  values written: {self.values}; findings: {self.findings}; "
                     f"reports in dataset: {self.dataset_reports}")
        if self.worst:
            lines.append("  needing attention:")
            lines += [f"    {p} [{s}] {r}" for p, s, r in self.worst]
        return "\n".join(lines)


# Below this many documents to extract, one process beats several: forking the workers is
# cheap, but a small run finishes before they pay back (a .txt report takes ~10 ms).
PARALLEL_MIN_DOCS = 50


def warm_worker() -> None:
    """Build per-process state once: the matcher's indexes, jieba's dictionary, OpenCC."""
    from extractors.labels.matching import _jieba, matcher
    from extractors.labels.normalize import to_simplified

    matcher("fuzzy")
    _jieba()
    to_simplified("預熱")


def default_workers() -> int:
    return os.cpu_count() or 1


def task_runner(dask_address: str | None = None, dask_workers: int | None = None, workers: int | None = None):
    """The Prefect task runner: Dask (an existing cluster, or a local one of `dask_workers`
    processes), else threads that keep `workers` batches in flight (the CPU work of each
    batch then runs in a local worker process, see `extract_flow`)."""
    if dask_address or dask_workers:
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    return ThreadPoolTaskRunner(max_workers=max(1, workers or default_workers()))


class LocalPool:
    """Worker processes forked once per run, after the parent has built the matcher and
    loaded jieba, so each worker starts warm in milliseconds (copy-on-write). Prefect's own
    process runner spawns fresh interpreters that re-import everything (seconds each), which
    cost more than it saved on these ~10 ms documents (benchmarks/RESULTS.md)."""

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        warm_worker()
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
        # Start every worker now, before any task thread exists that could hold a lock at fork time.
        list(self.executor.map(_noop, range(workers)))

    def run(self, fn, *args):
        return self.executor.submit(fn, *args).result()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


# Batches per Dask worker: enough to balance uneven documents, few enough to keep the per-task
# cost small (the 1,000-document benchmark ran 1.44x faster on 2 workers than 1 with 50-document batches).
DASK_BATCHES_PER_WORKER = 4


def _dask_workers(runner) -> int:
    """Workers of the run's Dask cluster: the local cluster's size, else what the scheduler knows."""
    n = (getattr(runner, "cluster_kwargs", None) or {}).get("n_workers")
    if n:
        return int(n)
    try:
        return max(1, len(runner.client.scheduler_info()["workers"]))
    except Exception:  # an older prefect-dask or a cluster still starting: assume one
        return 1


def _shared_api_settings():
    """In embedded mode the flow's temporary Prefect server has no configured URL, so each Dask
    worker would start a server of its own (~10 s a worker). Put the running server's URL in the
    settings the task runner ships with every task, so workers report to the flow's server."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    if get_current_settings().api.url:
        return contextlib.nullcontext()
    with get_client(sync_client=True) as client:
        url = str(client.api_url).rstrip("/")
    return temporary_settings({PREFECT_API_URL: url})


def _noop(_):
    return os.getpid()


_POOL: LocalPool | None = None


def discover(input_path: Path) -> tuple[Path, list[Path]]:
    """(root, files): a single file is its own root's only member; folders are walked sorted."""
    input_path = Path(input_path)
    if input_path.is_file():
        return input_path.parent, [input_path]
    files = sorted(
        p for p in input_path.rglob("*")
        if p.is_file() and p.name not in IGNORED_NAMES and not p.name.startswith(".")
        and p.suffix.lower() not in IGNORED_SUFFIXES
    )
    return input_path, files


def batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def summarize(results: list[DocResult], written: WriteSummary, out: Path, skipped: int = 0,
              worst: int = 10) -> RunSummary:
    status = Counter(r.report["status"] for r in results)
    bad = [r.report for r in results if r.report["status"] != "ok"]
    bad.sort(key=lambda rep: (rep["status"] == "partial", rep["cells_found"] or 0, rep["source_path"]))
    return RunSummary(
        documents=len(results), skipped=skipped, by_status=dict(status), values=written.values,
        findings=written.findings, dataset_reports=written.total_reports, out=str(out),
        worst=[(r["source_path"], r["status"], (r["error"] or "")[:120]) for r in bad[:worst]],
    )


@dataclass
class Batch:
    reports: list[dict]  # the batch's report rows (for the summary)
    part: str | None  # the staged Parquet part holding all its rows
    seconds: float  # extraction and staging time inside the task


def extract_paths(paths: list[str], root: str, staging: str, settings: Settings = DEFAULT,
                  source_urls: dict[str, str] | None = None, fmt: str | None = None) -> Batch:
    """Extract a batch of files and stage its rows (plain function: what a task, a local
    worker process or a Dask worker runs). Only report rows travel back. `fmt` overrides
    the sniffed format."""
    start = time.perf_counter()
    results = [process_path(Path(p), Path(root), fmt=fmt, settings=settings) for p in paths]
    if source_urls:
        for r in results:
            r.report["source_url"] = source_urls.get(r.report["source_path"])
    part = write_part(results, Path(staging))
    return Batch([r.report for r in results], str(part) if part else None, time.perf_counter() - start)


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_batch(paths: list[str], root: str, staging: str, settings: Settings = DEFAULT,
                  source_urls: dict[str, str] | None = None, fmt: str | None = None) -> Batch:
    if _POOL is not None:
        return _POOL.run(extract_paths, paths, root, staging, settings, source_urls, fmt)
    return extract_paths(paths, root, staging, settings, source_urls, fmt)


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
    Dask workers do it and `processes` is ignored. `fmt` forces a format for every file
    instead of sniffing it (the format used is recorded either way).
    """
    started = time.perf_counter()
    settings = settings or Settings.from_env()
    root, files = discover(Path(input_path))
    if paths is not None:
        wanted = {Path(p).resolve() for p in paths}
        files = [f for f in files if f.resolve() in wanted]
    global _POOL
    with DatasetStore(Path(out)) as store:
        plan = store.plan(files, root, force)
        results: list[DocResult] = []
        dask = type(get_run_context().task_runner).__name__ == "DaskTaskRunner"
        n_proc = processes if processes is not None else default_workers()
        if not dask and n_proc > 1 and len(plan.todo) >= PARALLEL_MIN_DOCS:
            _POOL = LocalPool(n_proc)
            batch_size = min(batch_size, max(1, -(-len(plan.todo) // (4 * n_proc))))  # ≥4 batches a worker
        elif dask:
            # Each task on a Dask worker pays Prefect's task engine (~0.1-0.5 s): aim at about
            # DASK_BATCHES_PER_WORKER batches per worker instead of many small ones.
            n_workers = _dask_workers(get_run_context().task_runner)
            batch_size = max(batch_size, -(-len(plan.todo) // (DASK_BATCHES_PER_WORKER * n_workers)))
        try:
            api = _shared_api_settings() if dask else contextlib.nullcontext()
            with api:
                futures = [extract_batch.submit([str(p) for p in b], str(root), str(store.staging), settings,
                                                source_urls, fmt)
                           for b in batches(plan.todo, batch_size)]
            done, extract_s, write_s = 0, 0.0, 0.0
            for fut in as_completed(futures):
                batch = fut.result()
                if batch.part:
                    store.add_part(batch.part)  # staged on disk by the worker: memory stays bounded
                extract_s += batch.seconds
                results.extend(DocResult(r) for r in batch.reports)
                done += len(batch.reports)
                if progress and len(plan.todo) > batch_size:
                    print(f"  extracted {done}/{len(plan.todo)} documents", file=sys.stderr, flush=True)
        finally:
            if _POOL is not None:
                _POOL.close()
                _POOL = None
        t = time.perf_counter()
        written = store.commit(plan.path_ids)
        write_s += time.perf_counter() - t
    results.sort(key=lambda r: r.report["source_path"])
    summary = summarize(results, written, Path(out), plan.skipped)
    summary.extract_seconds, summary.write_seconds = extract_s, write_s
    summary.wall_seconds = time.perf_counter() - started
    return summary
