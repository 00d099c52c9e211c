"""Read one document in a child process under a wall-clock limit and an address-space cap.

Any reader can run here: `read_limited(reader, data, name, settings)` calls
`reader.extract(data, name, settings=settings)` in a forked child whose memory is capped
(RLIMIT_AS = its size at start + `settings.memory_mb`) and which is killed after
`settings.timeout_s` seconds. Exceeding either raises `DocumentTooLarge` naming the
limit; the documented errors of the reader come through as themselves, anything else as
`UnreadableDocument`. The pipeline sandboxes the formats in `settings.sandboxed_formats`.

A reader whose library is not fork-safe while it works (PDFium) exposes a `FORK_LOCK`:
the child is forked while that lock is held, so no other thread of a threaded caller is
inside the library at the fork.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import resource
from types import ModuleType

from extractors.errors import (
    DocumentTooLarge,
    EmptyDocument,
    ExtractionError,
    NeedsOCR,
    UnreadableDocument,
    UnsupportedFormat,
)
from extractors.records import RawDocument
from extractors.settings import DEFAULT, Settings

# Seconds of CPU the child may use beyond the wall-clock limit before the kernel stops it:
# a backstop only, the parent kills the child at the wall-clock limit.
CPU_BACKSTOP_S = 2
# Seconds to wait for a finished or killed child to be reaped.
JOIN_S = 2
_ERRORS = {cls.__name__: cls for cls in (DocumentTooLarge, EmptyDocument, NeedsOCR, UnreadableDocument,
                                         UnsupportedFormat)}


def vm_size() -> int:
    """This process's current address-space size in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return 0


def _child(conn, reader_name: str, data: bytes, name: str, settings: Settings) -> None:
    reader = importlib.import_module(reader_name)  # a module name pickles under every start method
    try:
        limit = vm_size() + int(settings.memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        cpu = int(settings.timeout_s) + CPU_BACKSTOP_S
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (ValueError, OSError):  # pragma: no cover - a platform without these limits
        pass
    try:
        conn.send(("ok", reader.extract(data, name, settings=settings)))
    except MemoryError:
        conn.send(("error", "DocumentTooLarge", f"{name}: over the {settings.memory_mb} MB memory cap"))
    except ExtractionError as e:
        conn.send(("error", type(e).__name__, str(e)))
    except BaseException as e:  # noqa: BLE001 - reported to the parent as unreadable
        conn.send(("error", "UnreadableDocument", f"{name}: {type(e).__name__}: {e}"))
    finally:
        conn.close()


def read_limited(reader: ModuleType, data: bytes, name: str, settings: Settings = DEFAULT,
                 start_method: str | None = None) -> RawDocument:
    """`reader.extract(data, name, settings=settings)` in a child process (see the module
    docstring). On Linux the child is forked (~15 ms; it starts with the libraries
    imported). `start_method` ("forkserver", "spawn") trades ~100-200 ms a document for a
    child that never shares the caller's state; those need an importable `__main__`."""
    methods = multiprocessing.get_all_start_methods()
    method = start_method or ("fork" if "fork" in methods else "spawn")
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload([reader.__name__])
    timeout_s, memory_mb = settings.timeout_s, settings.memory_mb
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, reader.__name__, data, name, settings), daemon=True)
    with getattr(reader, "FORK_LOCK", None) or contextlib.nullcontext():
        proc.start()
    send.close()
    try:
        if not recv.poll(timeout_s):
            raise DocumentTooLarge(f"{name}: reading took longer than the {timeout_s:g} s time limit")
        try:
            msg = recv.recv()
        except EOFError:
            proc.join(JOIN_S)
            code = proc.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            raise DocumentTooLarge(
                f"{name}: the reader process died ({how}) without an answer, most likely at the "
                f"{memory_mb} MB memory cap (or the {timeout_s:g} s CPU backstop)") from None
    finally:
        recv.close()
        if proc.is_alive():
            proc.kill()
        proc.join(JOIN_S)
    if msg[0] == "ok":
        return msg[1]
    _kind, cls_name, text = msg
    raise _ERRORS.get(cls_name, UnreadableDocument)(text)
