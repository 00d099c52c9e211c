"""A commit killed after each of its steps, every one of them: readers see the previous
version or the new one, complete, before and after the next writer recovers.

The commit under test does everything a commit can: it replaces two stored reports (their
paths now hold other bytes: their segment is rewritten without them), adds a new one (new
segments), merges small segments (the compaction threshold lowered to 2), adds a part to
the file index, publishes, and cleans up the version it replaced (retention lowered to 1).
A first run traces its steps (`extractors.dataset.steps`); then, for each step k, a fresh
copy of the dataset gets a writer that is killed (SIGKILL) right after step k.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from extractors.dataset.query import read_table
from extractors.dataset.store import DatasetStore, write_part
from extractors.pipeline import process_path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
SEEDS = sorted(RAW.glob("0*.txt"))

# Imports once, then per line on stdin copies the base dataset and forks a writer that
# commits the staged part into the copy, killed after step k (or tracing its steps).
LAUNCHER = textwrap.dedent("""
    import json, os, shutil, sys
    from pathlib import Path
    from extractors.dataset import layout, segments, steps
    from extractors.dataset.store import DatasetStore
    base, part, path_ids = Path(sys.argv[1]), sys.argv[2], json.loads(Path(sys.argv[3]).read_text())
    layout.RETAIN_VERSIONS = 1  # the commit also deletes the version it replaced
    segments.COMPACT_AT = 2  # and merges the small segments it leaves

    def commit(out):
        with DatasetStore(out) as store:
            shutil.copytree(part, store.staging / Path(part).name)
            store.add_part(store.staging / Path(part).name)
            store.commit(path_ids)

    print("ready", flush=True)
    for line in sys.stdin:
        out, how = line.split()
        shutil.copytree(base, out, symlinks=True)
        pid = os.fork()
        if pid == 0:
            steps.reset()
            os.environ[steps.TRACE_ENV if how.startswith("/") else steps.KILL_ENV] = how
            try:
                commit(Path(out))
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("status", status, flush=True)
""")


def one_version(tables) -> frozenset:
    """The report ids of three tables that are one commit's: every value and finding
    belongs to a report there, and each report has exactly the rows it counts."""
    reports, values, findings = (t.to_pandas() for t in tables)
    ids = reports.report_id
    assert ids.is_unique
    assert set(values.report_id) <= set(ids) and set(findings.report_id) <= set(ids)
    for table, column in ((values, "n_values"), (findings, "n_findings")):
        counts = table.groupby("report_id").size().reindex(ids, fill_value=0)
        assert counts.tolist() == reports[column].tolist()
    return frozenset(ids)


def seen_by_readers(out: Path) -> frozenset:
    """What each kind of reader sees: the top-level names (pyarrow, as pandas reads them),
    DuckDB's glob over them, and the catalogue (`read_table`); they must agree."""
    names = ("reports", "values", "findings")
    by_links = one_version([pq.read_table(out / f"{n}.parquet") for n in names])
    by_catalogue = one_version([read_table(out, n) for n in names])
    con = duckdb.connect()
    duck = {r[0] for r in con.execute(f"SELECT report_id FROM '{out}/reports.parquet/**/*.parquet'").fetchall()}
    n_values = con.execute(f"SELECT count(*) FROM '{out}/values.parquet/**/*.parquet'").fetchone()[0]
    assert by_links == by_catalogue == frozenset(duck)
    assert n_values == read_table(out, "values").num_rows
    return by_links


def states(tmp_path: Path):
    """The base dataset (all seeds), and the commit: two seeds with other bytes, one new file."""
    base = tmp_path / "base"
    with DatasetStore(base) as store:
        plan = store.plan(SEEDS, RAW)
        store.stage([process_path(p, RAW) for p in plan.todo])
        store.commit(plan.path_ids)
    src = tmp_path / "src"
    src.mkdir()
    for p in SEEDS:
        shutil.copy(p, src / p.name)
    for p in SEEDS[:2]:
        (src / p.name).write_bytes(p.read_bytes() + b"\n")
    (src / "new.txt").write_bytes(SEEDS[2].read_bytes() + b"\n\n")
    changed = [src / SEEDS[0].name, src / SEEDS[1].name, src / "new.txt"]
    results = [process_path(p, src) for p in changed]
    (tmp_path / "parts").mkdir()
    part = write_part(results, tmp_path / "parts")
    path_ids = {r.report["source_path"]: r.report["report_id"] for r in results}
    return base, part, path_ids


def test_a_commit_killed_after_any_of_its_steps_leaves_one_complete_version(tmp_path):
    base, part, path_ids = states(tmp_path)
    before = seen_by_readers(base)
    (tmp_path / "ids.json").write_text(json.dumps(path_ids))
    script = tmp_path / "launcher.py"
    script.write_text(LAUNCHER)
    proc = subprocess.Popen([sys.executable, str(script), str(base), str(part), str(tmp_path / "ids.json")],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})

    def run(out: Path, how: str) -> int:
        proc.stdin.write(f"{out} {how}\n".encode())
        proc.stdin.flush()
        line = proc.stdout.readline().split()
        assert line[0] == b"status", line
        return int(line[1])

    try:
        assert proc.stdout.readline().strip() == b"ready"
        trace = tmp_path / "trace.txt"
        assert run(tmp_path / "traced", str(trace)) == 0
        after = seen_by_readers(tmp_path / "traced")
        assert after != before and len(after) == len(before) + 1
        steps = trace.read_text().splitlines()
        kinds = {s.split()[1] for s in steps}
        # Every kind of change a commit makes is among the steps killed after.
        assert {"write", "mkdir", "link", "switch", "delete"} <= kinds, kinds
        outcomes = []
        for k in range(1, len(steps) + 1):
            out = tmp_path / f"killed-{k}"
            status = run(out, str(k))
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (k, steps[k - 1])
            seen = seen_by_readers(out)  # before any recovery
            assert seen in (before, after), (k, steps[k - 1])
            switched = steps.index(next(s for s in steps if "switch _current" in s)) + 1
            assert seen == (after if k >= switched else before), (k, steps[k - 1])
            with DatasetStore(out):  # the next writer recovers: nothing readers see changes
                pass
            assert seen_by_readers(out) == seen
            unreferenced = _unreferenced(out)
            assert not unreferenced, (k, steps[k - 1], unreferenced)
            outcomes.append(seen == after)
            shutil.rmtree(out)
        assert outcomes[0] is False and outcomes[-1] is True  # kills landed before and after the switch
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def _unreferenced(out: Path) -> list[str]:
    """Data files no kept version names, and version folders past the current one."""
    from extractors.dataset import layout
    from extractors.dataset.storage import Storage

    storage = Storage(out)
    named = set()
    for n in layout.published(storage):
        named |= layout.read_manifest(storage, n).all_files()
    stray = [f for f in storage.walk_files("_data") if f not in named]
    current = layout.current_number(storage)
    return stray + [p.name for p in (out / "_versions").iterdir() if int(p.name) > current]
