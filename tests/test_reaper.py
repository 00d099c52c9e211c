"""Nothing a run starts outlives a `kill -9` of the run (flows/reaper.py): real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.reaper import descendants

ROOT = Path(__file__).resolve().parent.parent
# Bound on how long orphans may outlive a killed run: the reaper scans every 0.5 s and is
# signalled by the kernel at once; 10 s leaves room for a loaded 2-core machine.
ORPHAN_BOUND_S = 10
# A run that starts Prefect's temporary server may need its database migrated first (~20 s
# on a busy 2-core machine in a fresh PREFECT_HOME).
SERVER_START_BOUND_S = 180

LAUNCHER = r"""
import subprocess, sys, time
from flows.reaper import start_reaper
reaper = start_reaper()
child = subprocess.Popen(["sleep", "300"])  # a plain child: no parent-death signal of its own
print(child.pid, flush=True)
if sys.argv[1] == "exit":
    time.sleep(1.0)
    reaper.stop()
    sys.exit(0)
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"  # a zombie is dead, only not yet reaped
    except OSError:
        return False


def _wait_gone(pids, bound: float) -> list[int]:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def _launch(mode: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, mode], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    return proc, int(proc.stdout.readline())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reaper uses Linux's /proc and prctl")
def test_a_plain_child_dies_when_its_run_is_killed():
    proc, child = _launch("wait")
    time.sleep(1.0)  # the reaper's first scans see the child
    t0 = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _wait_gone([child], ORPHAN_BOUND_S) == []
    assert time.monotonic() - t0 < ORPHAN_BOUND_S


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reaper uses Linux's /proc and prctl")
def test_a_run_that_ends_normally_kills_nothing():
    proc, child = _launch("exit")
    assert proc.wait(timeout=30) == 0
    try:
        time.sleep(1.0)
        assert _alive(child)  # the reaper was stopped, not triggered
    finally:
        os.kill(child, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reaper uses Linux's /proc and prctl")
def test_prefects_temporary_server_dies_with_a_killed_ogi_extract(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for f in sorted((ROOT / "data" / "raw").glob("0*.txt")):
        (src / f.name).write_bytes(f.read_bytes())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "extract", str(src), "--out", str(tmp_path / "out"),
                             "--quiet"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + SERVER_START_BOUND_S
        server: list[int] = []
        while time.monotonic() < deadline and not server and proc.poll() is None:
            for pid in descendants(proc.pid):
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if b"uvicorn" in cmd:
                    server.append(pid)
            time.sleep(0.2)
        if not server:
            pytest.fail("ogi extract ended or timed out before Prefect's temporary server was seen")
        time.sleep(1.0)  # the reaper's scans see the server
        everything = list(descendants(proc.pid))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _wait_gone(everything, ORPHAN_BOUND_S) == []
    finally:
        if proc.poll() is None:
            proc.kill()
