"""A batch of documents: extracted and staged by whichever worker runs it.

`extract_paths` is what a Prefect task, a local worker process or a Dask worker runs:
it extracts its files (local paths, or URLs it reads through fsspec) and writes their rows as a staged Parquet part
(`extractors.dataset.store.write_part`), so only the small report rows travel back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from extractors.dataset.remote import process_url
from extractors.dataset.storage import is_url
from extractors.dataset.store import write_part
from extractors.pipeline import process_path
from extractors.region import refine_with_url
from extractors.settings import DEFAULT, Settings

# Documents per task. 50: a .txt or HTML report takes 3-10 ms, so a batch costs 0.15-0.5 s against ~10 ms
# of Prefect bookkeeping; small enough that progress on a long run updates often.
DEFAULT_BATCH_SIZE = 50


@dataclass
class Batch:
    reports: list[dict]  # the batch's report rows (for the summary)
    part: str | None  # the staged Parquet part holding all its rows
    seconds: float  # extraction and staging time inside the task


def batches(items: list, size: int) -> list[list]:
    """`items` in consecutive slices of `size` (the last may be shorter)."""
    return [items[i:i + size] for i in range(0, len(items), size)]


def extract_paths(paths: list[str], root: str, staging: str, settings: Settings = DEFAULT,
                  source_urls: dict[str, str] | None = None, fmt: str | None = None) -> Batch:
    """Extract a batch of files and stage its rows (plain function: what a task, a local
    worker process or a Dask worker runs). Only report rows travel back. `fmt` overrides
    the sniffed format."""
    start = time.perf_counter()
    if is_url(root):  # on object storage: this worker reads the documents itself
        results = [process_url(p, root, fmt, settings) for p in paths]
    else:
        results = [process_path(Path(p), Path(root), fmt=fmt, settings=settings) for p in paths]
    if source_urls:
        for r in results:
            r.report["source_url"] = source_urls.get(r.report["source_path"])
            refine_with_url(r.report, r.findings)  # a region the URL's province domain settles
    part = write_part(results, staging)
    return Batch([r.report for r in results], str(part) if part else None, time.perf_counter() - start)
