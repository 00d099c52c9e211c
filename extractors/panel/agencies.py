"""The agencies table: one row per `agency_id` with its names, region and years reported."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from schemas.arrow import AGENCIES

# Statuses whose report is a report (documents that are not reports name no agency).
REPORT_STATUSES = ("ok", "partial")
REGION = ("province", "prefecture", "county", "township", "adcode", "admin_level", "agency_kind",
          "parent_government")


def _present(v) -> bool:
    return v is not None and not (isinstance(v, float) and v != v) and v is not pd.NaT and v is not pd.NA


def build_agencies(reports: pd.DataFrame) -> pa.Table:
    """`reports` (reports.parquet as pandas) → the agencies table in its schema.

    One pass over the reports sorted by agency, year and extraction time (plain lists, not
    pandas per group: a per-group `dropna` cost seconds on a few thousand agencies); for each
    column the agency row takes the most recent report's value among non-null ones."""
    reps = reports[reports["agency_id"].notna() & reports["status"].isin(REPORT_STATUSES)]
    reps = reps.sort_values(["agency_id", "year", "extracted_at"], na_position="first")
    cols = {c: reps[c].tolist() for c in ("agency_id", "agency", "agency_printed", "year", "report_id", *REGION)}
    rows = []
    n = len(reps)
    i = 0
    while i < n:
        aid = cols["agency_id"][i]
        j = i
        while j < n and cols["agency_id"][j] == aid:
            j += 1
        rows.append(_agency_row(cols, i, j))
        i = j
    out = {f.name: [r.get(f.name) for r in rows] for f in AGENCIES}
    return pa.Table.from_pydict(out, schema=AGENCIES)


def _agency_row(cols: dict[str, list], i: int, j: int) -> dict:
    """The agencies row of the reports i..j-1 (one agency's, oldest first)."""
    def present(col: str) -> list:
        return [v for v in cols[col][i:j] if _present(v)]

    names = list(dict.fromkeys(present("agency")))
    years = sorted({int(y) for y in present("year")})
    row = {"agency_id": cols["agency_id"][i], "agency": present("agency")[-1] if names else None,
           "names": names, "names_printed": list(dict.fromkeys(present("agency_printed"))), "years": years,
           "n_reports": j - i, "first_year": years[0] if years else None,
           "last_year": years[-1] if years else None, "report_ids": cols["report_id"][i:j]}
    for c in REGION:
        vals = present(c)
        row[c] = vals[-1] if vals else None
    return row
