"""Nothing a run starts outlives it: a reaper process that kills the run's descendants
when the run dies, even by `kill -9`.

Our own forked workers die with their parent by themselves (PR_SET_PDEATHSIG, see
`extractors.sandbox.die_with_parent`), but Prefect starts its temporary API server with a
plain `subprocess.Popen`, so after a `kill -9` of `ogi` that server (and anything else a
library started) would keep running. `start_reaper()` forks one small process that

* learns the run's descendants by walking /proc every `SCAN_INTERVAL_S` (parent links),
  remembering each one's start time so a reused pid is never mistaken for it;
* is told by the kernel when the run dies (PR_SET_PDEATHSIG), and then kills every
  descendant it knew that is still the same process;
* exits quietly when the run ends normally (`stop()`), killing nothing.

Process groups are not used: `ogi` often shares its group with the program that started
it (make, a test runner), which must not be touched. Linux only; elsewhere a no-op.
"""

from __future__ import annotations

import os
import signal
import sys
import time

# How often the reaper looks for new descendants. 0.5 s: Prefect's server takes seconds to
# start, so it is known long before it could be orphaned; a scan of /proc costs ~1-3 ms.
SCAN_INTERVAL_S = 0.5


def _proc_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time) for every process, from /proc/<pid>/stat."""
    out: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) "
        out[int(entry)] = (int(fields[1]), fields[19])  # ppid, starttime (clock ticks)
    return out


def descendants(root: int, table: dict[int, tuple[int, str]] | None = None) -> dict[int, str]:
    """pid -> start time of every live descendant of `root`."""
    table = table if table is not None else _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _start) in table.items():
        children.setdefault(ppid, []).append(pid)
    out: dict[int, str] = {}
    stack = list(children.get(root, ()))
    while stack:
        pid = stack.pop()
        if pid in out or pid not in table:
            continue
        out[pid] = table[pid][1]
        stack += children.get(pid, ())
    return out


def _reap(known: dict[int, str]) -> None:
    table = _proc_table()
    for pid, start in known.items():
        if pid != os.getpid() and table.get(pid, (0, None))[1] == start:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _reaper_loop(run_pid: int) -> None:
    import ctypes

    died = False

    def on_parent_death(_signum, _frame):
        nonlocal died
        died = True

    signal.signal(signal.SIGTERM, on_parent_death)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the run; it stops us via stop()
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1  # <linux/prctl.h>
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != run_pid:  # the run died before the signal was armed
        died = True
    known: dict[int, str] = {}
    while not died:
        known.update(descendants(run_pid))
        known.pop(os.getpid(), None)
        time.sleep(SCAN_INTERVAL_S)
        if os.getppid() != run_pid:
            died = True
    _reap(known)


class Reaper:
    """Handle of a started reaper; `stop()` ends it without killing anything."""

    def __init__(self, pid: int | None):
        self.pid = pid

    def stop(self) -> None:
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        self.pid = None


def start_reaper() -> Reaper:
    """Fork the reaper for this process (see the module docstring); a no-op off Linux."""
    if not sys.platform.startswith("linux") or not os.path.isdir("/proc"):
        return Reaper(None)
    run_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # the reaper: never returns into the caller's code
        code = 0
        try:
            _reaper_loop(run_pid)
        except BaseException:  # noqa: BLE001 - a reaper failure must not surface in the run
            code = 1
        finally:
            os._exit(code)
    return Reaper(pid)
