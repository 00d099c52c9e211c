"""The segment layout: a commit writes what it adds and leaves every stored file alone;
replacements rewrite only their segment; small segments are merged past a threshold;
earlier versions stay readable (and citable) until vacuumed; partition folders let
readers skip files; `ogi versions`, `ogi compact`, `ogi vacuum`."""

import os
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq

from extractors.dataset import layout, segments
from extractors.dataset.query import files, read_table
from extractors.dataset.storage import Storage
from extractors.dataset.store import DatasetStore
from extractors.pipeline import process_path
from flows import cli

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
SEEDS = sorted(RAW.glob("0*.txt"))


def commit(out, paths, root):
    with DatasetStore(out) as store:
        plan = store.plan(paths, root)
        store.stage([process_path(p, root) for p in plan.todo])
        return store.commit(plan.path_ids)


def variants(folder: Path, n: int, seed: Path = SEEDS[0]) -> list[Path]:
    """`n` files with the seed's report and other bytes (other report ids, same partition)."""
    folder.mkdir(exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"v{i:03d}.txt"
        p.write_bytes(seed.read_bytes() + b"\n" * (i + 1))
        out.append(p)
    return out


def data_files(out: Path) -> dict[str, tuple[int, int]]:
    """Every file under _data with its inode and modification time."""
    return {str(p.relative_to(out)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (out / "_data").rglob("*") if p.is_file()}


def test_a_commit_writes_only_what_it_adds_and_touches_no_stored_file(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    docs = variants(src, 4)
    commit(out, docs[:3], src)
    before = data_files(out)
    commit(out, docs, src)  # one more report
    after = data_files(out)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing stored rewritten
    new = sorted(set(after) - set(before))
    # One segment (reports, values, findings, keys) and one file-index part.
    assert len(new) == 5, new
    assert sum("/_files/" in f for f in new) == 1 and sum("/_keys/" in f for f in new) == 1
    assert read_table(out, "reports").num_rows == 4


def test_a_replacement_rewrites_only_the_segment_holding_the_report(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    one, two = variants(tmp_path / "a", 2), variants(tmp_path / "b", 1, SEEDS[1])
    src.mkdir()
    for p in (*one, *two):
        os.link(p, src / f"{p.parent.name}-{p.name}")
    commit(out, sorted(src.iterdir())[:2], src)  # segment 1: the two variants of seed 0
    commit(out, sorted(src.iterdir()), src)  # segment 2: seed 1's variant
    man = layout.current(Storage(out))
    by_id = {s.id: s for s in man.segments}
    target = sorted(src.iterdir())[0]
    target.write_bytes(target.read_bytes() + b"changed")  # its path now holds other bytes
    before = data_files(out)
    commit(out, sorted(src.iterdir()), src)
    after_man = layout.current(Storage(out))
    kept = [s.id for s in after_man.segments if s.id in by_id]
    assert len(kept) == len(man.segments) - 1  # every segment but the rewritten one stays as it was
    assert all(before[by_id[k].data_file("values")] == data_files(out)[by_id[k].data_file("values")] for k in kept)
    reports = read_table(out, "reports").to_pandas()
    assert len(reports) == 3 and reports.source_path.is_unique


def test_small_segments_are_merged_past_the_threshold_and_files_stay_bounded(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    docs = variants(src, segments.COMPACT_AT + 3)
    for i in range(1, len(docs) + 1):
        commit(out, docs[:i], src)  # one report per commit, all in one partition
        assert len(layout.current(Storage(out)).segments) < segments.COMPACT_AT
    assert read_table(out, "reports").num_rows == len(docs)
    code = cli.main(["compact", "--out", str(out)])
    assert code == 0 and len(layout.current(Storage(out)).segments) == 1
    assert read_table(out, "reports").num_rows == len(docs)


def test_earlier_versions_stay_readable_until_vacuumed(tmp_path, capsys):
    out = tmp_path / "out"
    commit(out, SEEDS[:2], RAW)
    first = layout.snapshot(out)
    commit(out, SEEDS, RAW)
    # Version 1, as a researcher cited it: its folder, and read_table(number=1).
    assert len(pd.read_parquet(first / "reports.parquet")) == 2
    assert read_table(out, "reports", 1).num_rows == 2 and read_table(out, "reports").num_rows == 5
    assert cli.main(["versions", "--out", str(out)]) == 0
    listing = capsys.readouterr().out
    assert "_versions/000001" in listing and "(current)" in listing.splitlines()[-1]
    assert cli.main(["vacuum", "--out", str(out), "--keep", "1"]) == 0
    assert "deleted 1 version(s): 1" in capsys.readouterr().out
    assert not first.exists() and read_table(out, "reports", 1) is None
    named = layout.current(Storage(out)).all_files()
    assert set(data_files(out)) == named  # only the current version's files are left
    assert cli.main(["vacuum", "--out", str(out), "--keep", "0"]) == 2
    assert cli.main(["versions", "--out", str(tmp_path / "none")]) == 2


def test_partition_folders_let_readers_skip_files_and_read_one_call_each(tmp_path):
    """One documented call per tool opens the current version; a year filter reads only
    that year's files (values and findings carry year and template from their folders)."""
    out = tmp_path / "out"
    commit(out, SEEDS, RAW)
    reports = read_table(out, "reports").to_pandas()
    years = sorted(set(reports.year.dropna().astype(int)))
    assert len(years) >= 2
    values = pd.read_parquet(out / "values.parquet")
    assert set(values.year.astype(int)) <= set(years) | {0}
    assert pl.read_parquet(out / "values.parquet").height == len(values)
    con = duckdb.connect()
    glob = f"{out}/values.parquet/**/*.parquet"
    assert con.execute(f"SELECT count(*) FROM '{glob}'").fetchone()[0] == len(values)
    year = years[0]
    plan = "".join(r[1] for r in con.execute(f"EXPLAIN ANALYZE SELECT sum(value) FROM '{glob}' WHERE year = {year}")
                   .fetchall())
    in_year = [f for f in files(out, "values") if f"/year={year}/" in f]
    assert con.execute(f"SELECT count(*) FROM '{glob}' WHERE year = {year}").fetchone()[0] == \
        sum(pq.ParquetFile(f).metadata.num_rows for f in in_year)
    total = len(files(out, "values"))
    assert f"Scanning Files: {len(in_year)}/{total}" in plan and len(in_year) < total  # the other years skipped
    # Reports: a file holds one year and one template, so statistics skip the others.
    for f in files(out, "reports"):
        t = pq.read_table(f)
        assert len(set(t.column("year").to_pylist())) == 1 and len(set(t.column("template").to_pylist())) == 1
