"""The benchmark's real-flow measurements: `ogi extract` (`python -m flows.cli extract`) in
a subprocess, as an operator runs it, with the CPU of every process the run uses counted
(`bench_measure.run_counted`: the CLI, its workers, its reader children, Prefect's
temporary server) and, when a Prefect server is running, that server's CPU during the run.

`Flows` runs the commands in one Prefect mode: embedded (a temporary PREFECT_HOME, no API
URL: each run starts Prefect's temporary server) or against a server that
`prefect_server()` started on 127.0.0.1 with its own temporary PREFECT_HOME.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_measure import Timing, run_counted, tree_cpu

ROOT = Path(__file__).resolve().parent.parent
# Prefect's own start-up: the smallest flow run, in a fresh interpreter.
# Prefect alone, configured as `ogi` runs its flows (flows.runtime: client telemetry off through
# DO_NOT_TRACK in the environment, no heartbeat thread), so that the difference is our code.
NOOP_FLOW = ("from prefect import flow\nfrom prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, "
             "temporary_settings\n\n@flow\ndef noop():\n    return 1\n\n"
             "with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):\n    noop()\n")
# Seconds a `prefect server start` may take to answer /api/health: the first start in a new
# PREFECT_HOME migrates a fresh database (~20 s on a busy 2-core machine; 180 s is the limit
# flows.runtime gives Prefect's temporary server for the same work).
SERVER_START_TIMEOUT_S = 180.0
# Seconds a stopped server gets to exit before it is killed.
SERVER_STOP_TIMEOUT_S = 30.0
# Seconds one `ogi extract` run may take before the benchmark gives up (a 1,000-document run
# takes about a minute on one core).
RUN_TIMEOUT_S = 3600.0
_SUMMARY_RE = re.compile(r"^(\d+) document\(s\) processed(?:.*\((\d+) unchanged, skipped\))?", re.M)


@dataclass
class Run:
    """One measured command: its timing (every process counted, plus the running server's
    CPU meanwhile), and what the summary says it did."""

    label: str
    timing: Timing
    docs: int | None = None
    skipped: int | None = None

    @property
    def wall(self) -> float:
        return self.timing.wall

    @property
    def cpu(self) -> float:
        return self.timing.cpu


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(prefect_home: Path, api_url: str | None) -> dict[str, str]:
    """The environment of every measured command: this checkout's code, a quiet Prefect with
    its own home, and the API URL of a running server or none (embedded mode)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PYTHONPATH=str(ROOT), PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
               PREFECT_LOGGING_LEVEL="ERROR", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


class Flows:
    """Measured commands in one Prefect mode (embedded, or a running server's `api_url`;
    `server_pid` is that server's process, whose CPU during each run is added)."""

    def __init__(self, prefect_home: Path, api_url: str | None = None, server_pid: int | None = None):
        self.env = base_env(prefect_home, api_url)
        self.server_pid = server_pid

    def _run(self, label: str, cmd: list[str], ok: tuple[int, ...] = (0,)) -> Run:
        server_before = tree_cpu(self.server_pid) if self.server_pid else 0.0
        done = run_counted(cmd, env=self.env, cwd=ROOT, timeout=RUN_TIMEOUT_S)
        if done.rc not in ok:
            raise RuntimeError(f"{label}: {' '.join(cmd[1:4])} exited {done.rc}:\n{done.stderr[-3000:]}")
        timing = done.timing
        if self.server_pid:
            timing = Timing(timing.wall, timing.cpu + tree_cpu(self.server_pid) - server_before, timing.maxrss_mb)
        print(f"bench: {label}: {timing.wall:.1f} s wall, {timing.cpu:.1f} s CPU", file=sys.stderr, flush=True)
        m = _SUMMARY_RE.search(done.stdout)
        return Run(label, timing, int(m.group(1)) if m else None, int(m.group(2) or 0) if m else None)

    def ogi(self, label: str, src: Path, out: Path, workers: int = 1, ok: tuple[int, ...] = (0,)) -> Run:
        """`ogi extract SRC --out OUT --workers N --quiet`."""
        return self._run(label, [sys.executable, "-m", "flows.cli", "extract", str(src), "--out", str(out),
                                 "--workers", str(workers), "--quiet"], ok)

    def empty(self, label: str, folder: Path, out: Path) -> Run:
        """`ogi extract` on an empty folder (exits 1: no documents): the fixed start-up."""
        folder.mkdir(parents=True, exist_ok=True)
        return self.ogi(label, folder, out, ok=(0, 1))

    def noop(self, label: str) -> Run:
        """Prefect's own start-up: a no-op flow in a fresh interpreter."""
        return self._run(label, [sys.executable, "-c", NOOP_FLOW])


def median_run(runs: list[Run]) -> tuple[Run, Timing]:
    """The median of repeated runs (wall and CPU each) and their spread (max - min)."""
    def mid(xs: list[float]) -> float:
        xs = sorted(xs)
        k = len(xs) // 2
        return xs[k] if len(xs) % 2 else (xs[k - 1] + xs[k]) / 2

    walls, cpus = [r.wall for r in runs], [r.cpu for r in runs]
    timing = Timing(mid(walls), mid(cpus), max(r.timing.maxrss_mb for r in runs))
    return Run(runs[0].label, timing, runs[0].docs, runs[0].skipped), \
        Timing(max(walls) - min(walls), max(cpus) - min(cpus))


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def prefect_server(home: Path, log: Path):
    """`prefect server start` on 127.0.0.1 in the background with PREFECT_HOME=`home`;
    yields (api_url, pid) once it answers, and stops it (its whole process group) after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = base_env(home, None)
    exe = Path(sys.executable).with_name("prefect")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "prefect"]
    with open(log, "w") as fh:
        proc = subprocess.Popen([*cmd, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=home, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prefect server start did not come up on {url} "
                                   f"(exit {proc.poll()}); see {log}")
            time.sleep(0.5)
        yield url, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ---- the measurements --------------------------------------------------------------------------
def new_document(folder: Path, tag: str) -> Path:
    """A new report in `folder`: a copy of one of its .txt files with different bytes."""
    src = sorted(folder.rglob("*.txt"))[0]
    dest = src.parent / f"zz-new-upload-{tag}.txt"
    dest.write_bytes(src.read_bytes() + f"\n{tag}\n".encode())
    return dest


def startup(flows: Flows, scratch: Path, mode: str, repeat: int) -> dict:
    """Prefect's own start-up (no-op flow) and ours (`ogi extract` on an empty folder): the
    median of `repeat` runs each and the empty-folder run's spread ("spread"), after one
    untimed run (a new PREFECT_HOME's database, a new server's first flow)."""
    empty = scratch / "empty"
    flows.empty(f"warm-up ({mode})", empty, scratch / "out-empty")
    noop, _ = median_run([flows.noop(f"Prefect no-op flow ({mode})") for _ in range(repeat)])
    ogi, spread = median_run([flows.empty(f"ogi extract, empty folder ({mode})", empty, scratch / "out-empty")
                              for _ in range(repeat)])
    return {"noop": noop, "empty": ogi, "spread": spread}


def incremental(flows: Flows, folder: Path, out: Path, mode: str, tag: str) -> dict[str, Run]:
    """On a dataset already holding `folder`: the unchanged re-run, then one new document."""
    unchanged = flows.ogi(f"unchanged folder ({mode})", folder, out)
    added = new_document(folder, tag)
    try:
        one = flows.ogi(f"one new document ({mode})", folder, out)
    finally:
        added.unlink()
    return {"unchanged": unchanged, "add_one": one}


def embedded_runs(folders: dict[str, Path], mixed: Path, scratch: Path, repeat: int) -> dict:
    """Every embedded-mode measurement: start-up, each format's folder at one worker, the
    mixed folder at 1 and 2 workers, then the incremental runs on the 1-worker dataset."""
    flows = Flows(scratch / "prefect-home")
    runs: dict = startup(flows, scratch, "embedded", repeat)
    runs["formats"] = {fmt: flows.ogi(f"{fmt}, --workers 1", folder, scratch / f"out-{fmt}")
                       for fmt, folder in folders.items()}
    runs["mixed1"] = flows.ogi("mixed folder, --workers 1", mixed, scratch / "out-mixed1", workers=1)
    runs["mixed2"] = flows.ogi("mixed folder, --workers 2", mixed, scratch / "out-mixed2", workers=2)
    runs.update(incremental(flows, mixed, scratch / "out-mixed1", "embedded", "embedded"))
    return runs


def server_runs(mixed: Path, scratch: Path, repeat: int) -> dict:
    """With a running Prefect server: start-up and the incremental runs (on the dataset the
    embedded 1-worker run wrote); the server's own start is not counted."""
    home = scratch / "prefect-server-home"
    home.mkdir(parents=True, exist_ok=True)
    with prefect_server(home, scratch / "prefect-server.log") as (url, pid):
        flows = Flows(home, url, pid)
        runs: dict = startup(flows, scratch, "server", repeat)
        runs.update(incremental(flows, mixed, scratch / "out-mixed1", "server", "server"))
    return runs


def flow_runs(folders: dict[str, Path], mixed: Path, scratch: Path, repeat: int) -> dict:
    """All real-flow measurements, in a scratch folder that is removed afterwards."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        runs = {"embedded": embedded_runs(folders, mixed, scratch, repeat)}
        runs["server"] = server_runs(mixed, scratch, repeat)
        return runs
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
