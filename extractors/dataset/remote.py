"""Inputs on object storage: INPUT given as a URL (`s3://bucket/raw/`), listed, identified
and read through fsspec, so Dask workers on several machines read the documents they
extract themselves, with no shared filesystem.

The rules are the local ones (`extractors.discover`): hidden names and names that are
never reports are skipped; a document's id is the sha256 of its bytes, streamed; a
document over the input cap is not read but still identified. A remote file's stamp for
the file index is its size, its modification time and a number from its ETag (the
store's content tag), so an unchanged object is recognised without being read again.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from extractors.discover import HASH_CHUNK, HIDDEN, IGNORED, IGNORED_NAMES, IGNORED_SUFFIXES
from extractors.settings import DEFAULT, Settings


def _fs(url: str):
    from extractors.dataset.storage import filesystem

    return filesystem(url)


def _scheme(url: str) -> str:
    return url.split("://", 1)[0]


def scan_url(url: str) -> tuple[str, list[str], list[tuple[str, str]]]:
    """The root URL, the document URLs under it (sorted) and the objects skipped with
    their reasons. A URL naming one object is that document."""
    fs = _fs(url)
    scheme, path = _scheme(url), url.split("://", 1)[1].rstrip("/")
    if fs.isfile(path):
        root = path.rsplit("/", 1)[0]
        return f"{scheme}://{root}", [f"{scheme}://{path}"], []
    files, skipped = [], []
    for key in sorted(fs.find(path)):
        rel = key[len(path) + 1:]
        name = rel.rsplit("/", 1)[-1]
        if any(part.startswith((".", "_")) for part in rel.split("/")):
            skipped.append((rel, HIDDEN))
        elif name in IGNORED_NAMES or any(name.endswith(s) for s in IGNORED_SUFFIXES):
            skipped.append((rel, IGNORED))
        else:
            files.append(f"{scheme}://{key}")
    return f"{scheme}://{path}", files, skipped


def relative(url: str, root: str) -> str:
    """`url` relative to the root URL (POSIX), or its last part when it is not under it."""
    root = root.rstrip("/") + "/"
    return url[len(root):] if url.startswith(root) else url.rsplit("/", 1)[-1]


def url_stamp(url: str) -> tuple[int, int, int]:
    """(size, modification time in ns, a number from the ETag) of a remote object."""
    info = _fs(url).info(url.split("://", 1)[1])
    modified = info.get("LastModified") or info.get("mtime") or 0
    if isinstance(modified, datetime):
        modified = int(modified.timestamp() * 1e9)
    tag = str(info.get("ETag") or "").strip('"')
    return int(info.get("size") or 0), int(modified), int(hashlib.sha256(tag.encode()).hexdigest()[:15], 16)


def url_sha256(url: str) -> str:
    """The sha256 of a remote object's bytes, streamed in HASH_CHUNK pieces."""
    digest = hashlib.sha256()
    with _fs(url).open(url.split("://", 1)[1], "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def process_url(url: str, root: str, fmt: str | None = None, settings: Settings = DEFAULT):
    """Extract one remote document as `extractors.pipeline.process_path` does a file."""
    from extractors.pipeline import process_bytes, sha256

    rel = relative(url, root)
    name = rel.rsplit("/", 1)[-1]
    fs = _fs(url)
    key = url.split("://", 1)[1]
    try:
        size = fs.size(key)
        if size > settings.max_input_bytes:
            result = process_bytes(b"", name, rel)
            result.report.update(report_id=url_sha256(url), status="too_large", size_bytes=size,
                                 error=f"{rel}: {size} bytes exceeds the {settings.max_input_bytes}-byte input cap")
            return result
        return process_bytes(fs.cat_file(key), name, rel, fmt, settings)
    except OSError as exc:
        result = process_bytes(b"", name, rel)
        result.report["error"] = f"{rel}: cannot read object: {exc.strerror or exc}"
        result.report["report_id"] = sha256(rel.encode())
        return result
