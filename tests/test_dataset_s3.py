"""The dataset on object storage: a real S3-compatible server (moto's server mode, on
127.0.0.1, over HTTP) holds inputs and the dataset; the store commits there, readers open
one version, the catalogue commit admits one writer per version, and a Dask run with input
and output on the server gives the same dataset as a local run."""

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from extractors.dataset import layout
from extractors.dataset.query import files, read_table
from extractors.dataset.storage import ENDPOINT_ENV, Storage
from extractors.dataset.store import DatasetStore
from extractors.pipeline import process_path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
SEEDS = sorted(RAW.glob("0*.txt"))
BUCKET = "ogi-test"
# Credentials the local server accepts (it checks none); set only for these tests.
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3():
    """An S3-compatible server on 127.0.0.1 with one bucket; its URL is in OGI_S3_ENDPOINT."""
    import boto3
    import fsspec
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_address[1]}"
    saved = {k: os.environ.get(k) for k in [*S3_ENV, ENDPOINT_ENV]}
    os.environ.update({**S3_ENV, ENDPOINT_ENV: endpoint})
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    fsspec.filesystem("s3").clear_instance_cache()
    try:
        yield endpoint
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def commit(out, files_, root):
    with DatasetStore(out) as store:
        plan = store.plan(files_, root)
        store.stage([process_path(p, root) for p in plan.todo])
        return plan, store.commit(plan.path_ids)


def frames(out) -> dict[str, pd.DataFrame]:
    keys = {"reports": ["report_id"], "values": ["report_id", "seq"], "findings": ["report_id", "check", "message"]}
    return {name: read_table(out, name).to_pandas().drop(columns=["extracted_at"], errors="ignore").sort_values(key)
            .reset_index(drop=True) for name, key in keys.items()}


def test_the_store_commits_to_object_storage_and_readers_open_one_version(s3, tmp_path):
    url = f"s3://{BUCKET}/store"
    local = tmp_path / "local"
    plan, written = commit(url, SEEDS[:3], RAW)
    assert written.total_reports == 3 and len(plan.todo) == 3
    commit(local, SEEDS[:3], RAW)
    for name, df in frames(local).items():
        pd.testing.assert_frame_equal(df, frames(url)[name])
    # A second commit with two more: a new catalogue, the first version still readable.
    plan, written = commit(url, SEEDS, RAW)
    assert len(plan.todo) == 2 and written.total_reports == 5
    storage = Storage(url)
    assert layout.published(storage) == [1, 2]
    assert read_table(url, "reports", 1).num_rows == 3 and read_table(url, "reports").num_rows == 5
    # One documented call per tool over the files of a version.
    listed = files(url, "values")
    assert listed and all(f.startswith(f"s3://{BUCKET}/store/_data/values.parquet/year=") for f in listed)
    import fsspec
    import polars as pl

    fs = fsspec.filesystem("s3", endpoint_url=s3)
    values = pd.read_parquet(listed, filesystem=fs)
    assert len(values) == read_table(url, "values").num_rows
    opts = {"aws_endpoint_url": s3, "aws_access_key_id": "testing", "aws_secret_access_key": "testing",
            "aws_region": "us-east-1"}
    assert pl.read_parquet(listed, storage_options=opts).height == len(values)
    # Unchanged inputs: nothing is written, the catalogue does not move.
    plan, written = commit(url, SEEDS, RAW)
    assert plan.todo == [] and layout.published(storage) == [1, 2]
    # Vacuum keeps the newest version and deletes the files only the older one used.
    assert layout.vacuum(storage, keep=1) == [1]
    assert layout.published(storage) == [2] and read_table(url, "reports").num_rows == 5
    named = layout.current(storage).all_files()
    assert set(storage.walk_files("_data")) == named


def test_of_two_writers_on_object_storage_one_publishes_each_version(s3):
    """No lock on object storage: the conditional creation of the catalogue admits the
    first writer of a version number and refuses the second (its commit then fails
    cleanly: nothing it wrote is visible); a writer that starts after a commit builds on it."""
    from extractors.dataset.catalog import Manifest

    url = f"s3://{BUCKET}/race"
    commit(url, SEEDS[:1], RAW)
    storage = Storage(url)
    base = layout.current(storage)
    mine = Manifest(base.version + 1, base.segments, [], base.version, 1.0, base.schema)
    theirs = Manifest(base.version + 1, [], [], base.version, 2.0, base.schema)
    assert layout.publish(storage, mine) is True
    assert layout.publish(storage, theirs) is False
    assert layout.current(storage).created_at == 1.0  # the winner's catalogue, untouched
    commit(url, SEEDS[1:2], RAW)  # the next writer reads version 2 and publishes 3
    assert layout.published(storage) == [1, 2, 3]
    reports = read_table(url, "reports").to_pandas()
    assert sorted(reports.source_path) == sorted([SEEDS[0].name, SEEDS[1].name])


@pytest.mark.flow
def test_a_dask_run_on_object_storage_gives_the_same_dataset_as_a_local_run(s3, prefect_harness, tmp_path):
    import fsspec
    from distributed import LocalCluster

    from flows.extract import extract_flow
    from flows.runtime import task_runner

    src = tmp_path / "raw"
    shutil.copytree(RAW, src, ignore=shutil.ignore_patterns("*.pdf"))  # keep the run short
    fs = fsspec.filesystem("s3", endpoint_url=s3)
    fs.put(str(src), f"{BUCKET}/raw", recursive=True)
    local_out = tmp_path / "local"
    extract_flow.with_options(task_runner=task_runner(workers=1))(str(src), str(local_out), batch_size=3,
                                                                   progress=False)
    url_in, url_out = f"s3://{BUCKET}/raw", f"s3://{BUCKET}/processed"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        runner = task_runner(dask_address=cluster.scheduler_address)
        summary = extract_flow.with_options(task_runner=runner)(url_in, url_out, batch_size=3, progress=False)
    assert summary.documents >= 10
    local, remote = frames(local_out), frames(url_out)
    for name in local:
        pd.testing.assert_frame_equal(local[name], remote[name], check_like=True)
    assert not fs.exists(f"{BUCKET}/processed/.staging") or not fs.find(f"{BUCKET}/processed/.staging")
