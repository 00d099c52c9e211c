"""The real Prefect flow on data/raw, the dataset it writes, and the CLI around it."""

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from flows.cli import main
from flows.extract import extract_flow

RAW = Path(__file__).resolve().parent.parent / "data" / "raw"
SEEDS = sorted(RAW.glob("0*.txt"))


@pytest.fixture
def inputs(tmp_path):
    d = tmp_path / "raw"
    (d / "sub").mkdir(parents=True)
    for p in SEEDS:
        shutil.copy(p, d / p.name)
    shutil.copy(SEEDS[0], d / "sub" / "copy-of-000.txt")  # identical bytes at a second path
    (d / "empty.txt").write_bytes(b"")
    (d / "junk.txt").write_bytes(bytes(range(256)) * 10)
    return d


@pytest.mark.flow
def test_flow_writes_a_readable_dataset_and_reruns_idempotently(prefect_harness, inputs, tmp_path):
    out = tmp_path / "out"
    summary = extract_flow(str(inputs), str(out), batch_size=3, progress=False)
    assert summary.documents == 7  # the copy of seed 000 is the same bytes: extracted once
    assert summary.by_status == {"ok": 5, "failed": 2}
    reports = pd.read_parquet(out / "reports.parquet")
    values = pd.read_parquet(out / "values.parquet")
    findings = pd.read_parquet(out / "findings.parquet")
    assert len(reports) == 7  # the copy of seed 000 is the same report
    dup = reports[reports.source_path == "000_67aac09db402278c.txt"].iloc[0]
    assert list(dup.source_paths) == ["000_67aac09db402278c.txt", "sub/copy-of-000.txt"]
    assert set(reports.status) == {"ok", "failed"}
    assert reports.loc[reports.source_path == "junk.txt", "error"].str.contains("binary").all()
    tables = values[values.table != "narrative"]
    assert len(tables) == 198 * 4 + 200 + 1
    assert set(values[values.table == "narrative"].row) >= {"proactive_items_published", "cppcc_proposals_handled"}
    assert not values.duplicated(["report_id", "seq"]).any()
    assert (findings.check == "unmatched_label").sum() == 1

    # Same inputs again: nothing to extract, same dataset, no duplicate rows.
    again_summary = extract_flow(str(inputs), str(out), batch_size=3, progress=False)
    assert again_summary.documents == 0 and again_summary.skipped == 7
    again = pd.read_parquet(out / "values.parquet")
    assert len(again) == len(values)
    pd.testing.assert_frame_equal(again, values)

    # Readable by polars and DuckDB too.
    assert pl.read_parquet(out / "values.parquet").height == len(values)
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM '{out / 'values.parquet'}/**/*.parquet' WHERE \"row\" = 'new_received'").fetchone()[0]
    assert n == 5 * 7


@pytest.mark.flow
def test_single_file_upsert_keeps_other_reports(prefect_harness, inputs, tmp_path):
    out = tmp_path / "out"
    extract_flow(str(inputs), str(out), progress=False)
    before = pd.read_parquet(out / "reports.parquet")
    extract_flow(str(inputs / SEEDS[1].name), str(out), progress=False)
    after = pd.read_parquet(out / "reports.parquet")
    assert sorted(after.report_id) == sorted(before.report_id)


def test_cli_missing_input_is_a_usage_error(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "Error: input path does not exist" in capsys.readouterr().err


@pytest.mark.flow
def test_cli_end_to_end(tmp_path):
    """`ogi extract` as a user runs it: clean output, exit 0; nothing readable → exit 1."""
    out = tmp_path / "out"
    env_home = tmp_path / "prefect-home"
    env = {"PREFECT_HOME": str(env_home), "PATH": "/usr/bin:/bin"}
    ogi = [sys.executable, "-m", "flows.cli"]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([*ogi, "extract", str(RAW), "--out", str(out)], capture_output=True, text=True,
                          env=env, cwd=root, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "document(s) processed" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.txt").write_bytes(b"")
    proc = subprocess.run([*ogi, "extract", str(bad), "--out", str(out)], capture_output=True, text=True,
                          env=env, cwd=root, timeout=300)
    assert proc.returncode == 1 and "no document could be read" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_discover_skips_outputs_and_restricts_to_paths(inputs):
    from extractors.discover import discover, only

    (inputs / "reports.parquet").write_bytes(b"")
    (inputs / ".hidden.txt").write_bytes(b"x")
    root, files = discover(inputs)
    assert root == inputs and files == sorted(files)
    assert {f.name for f in files} == {p.name for p in SEEDS} | {"copy-of-000.txt", "empty.txt", "junk.txt"}
    assert discover(inputs / "junk.txt") == (inputs, [inputs / "junk.txt"])
    assert only(files, None) == files
    assert only(files, [str(inputs / "sub" / ".." / "junk.txt")]) == [inputs / "junk.txt"]


def test_execution_plan_sizes_batches_for_the_runner():
    from flows.runtime import DASK_BATCHES_PER_WORKER, PARALLEL_MIN_DOCS, plan_execution

    class DaskTaskRunner:  # recognised by name, like prefect-dask's
        cluster_kwargs = {"n_workers": 2}

    threads = object()
    assert plan_execution(threads, PARALLEL_MIN_DOCS - 1, 20, 4) == (False, 0, 20)  # small run: in-process
    assert plan_execution(threads, 400, 20, 1) == (False, 0, 20)  # one process asked for
    assert plan_execution(threads, 400, 20, 4) == (False, 4, 20)
    assert plan_execution(threads, 100, 20, 4) == (False, 4, 7)  # at least 4 batches a worker
    dask = plan_execution(DaskTaskRunner(), 400, 20, None)
    assert dask == (True, 0, 400 // (DASK_BATCHES_PER_WORKER * 2))


def test_command_line_flows_run_without_heartbeats_unless_asked(monkeypatch):
    """`runtime.no_heartbeats()`: Prefect's heartbeat thread (joined for up to a second when a
    flow ends) is off for a flow run from the command line, unless its setting is in the
    environment; and Prefect's client telemetry is off by default (DO_NOT_TRACK)."""
    from prefect.settings import get_current_settings

    from flows import runtime

    for name in runtime.HEARTBEAT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    default = get_current_settings().flows.heartbeat_frequency
    assert default is not None
    with runtime.no_heartbeats():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == default
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "60")
    with runtime.no_heartbeats():
        assert get_current_settings().flows.heartbeat_frequency is not None  # left to Prefect
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    runtime.prefect_env()
    import os

    assert os.environ["DO_NOT_TRACK"] == "1"
