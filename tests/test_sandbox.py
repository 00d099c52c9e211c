"""The reader sandbox (extractors/sandbox.py): one long-lived worker per calling thread,
time and memory limits per document, a fresh worker after any failure, workers that die
with their parent.

This module is itself a reader (`extract` below): the sandbox runs it by module name in a
real worker process, and the bytes say what it does (sleep, hog memory, crash, ...).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from extractors.errors import DocumentTooLarge, EmptyDocument, UnreadableDocument
from extractors.formats import pdf as pdf_reader
from extractors.formats import txt as txt_reader
from extractors.records import RawDocument
from extractors.sandbox import RESTART_RSS_GROWTH_MB, read_limited
from extractors.settings import DEFAULT, Settings

FIX = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent
HONGZE = FIX / "real" / "hongze-2024.pdf"
SEED = ROOT / "data" / "raw" / "000_67aac09db402278c.txt"
THIS = sys.modules[__name__]
# Seconds a limited case may take in all (the limits below are 0.5-1 s; reaping and a
# fresh fork add well under a second on this 2-core machine).
CASE_BOUND_S = 10
_KEPT: list[bytearray] = []  # what a "keep" document leaves behind in the worker


def extract(data: bytes, name: str, settings=None) -> RawDocument:
    """A reader whose input is a command: pid, sleep, nap:S, hog:MB, keep:MB, crash, bug, empty."""
    cmd, _, arg = data.decode().partition(":")
    if cmd == "sleep":
        time.sleep(30)
    elif cmd == "nap":
        time.sleep(float(arg))
    elif cmd == "hog":  # allocate and touch until the cap stops it
        blocks = [bytearray(int(arg) * 1024 * 1024) for _ in range(64)]
        return RawDocument("txt", [], str(len(blocks)))
    elif cmd == "keep":  # a cache that grows and stays
        _KEPT.append(bytearray(b"\1" * (int(arg) * 1024 * 1024)))
    elif cmd == "crash":
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer would
    elif cmd == "bug":
        raise RuntimeError("boom")
    elif cmd == "empty":
        raise EmptyDocument(f"{name}: nothing here")
    return RawDocument("txt", [], str(os.getpid()))


def _pid(settings: Settings = DEFAULT) -> int:
    return int(read_limited(THIS, b"pid", "pid.txt", settings).text)


def _texts(doc):
    return [[c.text for c in r.cells] for r in doc.rows]


@pytest.mark.parametrize("reader,path", [(pdf_reader, HONGZE), (txt_reader, SEED)])
def test_a_sandboxed_reader_returns_the_same_document(reader, path):
    data = path.read_bytes()
    assert _texts(read_limited(reader, data, path.name)) == _texts(reader.extract(data, path.name))


def test_documented_errors_pass_through_the_sandbox():
    with pytest.raises(UnreadableDocument, match="encrypted"):
        read_limited(pdf_reader, (FIX / "pdf" / "encrypted-user-password.pdf").read_bytes(), "locked.pdf")
    with pytest.raises(EmptyDocument, match="empty.txt: nothing here"):
        read_limited(THIS, b"empty", "empty.txt")


def test_one_worker_reads_every_document():
    pids = {_pid() for _ in range(20)}
    assert len(pids) == 1 and os.getpid() not in pids


@pytest.mark.parametrize("data,settings,error", [
    (b"sleep", Settings(timeout_s=0.5), "slow.txt: reading took longer than the 0.5 s time limit"),
    (b"hog:64", Settings(memory_mb=256), "slow.txt: over the 256 MB memory cap"),
    (b"crash", Settings(), "slow.txt: the reader process died (signal 9) without an answer"),
])
def test_a_document_that_breaks_the_worker_gets_a_fresh_one(data, settings, error):
    before = _pid()
    t0 = time.monotonic()
    with pytest.raises(DocumentTooLarge) as caught:
        read_limited(THIS, data, "slow.txt", settings)
    assert str(caught.value).startswith(error)
    after = _pid()  # the next document is read, by a new worker
    assert after != before
    assert time.monotonic() - t0 < CASE_BOUND_S


def test_a_reader_bug_is_unreadable_with_its_traceback():
    before = _pid()
    with pytest.raises(UnreadableDocument, match="^bug.txt: RuntimeError: boom$") as caught:
        read_limited(THIS, b"bug", "bug.txt")
    assert 'in extract\n    raise RuntimeError("boom")' in caught.value.detail
    assert _pid() == before  # a Python exception leaves the worker usable


def test_a_worker_that_has_grown_retires():
    before = _pid()
    read_limited(THIS, f"keep:{RESTART_RSS_GROWTH_MB // 2}".encode(), "cache.txt")
    assert _pid() == before
    read_limited(THIS, f"keep:{RESTART_RSS_GROWTH_MB // 2 + 8}".encode(), "cache.txt")  # now past the threshold
    assert _pid() != before


def test_each_thread_at_a_time_gets_its_own_worker():
    barrier = threading.Barrier(2)
    pids = []

    def read():
        barrier.wait()
        pids.append(int(read_limited(THIS, b"nap:0.5", "a.txt").text))  # both at once

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(CASE_BOUND_S)
    assert len(set(pids)) == 2 and os.getpid() not in pids


def test_a_worker_is_forked_only_while_no_thread_is_inside_pdfium():
    started = threading.Event()
    done = []

    def read():
        started.set()
        done.append(read_limited(pdf_reader, HONGZE.read_bytes(), "hongze.pdf", start_method="fork"))

    with pdf_reader.FORK_LOCK:  # as if another thread were reading a PDF in-process
        t = threading.Thread(target=read)
        t.start()
        started.wait()
        time.sleep(0.5)
        assert not done  # the fork waits for the lock
    t.join(CASE_BOUND_S)
    assert done and done[0].format == "pdf"


# ---- workers die with their parent -------------------------------------------------------
KILLED_RUN = """
import json, os, sys, time
from flows.runtime import LocalPool
from extractors.pipeline import process_bytes

DATA = open(sys.argv[1], "rb").read()

def read_and_wait(_):
    process_bytes(DATA, "a.txt")  # starts this pool worker's sandbox worker
    time.sleep(1)  # so the other task goes to the other pool worker
    return os.getpid()

pool = LocalPool(2)
futures = [pool.executor.submit(read_and_wait, i) for i in range(2)]
print(json.dumps(sorted({f.result() for f in futures})), flush=True)
process_bytes(DATA, "a.txt")  # and one in the run's own process
print("ready", flush=True)
time.sleep(60)
"""
# Runs KILLED_RUN as its child, and adopts (PR_SET_CHILD_SUBREAPER) and reaps the run's
# orphans once the run is killed, so the test leaves no zombie behind.
REAPER = """
import ctypes, os, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
run = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]])
print(run.pid, flush=True)
run.wait()
deadline = time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline:
    try:
        if os.waitpid(-1, os.WNOHANG)[0] == 0:
            time.sleep(0.02)
    except ChildProcessError:  # every orphan reaped
        break
"""
# Seconds within which every worker of a killed run must be gone (the parent-death signal
# is immediate; this leaves room for a busy machine).
ORPHAN_BOUND_S = 5


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for whoever adopted it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_workers_die_with_a_killed_run():
    reaper = subprocess.Popen([sys.executable, "-c", REAPER, KILLED_RUN, str(SEED), str(ORPHAN_BOUND_S)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    workers: set[int] = set()
    try:
        run = int(reaper.stdout.readline())
        pool_pids = json.loads(reaper.stdout.readline())
        assert reaper.stdout.readline().strip() == "ready"
        workers = _descendants(run)
        # two pool workers, each with a sandbox worker, and the run's own sandbox worker
        assert set(pool_pids) <= workers and len(workers) >= 5
        os.kill(run, signal.SIGKILL)
        deadline = time.monotonic() + ORPHAN_BOUND_S
        while any(_running(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p for p in workers if _running(p)]
        reaper.wait(ORPHAN_BOUND_S + CASE_BOUND_S)
    finally:
        for pid in [p for p in workers if _running(p)]:  # only if the test failed
            os.kill(pid, signal.SIGKILL)
        reaper.kill()
        reaper.wait()
