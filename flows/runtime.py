"""Where and how the flows run: Prefect's environment, the task runner, the local worker
pool and the sizing of batches for it or for a Dask cluster.

Importing this module does not import Prefect: `prefect_env()` must set PREFECT_HOME and
the logging set-up first (Prefect reads its settings once, at import), so every Prefect
import here is inside a function. Prefect's own logging (and any library's warnings) goes
to a log file in PREFECT_HOME (`log_file()`), never to the console: the CLI prints one
line and names that file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

# Below this many documents to extract, one process beats several: forking the workers is
# cheap, but a small run finishes before they pay back (a .txt report takes ~10 ms).
PARALLEL_MIN_DOCS = 50
# Batches per local worker process at least, so uneven documents still balance.
LOCAL_BATCHES_PER_WORKER = 4
# Batches per Dask worker: enough to balance uneven documents, few enough to keep the per-task
# cost small (the 1,000-document benchmark ran 1.44x faster on 2 workers than 1 with 50-document batches).
DASK_BATCHES_PER_WORKER = 4
# Where Prefect's log goes, inside PREFECT_HOME, and the logging configuration that sends it
# there. 5 MB, one old file kept: a run logs a few kB, so this holds hundreds of runs.
LOG_NAME = "ogi.log"
LOGGING_CONFIG_NAME = "ogi-logging.yml"
LOG_MAX_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 1
# Seconds to wait for a Dask scheduler's TCP port to answer before the run starts: a
# scheduler on the same network answers in milliseconds; 5 s allows a slow VPN.
DASK_CONNECT_TIMEOUT_S = 5.0
# Schemes of dask.distributed addresses that name a host and port.
DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
# A Dask scheduler speaks first on a tcp:// connection: a msgpack handshake naming its
# settings, "compression" among the first keys (seen from distributed 2026.8.0: 58 bytes).
DASK_GREETING = b"compression"
DASK_GREETING_BYTES = 512


# ---------------------------------------------------------------- Prefect


def prefect_env() -> None:
    """Run Prefect in its embedded mode, quietly, with a project-local home and its log in
    a file there (unless PREFECT_LOGGING_SETTINGS_PATH names a configuration of your own)."""
    home = Path(os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect")))
    if "PREFECT_LOGGING_SETTINGS_PATH" not in os.environ:
        os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(_write_logging_config(home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect's client telemetry (its SDK analytics) off as well: nothing leaves the machine,
    # and an offline machine spends nothing trying (set DO_NOT_TRACK=0 to allow it).
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "CRITICAL")
    # The first run in a new PREFECT_HOME migrates a fresh database (~20 s on a busy 2-core
    # machine, Prefect's default limit): give the temporary server time to come up.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # a local Dask cluster's chatter


def log_file() -> Path | None:
    """The file Prefect's log goes to, once `prefect_env()` has set it up (None before, or
    when you configured Prefect's logging yourself)."""
    config = os.environ.get("PREFECT_LOGGING_SETTINGS_PATH")
    if not config or Path(config).name != LOGGING_CONFIG_NAME:
        return None
    return Path(config).parent / LOG_NAME


# Prefect's logging configuration with every console handler replaced by the log file:
# the same loggers and levels as Prefect's default (its `${...}` settings included), run
# logs still sent to the API for the UI.
_LOGGING_CONFIG = """\
version: 1
disable_existing_loggers: False
formatters:
  standard:
    (): prefect.logging.formatters.PrefectFormatter
    format: "%(asctime)s.%(msecs)03d | %(levelname)-7s | %(process)d | %(name)s - %(message)s"
    flow_run_fmt: "%(asctime)s.%(msecs)03d | %(levelname)-7s | Flow run %(flow_run_name)r - %(message)s"
    task_run_fmt: "%(asctime)s.%(msecs)03d | %(levelname)-7s | Task run %(task_run_name)r - %(message)s"
    datefmt: "%Y-%m-%d %H:%M:%S"
handlers:
  file:
    level: 0
    class: logging.handlers.RotatingFileHandler
    formatter: standard
    filename: {log}
    maxBytes: {max_bytes}
    backupCount: {backups}
    encoding: utf-8
  api:
    level: 0
    class: prefect.logging.handlers.APILogHandler
  worker_api:
    level: 0
    class: prefect.logging.handlers.WorkerAPILogHandler
loggers:
  prefect:
    level: "${{PREFECT_LOGGING_LEVEL}}"
  prefect.extra:
    level: "${{PREFECT_LOGGING_LEVEL}}"
    handlers: [api]
    propagate: false
  prefect.flow_runs:
    level: NOTSET
    handlers: [api]
  prefect.task_runs:
    level: NOTSET
    handlers: [api]
  prefect.workers:
    level: NOTSET
    handlers: [worker_api]
  prefect.server:
    level: "${{PREFECT_SERVER_LOGGING_LEVEL}}"
  prefect.client:
    level: "${{PREFECT_LOGGING_LEVEL}}"
  prefect._internal:
    level: "${{PREFECT_INTERNAL_LOGGING_LEVEL}}"
    propagate: false
    handlers: [file]
  uvicorn:
    level: "${{PREFECT_SERVER_LOGGING_LEVEL}}"
    handlers: [file]
    propagate: false
  fastapi:
    level: "${{PREFECT_SERVER_LOGGING_LEVEL}}"
    handlers: [file]
    propagate: false
root:
  level: WARNING
  handlers: [file]
"""


def _write_logging_config(home: Path) -> Path:
    """Write the logging configuration that sends Prefect's log to `home/LOG_NAME`."""
    home.mkdir(parents=True, exist_ok=True)
    log = str((home / LOG_NAME).resolve())
    quoted = '"' + log.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$") + '"'
    config = home / LOGGING_CONFIG_NAME
    text = _LOGGING_CONFIG.format(log=quoted, max_bytes=LOG_MAX_BYTES, backups=LOG_BACKUPS)
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        tmp = config.with_name(f"{config.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, config)
    return config


@contextlib.contextmanager
def quiet_shutdown():
    """Prefect's temporary server may print tracebacks while it stops; keep them off the console."""
    yield
    logging.disable(logging.CRITICAL)


# Prefect's settings that ask for flow-run heartbeats (its own, and the legacy name).
HEARTBEAT_SETTINGS = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")


def no_heartbeats():
    """A flow run from the command line without Prefect's heartbeat thread, unless you ask for
    one (HEARTBEAT_SETTINGS). The thread sleeps in one-second steps and is joined when the flow
    ends: every run waited up to a second for it (measured 0.72 s of a 3.8 s run against a
    running server), to tell a server that a run of a few seconds is alive."""
    if any(name in os.environ for name in HEARTBEAT_SETTINGS):
        return contextlib.nullcontext()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def api_url() -> str | None:
    """The configured Prefect API (env or profile); None means Prefect's temporary server."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def shared_api_settings():
    """In embedded mode the flow's temporary Prefect server has no configured URL, so each Dask
    worker would start a server of its own (~10 s a worker). Put the running server's URL in the
    settings the task runner ships with every task, so workers report to the flow's server."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    if get_current_settings().api.url:
        return contextlib.nullcontext()
    with get_client(sync_client=True) as client:
        url = str(client.api_url).rstrip("/")
    return temporary_settings({PREFECT_API_URL: url})


# ---------------------------------------------------------------- task runners


def dask_address_problem(address: str, timeout: float = DASK_CONNECT_TIMEOUT_S) -> str | None:
    """What is wrong with a `--dask-address`, if anything: its form (SCHEME://HOST:PORT or
    HOST:PORT), no server answering there within `timeout` seconds, or (tcp://) a server
    that does not greet like a Dask scheduler (distributed's own client would wait for it
    without limit)."""
    what = f"--dask-address {address!r}"
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in DASK_SCHEMES or not parts.hostname or port is None or parts.path not in ("", "/"):
        return f"{what} is not a scheduler address; give tcp://HOST:PORT (e.g. tcp://127.0.0.1:8786)"
    where = f"{parts.hostname}:{port}"
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout) as conn:
            greeting = _greeting(conn) if parts.scheme == "tcp" else DASK_GREETING
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        return f"{what}: no Dask scheduler answers at {where} ({reason}); start one (`dask scheduler`) or check the address"
    if DASK_GREETING not in greeting:
        return (f"{what}: the server at {where} is not a Dask scheduler (no Dask greeting within {timeout:g} s); "
                "check the address")
    return None


def _greeting(conn: socket.socket) -> bytes:
    """What a server sends first, up to DASK_GREETING_BYTES or until it pauses (timeout)."""
    data = b""
    try:
        while len(data) < DASK_GREETING_BYTES and DASK_GREETING not in data:
            chunk = conn.recv(DASK_GREETING_BYTES)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pass
    return data


def default_workers() -> int:
    return os.cpu_count() or 1


def task_runner(dask_address: str | None = None, dask_workers: int | None = None, workers: int | None = None):
    """The Prefect task runner: Dask (an existing cluster, or a local one of `dask_workers`
    processes), else threads that keep `workers` batches in flight (the CPU work of each
    batch then runs in a local worker process, see `flows.extract.extract_flow`)."""
    if dask_address or dask_workers:
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=max(1, workers or default_workers()))


def is_dask(runner) -> bool:
    """Whether `runner` is prefect-dask's DaskTaskRunner (checked by name: no import)."""
    return type(runner).__name__ == "DaskTaskRunner"


def dask_workers(runner) -> int:
    """Workers of the run's Dask cluster: the local cluster's size, else what the scheduler knows."""
    n = (getattr(runner, "cluster_kwargs", None) or {}).get("n_workers")
    if n:
        return int(n)
    try:
        return max(1, len(runner.client.scheduler_info()["workers"]))
    except Exception:  # an older prefect-dask or a cluster still starting: assume one
        return 1


class Execution(NamedTuple):
    """How one extraction run spreads its documents."""

    dask: bool  # the tasks run on a Dask cluster
    local_workers: int  # worker processes to fork on this machine (0: none)
    batch_size: int


def plan_execution(runner, todo: int, batch_size: int, processes: int | None) -> Execution:
    """Local worker processes when there is enough work (batches shrunk to at least
    LOCAL_BATCHES_PER_WORKER a worker); on Dask, batches grown to about
    DASK_BATCHES_PER_WORKER a worker, since each task pays Prefect's task engine there."""
    dask = is_dask(runner)
    n_proc = processes if processes is not None else default_workers()
    if not dask and n_proc > 1 and todo >= PARALLEL_MIN_DOCS:
        size = min(batch_size, max(1, -(-todo // (LOCAL_BATCHES_PER_WORKER * n_proc))))
        return Execution(False, n_proc, size)
    if dask:
        # Each task on a Dask worker pays Prefect's task engine (~0.1-0.5 s): aim at about
        # DASK_BATCHES_PER_WORKER batches per worker instead of many small ones.
        size = max(batch_size, -(-todo // (DASK_BATCHES_PER_WORKER * dask_workers(runner))))
        return Execution(True, 0, size)
    return Execution(False, 0, batch_size)


# ---------------------------------------------------------------- local worker pool


def warm_worker() -> None:
    """Build per-process state once, before the pool's workers fork: the matcher's indexes,
    jieba's dictionary, OpenCC (`extractors.pipeline.warm_words`)."""
    from extractors.pipeline import warm_words

    warm_words()


def _noop(_):
    return os.getpid()


def _pool_worker_init(parent_pid: int) -> None:
    """In each forked pool worker: die with the run (`extractors.sandbox.die_with_parent`),
    so a killed run leaves no worker holding the dataset lock."""
    from extractors.sandbox import die_with_parent

    die_with_parent(parent_pid)


class LocalPool:
    """Worker processes forked once per run, after the parent has built the matcher and
    loaded jieba, so each worker starts warm in milliseconds (copy-on-write). Prefect's own
    process runner spawns fresh interpreters that re-import everything (seconds each), which
    cost more than it saved on these ~10 ms documents (benchmarks/RESULTS.md). The workers
    die with the parent, even when it is killed (SIGKILL): Linux's parent-death signal."""

    def __init__(self, workers: int):
        import gc
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        warm_worker()
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_pool_worker_init, initargs=(os.getpid(),))
        # Start every worker now, before any task thread exists that could hold a lock at fork time;
        # with the parent's objects frozen, the workers' collectors leave them (and their pages) alone.
        gc.freeze()
        try:
            list(self.executor.map(_noop, range(workers)))
        finally:
            gc.unfreeze()

    def run(self, fn, *args):
        return self.executor.submit(fn, *args).result()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


_POOL: LocalPool | None = None  # the running flow's pool, used by its task threads


@contextlib.contextmanager
def local_pool(workers: int):
    """Fork `workers` warm worker processes for the run (none when `workers` is 0)."""
    global _POOL
    if not workers:
        yield None
        return
    _POOL = LocalPool(workers)
    try:
        yield _POOL
    finally:
        _POOL.close()
        _POOL = None


def run_in_pool(fn, *args):
    """`fn(*args)` in the run's local worker pool when one is open, else right here."""
    if _POOL is not None:
        return _POOL.run(fn, *args)
    return fn(*args)
