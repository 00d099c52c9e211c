"""The records every stage passes on: what a format reader read, and what the dataset stores.

Each format reader (`extractors.formats.<fmt>`) exposes the same entry point::

    def extract(data: bytes, name: str) -> RawDocument

and turns its format into a flat, ordered stream of `Row`s. A row is either a line
of running text (`kind="text"`: headings, narrative paragraphs) or a row of a table
(`kind="table"`: the cells a person sees left to right, merged cells already
resolved). Everything after that (finding the three report tables, matching labels,
reading values, checking arithmetic) is shared: `extractors.tables` turns the rows into
`Value`s and `Finding`s, `extractors.pipeline` into a `DocResult` of dataset records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

# Bumped whenever extraction output can change for the same bytes (incremental runs key on it).
EXTRACTOR_VERSION = "0.5.0"



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
    confidence: float | None = None  # OCR: the recogniser's least confidence over its characters


@dataclass
class Row:
    kind: str  # "text" or "table"
    cells: list[Cell]
    # Every cell is a real cell in printed order (a grid row, or one line per cell), so an
    # empty cell is a blank value; False where empty cells may be layout debris (stray tabs).
    positional: bool = False
    # (table, canonical row key) when the reader already identified the row (the flattened-
    # text reader finds rows by their canonical labels); None: the assembler matches the label.
    key: tuple[str, str] | None = None
    # A row whose label its source may have displaced (converter Markdown prints a row's label
    # on a line of its own): when it prints no label, the assembler places it by the
    # template's row order where the gap it fills is certain (`extractors.tables.ordered`).
    by_order: bool = False

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
    # (key, value) pairs of the page's metadata box (索引号, 发布机构, 发布日期 …) that the
    # reader took out of the rows (extractors.metadata.furniture reads them)
    page_box: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Value:
    table: str
    row: str | None
    column: str | None
    value: float | None
    value_kind: str
    raw_value: str | None
    raw_row_label: str | None
    raw_column_label: str | None
    match_score: float | None
    page: int | None
    source_table: int | None
    source_row: int | None
    source_col: int | None
    seq: int = 0
    ocr_confidence: float | None = None  # the recogniser's confidence in the cell (null: not OCR)


@dataclass
class Finding:
    check: str
    severity: str
    message: str
    table: str | None = None
    row: str | None = None
    column: str | None = None
    detail: dict | None = None

    def as_record(self) -> dict:
        return {"check": self.check, "severity": self.severity, "table": self.table, "row": self.row,
                "column": self.column, "message": self.message,
                "detail": json.dumps(self.detail, ensure_ascii=False) if self.detail else None}


@dataclass
class Assembly:
    template: str | None
    template_evidence: str
    values: list[Value] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    tables_found: list[str] = field(default_factory=list)


@dataclass
class DocResult:
    report: dict
    values: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
