"""The dataset's writer lock: one ogi run writes an output folder at a time.

The lock is an advisory `flock` on `.ogi.lock` in the output folder, so the kernel drops
it when its holder dies, however it dies (`kill -9` included). The file names the holder
(`pid N on HOST`) for the message a refused run prints; flock alone decides who holds it.

Two things keep a dead run from leaving the folder locked:

* the lock's descriptor never outlives its process in a child: it is opened close-on-exec
  (programs the run starts never get it) and closed in every forked child
  (`os.register_at_fork`), since forked workers, whose parent may die before them, would
  otherwise keep the lock held;
* a lock still held after the process it names has died (held by an orphan that got the
  descriptor some other way, e.g. from an older ogi) is taken over: under a second,
  short-lived lock (`.ogi.lock.takeover`) a fresh lock file replaces the stale one
  atomically, and flock on the new file decides as always. The orphan keeps a lock on a
  file nobody looks at any more. A holder on another host is never taken over.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import socket
from pathlib import Path

LOCK = ".ogi.lock"
TAKEOVER = ".ogi.lock.takeover"
# Attempts to take the lock: each either takes it, is refused, or retries once after the
# lock file was replaced under it (a takeover by another run). 5 is more than two racing
# takeovers can need.
ATTEMPTS = 5
# How the holder names itself in the lock file.
HOLDER = re.compile(r"pid (\d+)(?: on (\S+))?")

_HELD: set[int] = set()  # descriptors of locks held by this process (closed in forked children)


def _close_in_child() -> None:
    """In a forked child: close the parent's lock descriptors (closing, not unlocking: the
    lock stays the parent's, and dies with it)."""
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


os.register_at_fork(after_in_child=_close_in_child)


class DatasetLocked(RuntimeError):
    """Another ogi run is writing to the same output folder."""


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def _try_flock(fd: int, blocking: bool = False) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise


def _same_file(fd: int, path: Path) -> bool:
    """Whether `path` still names the file open at `fd` (a takeover replaces it)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    here = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (here.st_dev, here.st_ino)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class WriterLock:
    """The lock on one output folder (`acquire`, `release`)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK
        self.fd: int | None = None
        self.owner: int | None = None  # the pid that took it (a forked child never releases it)
        self.took_over_from: str | None = None  # the dead holder a takeover replaced

    def acquire(self) -> None:
        """Take the lock or raise DatasetLocked naming the holder."""
        for _ in range(ATTEMPTS):
            fd = _open(self.path)
            if _try_flock(fd):
                if _same_file(fd, self.path):
                    self._hold(fd)
                    return
                os.close(fd)  # replaced by a takeover between open and flock: lock the new file
                continue
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            stale = os.fstat(fd).st_ino
            os.close(fd)
            if not self._dead(holder):
                raise DatasetLocked(f"{self.folder} is being written by another ogi run "
                                    f"({holder or 'another process'}); wait for it to finish")
            self._take_over(stale, holder)
        raise DatasetLocked(f"{self.folder}: could not take the lock {self.path} after {ATTEMPTS} attempts; "
                            "another run keeps replacing it")

    def release(self) -> None:
        """Unlock and close (in the process that took the lock; in a forked child, whose
        copy of the descriptor is already closed, only forget it)."""
        if self.fd is not None and self.owner != os.getpid():
            self.fd = None
        if self.fd is not None:
            _HELD.discard(self.fd)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def _hold(self, fd: int) -> None:
        _HELD.add(fd)
        self.fd, self.owner = fd, os.getpid()
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)

    @staticmethod
    def _dead(holder: str) -> bool:
        """Whether the holder named in the lock file is a process of this host that is gone."""
        m = HOLDER.fullmatch(holder)
        if not m:
            return False
        host = m.group(2)
        return (host is None or host == socket.gethostname()) and not _alive(int(m.group(1)))

    def _take_over(self, stale_ino: int, holder: str) -> None:
        """Replace the lock file whose holder is dead, unless another run already did."""
        guard = _open(self.folder / TAKEOVER)
        _HELD.add(guard)
        try:
            _try_flock(guard, blocking=True)  # held for a few system calls at most
            fd = _open(self.path)
            try:
                if os.fstat(fd).st_ino != stale_ino or _try_flock(fd):
                    return  # replaced already, or released meanwhile: the next attempt takes it
            finally:
                os.close(fd)
            fresh = self.folder / f"{LOCK}.new-{os.getpid()}"
            os.close(_open(fresh))
            os.replace(fresh, self.path)
            self.took_over_from = holder
        finally:
            _HELD.discard(guard)
            os.close(guard)
