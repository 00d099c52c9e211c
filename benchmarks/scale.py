"""The dataset at national scale: a dataset of N synthetic reports built directly as
segments (values generated, no extraction), then the writer's and the readers' costs.

    python -m benchmarks.scale --out /tmp/scale --reports 1000000     # ~10 min, ~6 GB
    python -m benchmarks.scale --out /tmp/scale --old-layout 10000,40000

Measured: adding one report, a 1,000-report nightly commit, replacing a stored report,
`compact`, and a researcher's typical queries (all reports of one province and year with
their values; one cell across all years) in DuckDB, polars and pandas. `--old-layout`
times one added report in the layout before segments (three whole files rewritten per
commit, run from that commit's code) at sizes it can reach. Figures: benchmarks/SCALE.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.scale_data import (
    YEARS,
    findings_table,
    report_id,
    reports_table,
    synth_results,
    template_of,
    values_table,
)
from extractors.dataset import layout
from extractors.dataset.catalog import Manifest, Segment, new_segment_id, schema_fingerprint
from extractors.dataset.segments import SEGMENT_REPORTS, VALUES_ROW_GROUP, key_table
from extractors.dataset.storage import Storage
from extractors.records import DocResult

# The base commit whose layout rewrote three whole files per commit (for --old-layout).
OLD_LAYOUT_COMMIT = "1bff6b8"
QUERY_REPEATS = 2

def build(out: Path, n_reports: int, seed: int = 1) -> Manifest:
    """A dataset of `n_reports` synthetic reports at `out`, spread evenly over YEARS, as
    full segments written directly (what compaction leaves), published as one version."""
    storage = Storage(out)
    rng = np.random.default_rng(seed)
    segs = []
    per_year = n_reports // len(YEARS)
    start = 0
    for y, year in enumerate(YEARS):
        count = per_year if y < len(YEARS) - 1 else n_reports - start
        for lo in range(start, start + count, SEGMENT_REPORTS):
            idx = np.arange(lo, min(lo + SEGMENT_REPORTS, start + count))
            ids = [report_id(i) for i in idx]
            tables = {"reports": reports_table(idx, ids, year), "values": values_table(ids, template_of(year), rng),
                      "findings": findings_table(idx, ids)}
            seg = Segment(new_segment_id(), year, template_of(year), *(tables[t].num_rows for t in tables))
            for name, t in tables.items():
                options = {"row_group_size": VALUES_ROW_GROUP} if name == "values" else {}
                storage.write_table(seg.data_file(name), t, **options)
            keys = key_table(tables["reports"])
            seg.keys = keys.num_rows
            storage.write_table(seg.keys_file(), keys)
            segs.append(seg)
            print(f"  built {lo + len(idx):,} reports", file=sys.stderr, flush=True)
        start += count
    Path(out).mkdir(parents=True, exist_ok=True)
    manifest = Manifest(layout.next_number(storage), segs, [], None, time.time(), schema_fingerprint())
    layout.publish(storage, manifest)
    return manifest


def commit_seconds(out: Path, results: list[DocResult]) -> dict[str, float]:
    """Open the store, stage `results`, commit: the seconds of each step."""
    from extractors.dataset.store import DatasetStore

    t0 = time.perf_counter()
    with DatasetStore(out) as store:
        t1 = time.perf_counter()
        store.stage(results)
        t2 = time.perf_counter()
        store.commit({p: r.report["report_id"] for r in results for p in r.report["source_paths"]})
        t3 = time.perf_counter()
    return {"open": t1 - t0, "stage": t2 - t1, "commit": t3 - t2, "total": time.perf_counter() - t0}


def queries(out: Path, province: str = "广东省", year: int = 2022) -> dict[str, float]:
    """The researcher's two queries in each tool (best of QUERY_REPEATS, seconds)."""
    import duckdb
    import pandas as pd
    import polars as pl

    reports, values = f"{out}/reports.parquet/**/*.parquet", f"{out}/values.parquet/**/*.parquet"
    cell = ("applications", "new_received", "total")
    con = duckdb.connect()
    q1 = (f"SELECT count(*), sum(v.value) FROM read_parquet('{values}', hive_partitioning = true) v "
          f"JOIN read_parquet('{reports}') r USING (report_id) "
          f"WHERE v.year = {year} AND r.year = {year} AND r.agency LIKE '{province}%'")
    q2 = (f"SELECT year, count(*), sum(value) FROM read_parquet('{values}', hive_partitioning = true) "
          f"WHERE \"table\" = '{cell[0]}' AND \"row\" = '{cell[1]}' AND \"column\" = '{cell[2]}' GROUP BY year")
    r_cols = ["report_id", "agency", "year"]

    def pandas_q1():
        r = pd.read_parquet(f"{out}/reports.parquet", columns=r_cols, filters=[("year", "=", year)])
        ids = r.loc[r.agency.str.startswith(province), "report_id"].tolist()
        return len(pd.read_parquet(f"{out}/values.parquet", columns=["report_id", "value"],
                                   filters=[("year", "=", year), ("report_id", "in", ids)]))

    def pandas_q2():
        return len(pd.read_parquet(f"{out}/values.parquet", columns=["value", "year"],
                                   filters=[("table", "=", cell[0]), ("row", "=", cell[1]), ("column", "=", cell[2])]))

    def polars_q1():
        r = pl.scan_parquet(reports).filter((pl.col("year") == year) & pl.col("agency").str.starts_with(province))
        v = pl.scan_parquet(values, hive_partitioning=True).filter(pl.col("year") == year)
        return v.join(r.select("report_id"), on="report_id").select(pl.len()).collect().item()

    def polars_q2():
        v = pl.scan_parquet(values, hive_partitioning=True)
        return v.filter((pl.col("table") == cell[0]) & (pl.col("row") == cell[1]) & (pl.col("column") == cell[2])) \
            .group_by("year").agg(pl.len()).collect().height

    runs = {"duckdb_province_year": lambda: con.execute(q1).fetchall(),
            "duckdb_one_cell_all_years": lambda: con.execute(q2).fetchall(),
            "polars_province_year": polars_q1, "polars_one_cell_all_years": polars_q2,
            "pandas_province_year": pandas_q1, "pandas_one_cell_all_years": pandas_q2}
    figures = {}
    for name, fn in runs.items():
        times = []
        for _ in range(QUERY_REPEATS):
            t = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t)
        figures[name] = min(times)
        figures[f"{name}_result"] = str(result)[:120]
        print(f"  {name}: {figures[name]:.3f} s", file=sys.stderr, flush=True)
    return figures


def writer_figures(out: Path, n_reports: int) -> dict[str, float]:
    """Add one (three times), a nightly 1,000 (twice), a replacement, `compact`."""
    from extractors.dataset.store import DatasetStore

    figures = {}
    adds = [commit_seconds(out, synth_results(n_reports + i, 1)) for i in range(3)]
    figures["add_one_commit"] = statistics.median(a["commit"] for a in adds)
    figures["add_one_total"] = statistics.median(a["total"] for a in adds)
    nightly = [commit_seconds(out, synth_results(n_reports + 10 + 1000 * i, 1000)) for i in range(2)]
    figures["nightly_1000_commit"] = statistics.median(a["commit"] for a in nightly)
    figures["nightly_1000_total"] = statistics.median(a["total"] for a in nightly)
    replace = commit_seconds(out, synth_results(n_reports // 2, 1, year=YEARS[len(YEARS) // 2], bump=7))
    figures["replace_one_commit"] = replace["commit"]
    t = time.perf_counter()
    with DatasetStore(out) as store:
        before, after = store.compact()
    figures["compact"] = time.perf_counter() - t
    figures["segments_before_compact"], figures["segments_after_compact"] = before, after
    return figures


OLD_SCRIPT = """
import sys, time, json
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import pyarrow.parquet as pq
from benchmarks.scale_data import synth_results, reports_table, values_table, findings_table, report_id
import numpy as np
from extractors.dataset.store import DatasetStore
out, n = Path(sys.argv[2]), int(sys.argv[3])
idx = np.arange(n); ids = [report_id(i) for i in idx]
out.mkdir(parents=True)
pq.write_table(reports_table(idx, ids, 2022), out / "reports.parquet")
pq.write_table(values_table(ids, "gb2021", np.random.default_rng(1)), out / "values.parquet")
pq.write_table(findings_table(idx, ids), out / "findings.parquet")
times = []
for i in range(3):
    results = synth_results(n + i, 1)
    with DatasetStore(out) as store:
        store.stage(results)
        t = time.perf_counter()
        store.commit({p: r.report["report_id"] for r in results for p in r.report["source_paths"]})
        times.append(time.perf_counter() - t)
print(json.dumps(sorted(times)[1]))
"""


def old_layout(sizes: list[int], work: Path) -> dict[int, float]:
    """One added report's commit in the layout before segments, at each size (median of 3)."""
    old = work / "old-code"
    old.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", OLD_LAYOUT_COMMIT, "extractors", "schemas"], capture_output=True,
                             check=True, cwd=Path(__file__).resolve().parent.parent).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    repo = Path(__file__).resolve().parent.parent
    figures = {}
    for n in sizes:
        script = work / "old.py"
        script.write_text(OLD_SCRIPT)
        # The old package first on the path; benchmarks (this module) from the repository.
        env = {"PYTHONPATH": f"{old}:{repo}", "PATH": "/usr/bin:/bin"}
        res = subprocess.run([sys.executable, str(script), str(old), str(work / f"old-{n}"), str(n)],
                             capture_output=True, text=True, env=env, check=True)
        figures[n] = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"  old layout, {n:,} reports: add one {figures[n]:.3f} s", file=sys.stderr, flush=True)
    return figures


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="where to build the dataset (emptied first)")
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--old-layout", default="", help="sizes (comma-separated) to time the layout before segments at")
    ap.add_argument("--skip-build", action="store_true", help="measure the dataset already at --out")
    args = ap.parse_args(argv)
    figures: dict = {"reports": args.reports}
    if not args.skip_build:
        import shutil

        shutil.rmtree(args.out, ignore_errors=True)
        t = time.perf_counter()
        man = build(args.out, args.reports)
        figures["build_seconds"] = time.perf_counter() - t
        figures["value_rows"] = man.totals()["values"]
        figures["segments"] = len(man.segments)
    figures["queries"] = queries(args.out)
    figures["writer"] = writer_figures(args.out, args.reports)
    figures["queries_after"] = queries(args.out)
    if args.old_layout:
        with tempfile.TemporaryDirectory() as work:
            figures["old_layout_add_one"] = old_layout([int(s) for s in args.old_layout.split(",")], Path(work))
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
