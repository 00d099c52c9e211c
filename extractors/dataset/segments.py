"""Segments: writing the rows of some reports as one segment per partition, rewriting a
segment without the reports a commit replaced, and merging small segments (compaction).

Every function here writes new files only (`extractors.dataset.storage`); which segments
make up a version is the catalogue's business (`extractors.dataset.catalog`).
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc

from extractors.dataset.catalog import (
    ID_KEY,
    PATH_KEY,
    SCHEMAS,
    TABLE_NAMES,
    Segment,
    key_of,
    new_segment_id,
    partition_of,
)

# Reports per segment at most. A replacement rewrites the segments holding the reports it
# replaces, so this bounds its cost: 10,000 reports are ~2 million value rows (the
# templates print ~200 cells), rewritten in about a second here (benchmarks/SCALE.md).
SEGMENT_REPORTS = 10_000
# Small segments (under half the maximum) a partition may hold before a commit merges them:
# each nightly commit adds one per partition it touches, so files stay bounded by
# partitions x (this + the full segments); a merge rewrites at most SEGMENT_REPORTS reports.
COMPACT_AT = 8
SMALL_SEGMENT = SEGMENT_REPORTS // 2
# Rows per Parquet row group of a values file: sorted by cell (table, row, column), a group
# holds a few cells' rows, so a query for one cell reads ~1/30 of a full segment; DuckDB's
# own default (122,880) is the same order.
VALUES_ROW_GROUP = 65_536
# Sort orders inside a segment's files. Values by cell, so Parquet statistics skip row
# groups for a one-cell query; reports by path, findings by report.
SORT_KEYS = {
    "reports": [("source_path", "ascending")],
    "values": [("table", "ascending"), ("row", "ascending"), ("column", "ascending"),
               ("report_id", "ascending"), ("seq", "ascending")],
    "findings": [("report_id", "ascending"), ("check", "ascending")],
}


def conform(t: pa.Table, schema: pa.Schema) -> pa.Table:
    """`t` in `schema`: a column the table lacks (a dataset written before the column was
    added) is null; then cast. Columns the schema no longer has are dropped."""
    missing = [f for f in schema if f.name not in t.column_names]
    for f in missing:
        t = t.append_column(f.name, pa.nulls(t.num_rows, f.type))
    return t.select(schema.names).cast(schema)


def _sorted(name: str, t: pa.Table) -> pa.Table:
    if t.num_rows <= 1:
        return t
    return t.take(pc.sort_indices(t, sort_keys=SORT_KEYS[name]))


def _rows_of(t: pa.Table, ids: list[str]) -> pa.Table:
    return t.filter(pc.is_in(t.column("report_id"), value_set=pa.array(ids, pa.string())))


def write_segments(storage, reports: pa.Table, values: pa.Table, findings: pa.Table) -> list[Segment]:
    """The rows of `reports` (and their values and findings) as new segments: one per
    partition (year, template), split every SEGMENT_REPORTS reports."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for rid, year, template in zip(reports.column("report_id").to_pylist(), reports.column("year").to_pylist(),
                                   reports.column("template").to_pylist(), strict=True):
        groups[partition_of(year, template)].append(rid)
    segments = []
    for partition, ids in sorted(groups.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1] or "")):
        for i in range(0, len(ids), SEGMENT_REPORTS):
            chunk = ids[i:i + SEGMENT_REPORTS]
            tables = {"reports": _rows_of(reports, chunk),
                      "values": _rows_of(values, chunk), "findings": _rows_of(findings, chunk)}
            segments.append(write_segment(storage, partition, tables))
    return segments


def write_segment(storage, partition: tuple, tables: dict[str, pa.Table], presorted: bool = False) -> Segment:
    """One new segment of these rows (sorted as segments keep them, unless `presorted`)."""
    seg = Segment(new_segment_id(), partition[0], partition[1], *(tables[t].num_rows for t in TABLE_NAMES))
    for name in TABLE_NAMES:
        t = conform(tables[name], SCHEMAS[name])
        t = t if presorted else _sorted(name, t)
        options = {"row_group_size": VALUES_ROW_GROUP} if name == "values" else {}
        storage.write_table(seg.data_file(name), t, **options)
        if name == "reports":
            keys = key_table(t)
            seg.keys = keys.num_rows
            storage.write_table(seg.keys_file(), keys)
    return seg


KEY_SCHEMA = pa.schema([pa.field("kind", pa.uint8()), pa.field("key", pa.uint64()), pa.field("row", pa.int32())])


def key_table(reports: pa.Table) -> pa.Table:
    """The key file of a segment's reports (in their order in its file): a row per report
    id and per path, with the report's row number."""
    kinds, keys, rows = [], [], []
    for i, (rid, paths) in enumerate(zip(reports.column("report_id").to_pylist(),
                                         reports.column("source_paths").to_pylist(), strict=True)):
        kinds.append(ID_KEY)
        keys.append(key_of(rid))
        rows.append(i)
        for p in paths or []:
            kinds.append(PATH_KEY)
            keys.append(key_of(p))
            rows.append(i)
    return pa.table([pa.array(kinds, pa.uint8()), pa.array(keys, pa.uint64()), pa.array(rows, pa.int32())],
                    schema=KEY_SCHEMA)


def read_segment(storage, seg: Segment) -> dict[str, pa.Table]:
    """A segment's three tables, in today's schema."""
    return {name: conform(storage.read_table([seg.data_file(name)]), SCHEMAS[name]) for name in TABLE_NAMES}


def rewrite(storage, seg: Segment, drop: set[str], path_updates: dict[str, list[str]]) -> Segment | None:
    """`seg` without the reports in `drop`, with the paths of `path_updates` (None when no
    report is left)."""
    tables = read_segment(storage, seg)
    if drop:
        keep = pc.invert(pc.is_in(tables["reports"].column("report_id"), value_set=pa.array(sorted(drop), pa.string())))
        tables["reports"] = tables["reports"].filter(keep)
        for name in ("values", "findings"):
            t = tables[name]
            tables[name] = t.filter(pc.invert(pc.is_in(t.column("report_id"), value_set=pa.array(sorted(drop), pa.string()))))
    if path_updates:
        tables["reports"] = _update_paths(tables["reports"], path_updates)
    if tables["reports"].num_rows == 0:
        return None
    return write_segment(storage, seg.partition, tables, presorted=True)  # filtering keeps the order


def _update_paths(t: pa.Table, updates: dict[str, list[str]]) -> pa.Table:
    recs = t.to_pylist()
    for rec in recs:
        if rec["report_id"] in updates:
            rec["source_paths"] = updates[rec["report_id"]]
            rec["source_path"] = rec["source_paths"][0]
    return pa.Table.from_pylist(recs, schema=t.schema)


def merge(storage, group: list[Segment]) -> Segment:
    """One segment holding the rows of `group` (all of one partition)."""
    parts = [read_segment(storage, s) for s in group]
    return write_segment(storage, group[0].partition,
                         {name: pa.concat_tables([p[name] for p in parts]) for name in TABLE_NAMES})


def compaction_groups(segments: list[Segment], full: bool = False) -> list[list[Segment]]:
    """Which segments to merge: per partition, the small ones once there are COMPACT_AT of
    them (every small one when `full`), in groups of at most SEGMENT_REPORTS reports."""
    by_partition: dict[tuple, list[Segment]] = defaultdict(list)
    for s in segments:
        if s.reports < (SEGMENT_REPORTS if full else SMALL_SEGMENT):
            by_partition[s.partition].append(s)
    groups = []
    for small in by_partition.values():
        if len(small) < (2 if full else COMPACT_AT):
            continue
        group: list[Segment] = []
        for s in sorted(small, key=lambda s: s.reports):
            if group and sum(g.reports for g in group) + s.reports > SEGMENT_REPORTS:
                if len(group) > 1:
                    groups.append(group)
                group = []
            group.append(s)
        if len(group) > 1:
            groups.append(group)
    return groups
