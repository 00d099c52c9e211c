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

from extractors.dataset.query import read_table, version
from extractors.records import EXTRACTOR_VERSION
from schemas.arrow import DERIVED_SCHEMAS, PANEL_FINDINGS


def write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


# Datasets of up to this many reports get their derived tables rebuilt by every run of the
# extract flow. Beyond it the rebuild is left to `ogi derive` (or `ogi export`): measured on
# benchmarks.scale's 1,000,000-report dataset, reading the chained rows alone takes 33 s
# (27 M value rows) and the pandas join over them ran out of memory; at 100,000 reports
# the rebuild is a few seconds, and commits keep costing what they add.
INLINE_MAX_REPORTS = 100_000
# Parquet metadata key of a derived file: the dataset version (number and creation time)
# and the extractor version it was built from, so an unchanged dataset is not rebuilt.
BUILT_FROM_KEY = b"ogi_built_from"
DERIVED_NAMES = tuple(DERIVED_SCHEMAS)
VALUE_COLUMNS = ["report_id", "table", "row", "column", "value", "value_kind", "raw_value"]


def _chain_rows(out: Path):
    """Only what the cross-year checks read (the values table can be large): the numbers of
    the chained rows, and the findings that make a cell doubtful, read with the rows filtered
    in the Parquet reader (row groups without them are skipped)."""
    from extractors.panel.crossyear import CHAIN_ROWS, DOUBTFUL

    values = read_table(out, "values", columns=VALUE_COLUMNS, filters=[("row", "in", list(CHAIN_ROWS))])
    findings = read_table(out, "findings", filters=[("check", "in", list(DOUBTFUL))])
    if values is None or findings is None:
        return None, None
    values = values.filter(pc.equal(values["value_kind"], "number"))
    return values.to_pandas(), findings.to_pandas()


def derived_tables(out: Path) -> dict[str, pa.Table]:
    """The derived tables of the dataset at `out` (empty when it holds no reports). The
    panel code (pandas) is imported here: a run on an unchanged dataset never needs it."""
    from extractors.export.labels import labels_table
    from extractors.panel.agencies import build_agencies
    from extractors.panel.crossyear import cross_year_findings

    reports = read_table(out, "reports")
    if reports is None:
        return {}
    values, findings = _chain_rows(out)
    rep = reports.to_pandas()
    panel = cross_year_findings(rep, values, findings) if values is not None and findings is not None else []
    return {"agencies": build_agencies(rep), "labels": labels_table(),
            "panel_findings": pa.Table.from_pylist(panel, schema=PANEL_FINDINGS)}


def refresh_after_commit(out: Path) -> str | None:
    """What the extract flow calls after its commit: the derived tables rebuilt when the
    dataset is small enough (INLINE_MAX_REPORTS). Never raises: the commit already stands,
    so a failure here is a note in the run summary, not a failed run. Returns that note."""
    man = version(out)
    n = man.totals()["reports"] if man is not None else 0
    if man is not None and up_to_date(out, built_from(man)):
        return None  # an unchanged dataset (a re-run on the same folder): nothing to rebuild
    if n > INLINE_MAX_REPORTS:
        return (f"derived tables (agencies, labels, panel_findings) not rebuilt: {n:,} reports is over "
                f"{INLINE_MAX_REPORTS:,}; run `ogi derive --out {out}`")
    try:
        write_derived(out)
    except Exception as exc:  # noqa: BLE001 - the dataset is committed; say what was not rebuilt
        return f"derived tables not rebuilt: {type(exc).__name__}: {exc}; run `ogi derive --out {out}`"
    return None


def built_from(man) -> bytes:
    """What a derived file records it was built from (BUILT_FROM_KEY)."""
    return f"version {man.version} created {man.created_at!r} extractor {EXTRACTOR_VERSION}".encode()


def up_to_date(out: Path, stamp: bytes) -> bool:
    """Do all the derived files exist and record `stamp` (built from this very version)?"""
    for name in DERIVED_NAMES:
        path = Path(out) / f"{name}.parquet"
        try:
            meta = pq.read_schema(path).metadata or {}
        except (OSError, pa.ArrowInvalid):
            return False
        if meta.get(BUILT_FROM_KEY) != stamp:
            return False
    return True


def write_derived(out: Path) -> dict[str, int]:
    """Write the derived tables into `out`, each stamped with the version it was built from
    (BUILT_FROM_KEY); their row counts."""
    out = Path(out)
    man = version(out)
    stamp = built_from(man) if man is not None else b""
    tables = derived_tables(out)
    for name, table in tables.items():
        table = table.cast(DERIVED_SCHEMAS[name])
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), BUILT_FROM_KEY: stamp})
        write_atomic(table, out / f"{name}.parquet")
    return {name: t.num_rows for name, t in tables.items()}


def derive(out) -> dict[str, int]:
    """`ogi derive`: rebuild the derived tables of the dataset at `out` under the writer's
    lock (a run that is writing makes it wait its turn: DatasetLocked); their row counts."""
    from extractors.dataset.store import DatasetStore

    out = Path(out)
    if not out.is_dir():  # (opening a store would create the folder)
        raise FileNotFoundError(f"no dataset in {out} (run `ogi extract` first)")
    with DatasetStore(out) as store:
        if store.manifest() is None:
            raise FileNotFoundError(f"no dataset in {out} (run `ogi extract` first)")
        return write_derived(out)

