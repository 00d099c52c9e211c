"""Reading the dataset back: the files of a version, one table whole, or findings
filtered for the terminal.

`DatasetStore` (extractors.dataset.store) is the only writer. Each read here resolves the
dataset's version once (its catalogue, `extractors.dataset.layout.current`) and reads
the files that catalogue lists, so it sees one complete version even while a writer
commits, on a local folder and on object storage alike.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from extractors.dataset import layout
from extractors.dataset.catalog import SCHEMAS, Manifest
from extractors.dataset.segments import conform
from extractors.dataset.storage import Storage
from extractors.discover import printable

# Columns of `format_findings`' text table: (field, width in characters).
FINDINGS_COLUMNS = [("source_path", 28), ("check", 26), ("severity", 8), ("where", 34)]
# The rule under the header is at most this wide, whatever the message width.
MAX_RULE_WIDTH = 160
# Finding kinds the pipeline writes besides the spec's checks, as docs/data-dictionary.md
# lists them (tests/test_cli.py keeps the two in step); the format readers' notes are
# families named by their prefix.
FINDING_KINDS = ("unmatched_label", "unlabelled_row", "duplicate_row", "unreadable_value", "placement_inferred",
                 "placement_ambiguous", "extra_cells", "reconstructed_split", "ambiguous_split",
                 "row_not_in_template", "encoding", "unit_in_cell", "template_unclear", "narrative_mismatch",
                 "file_name_encoding", "placed_by_order", "order_unconfirmed", "earlier_format",
                 "region_ambiguous", "ocr_digit_resolved", "ocr_digit_unresolved")
FINDING_FAMILIES = ("docx_", "html_", "pdf_", "ocr_")


class UnknownCheck(ValueError):
    """`--check` names no check of the spec, no finding kind and nothing in the dataset."""


def known_checks(present: set[str] | None = None) -> list[str]:
    """Every check id and finding kind a finding can have (and those in `present`)."""
    from schemas.canonical import schema

    return sorted({c.id for c in schema().checks()} | set(FINDING_KINDS) | set(present or ()))


def _check_is_known(check: str, present: set[str]) -> bool:
    known = known_checks(present)
    if check.endswith("."):
        return any(k.startswith(check) for k in known)
    return check in known or (check.startswith(FINDING_FAMILIES) and check not in FINDING_FAMILIES)


def version(out: Path | str, number: int | None = None) -> Manifest | None:
    """The catalogue of version `number` of the dataset at `out` (the current one by
    default); None when there is none."""
    storage = Storage(out)
    if number is None:
        return layout.current(storage)
    return layout.read_manifest(storage, number) if number in layout.published(storage) else None


def files(out: Path | str, name: str, number: int | None = None) -> list[str]:
    """The Parquet files of table `name` in one version of the dataset at `out` (the
    current one by default), as paths or URLs that pandas, polars, DuckDB and pyarrow
    open: every file of that version, and no other. Empty when there is no dataset."""
    man = version(out, number)
    storage = Storage(out)
    return [] if man is None else [storage.url_of(f) for f in man.files(name)]


def read_table(out: Path | str, name: str, number: int | None = None, columns: list[str] | None = None,
               filters=None) -> pa.Table | None:
    """The dataset's table `name` ("reports", "values", "findings") in its schema, as of
    one version (the current one by default); None if absent. `columns` and `filters`
    (pyarrow's DNF form, e.g. ``[("row", "in", [...])]``) read only what a caller needs:
    files are sorted by cell, so row groups that hold no wanted row are skipped."""
    man = version(out, number)
    schema = SCHEMAS[name] if columns is None else pa.schema([SCHEMAS[name].field(c) for c in columns])
    if man is None:
        table = _legacy_table(out, name) if number is None else None
        if table is not None and columns is not None:
            table = table.select(columns)
        if table is not None and filters is not None:
            table = table.filter(pq.filters_to_expression(filters))
        return table
    storage = Storage(out)
    parts = [conform(storage.read_table([f], columns=columns, filters=filters), schema) for f in man.files(name)]
    return pa.concat_tables(parts) if parts else schema.empty_table()


def _legacy_table(out, name: str) -> pa.Table | None:
    """Table `name` of a folder an earlier layout wrote (three plain files) that no writer
    has converted yet."""
    storage = Storage(out)
    folder = layout.snapshot(storage.root) if storage.local else None
    path = None if folder is None else folder / f"{name}.parquet"
    if path is None or not path.is_file():
        return None
    return conform(pq.read_table(path), SCHEMAS[name])


def query_findings(out: Path, report: str | None = None, check: str | None = None):
    """Findings joined with their report's source path, filtered by report and check.

    `report` matches a report_id prefix or a source path (exact or as a suffix);
    `check` matches a check id or finding kind exactly, or a prefix ending in '.'
    (e.g. 'applications.'). Raises FileNotFoundError when the dataset is missing and
    UnknownCheck when no check has the id `check`.
    """

    man = version(out)
    number = None if man is None else man.version  # both tables as of one version
    findings, reports = read_table(out, "findings", number), read_table(out, "reports", number)
    if findings is None or reports is None:
        raise FileNotFoundError(f"no findings.parquet in {out} (run `ogi extract` first)")
    findings = findings.to_pandas()
    reports = reports.select(["report_id", "source_path"]).to_pandas()
    df = findings.merge(reports, on="report_id", how="left")
    if report:
        df = df[df.report_id.str.startswith(report) | (df.source_path == report)
                | df.source_path.fillna("").str.endswith("/" + report)]
    if check:
        present = set(findings.check)
        if not _check_is_known(check, present):
            raise UnknownCheck(f"--check {check!r}: no check has that id; known checks: "
                               f"{', '.join(known_checks(present))}, and reader notes {', '.join(f + '*' for f in FINDING_FAMILIES)}")
        df = df[(df.check == check) | (check.endswith(".") & df.check.str.startswith(check))]
    return df.sort_values(["source_path", "check", "table", "row", "column"], na_position="first")


def format_findings(df, width: int = 100) -> str:
    """A readable text table of findings for the terminal."""
    if df.empty:
        return "no findings"
    lines = []
    cols = FINDINGS_COLUMNS
    header = "  ".join(name.ljust(w) for name, w in cols) + "  message"
    lines.append(header)
    lines.append("-" * min(len(header) + 20, MAX_RULE_WIDTH))
    for rec in df.itertuples(index=False):
        where = ".".join(x for x in (rec.table, rec.row, rec.column) if isinstance(x, str) and x)
        cells = [str(rec.source_path or rec.report_id[:12]), rec.check, rec.severity, where]
        line = "  ".join(_clip(c, w).ljust(w) for c, (_, w) in zip(cells, cols, strict=True))
        lines.append(line + "  " + _clip(rec.message, width))
    lines.append(f"{len(df)} finding(s)")
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    text = printable(str(text).replace("\n", " "))
    return text if len(text) <= width else text[: width - 1] + "…"
