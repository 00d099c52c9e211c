"""The dataset store: incremental skips, upserts by path, the lock, and crash safety."""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from extractors.dataset.store import DatasetLocked, DatasetStore, write_dataset
from extractors.pipeline import process_path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
SEEDS = sorted(RAW.glob("0*.txt"))


def run_store(files, root, out, force=False):
    """What the flow does, without Prefect: plan, extract what is new, stage, commit."""
    with DatasetStore(out) as store:
        plan = store.plan(files, root, force)
        store.stage([process_path(p, root) for p in plan.todo])
        return plan, store.commit(plan.path_ids)


def test_unchanged_inputs_are_skipped_and_force_reextracts(tmp_path):
    out = tmp_path / "out"
    plan, written = run_store(SEEDS, RAW, out)
    assert len(plan.todo) == 5 and written.total_reports == 5
    before = pd.read_parquet(out / "values.parquet")
    plan, written = run_store(SEEDS, RAW, out)
    assert plan.todo == [] and plan.skipped == 5 and written.total_reports == 5
    pd.testing.assert_frame_equal(pd.read_parquet(out / "values.parquet"), before)
    plan, _ = run_store(SEEDS, RAW, out, force=True)
    assert len(plan.todo) == 5
    after = pd.read_parquet(out / "values.parquet")
    assert len(after) == len(before) and not after.duplicated(["report_id", "seq"]).any()


def test_a_path_with_new_bytes_replaces_its_report(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for p in SEEDS[:3]:
        shutil.copy(p, raw / p.name)
    run_store(sorted(raw.iterdir()), raw, out)
    old_ids = set(pd.read_parquet(out / "reports.parquet").report_id)
    shutil.copy(SEEDS[3], raw / SEEDS[0].name)  # the upload at this path was replaced
    plan, _ = run_store([raw / SEEDS[0].name], raw, out)
    reports = pd.read_parquet(out / "reports.parquet")
    assert len(reports) == 3
    assert reports.loc[reports.source_path == SEEDS[0].name, "agency"].item() == "绿园区工信局"
    values = pd.read_parquet(out / "values.parquet")
    assert set(values.report_id) == set(reports.report_id) and len(old_ids - set(reports.report_id)) == 1


def test_identical_bytes_at_two_paths_are_one_report_with_both(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    (raw / "a").mkdir(parents=True)
    shutil.copy(SEEDS[0], raw / "x.txt")
    run_store([raw / "x.txt"], raw, out)
    shutil.copy(SEEDS[0], raw / "a" / "y.txt")
    plan, _ = run_store([raw / "x.txt", raw / "a" / "y.txt"], raw, out)
    assert plan.todo == []  # same bytes: nothing to extract, only a path to record
    rep = pd.read_parquet(out / "reports.parquet")
    assert len(rep) == 1 and list(rep.source_paths[0]) == ["a/y.txt", "x.txt"]


def test_a_second_writer_is_refused(tmp_path):
    out = tmp_path / "out"
    with DatasetStore(out):
        with pytest.raises(DatasetLocked, match="being written by another ogi run"):
            with DatasetStore(out):
                pass
    with DatasetStore(out):  # released again
        pass


def test_a_journaled_commit_is_finished_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    write_dataset([process_path(SEEDS[0], RAW)], out)
    # Simulate a run killed right after journaling: temp files and journal present.
    stage = tmp_path / "other"
    write_dataset([process_path(p, RAW) for p in SEEDS], stage)
    for name in ("reports", "values", "findings"):
        shutil.copy(stage / f"{name}.parquet", out / f"{name}.parquet.tmp")
    (out / "_commit.json").write_text(
        '{"moves": [["reports.parquet.tmp", "reports.parquet"], ["values.parquet.tmp", "values.parquet"],'
        ' ["findings.parquet.tmp", "findings.parquet"]]}')
    assert len(pd.read_parquet(out / "reports.parquet")) == 1  # readers still see the previous dataset
    with DatasetStore(out):
        pass
    assert len(pd.read_parquet(out / "reports.parquet")) == 5
    assert not (out / "_commit.json").exists() and not list(out.glob("*.tmp"))


KILL_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from extractors.dataset.store import write_dataset
    from extractors.pipeline import process_path
    raw, out = Path(sys.argv[1]), Path(sys.argv[2])
    seeds = sorted(raw.glob("0*.txt"))
    small = [process_path(p, raw) for p in seeds[:2]]
    big = [process_path(p, raw) for p in seeds]
    print("ready", flush=True)
    while True:  # commit forever, alternating two states, until killed
        write_dataset(big, out)
        write_dataset(small, out)
""")


def test_killed_mid_write_leaves_a_readable_dataset(tmp_path):
    out = tmp_path / "out"
    script = tmp_path / "writer.py"
    script.write_text(KILL_SCRIPT)
    write_dataset([process_path(p, RAW) for p in SEEDS], out)
    for delay in (0.05, 0.21, 0.37, 0.6):
        proc = subprocess.Popen([sys.executable, str(script), str(RAW), str(out)], cwd=ROOT,
                                stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # Before any recovery, every file on disk is a complete Parquet file.
        for name in ("reports", "values", "findings"):
            pq.read_table(out / f"{name}.parquet")
        with DatasetStore(out):  # the next run recovers
            pass
        reports = pd.read_parquet(out / "reports.parquet")
        values = pd.read_parquet(out / "values.parquet")
        assert len(reports) == 5  # the small commit only adds paths it has; the big state has all 5
        assert set(values.report_id) <= set(reports.report_id)
        assert not values.duplicated(["report_id", "seq"]).any()
        assert not list(out.glob("*.tmp"))


def test_batches_extracted_by_a_worker_are_committed_like_staged_ones(tmp_path):
    from extractors.dataset.batch import batches, extract_paths
    from extractors.dataset.query import read_table
    from extractors.dataset.summary import summarize
    from extractors.records import DocResult

    assert batches([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]] and batches([], 3) == []
    out = tmp_path / "out"
    assert read_table(out, "reports") is None
    with DatasetStore(out) as store:
        plan = store.plan(SEEDS, RAW)
        parts = [extract_paths([str(p) for p in b], str(RAW), str(store.staging),
                               source_urls={SEEDS[0].name: "http://a.gov.cn/r.txt"}) for b in batches(plan.todo, 2)]
        for part in parts:
            store.add_part(part.part)
        written = store.commit(plan.path_ids)
    assert [len(b.reports) for b in parts] == [2, 2, 1] and all(b.seconds > 0 for b in parts)
    reports = read_table(out, "reports")
    assert reports.num_rows == 5 and reports.schema.names[0] == "report_id"
    urls = dict(zip(reports.column("source_path").to_pylist(), reports.column("source_url").to_pylist(), strict=True))
    assert urls[SEEDS[0].name] == "http://a.gov.cn/r.txt" and urls[SEEDS[1].name] is None
    summary = summarize([DocResult(r) for b in parts for r in b.reports], written, out)
    assert summary.documents == 5 and summary.by_status == {"ok": 5} and summary.dataset_reports == 5
    assert "5 document(s) processed" in summary.format()
