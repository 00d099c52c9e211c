"""Which files under an input path are documents to extract.

A folder is walked recursively in sorted order, skipping our own outputs, OS debris,
hidden files and ground-truth files; a single file is its own folder's only member.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

# Files that are never reports (our own outputs, OS debris, ground-truth files).
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
IGNORED_SUFFIXES = {".parquet", ".jsonl", ".json", ".yaml", ".yml", ".md", ".tmp", ".lock"}


def discover(input_path: Path) -> tuple[Path, list[Path]]:
    """(root, files): a single file is its own root's only member; folders are walked sorted."""
    input_path = Path(input_path)
    if input_path.is_file():
        return input_path.parent, [input_path]
    files = sorted(
        p for p in input_path.rglob("*")
        if p.is_file() and p.name not in IGNORED_NAMES and not p.name.startswith(".")
        and p.suffix.lower() not in IGNORED_SUFFIXES
    )
    return input_path, files


def only(files: list[Path], paths: Iterable[str | Path] | None) -> list[Path]:
    """The `files` that are among `paths` (compared resolved); all of them when `paths` is None."""
    if paths is None:
        return files
    wanted = {Path(p).resolve() for p in paths}
    return [f for f in files if f.resolve() in wanted]
