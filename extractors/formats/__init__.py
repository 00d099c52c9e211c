"""One reader per input format, all with the same entry point.

    extractors.formats.<fmt>.extract(data: bytes, name: str) -> RawDocument

`sniff` decides the format from the bytes; `reader_for` returns the reader module.
Adding a format: a module (or package) here exposing `extract`, its name in `READERS`,
and a branch in `sniff.sniff` that recognises it.
"""

from __future__ import annotations

import importlib

from extractors.errors import UnsupportedFormat

# Formats with a reader module of the same name in this package.
READERS = ("txt", "html", "docx", "pdf", "markdown", "doc", "wps", "rtf", "image")
# Formats read by another format's module: .wps and .rtf go through LibreOffice like .doc.
MODULES = {"wps": "doc", "rtf": "doc"}


def reader_for(fmt: str):
    """The module `extractors.formats.<fmt>`; raises UnsupportedFormat when there is none."""
    if fmt not in READERS:
        raise UnsupportedFormat(f"no extractor for format {fmt!r}")
    try:
        return importlib.import_module(f"extractors.formats.{MODULES.get(fmt, fmt)}")
    except ModuleNotFoundError as exc:
        raise UnsupportedFormat(f"the {fmt} extractor is not available in this version") from exc
