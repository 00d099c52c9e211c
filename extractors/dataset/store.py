"""The Parquet dataset: reports.parquet, values.parquet, findings.parquet under one folder.

`DatasetStore` is the only writer. It is

* incremental: `plan()` identifies the input files by the sha256 of their bytes
  (streamed, whatever their size) and skips documents already stored with the same
  bytes and the same extractor version (`force` re-extracts); a file unchanged since it
  was last hashed (same path, size, modification and change time: the index
  `_files.parquet`, `extractors.dataset.identity`) is recognised without being read;
  identical bytes at several paths are extracted once and stored as one report with all
  its paths;
* an upsert: a re-extracted report replaces its old rows; a path that now holds other
  bytes moves to the new report; every other report is kept untouched;
* memory-bounded: each finished batch is staged to disk (`stage()`), and `commit()`
  streams the old files and the staged parts into new files batch by batch, so no
  table is ever held whole in memory;
* atomic for readers: a commit writes a complete new version folder and switches one
  pointer in a single rename (`extractors.dataset.layout`), so whenever a writer is
  stopped, `kill -9` included, the folder holds one complete version; the previous
  version stays until the next commit succeeds;
* exclusive: a lock refuses a second concurrent writer with a clear message; a lock left
  by a dead run is taken over (`extractors.dataset.lock`).

Reading the dataset back (`read_table`, `query_findings`) is `extractors.dataset.query`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from extractors.dataset import layout
from extractors.dataset.identity import FileIndex, file_key, stamp
from extractors.dataset.lock import LOCK, DatasetLocked, WriterLock
from extractors.discover import HASH_CHUNK, UNREADABLE, file_sha256, source_name
from extractors.records import EXTRACTOR_VERSION, DocResult
from schemas import FINDINGS, REPORTS, VALUES

__all__ = ["FILES", "HASH_CHUNK", "LOCK", "STAGING", "DatasetLocked", "DatasetStore", "Plan", "WriteSummary",
           "file_sha256", "write_dataset", "write_part"]

FILES = {"reports": ("reports.parquet", REPORTS), "values": ("values.parquet", VALUES),
         "findings": ("findings.parquet", FINDINGS)}
STAGING = ".staging"
# Rows per batch when streaming an old file into its replacement. 64k rows of values is
# ~10 MB in memory: small against a worker's budget, large enough for fast Parquet I/O.
STREAM_BATCH_ROWS = 65_536


@dataclass
class WriteSummary:
    reports: int  # reports written or updated by this run
    values: int
    findings: int
    total_reports: int  # reports in the dataset after the run
    skipped: int = 0  # documents already in the dataset with the same bytes and extractor version


@dataclass
class Plan:
    """What a run must extract: one path per new report_id, and where every path points."""

    todo: list[Path] = field(default_factory=list)
    path_ids: dict[str, str] = field(default_factory=dict)  # rel path → report_id, for every input file
    skipped: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (rel path, reason): could not be hashed
    hashed: int = 0  # files read to compute their hash
    recognised: int = 0  # files the index knew unchanged: not read at all
    stamps: dict[bytes, tuple[int, int, int, str]] = field(default_factory=dict)  # this run's index entries


def conform(t: pa.Table, schema: pa.Schema) -> pa.Table:
    """`t` in `schema`: a column the table lacks (a dataset written before the column was
    added) is null; then cast. Columns the schema no longer has are dropped."""
    missing = [f for f in schema if f.name not in t.column_names]
    for f in missing:
        t = t.append_column(f.name, pa.nulls(t.num_rows, f.type))
    return t.select(schema.names).cast(schema)


def _table(records: list[dict], schema: pa.Schema) -> pa.Table:
    cols = {f.name: [rec.get(f.name) for rec in records] for f in schema}
    return pa.Table.from_pydict(cols, schema=schema)


class DatasetStore:
    """The dataset folder, opened for writing (use as a context manager)."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self._lock = WriterLock(self.out)
        self._stamps: dict[bytes, tuple[int, int, int, str]] = {}
        self.staged: list[Path] = []

    # ---- lifecycle --------------------------------------------------------------------
    def __enter__(self) -> DatasetStore:
        self.out.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            self.recover()
            self.staging = self.out / STAGING
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging.mkdir()
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.out / STAGING, ignore_errors=True)
        self._lock.release()

    @property
    def took_over_from(self) -> str | None:
        """The dead run whose lock this store took over, if it did."""
        return self._lock.took_over_from

    def recover(self) -> None:
        """Drop what a killed commit left; migrate a folder of the old layout."""
        layout.recover(self.out)

    # ---- reading ----------------------------------------------------------------------
    def index(self) -> dict[str, dict]:
        """report_id → {version, paths, source_url} of every stored report."""
        folder = layout.snapshot(self.out)
        if folder is None:
            return {}
        t = pq.read_table(folder / FILES["reports"][0],
                          columns=["report_id", "extractor_version", "source_paths", "source_url"])
        return {rid: {"version": ver, "paths": list(paths or []), "source_url": url}
                for rid, ver, paths, url in zip(*(t.column(i).to_pylist() for i in range(4)), strict=True)}

    def file_index(self) -> FileIndex:
        """The stored (path, size, mtime, ctime) → report_id index of the current version."""
        return FileIndex.read(layout.snapshot(self.out))

    def plan(self, files: list[Path], root: Path, force: bool = False) -> Plan:
        """Identify the inputs (hashing only files the index does not know unchanged, and
        every file if forced); keep one path per report_id that is not stored yet (or all,
        if forced). Files that cannot be read are listed in `Plan.unreadable`."""
        known = self.index()
        stored = FileIndex() if force else self.file_index()
        plan = Plan()
        chosen: set[str] = set()
        for f in files:
            rel = source_name(f, root)[0]
            key = file_key(f)
            try:
                st = os.stat(f)
                rid = stored.lookup(key, st)
                if rid is None:
                    rid = file_sha256(f)
                    plan.hashed += 1
                else:
                    plan.recognised += 1
            except OSError as exc:
                plan.unreadable.append((rel, f"{UNREADABLE}: {exc.strerror or exc}"))
                continue
            plan.stamps[key] = (*stamp(st), rid)
            plan.path_ids[rel] = rid
            if rid in chosen:
                continue
            chosen.add(rid)
            if not force and rid in known and known[rid]["version"] == EXTRACTOR_VERSION:
                plan.skipped += 1
                continue
            plan.todo.append(f)
        self._stamps.update(plan.stamps)
        return plan

    # ---- writing ----------------------------------------------------------------------
    def stage(self, results: Iterable[DocResult]) -> None:
        """Write one finished batch to the staging area (bounded memory for long runs)."""
        part = write_part(list(results), self.staging)
        if part is not None:
            self.staged.append(part)

    def add_part(self, part: str | Path) -> None:
        """Register a batch a worker already wrote with `write_part` into `self.staging`."""
        part = Path(part)
        if part.parent.resolve() != self.staging.resolve():
            raise ValueError(f"{part} is not in this store's staging folder {self.staging}")
        self.staged.append(part)

    def commit(self, path_ids: dict[str, str] | None = None) -> WriteSummary:
        """Merge the staged batches into a new version of the dataset and publish it (see
        the module docstring). Nothing is written when nothing changed."""
        path_ids = path_ids or {}
        new_reports = self._merged_new_reports(path_ids)
        new_ids = set(new_reports)
        known = self.index()
        # Paths now pointing elsewhere leave their old report; a report left with no path goes.
        claimed = set(path_ids) | {p for rep in new_reports.values() for p in rep["source_paths"]}
        path_updates: dict[str, list[str]] = {}
        drop = set(new_ids)
        for rid, info in known.items():
            if rid in new_ids:
                continue
            paths = [p for p in info["paths"] if p not in claimed or path_ids.get(p) == rid]
            paths = sorted(set(paths) | {p for p, r in path_ids.items() if r == rid})
            if not paths:
                drop.add(rid)
            elif paths != sorted(info["paths"]):
                path_updates[rid] = paths
        rows_change = bool(new_reports or (drop & set(known)))
        stored_index = self.file_index()
        files_index = stored_index.merged(self._stamps, (set(known) - drop) | new_ids)
        if not rows_change and not path_updates and files_index == stored_index:
            # Nothing new, moved, gone or re-hashed: leave the files alone.
            return WriteSummary(0, 0, 0, len(known))
        for rid, rep in new_reports.items():
            if rep.get("source_url") is None and rid in known:
                rep["source_url"] = known[rid]["source_url"]  # a re-extraction keeps where it came from
        base = layout.snapshot(self.out)
        version = layout.new_version(self.out)
        counts = {}
        for name, (fname, schema) in FILES.items():
            changed = rows_change or (name == "reports" and bool(path_updates))
            if base is not None and not changed:
                layout.link_or_copy(base / fname, version / fname)
                counts[name] = pq.ParquetFile(version / fname).metadata.num_rows
            else:
                counts[name] = self._rewrite(name, schema, base, version / fname, drop, path_updates, new_reports)
        files_index.write(version)
        layout.publish(self.out, version)
        staged_values = sum(pq.ParquetFile(p / "values.parquet").metadata.num_rows for p in self.staged)
        staged_findings = sum(pq.ParquetFile(p / "findings.parquet").metadata.num_rows for p in self.staged)
        self.staged = []
        self._stamps = {}
        return WriteSummary(len(new_reports) + len(path_updates), staged_values, staged_findings, counts["reports"])

    def _merged_new_reports(self, path_ids: dict[str, str]) -> dict[str, dict]:
        reports: dict[str, dict] = {}
        for part in self.staged:
            for rep in pq.read_table(part / "reports.parquet").to_pylist():
                rid = rep["report_id"]
                if rid in reports:
                    keep = reports[rid]
                    keep["source_paths"] = sorted(set(keep["source_paths"]) | set(rep["source_paths"]))
                else:
                    reports[rid] = rep
        for p, rid in path_ids.items():
            if rid in reports and p not in reports[rid]["source_paths"]:
                reports[rid]["source_paths"] = sorted({*reports[rid]["source_paths"], p})
        for rep in reports.values():
            rep["source_paths"] = sorted(set(rep["source_paths"]))
            rep["source_path"] = rep["source_paths"][0] if rep["source_paths"] else rep["source_path"]
        return reports

    def _rewrite(self, name, schema, base: Path | None, tmp: Path, drop: set[str], path_updates,
                 new_reports) -> int:
        """Write table `name` of the new version to `tmp`: the old rows of `base` minus the
        dropped reports (paths updated), then the staged rows."""
        old_path = None if base is None else base / FILES[name][0]
        drop_arr = pa.array(sorted(drop), pa.string())
        rows = 0
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            if old_path is not None and old_path.exists():
                for batch in pq.ParquetFile(old_path).iter_batches(batch_size=STREAM_BATCH_ROWS):
                    t = conform(pa.Table.from_batches([batch]), schema)
                    if len(drop_arr):
                        t = t.filter(pc.invert(pc.is_in(t.column("report_id"), value_set=drop_arr)))
                    if name == "reports" and path_updates and t.num_rows:
                        t = _update_paths(t, path_updates)
                    if t.num_rows:
                        writer.write_table(t)
                        rows += t.num_rows
            if name == "reports":
                t = _table(sorted(new_reports.values(), key=lambda r: r["source_path"]), schema)
                writer.write_table(t)
                rows += t.num_rows
            else:
                seen: set[str] = set()
                for part in self.staged:
                    t = conform(pq.read_table(part / FILES[name][0]), schema)
                    ids = set(t.column("report_id").to_pylist())
                    dup = ids & seen  # the same bytes extracted twice in one run: keep the first
                    if dup:
                        t = t.filter(pc.invert(pc.is_in(t.column("report_id"), value_set=pa.array(sorted(dup)))))
                    seen |= ids
                    if t.num_rows:
                        writer.write_table(t)
                        rows += t.num_rows
        return rows


def write_part(results: list[DocResult], staging: Path) -> Path | None:
    """Write a batch's rows as three Parquet files in a new folder under `staging`.

    Workers call this themselves (the staging folder sits inside the output folder, which
    every worker must see), so only the small report rows travel back to the flow."""
    if not results:
        return None
    part = Path(staging) / f"part-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    part.mkdir()
    pq.write_table(_table([r.report for r in results], REPORTS), part / "reports.parquet")
    pq.write_table(_table([v for r in results for v in r.values], VALUES), part / "values.parquet")
    pq.write_table(_table([f for r in results for f in r.findings], FINDINGS), part / "findings.parquet")
    return part


def _update_paths(t: pa.Table, updates: dict[str, list[str]]) -> pa.Table:
    recs = t.to_pylist()
    for rec in recs:
        if rec["report_id"] in updates:
            rec["source_paths"] = updates[rec["report_id"]]
            rec["source_path"] = rec["source_paths"][0]
    return pa.Table.from_pylist(recs, schema=t.schema)


def write_dataset(results: Iterable[DocResult], out: Path) -> WriteSummary:
    """Upsert these documents' rows into the dataset at `out` (one call = one commit)."""
    results = list(results)
    with DatasetStore(out) as store:
        store.stage(results)
        return store.commit({p: r.report["report_id"] for r in results for p in r.report["source_paths"]})
