"""Where a dataset lives: a local folder, or any fsspec URL (`s3://bucket/prefix` on any
S3-compatible store), behind the few operations the store needs.

Every data file is written once under a unique name and never changed, so the only
operation that must be atomic is the publication of a version's catalogue: locally a
rename of the `_current` pointer (`extractors.dataset.layout`), on object storage the
creation of `_catalog/<n>.json` with a conditional put (`If-None-Match: *`), which the store
grants to one writer only. Nothing else needs the store to support renames.

S3 options come from the environment as for any S3 client (`AWS_ACCESS_KEY_ID`, …), and
`OGI_S3_ENDPOINT` (or `AWS_ENDPOINT_URL`) names a store other than AWS (MinIO, moto, Ceph).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from extractors.dataset.steps import step

# The environment variable naming an S3-compatible endpoint (ours; AWS_ENDPOINT_URL is
# botocore's own and is honoured too).
ENDPOINT_ENV = "OGI_S3_ENDPOINT"


def is_url(location: str | Path) -> bool:
    """True for `scheme://…` locations (object storage), False for local paths."""
    return "://" in str(location) and not str(location).startswith("file://")


def filesystem(location: str):
    """The fsspec filesystem for a URL (S3 with the endpoint from the environment)."""
    import fsspec

    protocol = str(location).split("://", 1)[0]
    options = {}
    if protocol in ("s3", "s3a"):
        endpoint = os.environ.get(ENDPOINT_ENV) or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            options["endpoint_url"] = endpoint
    return fsspec.filesystem(protocol, **options)


class Storage:
    """A dataset root: `local` (a Path: hard links, fsync, symbolic links) or a URL."""

    def __init__(self, root: str | Path):
        self.local = not is_url(root)
        self.written_dirs: set[Path] = set()  # local folders that got new entries (to fsync)
        if self.local:
            self.root = Path(str(root).removeprefix("file://"))
            self.fs = None
        else:
            self.url = str(root).rstrip("/")
            self.fs = filesystem(self.url)
            self.root = self.url.split("://", 1)[1]  # fsspec paths carry no scheme

    def __str__(self) -> str:
        return str(self.root) if self.local else self.url

    def path(self, rel: str) -> str:
        """The location of `rel` under the root, as this storage's filesystem names it."""
        return str(self.root / rel) if self.local else f"{self.root}/{rel}"

    def url_of(self, rel: str) -> str:
        """`rel` as a location other tools open (a local path, or the full URL)."""
        return str(self.root / rel) if self.local else f"{self.url}/{rel}"

    # ---- files ------------------------------------------------------------------------
    def write_table(self, rel: str, table: pa.Table, **options) -> None:
        """Write `table` as Parquet at `rel` (zstd), creating folders as needed."""
        options.setdefault("compression", "zstd")
        if self.local:
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            self.written_dirs |= {d for d in path.parents if d != self.root and self.root in d.parents}
            with open(path, "wb") as f:
                pq.write_table(table, f, **options)
                f.flush()
                os.fsync(f.fileno())  # complete on disk before any catalogue names it
        else:
            with self.fs.open(self.path(rel), "wb") as f:
                pq.write_table(table, f, **options)
        step(f"write {rel}")

    def read_table(self, rels: list[str], columns: list[str] | None = None, filters=None) -> pa.Table:
        """The Parquet files `rels` read as one table (in that order); `columns` and `filters`
        (pyarrow's: row groups whose statistics exclude them are not read) as in pq.read_table."""
        paths = [self.path(r) for r in rels]
        if self.local:
            return pq.read_table(paths if len(paths) != 1 else paths[0], columns=columns, filters=filters,
                                 partitioning=None)
        return pq.read_table(paths if len(paths) != 1 else paths[0], columns=columns, filters=filters,
                             filesystem=self.fs, partitioning=None)

    def num_rows(self, rel: str) -> int:
        if self.local:
            return pq.ParquetFile(self.root / rel).metadata.num_rows
        with self.fs.open(self.path(rel), "rb") as f:
            return pq.ParquetFile(f).metadata.num_rows

    def read_bytes(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes() if self.local else self.fs.cat_file(self.path(rel))

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists() if self.local else self.fs.exists(self.path(rel))

    def listdir(self, rel: str) -> list[str]:
        """Names directly under `rel` (empty when it does not exist)."""
        if self.local:
            folder = self.root / rel
            return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        try:
            return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(self.path(rel), detail=False))
        except FileNotFoundError:
            return []

    def walk_files(self, rel: str) -> list[str]:
        """Every file under `rel`, as paths relative to the root."""
        if self.local:
            base = self.root / rel
            return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
        prefix = f"{self.root}/"
        try:
            return sorted(p.removeprefix(prefix) for p in self.fs.find(self.path(rel)))
        except FileNotFoundError:
            return []

    def delete(self, rels: list[str]) -> None:
        for rel in rels:
            try:
                if self.local:
                    (self.root / rel).unlink()
                else:
                    self.fs.rm_file(self.path(rel))
            except FileNotFoundError:
                continue
            step(f"delete {rel}")

    def create_exclusive(self, rel: str, data: bytes) -> bool:
        """Create `rel` holding `data` unless it exists (atomic: the file appears complete or
        not at all, and of two writers only one succeeds). False when it existed."""
        if not self.local:
            try:
                self.fs.pipe_file(self.path(rel), data, mode="create")
            except FileExistsError:
                return False
            step(f"create {rel}")
            return True
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # fails when `path` exists: exclusive, and never half-written
        except FileExistsError:
            return False
        finally:
            tmp.unlink()
        step(f"create {rel}")
        return True
