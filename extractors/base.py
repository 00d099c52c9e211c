"""The intermediate structure every format extractor returns.

Each extractor (`txt`, `docx`, `html`, `pdf`) exposes the same entry point::

    def extract(data: bytes, name: str) -> RawDocument

and turns its format into a flat, ordered stream of `Row`s. A row is either a line
of running text (`kind="text"`: headings, narrative paragraphs) or a row of a table
(`kind="table"`: the cells a person sees left to right, merged cells already
resolved). Everything after that (finding the three report tables, matching labels,
reading values, checking arithmetic) is shared and lives in `extractors.assemble`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cell:
    """One printed cell: its text as the format gives it, and where it came from."""

    text: str
    page: int | None = None  # 1-based page (pdf), null where the format has none
    table: int | None = None  # 0-based index of the source table in the document
    row: int | None = None  # 0-based row in that table's grid
    col: int | None = None  # 0-based column in that table's grid
    fused: bool = False  # text whose numbers may run together with no separator
    merged: bool = False  # a grid position covered by a cell starting further left (horizontal
    #                       merge): its text repeats that cell's and is not a value of its own


@dataclass
class Row:
    kind: str  # "text" or "table"
    cells: list[Cell]
    # Every cell is a real cell in printed order (a grid row, or one line per cell), so an
    # empty cell is a blank value; False where empty cells may be layout debris (stray tabs).
    positional: bool = False

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


@dataclass
class RawDocument:
    """What a format extractor read from one document."""

    format: str  # txt / docx / html / pdf
    rows: list[Row]
    text: str  # the document's plain text (narrative and tables), for metadata and narrative figures
    detail: str = ""  # how it was read, e.g. "utf-8-sig; cell-per-line"
    notes: list[tuple[str, str]] = field(default_factory=list)  # (finding kind, message) from the reader
    title_hint: str | None = None  # a title the container states (HTML <title>, page header block)


class ExtractionError(Exception):
    """Base of the documented errors: this document cannot be read. Carries a status."""

    status = "failed"


class EmptyDocument(ExtractionError):
    """The file holds no bytes, or no text at all."""


class UnreadableDocument(ExtractionError):
    """The bytes are not what the format promises (binary junk, corrupt container)."""


class UnsupportedFormat(ExtractionError):
    """A format ogi-reports recognises but cannot read (.doc, .wps, images)."""

    status = "unsupported_format"


class NeedsOCR(ExtractionError):
    """A PDF with no text layer (a scan): only OCR could read it."""

    status = "needs_ocr"


class DocumentTooLarge(ExtractionError):
    """The document exceeds a safety cap (uncompressed size, pages, time, memory)."""

    status = "too_large"
