"""The Parquet dataset: reports.parquet, values.parquet, findings.parquet under one folder.

Writes are upserts keyed by report: re-running on the same inputs replaces those
reports' rows (no duplicates), and every other report already in the dataset is kept.
Each file is written to a temporary name and moved into place, so a reader never sees
a half-written file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from extractors.pipeline import DocResult
from schemas import FINDINGS, REPORTS, VALUES

FILES = {"reports": ("reports.parquet", REPORTS), "values": ("values.parquet", VALUES),
         "findings": ("findings.parquet", FINDINGS)}


@dataclass
class WriteSummary:
    reports: int
    values: int
    findings: int
    total_reports: int


def merge_duplicates(results: Iterable[DocResult]) -> list[DocResult]:
    """One result per report_id: identical bytes at several paths are one report with all its paths."""
    by_id: dict[str, DocResult] = {}
    for r in results:
        rid = r.report["report_id"]
        if rid in by_id:
            keep = by_id[rid]
            keep.report["source_paths"] = sorted(set(keep.report["source_paths"]) | set(r.report["source_paths"]))
            keep.report["source_path"] = keep.report["source_paths"][0]
        else:
            r.report["source_paths"] = sorted(set(r.report["source_paths"]))
            by_id[rid] = r
    return list(by_id.values())


def _table(records: list[dict], schema: pa.Schema) -> pa.Table:
    cols = {f.name: [rec.get(f.name) for rec in records] for f in schema}
    return pa.Table.from_pydict(cols, schema=schema)


def read_table(out: Path, name: str) -> pa.Table | None:
    path = Path(out) / FILES[name][0]
    if not path.exists():
        return None
    return pq.read_table(path).cast(FILES[name][1])


def _atomic_write(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def write_dataset(results: Iterable[DocResult], out: Path) -> WriteSummary:
    """Upsert the given documents' rows into the dataset at `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    merged = merge_duplicates(results)
    new_ids = {r.report["report_id"] for r in merged}
    new_paths = {p for r in merged for p in r.report["source_paths"]}
    reports = sorted((r.report for r in merged), key=lambda rep: rep["source_path"])
    new = {
        "reports": _table(reports, REPORTS),
        "values": _table([v for r in merged for v in r.values], VALUES),
        "findings": _table([f for r in merged for f in r.findings], FINDINGS),
    }
    old_reports = read_table(out, "reports")
    drop_ids = set(new_ids)
    if old_reports is not None and old_reports.num_rows:
        # A path that now holds other bytes replaces the report stored for it.
        for rid, paths in zip(old_reports.column("report_id").to_pylist(),
                              old_reports.column("source_paths").to_pylist(), strict=True):
            if paths and set(paths) <= new_paths:
                drop_ids.add(rid)
    counts = {}
    for name, (fname, schema) in FILES.items():
        old = read_table(out, name)
        table = new[name]
        if old is not None and old.num_rows:
            keep = pc.invert(pc.is_in(old.column("report_id"), value_set=pa.array(sorted(drop_ids))))
            table = pa.concat_tables([old.filter(keep), table])
        table = _sorted(name, table)
        _atomic_write(table, out / fname)
        counts[name] = table.num_rows
    return WriteSummary(len(reports), new["values"].num_rows, new["findings"].num_rows, counts["reports"])


def _sorted(name: str, table: pa.Table) -> pa.Table:
    keys = {"reports": [("source_path", "ascending")],
            "values": [("report_id", "ascending"), ("seq", "ascending")],
            "findings": [("report_id", "ascending"), ("check", "ascending"), ("message", "ascending")]}[name]
    return table.sort_by(keys) if table.num_rows else table


def query_findings(out: Path, report: str | None = None, check: str | None = None):
    """Findings joined with their report's source path, filtered by report and check.

    `report` matches a report_id prefix or a source path (exact or as a suffix);
    `check` matches a check id or finding kind exactly, or a prefix ending in '.'
    (e.g. 'applications.'). Raises FileNotFoundError when the dataset is missing.
    """
    import pandas as pd

    out = Path(out)
    path = out / FILES["findings"][0]
    if not path.exists():
        raise FileNotFoundError(f"no findings.parquet in {out} (run `ogi extract` first)")
    findings = pd.read_parquet(path)
    reports = pd.read_parquet(out / FILES["reports"][0], columns=["report_id", "source_path"])
    df = findings.merge(reports, on="report_id", how="left")
    if report:
        df = df[df.report_id.str.startswith(report) | (df.source_path == report)
                | df.source_path.fillna("").str.endswith("/" + report)]
    if check:
        df = df[(df.check == check) | (check.endswith(".") & df.check.str.startswith(check))]
    return df.sort_values(["source_path", "check", "table", "row", "column"], na_position="first")


def format_findings(df, width: int = 100) -> str:
    """A readable text table of findings for the terminal."""
    if df.empty:
        return "no findings"
    lines = []
    cols = [("source_path", 28), ("check", 26), ("severity", 8), ("where", 34)]
    header = "  ".join(name.ljust(w) for name, w in cols) + "  message"
    lines.append(header)
    lines.append("-" * min(len(header) + 20, 160))
    for rec in df.itertuples(index=False):
        where = ".".join(x for x in (rec.table, rec.row, rec.column) if isinstance(x, str) and x)
        cells = [str(rec.source_path or rec.report_id[:12]), rec.check, rec.severity, where]
        line = "  ".join(_clip(c, w).ljust(w) for c, (_, w) in zip(cells, cols, strict=True))
        lines.append(line + "  " + _clip(rec.message, width))
    lines.append(f"{len(df)} finding(s)")
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    text = str(text).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"
