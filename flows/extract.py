"""The extraction flow: discover documents, extract them in batches, write the dataset.

Thin by design: each task wraps a plain function from `extractors`, so everything here
is also callable (and tested) without Prefect. A task handles a batch of documents, never
a cell: Prefect's bookkeeping costs ~10 ms per task run.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from extractors.dataset import DatasetStore, WriteSummary
from extractors.pipeline import DocResult, process_path

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
    extract_seconds: float = 0.0  # time spent extracting inside the tasks (all workers added up)
    write_seconds: float = 0.0  # time spent staging and committing the dataset
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


# Below this many documents to extract, one thread beats a process pool: starting a worker
# process (imports, jieba's dictionary, the matcher) costs ~2-3 s, a .txt report ~5 ms.
PROCESS_POOL_MIN_DOCS = 200


def warm_worker() -> None:
    """Build a worker's per-process state once: the matcher's indexes and jieba's dictionary."""
    from extractors.matching import _jieba, matcher

    matcher("fuzzy")
    _jieba()


def task_runner(workers: int | None = None, dask_address: str | None = None, dask_workers: int | None = None,
                n_docs: int | None = None):
    """The task runner for a run: a Dask cluster (existing, or a local one of `dask_workers`
    processes), else a pool of `workers` processes (default: every core), or one thread for
    `workers == 1` or a run too small to repay starting processes.

    Extraction is CPU-bound Python (pdfplumber, lxml walks, matching): threads would share
    one core, so a large run uses processes; each worker builds the matcher and jieba once.
    """
    if dask_address or dask_workers:
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    workers = workers or os.cpu_count() or 1
    if workers == 1 or (n_docs is not None and n_docs < PROCESS_POOL_MIN_DOCS):
        return ThreadPoolTaskRunner(max_workers=1)
    return ProcessPoolTaskRunner(max_workers=workers, initializer=warm_worker)


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
    results: list[DocResult]
    seconds: float  # extraction time inside the task


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_batch(paths: list[str], root: str, scorer: str = "fuzzy",
                  source_urls: dict[str, str] | None = None) -> Batch:
    start = time.perf_counter()
    results = [process_path(Path(p), Path(root), scorer=scorer) for p in paths]
    if source_urls:
        for r in results:
            r.report["source_url"] = source_urls.get(r.report["source_path"])
    return Batch(results, time.perf_counter() - start)


@flow(name="ogi-extract", log_prints=False)
def extract_flow(input_path: str, out: str = "data/processed", batch_size: int = DEFAULT_BATCH_SIZE,
                 progress: bool = True, scorer: str = "fuzzy", paths: list[str] | None = None,
                 source_urls: dict[str, str] | None = None, force: bool = False) -> RunSummary:
    """Extract every document under `input_path` into the dataset at `out`.

    `paths` restricts the run to these files under `input_path` (a crawl passes what is
    new); `source_urls` maps a path relative to `input_path` (POSIX) to the URL it was
    fetched from, recorded as `source_url`. Documents already stored with the same bytes
    and extractor version are skipped unless `force`.
    """
    started = time.perf_counter()
    root, files = discover(Path(input_path))
    if paths is not None:
        wanted = {Path(p).resolve() for p in paths}
        files = [f for f in files if f.resolve() in wanted]
    with DatasetStore(Path(out)) as store:
        plan = store.plan(files, root, force)
        results: list[DocResult] = []
        futures = [extract_batch.submit([str(p) for p in b], str(root), scorer, source_urls)
                   for b in batches(plan.todo, batch_size)]
        done, extract_s, write_s = 0, 0.0, 0.0
        for fut in as_completed(futures):
            batch = fut.result()
            t = time.perf_counter()
            store.stage(batch.results)  # on disk now: memory stays bounded by the batches in flight
            write_s += time.perf_counter() - t
            extract_s += batch.seconds
            results.extend(_light(r) for r in batch.results)
            done += len(batch.results)
            if progress and len(plan.todo) > batch_size:
                print(f"  extracted {done}/{len(plan.todo)} documents", file=sys.stderr, flush=True)
        t = time.perf_counter()
        written = store.commit(plan.path_ids)
        write_s += time.perf_counter() - t
    results.sort(key=lambda r: r.report["source_path"])
    summary = summarize(results, written, Path(out), plan.skipped)
    summary.extract_seconds, summary.write_seconds = extract_s, write_s
    summary.wall_seconds = time.perf_counter() - started
    return summary


def _light(r: DocResult) -> DocResult:
    """Keep only the report row for the summary; values and findings are staged on disk."""
    return DocResult(r.report)
