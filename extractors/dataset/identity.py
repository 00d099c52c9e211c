"""A document's identity: the sha256 of its bytes, streamed, and the index that spares
hashing a file again while it is unchanged.

The hash itself is `extractors.discover.file_sha256`: streamed in fixed chunks (memory
stays flat whatever the size; files over the input cap get their real hash too, so
different big files stay different reports), opened without blocking and refused unless
a regular file, so a FIFO put where a report was can never hang a run.

`FileIndex` maps a file (its absolute path) to the size, modification time and change
time it had when it was last hashed, and that hash. A file whose three figures are
unchanged is recognised without reading it. The change time (ctime) is set by the kernel
on every write and cannot be set back by `touch`, `cp -p` or unzip, which can all forge a
modification time. The index is stored in parts beside the dataset's segments (`_data/_files/`, listed by
each version's catalogue, see `extractors.dataset.layout`): a commit adds a part with the
files it hashed, later parts overriding earlier ones, so it costs what the run hashed.
An entry whose report has left the dataset is harmless: the file is then extracted again.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

INDEX_FILE = "_files.parquet"
INDEX_SCHEMA = pa.schema([
    pa.field("path", pa.binary()),  # absolute path as the OS gives it (bytes: any name survives)
    pa.field("size", pa.int64()),
    pa.field("mtime_ns", pa.int64()),
    pa.field("ctime_ns", pa.int64()),
    pa.field("report_id", pa.string()),
])


def file_key(path: Path) -> bytes:
    """The index key of a file: its absolute path, as bytes."""
    return os.fsencode(os.path.abspath(path))


def stamp(st: os.stat_result) -> tuple[int, int, int]:
    """What must be unchanged for a file to count as unchanged: size, mtime, ctime (ns)."""
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns


class FileIndex:
    """path → (size, mtime_ns, ctime_ns, report_id) of the files last hashed."""

    def __init__(self, entries: dict[bytes, tuple[int, int, int, str]] | None = None):
        self.entries = entries or {}

    @classmethod
    def read(cls, folder: Path | None) -> FileIndex:
        """The index stored in a version folder (empty when there is none or it is unreadable:
        the index only saves work, so a damaged one costs a re-hash, never a wrong answer)."""
        path = None if folder is None else Path(folder) / INDEX_FILE
        if path is None or not path.exists():
            return cls()
        try:
            cols = pq.read_table(path).cast(INDEX_SCHEMA).to_pydict()
        except (OSError, pa.ArrowException):
            return cls()
        return cls({p: (s, m, c, r) for p, s, m, c, r in zip(
            cols["path"], cols["size"], cols["mtime_ns"], cols["ctime_ns"], cols["report_id"], strict=True)})

    def lookup(self, key: bytes, st: os.stat_result | tuple[int, int, int]) -> str | None:
        """The stored report_id of this file if it is unchanged since it was hashed (`st`:
        its stat, or the stamp of a remote object)."""
        entry = self.entries.get(key)
        figures = st if isinstance(st, tuple) else stamp(st)
        return entry[3] if entry is not None and entry[:3] == figures else None

    def merged(self, seen: dict[bytes, tuple[int, int, int, str]], keep_ids: set[str]) -> FileIndex:
        """This run's files over the stored ones; stored entries for files not seen this run
        stay while their report is still in the dataset (`keep_ids`)."""
        entries = {k: v for k, v in self.entries.items() if k not in seen and v[3] in keep_ids}
        entries.update(seen)
        return FileIndex(entries)

    @classmethod
    def read_parts(cls, storage, parts: list[str]) -> FileIndex:
        """The index made of these parts (later parts override earlier ones); a part that
        cannot be read is skipped (it only saves work)."""
        entries: dict[bytes, tuple[int, int, int, str]] = {}
        for part in parts:
            try:
                cols = storage.read_table([part]).cast(INDEX_SCHEMA).to_pydict()
            except (OSError, pa.ArrowException):
                continue
            entries.update({p: (s, m, c, r) for p, s, m, c, r in zip(
                cols["path"], cols["size"], cols["mtime_ns"], cols["ctime_ns"], cols["report_id"], strict=True)})
        return cls(entries)

    def table(self) -> pa.Table:
        keys = sorted(self.entries)
        cols = list(zip(*(self.entries[k] for k in keys), strict=True)) or [[], [], [], []]
        return pa.Table.from_arrays([pa.array(keys, pa.binary()), *(pa.array(c, t.type) for c, t in
                                                                   zip(cols, list(INDEX_SCHEMA)[1:], strict=True))],
                                    schema=INDEX_SCHEMA)

    def write(self, folder: Path) -> Path:
        path = Path(folder) / INDEX_FILE
        keys = sorted(self.entries)
        cols = list(zip(*(self.entries[k] for k in keys), strict=True)) or [[], [], [], []]
        table = pa.Table.from_arrays([pa.array(keys, pa.binary()), *(pa.array(c, t.type) for c, t in
                                                                        zip(cols, list(INDEX_SCHEMA)[1:], strict=True))],
                                     schema=INDEX_SCHEMA)
        pq.write_table(table, path, compression="zstd")
        return path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileIndex) and self.entries == other.entries

    __hash__ = None  # mutable
