"""The Parquet dataset: reports.parquet, values.parquet, findings.parquet under one folder.

`DatasetStore` is the only writer. It is

* incremental: `plan()` hashes the input files and skips documents already stored with
  the same bytes and the same extractor version (`force` re-extracts); identical bytes
  at several paths are extracted once and stored as one report with all its paths;
* an upsert: a re-extracted report replaces its old rows; a path that now holds other
  bytes moves to the new report; every other report is kept untouched;
* memory-bounded: each finished batch is staged to disk (`stage()`), and `commit()`
  streams the old files and the staged parts into new files batch by batch, so no
  table is ever held whole in memory;
* crash-safe: new files are written under temporary names and fsynced, then a journal
  (`_commit.json`) lists the renames, then the renames happen. A run killed before the
  journal leaves the previous dataset untouched; one killed after it is finished by the
  next run (`recover()`), which replays the renames. Readers never see a partial file;
* exclusive: a lock file refuses a second concurrent writer with a clear message.

Reading the dataset back (`read_table`, `query_findings`) is `extractors.dataset.query`.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from extractors.records import EXTRACTOR_VERSION, DocResult
from schemas import FINDINGS, REPORTS, VALUES

FILES = {"reports": ("reports.parquet", REPORTS), "values": ("values.parquet", VALUES),
         "findings": ("findings.parquet", FINDINGS)}
JOURNAL = "_commit.json"
LOCK = ".ogi.lock"
STAGING = ".staging"
# Rows per batch when streaming an old file into its replacement. 64k rows of values is
# ~10 MB in memory: small against a worker's budget, large enough for fast Parquet I/O.
STREAM_BATCH_ROWS = 65_536
# Bytes read at a time when hashing an input file.
HASH_CHUNK = 1 << 20


class DatasetLocked(RuntimeError):
    """Another ogi run is writing to the same output folder."""


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


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _table(records: list[dict], schema: pa.Schema) -> pa.Table:
    cols = {f.name: [rec.get(f.name) for rec in records] for f in schema}
    return pa.Table.from_pydict(cols, schema=schema)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DatasetStore:
    """The dataset folder, opened for writing (use as a context manager)."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self._lock_fd: int | None = None
        self.staged: list[Path] = []

    # ---- lifecycle --------------------------------------------------------------------
    def __enter__(self) -> DatasetStore:
        self.out.mkdir(parents=True, exist_ok=True)
        self._lock()
        self.recover()
        self.staging = self.out / STAGING
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir()
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.out / STAGING, ignore_errors=True)
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _lock(self) -> None:
        fd = os.open(self.out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                holder = (self.out / LOCK).read_text().strip() or "another process"
                raise DatasetLocked(f"{self.out} is being written by another ogi run ({holder}); "
                                    "wait for it to finish") from None
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}".encode())
        self._lock_fd = fd

    def recover(self) -> bool:
        """Finish a commit that a killed run journaled; drop temporary files. True if it replayed."""
        journal = self.out / JOURNAL
        replayed = False
        if journal.exists():
            try:
                moves = json.loads(journal.read_text(encoding="utf-8"))["moves"]
            except (ValueError, KeyError):
                moves = []  # a journal is written atomically; an unreadable one was never committed
            for tmp, final in moves:
                if (self.out / tmp).exists():
                    os.replace(self.out / tmp, self.out / final)
                    replayed = True
            journal.unlink()
        for stray in self.out.glob("*.tmp"):
            stray.unlink()
        return replayed

    # ---- reading ----------------------------------------------------------------------
    def index(self) -> dict[str, dict]:
        """report_id → {version, paths, source_url} of every stored report."""
        path = self.out / FILES["reports"][0]
        if not path.exists():
            return {}
        t = pq.read_table(path, columns=["report_id", "extractor_version", "source_paths", "source_url"])
        return {rid: {"version": ver, "paths": list(paths or []), "source_url": url}
                for rid, ver, paths, url in zip(*(t.column(i).to_pylist() for i in range(4)), strict=True)}

    def plan(self, files: list[Path], root: Path, force: bool = False) -> Plan:
        """Hash the inputs; keep one path per report_id that is not stored yet (or all, if forced)."""
        known = self.index()
        plan = Plan()
        chosen: set[str] = set()
        for f in files:
            rel = f.relative_to(root).as_posix() if f != root else f.name
            try:
                rid = file_sha256(f)
            except OSError:
                plan.todo.append(f)  # unreadable: the pipeline records why
                continue
            plan.path_ids[rel] = rid
            if rid in chosen:
                continue
            chosen.add(rid)
            if not force and rid in known and known[rid]["version"] == EXTRACTOR_VERSION:
                plan.skipped += 1
                continue
            plan.todo.append(f)
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
        """Merge the staged batches into the dataset (see the module docstring)."""
        path_ids = path_ids or {}
        new_reports = self._merged_new_reports(path_ids)
        new_ids = set(new_reports)
        known = self.index()
        # Paths now pointing elsewhere leave their old report; a report left with no path goes.
        claimed = {p for p, rid in path_ids.items()} | {p for rep in new_reports.values() for p in rep["source_paths"]}
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
        if not new_reports and not path_updates and not (drop & set(known)):
            # Nothing new, moved or gone: leave the files alone (an unchanged re-run costs the hashing only).
            return WriteSummary(0, 0, 0, len(known))
        for rid, rep in new_reports.items():
            if rep.get("source_url") is None and rid in known:
                rep["source_url"] = known[rid]["source_url"]  # a re-extraction keeps where it came from
        moves = []
        counts = {}
        for name, (fname, schema) in FILES.items():
            tmp = self.out / (fname + ".tmp")
            counts[name] = self._rewrite(name, schema, tmp, drop, path_updates, new_reports)
            moves.append([tmp.name, fname])
        journal_tmp = self.out / (JOURNAL + ".tmp")
        journal_tmp.write_text(json.dumps({"moves": moves}), encoding="utf-8")
        _fsync(journal_tmp)
        os.replace(journal_tmp, self.out / JOURNAL)
        self.recover()
        staged_values = sum(pq.ParquetFile(p / "values.parquet").metadata.num_rows for p in self.staged)
        staged_findings = sum(pq.ParquetFile(p / "findings.parquet").metadata.num_rows for p in self.staged)
        self.staged = []
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

    def _rewrite(self, name, schema, tmp: Path, drop: set[str], path_updates, new_reports) -> int:
        old_path = self.out / FILES[name][0]
        drop_arr = pa.array(sorted(drop), pa.string())
        rows = 0
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            if old_path.exists():
                for batch in pq.ParquetFile(old_path).iter_batches(batch_size=STREAM_BATCH_ROWS):
                    t = pa.Table.from_batches([batch]).cast(schema)
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
                    t = pq.read_table(part / FILES[name][0]).cast(schema)
                    ids = set(t.column("report_id").to_pylist())
                    dup = ids & seen  # the same bytes extracted twice in one run: keep the first
                    if dup:
                        t = t.filter(pc.invert(pc.is_in(t.column("report_id"), value_set=pa.array(sorted(dup)))))
                    seen |= ids
                    if t.num_rows:
                        writer.write_table(t)
                        rows += t.num_rows
        _fsync(tmp)
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
