"""The same flow on a real local Dask cluster (two worker processes) gives the same dataset."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from flows.extract import extract_flow
from flows.runtime import task_runner

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"


def _frames(out: Path) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, key in (("reports", ["report_id"]), ("values", ["report_id", "seq"]),
                      ("findings", ["report_id", "check", "message"])):
        df = pd.read_parquet(out / f"{name}.parquet").drop(columns=["extracted_at"], errors="ignore")
        frames[name] = df.sort_values(key).reset_index(drop=True)
    return frames


@pytest.mark.flow
def test_dask_cluster_gives_the_same_dataset_as_a_local_run(prefect_harness, tmp_path):
    from distributed import LocalCluster

    src = tmp_path / "raw"
    shutil.copytree(RAW, src, ignore=shutil.ignore_patterns("*.pdf"))  # keep the run short
    local_out, dask_out = tmp_path / "local", tmp_path / "dask"
    extract_flow.with_options(task_runner=task_runner(workers=1))(str(src), str(local_out), batch_size=3,
                                                                   progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert len(cluster.workers) == 2
        runner = task_runner(dask_address=cluster.scheduler_address)
        summary = extract_flow.with_options(task_runner=runner)(str(src), str(dask_out), batch_size=3,
                                                                progress=False)
    assert summary.documents >= 10
    local, dask = _frames(local_out), _frames(dask_out)
    for name in local:
        pd.testing.assert_frame_equal(local[name], dask[name], check_like=True)


@pytest.mark.flow
def test_local_worker_processes_give_the_same_dataset(prefect_harness, tmp_path):
    from benchmarks.corpus import generate

    src = tmp_path / "corpus"
    generate(src, 60, 11, ("txt", "html"), log=lambda *a, **k: None)
    one, two = tmp_path / "one", tmp_path / "two"
    extract_flow(str(src), str(one), progress=False, processes=1)
    summary = extract_flow(str(src), str(two), progress=False, processes=2)
    assert summary.documents == 60 and summary.extract_seconds > 0
    a, b = _frames(one), _frames(two)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_like=True)
