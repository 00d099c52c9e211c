"""The catalogue of a version: which segments make up the dataset.

A segment is the reports of one partition (year, template) written together, in three
immutable Parquet files (its reports, their values, their findings), so that every value
and finding of a report sits in the segment that holds its report row. A version's
catalogue (`Manifest`) lists its segments and the parts of the file index; a commit
publishes a new catalogue that keeps the untouched segments, drops those it replaced and
adds the new ones, so it writes what it adds, whatever the dataset holds.

File names inside a table's folder:

    reports.parquet/year-2022-template-gb2021/<segment>.parquet   reports carry year and
                                                                   template as columns
    values.parquet/year=2022/template=gb2021/<segment>.parquet     values and findings as
    findings.parquet/year=2022/template=gb2021/<segment>.parquet   hive partitions

Values and findings have no year or template column of their own; their hive folders
give them one in pandas, polars, DuckDB and pyarrow (year 0 and template `unknown` where
the report's are null), and let those readers skip every file outside a year or template
filter. Reports hold both as columns (a hive folder of the
same name would clash with them in pyarrow), and each reports file holds one year and one
template, so the Parquet statistics skip files the same way.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import asdict, dataclass, field

from schemas import FINDINGS, REPORTS, VALUES

TABLE_NAMES = ("reports", "values", "findings")
SCHEMAS = {"reports": REPORTS, "values": VALUES, "findings": FINDINGS}
# The folder of each table, as readers name it.
FOLDERS = {name: f"{name}.parquet" for name in TABLE_NAMES}
# Where every version's data files live; a version folder (local) links to them.
DATA = "_data"
INDEX_PARTS = "_files"
KEYS = "_keys"
# The partition folders of a report whose year or template is unknown (reports.year or
# .template null). Not hive's null marker: pandas cannot yet read a hive partition column
# holding nulls ("Cannot yet unify dictionaries with nulls", pyarrow 26), and a word in an
# integer column would make DuckDB's `year = 2022` fail; no report is of year 0.
UNKNOWN_YEAR = 0
UNKNOWN_TEMPLATE = "unknown"
MANIFEST_FORMAT = 1


def schema_fingerprint() -> str:
    """Changes whenever a table's columns change: segments of another fingerprint are
    rewritten in today's schema by the next commit."""
    text = "\n".join(f"{n}:{SCHEMAS[n]}" for n in TABLE_NAMES)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def partition_of(year, template) -> tuple[int | None, str | None]:
    return (int(year) if year is not None else None, template or None)


def partition_folder(table: str, partition: tuple[int | None, str | None]) -> str:
    year, template = partition
    y = UNKNOWN_YEAR if year is None else year
    t = UNKNOWN_TEMPLATE if template is None else template
    if table == "reports":
        return f"year-{y}-template-{t}"
    return f"year={y}/template={t}"


def new_segment_id() -> str:
    """Sortable by creation time, unique across writers and machines."""
    return f"{time.time_ns():020d}-{uuid.uuid4().hex[:10]}"


@dataclass
class Segment:
    id: str
    year: int | None
    template: str | None
    reports: int
    values: int
    findings: int
    keys: int = 0  # rows of its key file (one per report and one per path)

    @property
    def partition(self) -> tuple[int | None, str | None]:
        return (self.year, self.template)

    def file(self, table: str) -> str:
        """The segment's file of `table`, relative to a table-holding root."""
        return f"{FOLDERS[table]}/{partition_folder(table, self.partition)}/{self.id}.parquet"

    def data_file(self, table: str) -> str:
        return f"{DATA}/{self.file(table)}"

    def keys_file(self) -> str:
        """The segment's key file: 64-bit hashes of its report ids and paths (`key_of`)
        with the report's row, so a commit finds the few stored reports it concerns
        without reading every report id."""
        return f"{DATA}/{KEYS}/{self.id}.parquet"


@dataclass
class Manifest:
    version: int
    segments: list[Segment] = field(default_factory=list)
    index_parts: list[str] = field(default_factory=list)  # file-index parts, oldest first
    parent: int | None = None
    created_at: float = 0.0
    schema: str = ""

    def to_json(self) -> bytes:
        data = asdict(self)
        data["format"] = MANIFEST_FORMAT
        return json.dumps(data, ensure_ascii=False, indent=0).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        data.pop("format", None)
        data["segments"] = [Segment(**s) for s in data["segments"]]
        return cls(**data)

    def totals(self) -> dict[str, int]:
        return {t: sum(getattr(s, t) for s in self.segments) for t in TABLE_NAMES}

    def files(self, table: str) -> list[str]:
        """The data files of `table` in this version, relative to the dataset root."""
        return [s.data_file(table) for s in self.segments]

    def all_files(self) -> set[str]:
        return ({f for t in TABLE_NAMES for f in self.files(t)} | {s.keys_file() for s in self.segments}
                | set(self.index_parts))


# Kinds of row in a key file.
ID_KEY, PATH_KEY = 0, 1


def key_of(text: str) -> int:
    """A 64-bit hash of a report id or path (blake2b): equal texts, equal keys; a match is
    confirmed on the text itself, so a collision costs a read, never a wrong answer."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def index_part_name() -> str:
    return f"{DATA}/{INDEX_PARTS}/{new_segment_id()}.parquet"
