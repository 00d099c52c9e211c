"""Measuring for the benchmark: wall and CPU time of work done in this process (its reaped
children included), of a command and every process it starts, of a running process tree;
and the arithmetic of the report (rates, ratios, met or missed).

Run as a program it is the wrapper that counts a command's CPU:

    python -m benchmarks.bench_measure RESULT.json -- CMD [ARG ...]

runs CMD, becomes the "subreaper" of everything CMD starts (a process whose parent exits
is handed to the wrapper instead of init, prctl PR_SET_CHILD_SUBREAPER), waits for all of
them and writes {"wall", "user", "sys", "maxrss_mb", "rc", "leftover"} to RESULT.json: the
CPU of CMD and of every descendant, even one that outlived its parent (Prefect's
temporary server). A descendant still alive LEFTOVER_WAIT_S after CMD exits is killed
and counted in "leftover".
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# prctl option that makes this process the reaper of its orphaned descendants (linux/prctl.h).
PR_SET_CHILD_SUBREAPER = 36
# Seconds the wrapper waits for descendants that outlive the command (a server shutting down).
LEFTOVER_WAIT_S = 20.0
# Poll interval while waiting for leftover descendants.
POLL_S = 0.05
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class Timing:
    """Wall-clock and CPU seconds of a piece of work (CPU of every process it used)."""

    wall: float = 0.0
    cpu: float = 0.0
    maxrss_mb: float = 0.0


def _cpu_now() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@contextlib.contextmanager
def clock():
    """Time the block: wall seconds, and CPU seconds of this process plus its children
    reaped meanwhile (the sandbox's reader children are)."""
    out = Timing()
    wall, cpu = time.perf_counter(), _cpu_now()
    try:
        yield out
    finally:
        out.wall = time.perf_counter() - wall
        out.cpu = _cpu_now() - cpu


# ---- processes -------------------------------------------------------------------------------
def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of its reaped children) from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "; comm may hold spaces
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return ppid, (utime + stime + cutime + cstime) / CLOCK_TICKS


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by process `root` and every live descendant, their reaped
    children included (a running Prefect server and its workers)."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None:
                stats[int(entry)] = st
    total, todo, seen = 0.0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += stats[pid][1]
        todo += [p for p, (ppid, _) in stats.items() if ppid == pid]
    return total


@dataclass
class Counted:
    """A command run under the wrapper: its timing (every process counted) and output."""

    timing: Timing
    rc: int
    stdout: str
    stderr: str
    leftover: int = 0


def run_counted(cmd: list[str], env: dict | None = None, cwd: Path | None = None,
                timeout: float | None = None) -> Counted:
    """Run `cmd` under the CPU-counting wrapper (see the module docstring)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ogi-bench-run-") as tmp:
        result = Path(tmp) / "result.json"
        proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_measure", str(result), "--", *cmd],
                              capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
        if not result.exists():
            raise RuntimeError(f"benchmarks.bench_measure: no result for {cmd[:4]}: {proc.stderr[-2000:]}")
        r = json.loads(result.read_text())
    return Counted(Timing(r["wall"], r["user"] + r["sys"], r["maxrss_mb"]), r["rc"], proc.stdout, proc.stderr,
                   r["leftover"])


def _children() -> list[int]:
    me = os.getpid()
    return [pid for pid in map(int, filter(str.isdigit, os.listdir("/proc")))
            if (st := _stat(pid)) is not None and st[0] == me]


def _reap_leftovers(deadline: float) -> int:
    """Wait for every remaining descendant (handed to us as subreaper); past `deadline`,
    kill whichever are still there. Returns how many were killed."""
    killed: set[int] = set()
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return len(killed)
        if pid:
            continue
        if time.monotonic() > deadline:
            for child in _children():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
                    killed.add(child)
        time.sleep(POLL_S)


def wrapper_main(argv: list[str]) -> int:
    """The wrapper program: `RESULT.json -- CMD ...` (see the module docstring)."""
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m benchmarks.bench_measure RESULT.json -- CMD [ARG ...]", file=sys.stderr)
        return 2
    result, cmd = Path(argv[0]), argv[2:]
    if platform.system() == "Linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    start = time.perf_counter()
    rc = subprocess.call(cmd)
    wall = time.perf_counter() - start
    leftover = _reap_leftovers(time.monotonic() + LEFTOVER_WAIT_S)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.write_text(json.dumps({"wall": wall, "user": kids.ru_utime, "sys": kids.ru_stime,
                                  "maxrss_mb": kids.ru_maxrss / 1024, "rc": rc, "leftover": leftover}))
    return 0


# ---- report arithmetic -----------------------------------------------------------------------
def per_second(count: float, seconds: float) -> float:
    """`count` per second; infinite when nothing measurable was spent."""
    return count / seconds if seconds > 0 else float("inf")


def fmt_rate(x: float) -> str:
    """A rate or ratio with sensible digits."""
    if x == float("inf"):
        return "∞"
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def verdict(measured: float, target: float, at_least: bool, strict: bool = False) -> str:
    """"met", or by how much the measure misses the target: a rate short of it
    (`at_least`) or a cost above it (`strict`: the cost must stay under the target)."""
    if at_least:
        met = measured >= target
    else:
        met = measured < target if strict else measured <= target
    if met:
        return "met"
    if at_least:
        return f"missed: {1 - measured / target:.0%} short ({fmt_rate(target / measured)}x to go)" \
            if measured > 0 else "missed"
    return f"missed: {measured / target - 1:.0%} over ({fmt_rate(measured / target)}x the target)"


def machine() -> str:
    """Cores, CPU model, memory, kernel and Python of this machine."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, StopIteration):
        kb = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines()
                      if ln.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return f"{os.cpu_count()} cores ({cpu}){mem}, Linux {platform.release()}, Python {platform.python_version()}"


def load_average() -> str:
    """The 1-minute load average (a busy machine makes every figure worse)."""
    with contextlib.suppress(OSError, AttributeError):
        return f"{os.getloadavg()[0]:.2f}"
    return "unknown"


if __name__ == "__main__":
    sys.exit(wrapper_main(sys.argv[1:]))
