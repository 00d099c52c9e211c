"""Which files under an input path are documents to extract, and how their names are shown.

A folder is walked recursively in sorted order, skipping our own outputs, OS debris,
hidden files and ground-truth files; a single file is its own folder's only member.
Everything not taken is counted with the reason (`Discovery.skipped`), and nothing is
ever opened here: a FIFO, a socket or a symbolic link that loops cannot make the walk
block or recurse. Symbolic links to folders are not followed.

File names come as the operating system gives them: bytes, which Python shows as text
with the undecodable bytes escaped as lone surrogates (a zip unpacked from Chinese
Windows keeps its GBK names). `source_name` turns a name into valid UTF-8 for the dataset
and says how; `printable` escapes what must not reach a terminal raw. `open_regular` and
`file_sha256` read a document safely: regular files only, never blocking, streamed.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# Files that are never reports (our own outputs, OS debris, ground-truth files).
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini",
                 # the documentation beside a folder of reports (Markdown reports are read: .md)
                 "README.md", "readme.md", "README.markdown"}
IGNORED_SUFFIXES = {".parquet", ".jsonl", ".json", ".yaml", ".yml", ".tmp", ".lock"}
# The encoding tried for a name that is not UTF-8: GB18030 is the superset of GBK and
# GB2312, what Chinese Windows writes into zip files and onto FAT/NTFS volumes.
LEGACY_NAME_ENCODING = "gb18030"
# Reasons a path under INPUT is not extracted (the keys of the run summary's "skipped" line).
HIDDEN, IGNORED, LOOP, LINKED_FOLDER, UNREADABLE = (
    "hidden", "not a report by its name", "symlink loop", "symlink to a folder (not followed)", "unreadable")
# Entries that are not regular files, by their type.
SPECIAL = {stat.S_IFIFO: "FIFO", stat.S_IFSOCK: "socket", stat.S_IFCHR: "device", stat.S_IFBLK: "device"}
# Bytes read at a time when hashing an input file (1 MiB: flat memory, fast I/O).
HASH_CHUNK = 1 << 20
# Bidirectional-text controls: they reorder what a terminal shows, so a name can look
# like another (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069).
BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


@dataclass
class Discovery:
    """What an input path holds: the documents, and every other entry with why it is skipped."""

    root: Path
    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name relative to root, reason)


def scan(input_path: Path) -> Discovery:
    """The documents under `input_path` (sorted) and the entries skipped, with reasons."""
    input_path = Path(input_path)
    kind = _kind(input_path)
    if kind != "folder":
        found = Discovery(input_path.parent)
        if kind == "file":
            found.files.append(input_path)
        else:
            found.skipped.append((source_name(input_path, input_path.parent)[0], kind))
        return found
    found = Discovery(input_path)
    _walk(input_path, found)
    found.files.sort()
    found.skipped.sort()
    return found


def discover(input_path: Path) -> tuple[Path, list[Path]]:
    """(root, files): a single file is its own root's only member; folders are walked sorted."""
    found = scan(input_path)
    return found.root, found.files


def _walk(folder: Path, found: Discovery) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        found.skipped.append((source_name(folder, found.root)[0], f"{UNREADABLE}: {exc.strerror}"))
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith(".") or entry.name in IGNORED_NAMES:
            found.skipped.append((source_name(path, found.root)[0], HIDDEN))
            continue
        kind = _kind(path)
        if kind == "folder":
            _walk(path, found)
        elif kind != "file":
            found.skipped.append((source_name(path, found.root)[0], kind))
        elif path.suffix.lower() in IGNORED_SUFFIXES:
            found.skipped.append((source_name(path, found.root)[0], IGNORED))
        else:
            found.files.append(path)


def _kind(path: Path) -> str:
    """'file', 'folder' (a real one, not a link), or the reason the entry is skipped."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return LOOP if exc.errno == errno.ELOOP else f"{UNREADABLE}: {exc.strerror}"
    if stat.S_ISDIR(st.st_mode):
        return LINKED_FOLDER if path.is_symlink() else "folder"
    if stat.S_ISREG(st.st_mode):
        return "file"
    return SPECIAL.get(stat.S_IFMT(st.st_mode), "special file")


def only(files: list[Path], paths: Iterable[str | Path] | None) -> list[Path]:
    """The `files` that are among `paths` (compared resolved); all of them when `paths` is None."""
    if paths is None:
        return files
    wanted = {Path(p).resolve() for p in paths}
    return [f for f in files if f.resolve() in wanted]


# ---------------------------------------------------------------- reading


def open_regular(path: Path) -> int:
    """A read-only descriptor on `path`, which must be a regular file (OSError otherwise).
    Opened non-blocking, so a FIFO or a device fails at once instead of waiting."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return fd


def file_sha256(path: Path) -> str:
    """The sha256 of the file's bytes, read HASH_CHUNK at a time."""
    h = hashlib.sha256()
    with os.fdopen(open_regular(path), "rb", buffering=0) as f:
        while chunk := f.read(HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- names


def source_name(path: Path, root: Path | None = None) -> tuple[str, str | None]:
    """`path` relative to `root` (POSIX; the bare name without a root) as valid UTF-8 text,
    and None, or how it was re-decoded when the name's bytes are not UTF-8:
    'gb18030' (every part decoded strictly as GB18030) or 'escaped' (bytes that decode
    neither way are written as the text `\\xNN`)."""
    path = Path(path)
    rel = path.name if root is None or path == root else path.relative_to(root).as_posix()
    return readable_name(rel)


def readable_name(name: str) -> tuple[str, str | None]:
    """`name` (as Python decodes a file name) as valid UTF-8, and how (see `source_name`)."""
    try:
        name.encode("utf-8")
        return name, None
    except UnicodeEncodeError:
        pass
    parts, how = [], "gb18030"
    for part in name.split("/"):
        raw = os.fsencode(part)
        try:
            parts.append(raw.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        try:
            text = raw.decode(LEGACY_NAME_ENCODING)
            if any(unicodedata.category(ch) == "Co" for ch in text):
                raise UnicodeDecodeError(LEGACY_NAME_ENCODING, raw, 0, len(raw), "private-use character")
            parts.append(text)
        except UnicodeDecodeError:
            parts.append(raw.decode("utf-8", "backslashreplace"))
            how = "escaped"
    return "/".join(parts), how


def printable(text: object) -> str:
    """`text` safe for a terminal line: control characters (the escape character of colour
    and cursor codes, newlines, C1 controls), bidirectional overrides and lone surrogates
    are written as Python escapes (`\\x1b`, `\\u202e`); everything else, Chinese included,
    is kept."""
    text = str(text)
    if text.isprintable() and not any(ord(ch) in BIDI_CONTROLS for ch in text):
        return text
    return "".join(_escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code not in BIDI_CONTROLS and unicodedata.category(ch) not in ("Cc", "Cs", "Zl", "Zp"):
        return ch
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
