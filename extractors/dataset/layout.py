"""The dataset folder's layout: complete versions, and one pointer to the current one.

    out/
      reports.parquet  -> _current/reports.parquet     (relative symbolic links: where
      values.parquet   -> _current/values.parquet       researchers read, unchanged for
      findings.parquet -> _current/findings.parquet     pandas, polars, DuckDB, pyarrow)
      _current -> _versions/000007                      (the pointer)
      _versions/000006/  the previous version, kept until the next commit succeeds
      _versions/000007/  reports, values, findings .parquet and _files.parquet
      .ogi.lock, .staging/                              (the writer's)

A commit writes a new version folder (tables it does not change are hard links to the
previous version's files), fsyncs it, and then replaces `_current` with one atomic
rename. A reader therefore finds the three tables of one version, whenever the writer is
stopped, `kill -9` included; there is nothing to repair afterwards. Folders a killed
commit left half-written are never pointed to; the next writer deletes them.

A reader that must not straddle a commit made while it reads (a writer running
concurrently) resolves `_current` once and reads the three files from that folder
(`snapshot`); `extractors.dataset.query` does.

A folder written by the layout before this one (three plain files, possibly with the
old commit journal `_commit.json` of a killed run) is migrated by its next writer: the
journal is replayed, the files are hard-linked into a first version folder, and each
plain file is replaced by its link, which shows the same bytes, so readers see no change.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

TABLES = ("reports.parquet", "values.parquet", "findings.parquet")
VERSIONS = "_versions"
CURRENT = "_current"
LEGACY_JOURNAL = "_commit.json"  # the journal of renames of the layout before versions
# Digits of a version folder's name (sorted as text and as numbers alike up to a million commits).
VERSION_DIGITS = 6


def snapshot(out: Path) -> Path | None:
    """The folder holding one complete version of the dataset at `out`, resolved once:
    `_versions/<n>`, or `out` itself for a folder of the old layout; None when there is no
    dataset."""
    out = Path(out)
    pointer = out / CURRENT
    if pointer.is_symlink():
        target = pointer.parent / os.readlink(pointer)
        return target if (target / TABLES[0]).exists() else None
    return out if (out / TABLES[0]).exists() else None


def _number(name: str) -> int | None:
    return int(name) if name.isdigit() else None


def _versions(out: Path) -> list[tuple[int, Path]]:
    folder = out / VERSIONS
    if not folder.is_dir():
        return []
    return sorted((n, p) for p in folder.iterdir() if (n := _number(p.name)) is not None)


def current_number(out: Path) -> int | None:
    pointer = Path(out) / CURRENT
    if not pointer.is_symlink():
        return None
    return _number(Path(os.readlink(pointer)).name)


def new_version(out: Path) -> Path:
    """A new, empty version folder, numbered after every folder present."""
    existing = _versions(out)
    n = (existing[-1][0] + 1) if existing else 1
    folder = Path(out) / VERSIONS / f"{n:0{VERSION_DIGITS}d}"
    folder.mkdir(parents=True)
    return folder


def link_or_copy(src: Path, dst: Path) -> None:
    """`dst` as a hard link to `src` (free, same bytes), or a copy where links are not supported."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _symlink_atomically(target: str, link: Path) -> None:
    """Make `link` a symbolic link to `target`, replacing whatever is there in one rename."""
    tmp = link.with_name(f"{link.name}.new-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def publish(out: Path, version: Path) -> None:
    """Make `version` (complete, in `out/_versions`) the dataset: fsync it, switch the
    pointer in one rename, and drop the versions older than the one just replaced.

    The top-level names are links through the pointer. One that does not exist yet is
    made before the switch (it dangles until the pointer exists, so a first commit's three
    tables appear together); a plain file of the old layout is replaced after it (its
    link then shows the same bytes, hard-linked into the first version)."""
    out = Path(out)
    for f in version.iterdir():
        fsync_path(f)
    fsync_path(version)
    fsync_path(version.parent)
    previous = current_number(out)
    _link_tables(out, only_missing=True)
    _symlink_atomically(f"{VERSIONS}/{version.name}", out / CURRENT)
    _link_tables(out, only_missing=False)
    fsync_path(out)
    keep = {_number(version.name), previous}
    for n, folder in _versions(out):
        if n not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def _link_tables(out: Path, only_missing: bool) -> None:
    """Point each top-level table name at `_current/<name>` (names that exist in no form
    at all only, or every name that is not that link yet)."""
    for name in TABLES:
        link = out / name
        if link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}":
            continue
        if only_missing and (link.is_symlink() or link.exists()):
            continue
        _symlink_atomically(f"{CURRENT}/{name}", link)


def recover(out: Path) -> None:
    """Before writing: migrate a folder of the old layout, drop what a killed commit left
    (version folders never pointed to, versions older than the previous one, temporary
    links, old-layout temporaries)."""
    out = Path(out)
    _replay_legacy_journal(out)
    for stray in out.glob("*.tmp"):
        stray.unlink()
    for stray in out.glob("*.new-*"):
        if not stray.name.startswith(".ogi.lock"):
            stray.unlink()
    current = current_number(out)
    if current is None and (out / TABLES[0]).is_file() and not (out / TABLES[0]).is_symlink():
        _migrate(out)
        current = current_number(out)
    versions = _versions(out)
    older = [n for n, _ in versions if current is not None and n < current]
    keep = {current, max(older, default=None)}  # what a commit that finished would have kept
    for n, folder in versions:
        if n not in keep:  # a commit that never finished, or one killed before it pruned
            shutil.rmtree(folder, ignore_errors=True)


def _replay_legacy_journal(out: Path) -> None:
    """Finish the renames an old-layout commit journaled before it was killed."""
    journal = out / LEGACY_JOURNAL
    if not journal.exists():
        return
    try:
        moves = json.loads(journal.read_text(encoding="utf-8"))["moves"]
    except (ValueError, KeyError):
        moves = []  # a journal is written atomically; an unreadable one was never committed
    for tmp, final in moves:
        if (out / tmp).exists():
            os.replace(out / tmp, out / final)
    journal.unlink()


def _migrate(out: Path) -> None:
    """Old layout → versions: the three plain files become version 1 (hard links, same
    bytes), then each plain file is replaced by its link to it."""
    version = new_version(out)
    for name in TABLES:
        if (out / name).exists():
            link_or_copy(out / name, version / name)
    publish(out, version)
