"""The dataset folder's layout: immutable segment files, one catalogue per version, and
one pointer to the current version.

Locally (a folder):

    out/
      reports.parquet  -> _current/reports.parquet    (relative symbolic links: where
      values.parquet   -> _current/values.parquet      researchers read, one call in
      findings.parquet -> _current/findings.parquet    pandas, polars, DuckDB, pyarrow)
      _current -> _versions/000124                     (the pointer)
      _versions/000124/  _manifest.json (the catalogue) and the three table folders, whose
                         files are hard links to the segment files of this version
      _versions/000123/  an earlier version, readable until it is cleaned up
      _data/             every segment file of every kept version (written once, never
                         changed) and the parts of the file index (_data/_files/)
      .ogi.lock, .staging/                             (the writer's)

On object storage (`s3://bucket/prefix`): `_data/` as above and `_catalog/000124.json`,
the catalogues; the current version is the highest-numbered one. Object stores have no
links, so readers open the files the catalogue lists (`extractors.dataset.query.files`).

A commit writes its new segment files, then the new version's catalogue (locally: the
version folder, its links and `_manifest.json`, fsynced), and publishes it in one atomic
step: locally by replacing `_current` with one rename, on object storage by creating
`_catalog/<n>.json` with a conditional put that only one writer can win. Before that step
nothing a reader can reach has changed; after it the new version is complete. Whenever a
writer is stopped, `kill -9` included, readers see the previous version or the new one,
and the next writer deletes what the killed one left unpublished.

A reader that must not straddle a commit made while it reads resolves the pointer once
(`snapshot`, `current`): every file of a version stays until that version is cleaned up
(`vacuum`; a commit keeps the `RETAIN_VERSIONS` newest ones).

Folders written by earlier layouts (three plain files, possibly with the old commit
journal `_commit.json` of a killed run; or version folders holding three plain files) are
moved into this layout by their next writer (`legacy_folder`, then the store rewrites
them as segments).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from extractors.dataset.catalog import DATA, FOLDERS, TABLE_NAMES, Manifest
from extractors.dataset.steps import step
from extractors.dataset.storage import Storage

TABLES = tuple(FOLDERS[t] for t in TABLE_NAMES)  # the names readers open
VERSIONS = "_versions"
CURRENT = "_current"
CATALOG = "_catalog"
MANIFEST = "_manifest.json"
LEGACY_JOURNAL = "_commit.json"  # the journal of renames of the layout before versions
# Digits of a version's number in names (sorted as text and as numbers alike up to a million commits).
VERSION_DIGITS = 6
# Versions a commit keeps readable (the current one included): a month of nightly commits,
# so a researcher can cite the version they used; `ogi vacuum --keep N` cleans up sooner.
RETAIN_VERSIONS = 30


def _name(n: int) -> str:
    return f"{n:0{VERSION_DIGITS}d}"


def _number(name: str) -> int | None:
    stem = name.removesuffix(".json")
    return int(stem) if stem.isdigit() else None


# ---- reading --------------------------------------------------------------------------
def snapshot(out: Path) -> Path | None:
    """The local folder holding one complete version of the dataset at `out`, resolved
    once (`_versions/<n>`, or `out` itself for a folder of the oldest layout); None when
    there is no dataset."""
    out = Path(out)
    pointer = out / CURRENT
    if pointer.is_symlink():
        target = pointer.parent / os.readlink(pointer)
        return target if (target / TABLES[0]).exists() else None
    return out if (out / TABLES[0]).exists() else None


def current_number(storage: Storage) -> int | None:
    if storage.local:
        pointer = storage.root / CURRENT
        return _number(Path(os.readlink(pointer)).name) if pointer.is_symlink() else None
    numbers = [n for name in storage.listdir(CATALOG) if (n := _number(name)) is not None]
    return max(numbers, default=None)


def read_manifest(storage: Storage, n: int) -> Manifest | None:
    rel = f"{VERSIONS}/{_name(n)}/{MANIFEST}" if storage.local else f"{CATALOG}/{_name(n)}.json"
    try:
        return Manifest.from_json(storage.read_bytes(rel))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def current(storage: Storage) -> Manifest | None:
    """The catalogue of the current version (None: no dataset, or one of an earlier layout)."""
    n = current_number(storage)
    return None if n is None else read_manifest(storage, n)


def published(storage: Storage) -> list[int]:
    """Numbers of the versions readers can open, oldest first."""
    if not storage.local:
        return sorted(n for name in storage.listdir(CATALOG) if (n := _number(name)) is not None)
    cur = current_number(storage)
    return [n for n in _folders(storage.root) if cur is not None and n <= cur
            and (storage.root / VERSIONS / _name(n) / MANIFEST).exists()]


def _folders(out: Path) -> list[int]:
    folder = out / VERSIONS
    if not folder.is_dir():
        return []
    return sorted(n for p in folder.iterdir() if (n := _number(p.name)) is not None)


def legacy_folder(out: Path) -> Path | None:
    """The folder holding the three plain files of an earlier layout, if `out` has one as
    its current dataset (journal of a killed old-layout commit replayed first)."""
    out = Path(out)
    _replay_legacy_journal(out)
    folder = snapshot(out)
    if folder is None or (folder / MANIFEST).exists():
        return None
    return folder if (folder / TABLES[0]).is_file() else None


# ---- writing --------------------------------------------------------------------------
def next_number(storage: Storage) -> int:
    existing = _folders(storage.root) if storage.local else published(storage)
    return max([*existing, current_number(storage) or 0]) + 1


def publish(storage: Storage, manifest: Manifest) -> bool:
    """Make `manifest` (its segment files written) the current version in one atomic step.
    False when another writer published that version number first (object storage)."""
    if not storage.local:
        return storage.create_exclusive(f"{CATALOG}/{_name(manifest.version)}.json", manifest.to_json())
    out = storage.root
    folder = out / VERSIONS / _name(manifest.version)
    folder.mkdir(parents=True)
    step(f"mkdir {folder.name}")
    for table in TABLE_NAMES:
        (folder / FOLDERS[table]).mkdir()
        for seg in manifest.segments:
            dst = folder / seg.file(table)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.link(out / seg.data_file(table), dst)
            step(f"link {seg.file(table)}")
    with open(folder / MANIFEST, "wb") as f:
        f.write(manifest.to_json())
        f.flush()
        os.fsync(f.fileno())
    step(f"write {MANIFEST}")
    _fsync_tree(folder)
    for d in sorted(storage.written_dirs, key=lambda p: -len(p.parts)):  # the new files' folders, deepest first
        fsync_path(d)
    storage.written_dirs.clear()
    fsync_path(folder.parent)
    _link_tables(out, only_missing=True)
    _symlink_atomically(f"{VERSIONS}/{folder.name}", out / CURRENT)
    step("switch _current")
    _link_tables(out, only_missing=False)
    fsync_path(out)
    return True


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """fsync every folder under `folder`, itself included (the files were fsynced as they
    were written)."""
    if not folder.is_dir():
        return
    for dirpath, _dirs, _files in os.walk(folder):
        fsync_path(Path(dirpath))


def _symlink_atomically(target: str, link: Path) -> None:
    """Make `link` a symbolic link to `target`, replacing whatever is there in one rename."""
    tmp = link.with_name(f"{link.name}.new-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _link_tables(out: Path, only_missing: bool) -> None:
    """Point each top-level table name at `_current/<name>` (names that exist in no form
    at all only, or every name that is not that link yet: a plain file of an earlier
    layout is replaced once the pointer shows the same rows)."""
    for name in TABLES:
        link = out / name
        if link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}":
            continue
        if only_missing and (link.is_symlink() or link.exists()):
            continue
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        _symlink_atomically(f"{CURRENT}/{name}", link)
        step(f"link top-level {name}")


# ---- cleaning up ----------------------------------------------------------------------
def recover(storage: Storage) -> None:
    """Before writing (under the lock): drop what a killed commit left unpublished: version
    folders past the pointer, temporary links, segment files no version names."""
    if not storage.local:
        return  # object storage: unpublished files go with `vacuum` (writers there take no lock)
    out = storage.root
    _replay_legacy_journal(out)
    for stray in [*out.glob("*.tmp"), *out.glob("*.new-*")]:
        if not stray.name.startswith(".ogi.lock"):
            stray.unlink()
    cur = current_number(storage)
    for n in _folders(out):
        if cur is None or n > cur or not (out / VERSIONS / _name(n) / MANIFEST).exists() and n != cur:
            shutil.rmtree(out / VERSIONS / _name(n), ignore_errors=True)
    if (out / DATA).is_dir():
        _collect_garbage(storage)


def _collect_garbage(storage: Storage) -> None:
    """Delete the data files no kept version names."""
    keep: set[str] = set()
    for n in published(storage):
        m = read_manifest(storage, n)
        if m is not None:
            keep |= m.all_files()
    storage.delete([f for f in storage.walk_files(DATA) if f not in keep])


def vacuum(storage: Storage, keep: int = RETAIN_VERSIONS) -> list[int]:
    """Keep the `keep` newest versions (the current one always), delete the others and
    every data file only they used; the numbers of the versions deleted."""
    versions = published(storage)
    drop = versions[:-max(1, keep)] if len(versions) > max(1, keep) else []
    for n in drop:
        if storage.local:
            shutil.rmtree(storage.root / VERSIONS / _name(n))
            step(f"delete version {_name(n)}")
        else:
            storage.delete([f"{CATALOG}/{_name(n)}.json"])
    if drop or not storage.local:
        _collect_garbage(storage)
    return drop


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
