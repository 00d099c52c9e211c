"""The agencies table: one row per `agency_id` with its names, region and years reported."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from schemas.arrow import AGENCIES

# Statuses whose report is a report (documents that are not reports name no agency).
REPORT_STATUSES = ("ok", "partial")
REGION = ("province", "prefecture", "county", "township", "adcode", "admin_level", "agency_kind",
          "parent_government")


def _latest(group: pd.DataFrame, col: str):
    """The most recent report's value (by year, then extraction), among non-null ones."""
    vals = group.dropna(subset=[col])
    return None if vals.empty else vals.iloc[-1][col]


def build_agencies(reports: pd.DataFrame) -> pa.Table:
    """`reports` (reports.parquet as pandas) → the agencies table in its schema."""
    reps = reports[reports["agency_id"].notna() & reports["status"].isin(REPORT_STATUSES)]
    reps = reps.sort_values(["agency_id", "year", "extracted_at"], na_position="first")
    rows = []
    for aid, group in reps.groupby("agency_id", sort=True):
        names = list(dict.fromkeys(group["agency"].dropna()))
        printed = list(dict.fromkeys(group["agency_printed"].dropna()))
        years = sorted({int(y) for y in group["year"].dropna()})
        row = {"agency_id": aid, "agency": _latest(group, "agency"), "names": names,
               "names_printed": printed, "years": years, "n_reports": len(group),
               "first_year": years[0] if years else None, "last_year": years[-1] if years else None,
               "report_ids": list(group["report_id"])}
        row.update({c: _latest(group, c) for c in REGION})
        rows.append(row)
    cols = {f.name: [r.get(f.name) for r in rows] for f in AGENCIES}
    return pa.Table.from_pydict(cols, schema=AGENCIES)
