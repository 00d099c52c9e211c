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

from extractors.dataset.query import read_table
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


def by_cell(values: pd.DataFrame) -> pd.DataFrame:
    return values.sort_values(["report_id", "seq"]).reset_index(drop=True)


def test_a_folder_of_the_old_layout_is_migrated_and_its_journal_finished(tmp_path):
    """Three plain files and a journal of renames (a run of the old layout killed after
    journaling): the next writer finishes the renames, then moves the files into a first
    version folder behind links, which show the same bytes."""
    new = tmp_path / "new"
    write_dataset([process_path(p, RAW) for p in SEEDS], new)
    old = tmp_path / "old"
    old.mkdir()
    write_dataset([process_path(SEEDS[0], RAW)], tmp_path / "one")
    for name in ("reports", "values", "findings"):  # plain files, as the old layout wrote them
        pq.write_table(read_table(tmp_path / "one", name), old / f"{name}.parquet")
        pq.write_table(read_table(new, name), old / f"{name}.parquet.tmp")
    (old / "_commit.json").write_text(
        '{"moves": [["reports.parquet.tmp", "reports.parquet"], ["values.parquet.tmp", "values.parquet"],'
        ' ["findings.parquet.tmp", "findings.parquet"]]}')
    assert len(pd.read_parquet(old / "reports.parquet")) == 1  # readers still see the previous dataset
    assert read_table(old, "reports").num_rows == 1  # and so does the library, before any conversion
    with DatasetStore(old):
        pass
    assert len(pd.read_parquet(old / "reports.parquet")) == 5
    assert not (old / "_commit.json").exists() and not list(old.glob("*.tmp"))
    assert (old / "_current").is_symlink() and os.readlink(old / "values.parquet") == "_current/values.parquet"
    pd.testing.assert_frame_equal(by_cell(pd.read_parquet(old / "values.parquet")),
                                  by_cell(pd.read_parquet(new / "values.parquet")))
    plan, written = run_store(SEEDS, RAW, old)  # and it goes on as any other dataset
    assert plan.todo == [] and written.total_reports == 5


# A writer committing forever, alternating two states whose reports are all different
# (same paths, other bytes), so a reader mixing two versions would see foreign report_ids.
# The launcher imports once, then forks a fresh writer process for each line on its stdin
# (so each kill point costs milliseconds, not an interpreter start) and reaps it when killed.
KILL_SCRIPT = textwrap.dedent("""
    import json, os, shutil, sys
    from pathlib import Path
    from extractors.dataset.store import DatasetStore
    out, states = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())

    def write_forever():
        i = 0
        while True:
            commit(out, i)
            i += 1
            print("committed", i, flush=True)

    def commit(folder, i):
        part, path_ids = states[i % 2]
        with DatasetStore(folder) as store:
            shutil.copytree(part, store.staging / Path(part).name)
            store.add_part(store.staging / Path(part).name)
            store.commit(path_ids)

    commit(out.with_name("warm-up"), 0)  # pyarrow's first-use costs, paid once here
    print("ready", flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            try:
                write_forever()
            finally:
                os._exit(1)
        print("writer", pid, flush=True)
        os.waitpid(pid, 0)
        print("reaped", flush=True)
""")


def start_writers(tmp_path, out):
    """The launcher of writers (see KILL_SCRIPT) and the report_ids of its two states."""
    import json

    states = two_states(tmp_path)
    state_file = tmp_path / "states.json"
    state_file.write_text(json.dumps(states))
    script = tmp_path / "writer.py"
    script.write_text(KILL_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(out), str(state_file)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.readline().strip() == b"ready"
    return proc, [set(s[1].values()) for s in states]


def kill_writer(launcher, pid: int) -> None:
    """kill -9 the writer, and read its output up to the launcher's word that it is gone."""
    os.kill(pid, signal.SIGKILL)
    while launcher.stdout.readline().strip() != b"reaped":
        pass


def new_writer(launcher) -> int:
    launcher.stdin.write(b"go\n")
    launcher.stdin.flush()
    line = launcher.stdout.readline().split()
    assert line[0] == b"writer"
    return int(line[1])


def two_states(tmp_path):
    """Two staged parts: the seeds, and the seeds with one more line (other report_ids)."""
    from extractors.dataset.store import write_part

    other = tmp_path / "other"
    other.mkdir()
    for p in SEEDS:
        (other / p.name).write_bytes(p.read_bytes() + b"\n")
    states = []
    for i, (root, files) in enumerate(((RAW, SEEDS), (other, sorted(other.iterdir())))):
        results = [process_path(p, root) for p in files]
        (tmp_path / f"parts{i}").mkdir()
        part = write_part(results, tmp_path / f"parts{i}")
        states.append([str(part), {r.report["source_path"]: r.report["report_id"] for r in results}])
    return states


def assert_one_version(folder):
    """The three tables of `folder` are one commit's: every row's report is there, and
    each report has exactly the values and findings it counts."""
    reports = pq.read_table(folder / "reports.parquet").to_pandas()
    values = pq.read_table(folder / "values.parquet").to_pandas()
    findings = pq.read_table(folder / "findings.parquet").to_pandas()
    ids = reports.report_id
    assert set(values.report_id) <= set(ids) and set(findings.report_id) <= set(ids)
    for table, column in ((values, "n_values"), (findings, "n_findings")):
        counts = table.groupby("report_id").size().reindex(ids, fill_value=0)
        assert counts.tolist() == reports[column].tolist()
    return set(ids)


def test_a_reader_sees_one_complete_version_during_commits_and_after_kills(tmp_path):
    from extractors.dataset.layout import snapshot

    out = tmp_path / "out"
    launcher, ids = start_writers(tmp_path, out)
    seen = set()
    try:
        # While a writer commits: a reader that resolves the snapshot once reads one version.
        pid = new_writer(launcher)
        assert launcher.stdout.readline().startswith(b"committed")
        versions, deadline = set(), time.monotonic() + 1.5  # a commit fsyncs ~40 times: 0.1-0.3 s here
        while time.monotonic() < deadline:
            folder = snapshot(out)
            assert assert_one_version(folder) in ids
            versions.add(folder.name)
        kill_writer(launcher, pid)
        assert len(versions) >= 3  # the writer committed while the reader read
        # Kill points: 1 or 2 commits in (so both states are published), then 0-200 ms into
        # the next commit (a commit of these 5 reports takes 0.1-0.3 s here; every step of a
        # commit is killed after in turn by tests/test_dataset_crash.py).
        for i, delay in enumerate((0.0, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1,
                                   0.12, 0.14, 0.17, 0.2)):
            start = time.monotonic()
            pid = new_writer(launcher)
            for _ in range(i % 2 + 1):
                assert launcher.stdout.readline().startswith(b"committed")
            time.sleep(delay)
            kill_writer(launcher, pid)
            # Before any recovery: the top-level names show one version, whichever it is.
            found = assert_one_version(out)
            assert found in ids
            seen.add(ids.index(found))
            assert time.monotonic() - start < 5
    finally:
        launcher.kill()
        launcher.wait()
    assert seen == {0, 1}  # the kills landed in both states
    with DatasetStore(out):  # the next writer cleans what the last commit left half-written
        pass
    from extractors.dataset.layout import RETAIN_VERSIONS

    kept = sorted((out / "_versions").iterdir())
    assert len(kept) <= RETAIN_VERSIONS and not list(out.glob("*.new-*"))
    for folder in kept:  # every version kept is complete and one of the two states
        assert assert_one_version(folder) in ids


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


def test_a_dataset_written_before_the_metadata_columns_still_opens_and_grows(tmp_path):
    """Schema evolution: a segment written by an older version lacks agency_printed …
    index_number (its catalogue names the older schema); reading gives nulls, and the next
    commit rewrites it in today's schema."""
    import json

    from extractors.dataset import layout
    from extractors.dataset.query import read_table
    from schemas import REPORTS

    out = tmp_path / "out"
    run_store(SEEDS[:2], RAW, out)
    (path,) = (layout.snapshot(out) / "reports.parquet").rglob("*.parquet")
    new = ["agency_printed", "agency_source", "agency_alternatives", "published_on", "index_number"]
    old = pq.read_table(path, partitioning=None).drop_columns(new)
    pq.write_table(old, path)  # in place: the version's link and the segment file are one file
    manifest = layout.snapshot(out) / "_manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "schema": "older"}))
    t = read_table(out, "reports")
    assert t.schema == REPORTS and t.column("index_number").null_count == t.num_rows == 2
    run_store(SEEDS, RAW, out)  # three more documents: the two old rows rewritten in the new schema
    t = read_table(out, "reports")
    assert t.num_rows == 5 and t.schema == REPORTS
    assert t.column("agency_source").null_count == 2  # the old rows: unknown
    for f in (layout.snapshot(out) / "reports.parquet").rglob("*.parquet"):
        assert pq.read_schema(f).names == REPORTS.names  # every file in today's schema
