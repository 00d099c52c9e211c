"""Reading the dataset back: one table whole, or findings filtered for the terminal.

`DatasetStore` (extractors.dataset.store) is the only writer; readers see only complete
files, since every file is replaced atomically.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from extractors.dataset.store import FILES

# Columns of `format_findings`' text table: (field, width in characters).
FINDINGS_COLUMNS = [("source_path", 28), ("check", 26), ("severity", 8), ("where", 34)]
# The rule under the header is at most this wide, whatever the message width.
MAX_RULE_WIDTH = 160


def read_table(out: Path, name: str) -> pa.Table | None:
    """The dataset's table `name` ("reports", "values", "findings") in its schema; None if absent."""
    path = Path(out) / FILES[name][0]
    if not path.exists():
        return None
    return pq.read_table(path).cast(FILES[name][1])


def query_findings(out: Path, report: str | None = None, check: str | None = None):
    """Findings joined with their report's source path, filtered by report and check.

    `report` matches a report_id prefix or a source path (exact or as a suffix);
    `check` matches a check id or finding kind exactly, or a prefix ending in '.'
    (e.g. 'applications.'). Raises FileNotFoundError when the dataset is missing.
    """
    import pandas as pd

    out = Path(out)
    path = out / FILES["findings"][0]
    if not path.exists():
        raise FileNotFoundError(f"no findings.parquet in {out} (run `ogi extract` first)")
    findings = pd.read_parquet(path)
    reports = pd.read_parquet(out / FILES["reports"][0], columns=["report_id", "source_path"])
    df = findings.merge(reports, on="report_id", how="left")
    if report:
        df = df[df.report_id.str.startswith(report) | (df.source_path == report)
                | df.source_path.fillna("").str.endswith("/" + report)]
    if check:
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
    text = str(text).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"
