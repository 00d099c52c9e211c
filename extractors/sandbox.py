"""Read documents in a long-lived worker process under a wall-clock limit and a memory cap.

`run_limited(target, data, args, name, settings)` runs `target(data, *args)` (a function
named "module:function") in a worker process and returns its result; the pipeline sends
each document of a format in `settings.sandboxed_formats` (all four by default) this way,
`read_limited(reader, data, name, settings)` one reader's `extract`.

* **One worker per calling thread at a time**, reused for every document: forked lazily
  (~15 ms, once) from the caller with every reader imported and the caller's state (a
  warm matcher) already built, so a document costs a round trip on a pipe, not a fork.
* **Limits, per document.** Before each document the worker caps its address space
  (RLIMIT_AS = its size now + `settings.memory_mb`) and its CPU time (what it has used +
  `settings.timeout_s` + CPU_BACKSTOP_S); the caller waits at most `settings.timeout_s`.
  Over either limit the document is `DocumentTooLarge` naming the limit; the documented
  errors of the reader come through as themselves, anything else as `UnreadableDocument`
  (with the traceback's tail as `.detail`).
* **A document that breaks the worker never stops the run.** The worker is killed and
  forgotten on a timeout, when it dies (out of memory in C code, a crash), after a
  MemoryError, and retires itself once its resident size has grown RESTART_RSS_GROWTH_MB
  past its start (caches and a fragmented heap only grow); the next document gets a fresh
  one.
* **Workers die with their parent** (`die_with_parent`): on Linux the kernel kills a
  worker when the process that forked it dies, even by SIGKILL, so no orphan keeps the
  dataset lock's descriptor; elsewhere an idle worker exits when its pipe closes.
  Workers are forked by one long-lived thread, since the kernel ties that signal to the
  forking *thread*.
* A reader whose library is not fork-safe while it works (PDFium) exposes a `FORK_LOCK`:
  it is held while a worker is forked, so no other thread is inside the library then.
* The worker runs the code as it was when it was forked: when a reader's `extract` has
  been replaced since (a test's monkeypatch), a fresh worker is forked first.
* Where a process may not have children (a daemonic Dask worker), `can_sandbox()` is
  False and the pipeline reads the document in-process, without these limits.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import importlib
import math
import multiprocessing
import os
import queue
import resource
import signal
import sys
import threading
import traceback
from types import ModuleType
from typing import Any

from extractors.errors import (
    DocumentTooLarge,
    EmptyDocument,
    ExtractionError,
    NeedsOCR,
    UnreadableDocument,
    UnsupportedFormat,
)
from extractors.formats import READERS
from extractors.records import RawDocument
from extractors.settings import DEFAULT, Settings

# Seconds of CPU the worker may use on one document beyond the wall-clock limit before the
# kernel stops it: a backstop only (for a caller that died), the caller kills the worker at
# the wall-clock limit.
CPU_BACKSTOP_S = 2
# Seconds to wait for a finished or killed worker to be reaped.
JOIN_S = 2
# A worker whose resident size has grown this much past its start retires after the
# document. A report adds 1-10 MB, the first PDF ~70 MB (extractors.settings); a worker that
# kept 256 MB holds what an unusually large document left behind, and a new one costs one
# fork (~15 ms).
RESTART_RSS_GROWTH_MB = 256
# linux/prctl.h: deliver a signal to this process when its parent (the forking thread) exits.
PR_SET_PDEATHSIG = 1
# Characters of a worker's traceback kept for an unexpected error (the pipeline stores them
# as the report's `format_detail`, which keeps the same 1000 for an in-process error).
TRACEBACK_CHARS = 1000
_MB = 1024 * 1024
_PAGE = resource.getpagesize()
_ERRORS = {cls.__name__: cls for cls in (DocumentTooLarge, EmptyDocument, NeedsOCR, UnreadableDocument,
                                         UnsupportedFormat)}
_READ = "extractors.sandbox:_read"


# ---------------------------------------------------------------- process helpers


def die_with_parent(parent_pid: int | None = None) -> bool:
    """Have the kernel SIGKILL this process when its parent dies (Linux
    `prctl(PR_SET_PDEATHSIG)`); call it in a child right after the fork. `parent_pid`: the
    pid that forked it; when the parent is already gone (it died before the call), exit now.
    False where the platform has no such signal (a no-op: the caller must notice its
    parent's end some other way, as a sandbox worker does when its pipe closes)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # orphaned before the signal was armed: it would never come
    return ok


def vm_size() -> int:
    """This process's current address-space size in bytes (0 where /proc is missing)."""
    return _memory()[0]


def _memory() -> tuple[int, int]:
    """(address-space size, resident size) of this process in bytes; zeros without /proc."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            size, resident = fh.read().split()[:2]
    except (OSError, ValueError):  # pragma: no cover - not Linux
        return 0, 0
    return int(size) * _PAGE, int(resident) * _PAGE


def can_sandbox() -> bool:
    """Whether this process may start a worker (a daemonic process, such as a Dask worker,
    may not have children)."""
    return not multiprocessing.current_process().daemon


class _Forker:
    """The thread that forks every worker. Linux sends the parent-death signal when the
    *thread* that forked a child ends, so workers are forked by this one, which lives as
    long as the process, not by a task thread that may end first."""

    def __init__(self):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="ogi-sandbox-forker", daemon=True).start()

    def _loop(self) -> None:
        while True:
            fn, done, out = self._jobs.get()
            try:
                out.append((True, fn()))
            except BaseException as e:  # noqa: BLE001 - handed to the waiting caller
                out.append((False, e))
            done.set()

    def run(self, fn):
        done, out = threading.Event(), []
        self._jobs.put((fn, done, out))
        done.wait()
        ok, value = out[0]
        if not ok:
            raise value
        return value


# ---------------------------------------------------------------- the worker, parent side


class Worker:
    """One worker process and its pipe; started on first use, restarted after a failure."""

    def __init__(self, method: str = "fork"):
        self.method = method
        self.proc = None
        self.conn = None
        self.code: dict[str, Any] = {}  # reader module -> its `extract` when the worker was forked

    def alive(self) -> bool:
        return self.proc is not None and self.proc.is_alive()

    def start(self, reader: ModuleType | None = None) -> None:
        ctx = multiprocessing.get_context(self.method)
        readers = _readers() if self.method != "spawn" else {}
        if reader is not None and self.method != "spawn":
            readers[reader.__name__] = reader
        if self.method == "forkserver":
            ctx.set_forkserver_preload(list(readers))
        conn, child_end = ctx.Pipe(duplex=True)
        # A forkserver child's parent is the server, not this process: no orphan check.
        parent = None if self.method == "forkserver" else os.getpid()
        # A forked child inherits this end too: it closes it, so it sees EOF when this side closes.
        inherited = conn if self.method == "fork" else None
        proc = ctx.Process(target=_serve, args=(child_end, parent, inherited), daemon=True,
                           name="ogi-sandbox-worker")
        locks = [m.FORK_LOCK for m in readers.values() if getattr(m, "FORK_LOCK", None) is not None]

        def fork():
            with contextlib.ExitStack() as held:
                for lock in locks:
                    held.enter_context(lock)
                held.callback(gc.unfreeze)
                # The worker's collector leaves the inherited objects alone: it neither
                # spends time on them nor copies their pages (copy-on-write) by touching them.
                gc.freeze()
                proc.start()

        _forker().run(fork)
        child_end.close()
        self.proc, self.conn = proc, conn
        self.code = {n: getattr(m, "extract", None) for n, m in readers.items()} if self.method == "fork" else {}
        _LIVE.add(self)

    def stale(self, reader: ModuleType | None) -> bool:
        """Whether `reader` has changed (or was not imported) since the worker was forked."""
        if reader is None or self.method != "fork" or self.proc is None:
            return False
        return self.code.get(reader.__name__) is not getattr(reader, "extract", None)

    def call(self, target: str, data: bytes, args: tuple, name: str, settings: Settings,
             reader: ModuleType | None = None) -> Any:
        """`target(data, *args)` in the worker under `settings`' limits (module docstring)."""
        if self.stale(reader):
            self.close()
        msg = (target, args, name, float(settings.timeout_s), int(settings.memory_mb))
        for attempt in (1, 2):  # a worker found dead before it took the document: once more
            if not self.alive():
                self.close()
                self.start(reader)
            try:
                self.conn.send(msg)
                self.conn.send_bytes(data)
                break
            except OSError:
                self.close()
                if attempt == 2:
                    raise
        try:
            return self._answer(name, settings)
        except BaseException as exc:
            if not isinstance(exc, ExtractionError):  # interrupted (Ctrl-C) before the answer came:
                self.close(kill=True)  # it must never reach the next document's call
            raise

    def _answer(self, name: str, settings: Settings) -> Any:
        timeout_s, memory_mb = settings.timeout_s, settings.memory_mb
        if not self.conn.poll(timeout_s):
            self.close(kill=True)
            raise DocumentTooLarge(f"{name}: reading took longer than the {timeout_s:g} s time limit")
        try:
            kind, payload, retire = self.conn.recv()
        except (EOFError, OSError):
            code = self.close(kill=True)
            how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            raise DocumentTooLarge(
                f"{name}: the reader process died ({how}) without an answer, most likely at the "
                f"{memory_mb} MB memory cap (or the {timeout_s:g} s CPU backstop)") from None
        if retire:
            self.close()
        if kind == "ok":
            return payload
        cls_name, text, detail = payload
        err = _ERRORS.get(cls_name, UnreadableDocument)(text)
        err.detail = detail
        raise err

    def close(self, kill: bool = False) -> int | None:
        """Stop the worker (an idle one exits when its pipe closes); its exit code."""
        _LIVE.discard(self)
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if kill:
            proc.kill()
        proc.join(JOIN_S)
        if proc.is_alive():
            proc.kill()
            proc.join(JOIN_S)
        return proc.exitcode

    def forget(self) -> None:
        """In a forked child: drop the parent's worker without touching it."""
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
        self.conn = self.proc = None


_IDLE: list[Worker] = []  # workers of this process not in use by a thread
_LIVE: set[Worker] = set()  # every started worker of this process
_LOCK = threading.Lock()
_FORKER: _Forker | None = None


def _forker() -> _Forker:
    global _FORKER
    with _LOCK:
        if _FORKER is None:
            _FORKER = _Forker()
        return _FORKER


def _readers() -> dict[str, ModuleType]:
    """Every reader module, imported (so a worker starts with its libraries loaded)."""
    from extractors.formats import reader_for

    out = {}
    for fmt in READERS:
        with contextlib.suppress(ExtractionError):
            module = reader_for(fmt)
            out[module.__name__] = module
    return out


def _after_fork_in_child() -> None:
    """A forked child (a pool worker, a sandbox worker) starts with no workers of its own."""
    global _LOCK, _FORKER
    _LOCK, _FORKER = threading.Lock(), None
    for worker in list(_LIVE):
        worker.forget()
    _LIVE.clear()
    _IDLE.clear()


def close_workers() -> None:
    """Stop this process's workers (at exit, or to reap them: a benchmark reading their
    peak memory as a child's); the next document starts a new one."""
    for worker in list(_LIVE):
        worker.close()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(close_workers)


def run_limited(target: str, data: bytes, args: tuple, name: str, settings: Settings = DEFAULT,
                reader: ModuleType | None = None) -> Any:
    """`target(data, *args)` ("module:function") in this thread's worker, under the time and
    memory limits of `settings`; `reader`: the reader module it will use (a changed one
    forks a fresh worker). Raises `DocumentTooLarge` over a limit, the target's documented
    errors as themselves."""
    with _LOCK:
        worker = _IDLE.pop() if _IDLE else Worker()
    try:
        return worker.call(target, data, args, name, settings, reader)
    finally:
        with _LOCK:
            _IDLE.append(worker)


def read_limited(reader: ModuleType, data: bytes, name: str, settings: Settings = DEFAULT,
                 start_method: str | None = None) -> RawDocument:
    """`reader.extract(data, name, settings=settings)` under the limits (module docstring),
    in this thread's long-lived worker. `start_method` ("fork", "forkserver", "spawn")
    instead starts a worker of that kind for this one document: "forkserver" and "spawn"
    (~100-200 ms) never share the caller's state, and need an importable `__main__`."""
    args = (reader.__name__, name, settings)
    if start_method is None:
        return run_limited(_READ, data, args, name, settings, reader)
    worker = Worker(start_method)
    try:
        return worker.call(_READ, data, args, name, settings)
    finally:
        worker.close()


def _read(data: bytes, reader_name: str, name: str, settings: Settings) -> RawDocument:
    return importlib.import_module(reader_name).extract(data, name, settings=settings)


# ---------------------------------------------------------------- the worker, child side


def _serve(conn, parent_pid: int | None, inherited=None) -> None:
    """The worker's loop: one document per message until the pipe closes. `inherited`: the
    caller's end of the pipe, which a forked worker holds a copy of."""
    die_with_parent(parent_pid)
    if inherited is not None:
        inherited.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not a handler inherited from the caller (Prefect's)
    start_rss = _memory()[1]
    while True:
        try:
            target, args, name, timeout_s, memory_mb = conn.recv()
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        kind, payload = _run(target, data, args, name, timeout_s, memory_mb)
        del data
        retire = kind == "memory" or _memory()[1] > start_rss + RESTART_RSS_GROWTH_MB * _MB
        try:
            conn.send(("ok" if kind == "ok" else "error", payload, retire))
        except Exception as e:  # noqa: BLE001 - the answer does not fit under the cap, or does not pickle
            payload = kind = None
            _lift_limits()
            retire = True
            why = (f"its result is over the {memory_mb} MB memory cap" if isinstance(e, MemoryError)
                   else f"its result cannot be sent back ({type(e).__name__}: {e})")
            conn.send(("error", ("DocumentTooLarge" if isinstance(e, MemoryError) else "UnreadableDocument",
                                 f"{name}: {why}", None), True))
        _lift_limits()
        if retire:
            return


def _run(target: str, data: bytes, args: tuple, name: str, timeout_s: float, memory_mb: int) -> tuple[str, Any]:
    """(kind, payload): ("ok", result), or ("error" | "memory", (error class, message, traceback))."""
    module, _, attr = target.partition(":")
    fn = getattr(importlib.import_module(module), attr)
    _set_limits(timeout_s, memory_mb)
    try:
        return "ok", fn(data, *args)
    except MemoryError:
        return "memory", ("DocumentTooLarge", f"{name}: over the {memory_mb} MB memory cap", None)
    except ExtractionError as e:
        return "error", (type(e).__name__, str(e), None)
    except BaseException as e:  # noqa: BLE001 - reported to the caller as unreadable
        return "error", ("UnreadableDocument", f"{name}: {type(e).__name__}: {e}",
                         traceback.format_exc(limit=3)[-TRACEBACK_CHARS:])


def _set_limits(timeout_s: float, memory_mb: int) -> None:
    """This document's caps: address space now + memory_mb, CPU used + timeout + backstop."""
    _set_soft(resource.RLIMIT_AS, _memory()[0] + int(memory_mb) * _MB)
    used = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    _set_soft(resource.RLIMIT_CPU, math.ceil(used + timeout_s + CPU_BACKSTOP_S))


def _lift_limits() -> None:
    for which in (resource.RLIMIT_AS, resource.RLIMIT_CPU):
        _set_soft(which, None)


def _set_soft(which: int, soft: int | None) -> None:
    """Set a soft limit (None: back up to the hard one); the hard limit stays as it is."""
    try:
        hard = resource.getrlimit(which)[1]
        if soft is None or (hard != resource.RLIM_INFINITY and soft > hard):
            soft = hard
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError):  # pragma: no cover - a platform without this limit
        pass
