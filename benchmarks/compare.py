"""Compare two datasets written by `ogi extract`: are they the same data?

    python -m benchmarks.compare OLD_DIR NEW_DIR

Reads the reports, values and findings tables of both datasets' current versions, drops the columns that
legitimately differ between two runs (`extracted_at`; `extractor_version`, which a
release bumps), sorts every table by its natural key and compares them cell by cell.
Prints one line per table and exits 1 when any table differs. Used to show that a
refactoring changed no output (issue #12).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

IGNORED = ("extracted_at", "extractor_version")
SORT_KEYS = {
    "reports": ["report_id"],
    "values": ["report_id", "seq"],
    "findings": ["report_id", "check", "table", "row", "column", "message", "detail"],
}
SHOWN_DIFFERENCES = 5


def load(folder: Path, name: str) -> pd.DataFrame:
    """One table of the dataset's current version (`extractors.dataset.query.read_table`:
    every segment, with the partition columns year and template), as pandas."""
    from extractors.dataset.query import read_table

    table = read_table(folder, name)
    if table is None:
        raise SystemExit(f"Error: {folder} holds no dataset (no {name} table)")
    df = table.to_pandas()
    df = df.drop(columns=[c for c in IGNORED if c in df.columns])
    if "source_paths" in df.columns:
        df["source_paths"] = df["source_paths"].map(lambda v: tuple(v) if v is not None else None)
    if "tables_found" in df.columns:
        df["tables_found"] = df["tables_found"].map(lambda v: tuple(v) if v is not None else None)
    return df.sort_values(SORT_KEYS[name], na_position="first", kind="stable").reset_index(drop=True)


def compare_table(old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """Differences between two sorted tables, as readable lines (empty when identical)."""
    problems = []
    if list(old.columns) != list(new.columns):
        problems.append(f"columns differ: {sorted(set(old.columns) ^ set(new.columns))}")
        return problems
    if len(old) != len(new):
        problems.append(f"{len(old)} rows before, {len(new)} after")
        return problems
    for col in old.columns:
        a, b = old[col].map(_hashable), new[col].map(_hashable)
        same = (a == b) | (a.isna() & b.isna())
        if not same.all():
            idx = list(same[~same].index[:SHOWN_DIFFERENCES])
            problems.append(f"column {col}: {int((~same).sum())} rows differ, e.g. "
                            + "; ".join(f"{a[i]!r} -> {b[i]!r}" for i in idx))
    return problems


def _hashable(v):
    """Lists and arrays (list columns) as tuples, so that cells compare as values."""
    if hasattr(v, "tolist") and not isinstance(v, str):
        v = v.tolist()
    return tuple(v) if isinstance(v, list) else v


def compare(old_dir: Path, new_dir: Path) -> dict[str, list[str]]:
    return {name: compare_table(load(old_dir, name), load(new_dir, name)) for name in SORT_KEYS}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("old", type=Path)
    p.add_argument("new", type=Path)
    args = p.parse_args(argv)
    result = compare(args.old, args.new)
    for name, problems in result.items():
        print(f"{name}: {'identical' if not problems else 'DIFFERENT'}")
        for line in problems:
            print(f"  {line}")
    return 1 if any(result.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
