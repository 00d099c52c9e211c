"""Hostile input and faults against the dataset store, with real files and real processes.

* a run killed with `kill -9` while its forked workers run leaves no lock behind: the next
  run starts at once and writes a complete dataset (issue #16, item 2);
* a lock still held after the run it names has died is taken over, and stays exclusive;
* file names that are not UTF-8 (GBK names from a zip made on Chinese Windows) do not abort
  the run, and are stored decoded (item 1);
* inputs that are not documents (dot-files, FIFOs, sockets, symlink loops, dangling links)
  are counted and never block; names with terminal escape codes are printed escaped (item 8);
* files over the size cap get the sha256 of their bytes, and unchanged files are not read
  again (item 4).
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from extractors.dataset.store import DatasetLocked, DatasetStore
from extractors.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
SEEDS = sorted(RAW.glob("0*.txt"))
OGI = [sys.executable, "-m", "flows.cli", "extract"]
# Generated documents in the killed run: enough that the run forks its worker processes
# (flows.runtime.PARALLEL_MIN_DOCS is 50) and is still extracting when it is killed
# right after its first 2-document batch.
KILLED_RUN_DOCS = 60
# Bounds on the run after the kill: it must start and finish like any run (a fresh
# PREFECT_HOME migrates its database in ~20 s on a busy 2-core machine, a run of 200 .txt
# reports takes ~10 s), and it must not wait for the killed run's orphans at all.
RERUN_LIMIT_S = 120
RUN_MEMORY_LIMIT_MB = 2048
GBK_NAME = "报告2021年度.txt".encode("gbk")  # as a zip made on Chinese Windows stores it
BAD_NAME = b"\xff\xfe-report.txt"  # neither UTF-8 nor GB18030
ESCAPE_NAME = "red\x1b[31mALERT\x1b[0m.txt"


def _children(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc)."""
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _group(pgid: int) -> list[int]:
    """Live processes of process group `pgid` (zombies excluded)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def _hostile_inputs(src: Path) -> None:
    """Next to the generated reports: odd names, special files and links."""
    base = os.fsencode(src)
    shutil.copy(SEEDS[1], base + b"/" + GBK_NAME)
    shutil.copy(SEEDS[2], base + b"/" + BAD_NAME)
    shutil.copy(SEEDS[3], src / ESCAPE_NAME)
    os.mkfifo(src / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(src / "sock.txt"))
    sock.close()
    (src / ".hidden.txt").write_bytes(SEEDS[4].read_bytes())
    (src / ".git").mkdir()
    (src / ".git" / "HEAD.txt").write_text("ref: refs/heads/main")
    os.symlink("loop.txt", src / "loop.txt")
    os.symlink("nowhere.txt", src / "dangling.txt")
    os.symlink(".", src / "again")


def _gone(pgid: int, limit_s: float = 10.0) -> bool:
    """Wait until process group `pgid` has no live member."""
    deadline = time.monotonic() + limit_s
    while _group(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(scope="module")
def killed_then_rerun(tmp_path_factory, prefect_harness):
    """`ogi extract` killed with SIGKILL while its forked workers extract, then run again.
    Both runs report to the test session's Prefect server (no temporary server to start)."""
    from prefect.settings import PREFECT_API_URL

    from benchmarks.corpus import generate

    tmp = tmp_path_factory.mktemp("hostile")
    src, out = tmp / "src", tmp / "out"
    generate(src, KILLED_RUN_DOCS, 11, ("txt",), log=lambda *a, **k: None)
    _hostile_inputs(src)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": PREFECT_API_URL.value()}
    first = subprocess.Popen([*OGI, str(src), "--out", str(out), "--workers", "2", "--batch-size", "2"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + RERUN_LIMIT_S
        while b"extracted" not in first.stderr.readline():  # the first batch is back from a worker
            assert first.poll() is None and time.monotonic() < deadline, "the first run never got going"
        workers = _children(first.pid)
        first.send_signal(signal.SIGKILL)
        first.wait()
        dataset_at_kill = (out / "reports.parquet").exists()
        start = time.monotonic()
        second = subprocess.run([*OGI, str(src), "--out", str(out)], cwd=ROOT, env=env, capture_output=True,
                                timeout=RERUN_LIMIT_S, start_new_session=True)
        seconds = time.monotonic() - start
        memory_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    finally:
        for pid in _group(first.pid):  # the killed run's orphans, if any outlived it
            os.kill(pid, signal.SIGKILL)
    assert _gone(first.pid)
    yield {"src": src, "out": out, "first": first, "workers": workers, "dataset_at_kill": dataset_at_kill,
           "second": second, "seconds": seconds, "memory_mb": memory_mb,
           "stdout": second.stdout.decode("utf-8"), "stderr": second.stderr.decode("utf-8")}


def test_kill_9_mid_run_leaves_the_dataset_unlocked(killed_then_rerun):
    r = killed_then_rerun
    assert r["first"].returncode == -signal.SIGKILL
    assert len(r["workers"]) >= 2  # it had forked its worker processes when it was killed
    assert not r["dataset_at_kill"]  # killed mid-run, before its commit
    assert r["second"].returncode == 0, r["stderr"]
    assert "being written by another ogi run" not in r["stderr"]
    assert r["seconds"] < RERUN_LIMIT_S and r["memory_mb"] < RUN_MEMORY_LIMIT_MB
    reports = pd.read_parquet(r["out"] / "reports.parquet")
    values = pd.read_parquet(r["out"] / "values.parquet")
    assert len(reports) == KILLED_RUN_DOCS + 3  # every generated report and the three odd names
    counts = values.groupby("report_id").size().reindex(reports.report_id, fill_value=0)
    assert counts.tolist() == reports.n_values.tolist()  # one complete version


def test_non_utf8_file_names_are_stored_decoded(killed_then_rerun):
    r = killed_then_rerun
    reports = pd.read_parquet(r["out"] / "reports.parquet").set_index("source_path")
    findings = pd.read_parquet(r["out"] / "findings.parquet")
    assert reports.loc["报告2021年度.txt", "status"] == "ok"  # read and stored like any report
    escaped = "\\xff\\xfe-report.txt"  # undecodable bytes written visibly
    assert reports.loc[escaped, "status"] == "ok"
    notes = findings[findings.check == "file_name_encoding"].merge(reports.reset_index()[["report_id", "source_path"]])
    by_path = dict(zip(notes.source_path, notes.detail, strict=True))
    assert GBK_NAME.hex() in by_path["报告2021年度.txt"] and '"decoded": "gb18030"' in by_path["报告2021年度.txt"]
    assert BAD_NAME.hex() in by_path[escaped] and '"decoded": "escaped"' in by_path[escaped]
    assert "ok" in set(reports.status) and "Traceback" not in r["stderr"]


def test_inputs_that_are_not_documents_are_counted_and_never_block(killed_then_rerun):
    line = next(x for x in killed_then_rerun["stdout"].splitlines() if "skipped:" in x)
    assert line.strip().startswith("8 skipped:"), line
    for what in ("2 hidden (.git, .hidden.txt)", "1 FIFO (pipe.txt)", "1 socket (sock.txt)",
                 "1 symlink loop (loop.txt)", "1 unreadable: No such file or directory (dangling.txt)",
                 "1 symlink to a folder (not followed) (again)", "1 not a report by its name (gold.jsonl)"):
        assert what in line, line


def test_names_with_escape_codes_are_printed_escaped(killed_then_rerun):
    r = killed_then_rerun
    assert "\x1b" not in r["stdout"] + r["stderr"]
    reports = pd.read_parquet(r["out"] / "reports.parquet")
    assert ESCAPE_NAME in set(reports.source_path)  # stored as it is; only the terminal sees it escaped


LOCK_LEFT_BY_A_DEAD_RUN = textwrap.dedent("""
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, f"pid {os.getpid()}".encode())  # what an older ogi wrote
    child = os.fork()  # a worker that inherits the descriptor, as forked workers did
    if child == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        time.sleep(60)
        os._exit(0)
    print(os.getpid(), child, flush=True)
    os._exit(0)  # the run dies; its worker keeps the lock
""")


def test_a_lock_held_after_its_run_died_is_taken_over_and_stays_exclusive(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.run([sys.executable, "-c", LOCK_LEFT_BY_A_DEAD_RUN, str(out / ".ogi.lock")],
                          capture_output=True, text=True, timeout=30)
    dead, orphan = map(int, proc.stdout.split())
    try:
        assert not Path(f"/proc/{dead}").exists() and Path(f"/proc/{orphan}").exists()
        with pytest.raises(BlockingIOError):  # the orphan really holds the lock on that file
            import fcntl

            fd = os.open(out / ".ogi.lock", os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            finally:
                os.close(fd)
        start = time.monotonic()
        with DatasetStore(out) as store:
            assert store.took_over_from == f"pid {dead}"
            assert time.monotonic() - start < 1
            with pytest.raises(DatasetLocked, match=rf"another ogi run \(pid {os.getpid()} on "):
                with DatasetStore(out):
                    pass
        with DatasetStore(out) as again:  # released normally: no takeover needed
            assert again.took_over_from is None
    finally:
        os.kill(orphan, signal.SIGKILL)


FORKED_WORKER = textwrap.dedent("""
    import multiprocessing, os, sys, time
    from pathlib import Path
    from extractors.dataset.store import DatasetStore
    store = DatasetStore(Path(sys.argv[1])).__enter__()
    ctx = multiprocessing.get_context("fork")
    worker = ctx.Process(target=time.sleep, args=(60,))
    worker.start()
    print(worker.pid, flush=True)
    time.sleep(60)
""")


def test_forked_workers_do_not_keep_the_lock_of_a_killed_run(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", FORKED_WORKER, str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    worker = int(proc.stdout.readline())
    try:
        proc.kill()
        proc.wait()
        assert Path(f"/proc/{worker}").exists()  # the worker outlived its parent
        with DatasetStore(out) as store:  # ...without holding the lock: taken at once, no takeover
            assert store.took_over_from is None
    finally:
        os.kill(worker, signal.SIGKILL)


# Over-cap files: three different files over a 1 MB cap. 16 MB each, so reading one whole
# would show in the memory peak (hashing streams 1 MB chunks).
CAP = 1 << 20
BIG = 16 << 20


def test_files_over_the_cap_get_their_own_id_and_unchanged_files_are_not_read_again(tmp_path):
    from extractors.dataset.batch import extract_paths
    from extractors.discover import scan

    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    for i in range(3):
        (src / f"big{i}.txt").write_bytes(bytes([65 + i]) * BIG)
    shutil.copy(SEEDS[0], src / "small.txt")
    settings = Settings(max_input_bytes=CAP)
    found = scan(src)
    start = time.monotonic()
    tracemalloc.start()
    with DatasetStore(out) as store:
        plan = store.plan(found.files, found.root)
        batch = extract_paths([str(p) for p in plan.todo], str(found.root), str(store.staging), settings)
        store.add_part(batch.part)
        store.commit(plan.path_ids)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.monotonic() - start < 20 and peak < 8 << 20  # streamed: far below one file's 16 MB
    assert plan.hashed == 4 and plan.recognised == 0
    reports = pd.read_parquet(out / "reports.parquet").set_index("source_path")
    for i in range(3):
        rep = reports.loc[f"big{i}.txt"]
        assert rep.status == "too_large" and rep.size_bytes == BIG
        assert rep.report_id == hashlib.sha256(bytes([65 + i]) * BIG).hexdigest()  # never the empty hash
    assert reports.report_id.nunique() == 4

    with DatasetStore(out) as store:  # unchanged: recognised by path, size and times, nothing read
        again = store.plan(found.files, found.root)
        assert store.commit(again.path_ids).reports == 0
    assert again.hashed == 0 and again.recognised == 4 and again.todo == [] and again.skipped == 4

    (src / "big1.txt").write_bytes(b"Z" * BIG)  # same size, other bytes
    with DatasetStore(out) as store:
        changed = store.plan(found.files, found.root)
    assert changed.hashed == 1 and [p.name for p in changed.todo] == ["big1.txt"]
    with DatasetStore(out) as store:
        forced = store.plan(found.files, found.root, force=True)
    assert forced.hashed == 4
