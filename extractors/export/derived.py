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


def _chain_rows(values: pa.Table | None, findings: pa.Table | None):
    """Only what the cross-year checks read (the values table can be large): the numbers of
    the chained rows, and the findings that make a cell doubtful."""
    if values is None or findings is None:
        return None, None
    keep = pc.and_(pc.is_in(values["row"], pa.array(CHAIN_ROWS)), pc.equal(values["value_kind"], "number"))
    vals = values.filter(keep).select(["report_id", "table", "row", "column", "value", "value_kind", "raw_value"])
    finds = findings.filter(pc.is_in(findings["check"], pa.array(DOUBTFUL)))
    return vals.to_pandas(), finds.to_pandas()


def derived_tables(out: Path) -> dict[str, pa.Table]:
    """The derived tables of the dataset at `out` (empty when it holds no reports)."""
    reports, values, findings = (read_table(out, n) for n in ("reports", "values", "findings"))
    if reports is None:
        return {}
    rep = reports.to_pandas()
    vals, finds = _chain_rows(values, findings)
    panel = cross_year_findings(rep, vals, finds) if vals is not None and finds is not None else []
    return {"agencies": build_agencies(rep), "labels": labels_table(),
            "panel_findings": pa.Table.from_pylist(panel, schema=PANEL_FINDINGS)}


def write_derived(out: Path) -> dict[str, int]:
    """Write the derived tables into `out`; their row counts."""
    out = Path(out)
    tables = derived_tables(out)
    for name, table in tables.items():
        write_atomic(table.cast(DERIVED_SCHEMAS[name]), out / f"{name}.parquet")
    return {name: t.num_rows for name, t in tables.items()}
