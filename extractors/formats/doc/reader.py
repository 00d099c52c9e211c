"""The entry point for .doc / .wps / .rtf: convert with LibreOffice, read the .docx."""

from __future__ import annotations

from dataclasses import replace

from extractors.formats import docx
from extractors.formats.doc.convert import to_docx
from extractors.formats.sniff import sniff
from extractors.records import RawDocument
from extractors.settings import DEFAULT, Settings

# The file suffix LibreOffice is given for each format (it picks its import filter from the
# content, but a right suffix avoids a detection pass).
SUFFIXES = {"doc": ".doc", "wps": ".wps", "rtf": ".rtf"}
# What the conversion may take of the per-document time limit (the rest is for the .docx
# reader and the assembly): 75%.
CONVERT_SHARE = 0.75


def extract(data: bytes, name: str, settings: Settings = DEFAULT) -> RawDocument:
    """Read an old document through LibreOffice and the .docx reader; `format` stays the
    document's own (doc / wps / rtf)."""
    fmt = sniff(data, name)
    if fmt not in SUFFIXES:
        fmt = "doc"
    converted, how = to_docx(data, name, SUFFIXES[fmt], timeout_s=settings.timeout_s * CONVERT_SHARE)
    doc = docx.extract(converted, name, settings)
    return replace(doc, format=fmt, detail=f"{fmt} read via {how}; then {doc.detail}")
