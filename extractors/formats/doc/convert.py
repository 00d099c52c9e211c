"""LibreOffice headless conversion of one old document to .docx.

Every process gets its own LibreOffice profile (`-env:UserInstallation`): two soffice
processes sharing a profile wait on each other's lock or fail, and a desktop LibreOffice
of the user's must not be touched. The profile is made once per process and reused (the
first conversion in a fresh profile costs ~2 s more, measured here).
"""

from __future__ import annotations

import atexit
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from extractors.errors import DocumentTooLarge, UnreadableDocument, UnsupportedFormat

INSTALL_HINT = "LibreOffice is not installed: apt-get install libreoffice-writer-nogui"
# Time one conversion may take. A 5-page report converts in ~1.5 s on this machine with a
# warm profile (~4 s with a new one); 45 s leaves room for a long document and stays under
# the sandbox's 60 s per-document limit (extractors.settings.DEFAULT_TIMEOUT_S), so the
# worker reports the conversion's own timeout rather than being killed.
CONVERT_TIMEOUT_S = 45.0
# Address space soffice may use: its virtual size is ~1.3 GB at start (measured with
# VmPeak on a .doc conversion here), above what the sandbox lets a reader add (1 GB), so
# the child gets its own cap instead of inheriting the worker's.
SOFFICE_MEMORY_BYTES = 4 * 1024 * 1024 * 1024

_profile: dict[int, Path] = {}


def soffice() -> str | None:
    """LibreOffice's command on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def profile_dir() -> Path:
    """This process's private LibreOffice profile (a forked worker gets a new one)."""
    pid = os.getpid()
    if pid not in _profile:
        path = Path(tempfile.mkdtemp(prefix=f"ogi-lo-{pid}-"))
        _profile[pid] = path
        atexit.register(shutil.rmtree, path, True)
    return _profile[pid]


def _child_limits() -> None:  # pragma: no cover - runs in the forked child
    """In soffice's child: its own address-space cap, and dies with the worker."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (SOFFICE_MEMORY_BYTES, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ValueError, OSError):
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def to_docx(data: bytes, name: str, suffix: str, timeout_s: float = CONVERT_TIMEOUT_S) -> tuple[bytes, str]:
    """The .docx LibreOffice makes of `data` and a one-line description of the conversion.
    Raises UnsupportedFormat without LibreOffice, DocumentTooLarge over the time limit and
    UnreadableDocument when LibreOffice produces nothing."""
    exe = soffice()
    if exe is None:
        raise UnsupportedFormat(f"{name}: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="ogi-convert-") as tmp:
        src = Path(tmp) / f"in{suffix}"
        src.write_bytes(data)
        out = Path(tmp) / "out"
        cmd = [exe, f"-env:UserInstallation={profile_dir().as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(src)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=_child_limits)
        try:
            _, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise DocumentTooLarge(f"{name}: LibreOffice did not convert it within {timeout_s:g} s") from None
        docx = out / "in.docx"
        if proc.returncode != 0 or not docx.exists() or docx.stat().st_size == 0:
            msg = err.decode("utf-8", "replace").strip().splitlines()
            raise UnreadableDocument(f"{name}: LibreOffice could not convert it (exit {proc.returncode}"
                                     f"{': ' + msg[-1][:200] if msg else ''})")
        return docx.read_bytes(), "LibreOffice headless --convert-to docx"
