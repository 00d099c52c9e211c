"""The derived tables written beside the dataset after each commit: `agencies.parquet`,
`labels.parquet` and `panel_findings.parquet` (the cross-year checks).

They are rebuilt whole from the committed version (read through
`extractors.dataset.query.read_table`, which sees one complete version) and each is written
to a temporary name and renamed, so a reader sees the old file or the new one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from extractors.dataset.query import read_table
from extractors.export.labels import labels_table
from extractors.panel.agencies import build_agencies
from extractors.panel.crossyear import CHAIN_ROWS, DOUBTFUL, cross_year_findings
from schemas.arrow import DERIVED_SCHEMAS, PANEL_FINDINGS


def write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


VALUE_COLUMNS = ["report_id", "table", "row", "column", "value", "value_kind", "raw_value"]


def _chain_rows(out: Path):
    """Only what the cross-year checks read (the values table can be large): the numbers of
    the chained rows, and the findings that make a cell doubtful, read with the rows filtered
    in the Parquet reader (row groups without them are skipped)."""
    values = read_table(out, "values", columns=VALUE_COLUMNS, filters=[("row", "in", list(CHAIN_ROWS))])
    findings = read_table(out, "findings", filters=[("check", "in", list(DOUBTFUL))])
    if values is None or findings is None:
        return None, None
    values = values.filter(pc.equal(values["value_kind"], "number"))
    return values.to_pandas(), findings.to_pandas()


def derived_tables(out: Path) -> dict[str, pa.Table]:
    """The derived tables of the dataset at `out` (empty when it holds no reports)."""
    reports = read_table(out, "reports")
    if reports is None:
        return {}
    values, findings = _chain_rows(out)
    rep = reports.to_pandas()
    panel = cross_year_findings(rep, values, findings) if values is not None and findings is not None else []
    return {"agencies": build_agencies(rep), "labels": labels_table(),
            "panel_findings": pa.Table.from_pylist(panel, schema=PANEL_FINDINGS)}


def write_derived(out: Path) -> dict[str, int]:
    """Write the derived tables into `out`; their row counts."""
    out = Path(out)
    tables = derived_tables(out)
    for name, table in tables.items():
        write_atomic(table.cast(DERIVED_SCHEMAS[name]), out / f"{name}.parquet")
    return {name: t.num_rows for name, t in tables.items()}
