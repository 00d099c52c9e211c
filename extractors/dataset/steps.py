"""Numbered steps of a commit: every change a writer makes to the dataset's storage calls
`step(name)` right after it, so a test can stop a writer at each of them in turn.

`OGI_KILL_AT=<n>` makes the process kill itself (SIGKILL, as `kill -9` would) right after
its n-th step; `OGI_TRACE_STEPS=<file>` appends each step's number and name to that file.
Both are read at every step (a forked test writer sets them after the fork) and cost a
dictionary lookup when unset.
"""

from __future__ import annotations

import os
import signal

KILL_ENV = "OGI_KILL_AT"
TRACE_ENV = "OGI_TRACE_STEPS"
_done = 0


def reset() -> None:
    """Count from zero again (a forked writer starts its own count)."""
    global _done
    _done = 0


def step(name: str) -> None:
    global _done
    _done += 1
    trace = os.environ.get(TRACE_ENV)
    if trace:
        with open(trace, "a", encoding="utf-8") as f:
            f.write(f"{_done} {name}\n")
    kill = os.environ.get(KILL_ENV)
    if kill and int(kill) == _done:
        os.kill(os.getpid(), signal.SIGKILL)
