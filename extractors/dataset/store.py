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
* costs what it adds: the dataset is a list of immutable segments (`catalog`,
  `segments`); a commit writes the new reports as new segments, rewrites only the
  segments holding reports it replaces, merges small segments past a threshold, and
  publishes a new catalogue; each finished batch is staged to disk (`stage()`), so memory
  holds one commit's new rows, never the dataset;
* atomic for readers: the new catalogue is published in one atomic step
  (`extractors.dataset.layout`), so whenever a writer is stopped, `kill -9` included,
  readers see one complete version; earlier versions stay readable until cleaned up;
* exclusive: locally a lock refuses a second concurrent writer with a clear message; a
  lock left by a dead run is taken over (`extractors.dataset.lock`); on object storage the
  conditional creation of the catalogue refuses the second of two writers at its commit.

Reading the dataset back (`read_table`, `query_findings`) is `extractors.dataset.query`.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from extractors.dataset import layout, segments
from extractors.dataset.catalog import ID_KEY, PATH_KEY, Manifest, index_part_name, key_of, schema_fingerprint
from extractors.dataset.identity import FileIndex, file_key, stamp
from extractors.dataset.lock import LOCK, DatasetLocked, WriterLock
from extractors.dataset.remote import relative, url_sha256, url_stamp
from extractors.dataset.segments import conform
from extractors.dataset.storage import Storage, filesystem, is_url
from extractors.discover import HASH_CHUNK, UNREADABLE, file_sha256, source_name
from extractors.records import EXTRACTOR_VERSION, DocResult
from schemas import FINDINGS, REPORTS, VALUES

__all__ = ["FILES", "HASH_CHUNK", "LOCK", "STAGING", "DatasetLocked", "DatasetStore", "Plan", "WriteSummary",
           "conform", "file_sha256", "write_dataset", "write_part"]

FILES = {"reports": ("reports.parquet", REPORTS), "values": ("values.parquet", VALUES),
         "findings": ("findings.parquet", FINDINGS)}
STAGING = ".staging"
# File-index parts a version may list before a commit merges them into one: each commit
# that hashed files adds one; 16 keeps a plan's reads few and a merge rare.
INDEX_PARTS_AT = 16


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


def _table(records: list[dict], schema: pa.Schema) -> pa.Table:
    cols = {f.name: [rec.get(f.name) for rec in records] for f in schema}
    return pa.Table.from_pydict(cols, schema=schema)


class DatasetStore:
    """The dataset at `out` (a folder or an fsspec URL), opened for writing (use as a
    context manager)."""

    def __init__(self, out: Path | str):
        self.storage = Storage(out)
        self.out = self.storage.root if self.storage.local else self.storage.url
        self._lock = WriterLock(self.out) if self.storage.local else None
        self._stamps: dict[bytes, tuple[int, int, int, str]] = {}
        self._hashed: set[bytes] = set()
        self.staged: list[str | Path] = []

    # ---- lifecycle --------------------------------------------------------------------
    def __enter__(self) -> DatasetStore:
        if not self.storage.local:
            self.staging = f"{self.out}/{STAGING}/{uuid.uuid4().hex[:12]}"
            return self
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
        if not self.storage.local:
            fs = filesystem(self.staging)
            if fs.exists(self.staging):
                fs.rm(self.staging, recursive=True)
            return
        shutil.rmtree(self.out / STAGING, ignore_errors=True)
        self._lock.release()

    @property
    def took_over_from(self) -> str | None:
        """The dead run whose lock this store took over, if it did."""
        return self._lock.took_over_from if self._lock else None

    def recover(self) -> None:
        """Drop what a killed commit left (its unpublished files, and versions past the
        retention a commit killed after publishing did not delete yet); move a folder of an
        earlier layout into this one."""
        layout.recover(self.storage)
        layout.vacuum(self.storage, layout.RETAIN_VERSIONS)
        legacy = layout.legacy_folder(self.out)
        if legacy is not None:
            self._migrate(legacy)

    def _migrate(self, folder: Path) -> None:
        """The three plain files of an earlier layout become the segments of a first
        version (readers see the same rows before and after)."""
        tables = {name: conform(pq.read_table(folder / fname), schema) if (folder / fname).exists()
                  else schema.empty_table() for name, (fname, schema) in FILES.items()}
        segs = segments.write_segments(self.storage, tables["reports"], tables["values"], tables["findings"])
        old_index = FileIndex.read(folder)
        parts = []
        if old_index.entries:
            parts.append(index_part_name())
            self.storage.write_table(parts[0], old_index.table())
        manifest = Manifest(layout.next_number(self.storage), segs, parts, None, time.time(), schema_fingerprint())
        layout.publish(self.storage, manifest)

    # ---- reading ----------------------------------------------------------------------
    def manifest(self) -> Manifest | None:
        """The catalogue of the current version (None before the first commit)."""
        return layout.current(self.storage)

    def _stored(self, man: Manifest | None, ids: set[str], paths: set[str]) -> list[dict]:
        """The stored reports whose id is in `ids` or that hold a path in `paths`: their
        report_id, paths, source_url, extractor_version and segment. The segments' key
        files (64-bit hashes, `catalog.key_of`) say which reports files to open; only
        those are read, and only rows whose id or path really matches are kept."""
        if man is None or not man.segments or not (ids or paths):
            return []
        keys = self.storage.read_table([s.keys_file() for s in man.segments])
        owner = np.repeat(np.arange(len(man.segments)), [s.keys for s in man.segments])
        kind, key = keys.column("kind").to_numpy(), keys.column("key").to_numpy()
        mask = (kind == ID_KEY) & np.isin(key, np.array([key_of(i) for i in ids], np.uint64))
        if paths:
            mask |= (kind == PATH_KEY) & np.isin(key, np.array([key_of(p) for p in paths], np.uint64))
        rows = keys.column("row").to_numpy()
        wanted: dict[int, set[int]] = {}
        for seg_i, row in zip(owner[mask].tolist(), rows[mask].tolist(), strict=True):
            wanted.setdefault(seg_i, set()).add(row)
        found = []
        for seg_i, seg_rows in sorted(wanted.items()):
            seg = man.segments[seg_i]
            t = self.storage.read_table([seg.data_file("reports")],
                                        columns=["report_id", "source_paths", "source_url", "extractor_version"])
            for r in t.take(pa.array(sorted(seg_rows), pa.int64())).to_pylist():
                mine = list(r["source_paths"] or [])
                if r["report_id"] in ids or paths.intersection(mine):
                    found.append({"report_id": r["report_id"], "paths": mine, "source_url": r["source_url"],
                                  "version": r["extractor_version"], "segment": seg.id})
        return found

    def index(self) -> dict[str, dict]:
        """report_id → {version, paths, source_url} of every stored report."""
        man = self.manifest()
        if man is None or not man.segments:
            return {}
        t = self.storage.read_table(man.files("reports"),
                                    columns=["report_id", "extractor_version", "source_paths", "source_url"])
        return {rid: {"version": ver, "paths": list(paths or []), "source_url": url}
                for rid, ver, paths, url in zip(*(t.column(i).to_pylist() for i in range(4)), strict=True)}

    def file_index(self) -> FileIndex:
        """The stored (path, size, mtime, ctime) → report_id index of the current version."""
        man = self.manifest()
        return FileIndex() if man is None else FileIndex.read_parts(self.storage, man.index_parts)

    def plan(self, files: list[Path] | list[str], root: Path | str, force: bool = False) -> Plan:
        """Identify the inputs (hashing only files the index does not know unchanged, and
        every file if forced); keep one path per report_id that is not stored yet (or all,
        if forced). Files that cannot be read are listed in `Plan.unreadable`."""
        stored = FileIndex() if force else self.file_index()
        plan = Plan()
        ids: list[tuple[Path, str]] = []
        for f in files:
            remote_file = is_url(f)
            rel = relative(str(f), str(root)) if remote_file else source_name(f, root)[0]
            key = str(f).encode() if remote_file else file_key(f)
            try:
                figures = url_stamp(str(f)) if remote_file else stamp(os.stat(f))
                rid = stored.lookup(key, figures)
                if rid is None:
                    rid = url_sha256(str(f)) if remote_file else file_sha256(f)
                    plan.hashed += 1
                    self._hashed.add(key)
                else:
                    plan.recognised += 1
            except OSError as exc:
                plan.unreadable.append((rel, f"{UNREADABLE}: {exc.strerror or exc}"))
                continue
            plan.stamps[key] = (*figures, rid)
            plan.path_ids[rel] = rid
            ids.append((f, rid))
        known = {} if force else {r["report_id"]: r["version"] for r in
                                  self._stored(self.manifest(), {rid for _, rid in ids}, set())}
        chosen: set[str] = set()
        for f, rid in ids:
            if rid in chosen:
                continue
            chosen.add(rid)
            if known.get(rid) == EXTRACTOR_VERSION:
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
        if self.storage.local:
            part = Path(part)
            if part.parent.resolve() != self.staging.resolve():
                raise ValueError(f"{part} is not in this store's staging folder {self.staging}")
        elif not str(part).startswith(f"{self.staging}/"):
            raise ValueError(f"{part} is not in this store's staging folder {self.staging}")
        self.staged.append(part)

    def commit(self, path_ids: dict[str, str] | None = None, compact: bool = True) -> WriteSummary:
        """Publish a new version: the staged reports as new segments, the segments holding
        reports they replace rewritten, small segments merged (unless not `compact`).
        Nothing is written when nothing changed."""
        path_ids = path_ids or {}
        new_reports = self._merged_new_reports(path_ids)
        new_ids = set(new_reports)
        man = self.manifest()
        claimed = set(path_ids) | {p for rep in new_reports.values() for p in rep["source_paths"]}
        stored = self._stored(man, new_ids, claimed)
        drop, path_updates = _claims(stored, new_ids, path_ids, claimed)
        gone = {r["report_id"] for r in stored if r["report_id"] in drop}
        new_stamps = {k: v for k, v in self._stamps.items() if k in self._hashed}
        stale = man is not None and man.schema != schema_fingerprint()
        if not new_reports and not gone and not path_updates and not new_stamps and not stale:
            return WriteSummary(0, 0, 0, man.totals()["reports"] if man else 0)
        for rep in new_reports.values():
            if rep.get("source_url") is None:
                rep["source_url"] = next((r["source_url"] for r in stored if r["report_id"] == rep["report_id"]), None)
        old = man.segments if man else []
        touched = {r["segment"] for r in stored if r["report_id"] in gone or r["report_id"] in path_updates}
        kept = [s for s in old if s.id not in touched and not stale]
        for seg in (s for s in old if s.id in touched or stale):
            rewritten = segments.rewrite(self.storage, seg, gone, path_updates)
            if rewritten is not None:
                kept.append(rewritten)
        staged = self._staged_tables(new_reports)
        kept += segments.write_segments(self.storage, *staged)
        if compact:
            kept = self._compacted(kept)
        parts = self._index_parts(man, new_stamps)
        n = self._next(man)
        manifest = Manifest(n, kept, parts, man.version if man else None, time.time(), schema_fingerprint())
        if not layout.publish(self.storage, manifest):
            raise DatasetLocked(f"{self.out}: another writer published version {n} first; nothing was committed")
        layout.vacuum(self.storage, layout.RETAIN_VERSIONS) if self.storage.local else None
        self.staged, self._stamps, self._hashed = [], {}, set()
        return WriteSummary(len(new_reports) + len(path_updates), staged[1].num_rows, staged[2].num_rows,
                            manifest.totals()["reports"])

    def compact(self) -> tuple[int, int]:
        """Merge every partition's small segments now (`ogi compact`): the number of
        segments before and after. Publishes a version only when something was merged."""
        man = self.manifest()
        if man is None:
            return 0, 0
        merged = self._compacted(man.segments, full=True)
        if len(merged) == len(man.segments):
            return len(man.segments), len(merged)
        parts = self._index_parts(man, {}, force=True)
        manifest = Manifest(self._next(man), merged, parts, man.version, time.time(), man.schema)
        if not layout.publish(self.storage, manifest):
            raise DatasetLocked(f"{self.out}: another writer published version {manifest.version} first")
        return len(man.segments), len(merged)

    def _next(self, man: Manifest | None) -> int:
        """The number of the version a commit on `man` publishes: on object storage the one
        after it, so that a writer who published in between makes this commit fail rather
        than silently drop its changes; locally (under the lock) after every folder."""
        if self.storage.local:
            return layout.next_number(self.storage)
        return (man.version if man else 0) + 1

    def _compacted(self, segs: list, full: bool = False) -> list:
        for group in segments.compaction_groups(segs, full):
            ids = {s.id for s in group}
            segs = [s for s in segs if s.id not in ids] + [segments.merge(self.storage, group)]
        return segs

    def _index_parts(self, man: Manifest | None, new_stamps: dict, force: bool = False) -> list[str]:
        """The file-index parts of the next version: this commit's hashed files as a new
        part; all parts merged into one past INDEX_PARTS_AT (or when `force`d)."""
        parts = list(man.index_parts) if man else []
        if new_stamps:
            part = index_part_name()
            self.storage.write_table(part, FileIndex(new_stamps).table())
            parts.append(part)
        if len(parts) > INDEX_PARTS_AT or (force and len(parts) > 1):
            part = index_part_name()
            self.storage.write_table(part, FileIndex.read_parts(self.storage, parts).table())
            parts = [part]
        return parts

    def _read_part(self, part, fname: str) -> pa.Table:
        if is_url(part):
            fs = filesystem(str(part))
            with fs.open(f"{part}/{fname}", "rb") as f:
                return pq.read_table(f)
        return pq.read_table(Path(part) / fname)

    def _merged_new_reports(self, path_ids: dict[str, str]) -> dict[str, dict]:
        reports: dict[str, dict] = {}
        for part in self.staged:
            for rep in self._read_part(part, "reports.parquet").to_pylist():
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

    def _staged_tables(self, new_reports: dict[str, dict]) -> tuple[pa.Table, pa.Table, pa.Table]:
        """The staged rows as three tables: the merged reports, and the values and findings
        of the staged parts (the same bytes extracted twice in one run: the first kept)."""
        reports = _table(sorted(new_reports.values(), key=lambda r: r["source_path"]), REPORTS)
        out = []
        for name in ("values", "findings"):
            fname, schema = FILES[name]
            seen: set[str] = set()
            tables = []
            for part in self.staged:
                t = conform(self._read_part(part, fname), schema)
                ids = set(t.column("report_id").to_pylist())
                dup = ids & seen
                if dup:
                    t = t.filter(pc.invert(pc.is_in(t.column("report_id"), value_set=pa.array(sorted(dup)))))
                seen |= ids
                tables.append(t)
            out.append(pa.concat_tables(tables) if tables else schema.empty_table())
        return reports, out[0], out[1]


def _claims(stored: list[dict], new_ids: set[str], path_ids: dict[str, str],
            claimed: set[str]) -> tuple[set[str], dict[str, list[str]]]:
    """Which stored reports go, and which keep fewer paths: paths now pointing elsewhere
    leave their old report; a report left with no path goes; a re-extracted one is replaced."""
    drop = set(new_ids)
    path_updates: dict[str, list[str]] = {}
    for rec in stored:
        rid = rec["report_id"]
        if rid in new_ids:
            continue
        paths = [p for p in rec["paths"] if p not in claimed or path_ids.get(p) == rid]
        paths = sorted(set(paths) | {p for p, r in path_ids.items() if r == rid})
        if not paths:
            drop.add(rid)
        elif paths != sorted(rec["paths"]):
            path_updates[rid] = paths
    return drop, path_updates

def write_part(results: list[DocResult], staging: Path | str) -> Path | str | None:
    """Write a batch's rows as three Parquet files in a new folder under `staging` (a
    local folder or a URL).

    Workers call this themselves (the staging folder sits inside the output folder, which
    every worker must see: a shared filesystem or object storage), so only the small
    report rows travel back to the flow."""
    if not results:
        return None
    tables = {"reports.parquet": _table([r.report for r in results], REPORTS),
              "values.parquet": _table([v for r in results for v in r.values], VALUES),
              "findings.parquet": _table([f for r in results for f in r.findings], FINDINGS)}
    name = f"part-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    if is_url(staging):
        part = f"{str(staging).rstrip('/')}/{name}"
        fs = filesystem(part)
        for fname, t in tables.items():
            with fs.open(f"{part}/{fname}", "wb") as f:
                pq.write_table(t, f)
        return part
    part = Path(staging) / name
    part.mkdir()
    for fname, t in tables.items():
        pq.write_table(t, part / fname)
    return part


def write_dataset(results: Iterable[DocResult], out: Path) -> WriteSummary:
    """Upsert these documents' rows into the dataset at `out` (one call = one commit)."""
    results = list(results)
    with DatasetStore(out) as store:
        store.stage(results)
        return store.commit({p: r.report["report_id"] for r in results for p in r.report["source_paths"]})
