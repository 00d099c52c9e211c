"""What an extraction run did: counts by status, rows written, the inputs skipped and the
documents needing attention. Every name and reason is printed through
`extractors.discover.printable`, so a file name carrying terminal escape codes is shown
escaped (`\\x1b[31m`), never obeyed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from extractors.dataset.store import WriteSummary
from extractors.discover import printable
from extractors.records import DocResult

# Documents listed under "needing attention" in the printed summary.
WORST_SHOWN = 10
# Characters of a document's error kept in that list.
REASON_CHARS = 120
# Names shown per reason on the "skipped" line (the count covers all of them).
SKIPPED_EXAMPLES = 3


@dataclass
class RunSummary:
    documents: int = 0
    skipped: int = 0  # already in the dataset with the same bytes and extractor version
    by_status: dict[str, int] = field(default_factory=dict)
    values: int = 0
    findings: int = 0
    dataset_reports: int = 0
    out: str = ""
    worst: list[tuple[str, str, str]] = field(default_factory=list)  # (source_path, status, reason)
    extract_seconds: float = 0.0  # time spent extracting and staging inside the tasks (all workers)
    write_seconds: float = 0.0  # time spent committing the dataset
    wall_seconds: float = 0.0  # the flow's own wall time
    skipped_inputs: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): not extracted
    notes: list[str] = field(default_factory=list)  # what a run left undone after its commit (derived tables)

    def format(self) -> str:
        lines = [f"{self.documents} document(s) processed → {self.out}"
                 + (f" ({self.skipped} unchanged, skipped)" if self.skipped else "")]
        lines.append("  by status: " + (", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items())) or "nothing new"))
        lines.append(f"  values written: {self.values}; findings: {self.findings}; "
                     f"reports in dataset: {self.dataset_reports}")
        if self.skipped_inputs:
            lines.append(f"  {self.skipped_line()}")
        lines += [f"  note: {n}" for n in self.notes]
        if self.worst:
            lines.append("  needing attention:")
            lines += [f"    {printable(p)} [{s}] {printable(r)}" for p, s, r in self.worst]
        return "\n".join(lines)

    def skipped_line(self) -> str:
        """'N skipped: 2 hidden (.a, .b), 1 not a regular file (FIFO) (pipe)': counts by
        reason, with the first few names of each."""
        by_reason: dict[str, list[str]] = {}
        for path, reason in self.skipped_inputs:
            by_reason.setdefault(reason, []).append(path)
        parts = []
        for reason, paths in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            shown = ", ".join(printable(p) for p in paths[:SKIPPED_EXAMPLES])
            more = ", …" if len(paths) > SKIPPED_EXAMPLES else ""
            parts.append(f"{len(paths)} {printable(reason)} ({shown}{more})")
        return f"{len(self.skipped_inputs)} skipped: " + "; ".join(parts)


def summarize(results: list[DocResult], written: WriteSummary, out: Path, skipped: int = 0,
              worst: int = WORST_SHOWN, skipped_inputs: list[tuple[str, str]] | None = None) -> RunSummary:
    """The run's summary; the `worst` documents are failures first, then the fewest cells found."""
    status = Counter(r.report["status"] for r in results)
    bad = [r.report for r in results if r.report["status"] != "ok"]
    bad.sort(key=lambda rep: (rep["status"] == "partial", rep["cells_found"] or 0, rep["source_path"]))
    return RunSummary(
        documents=len(results), skipped=skipped, by_status=dict(status), values=written.values,
        findings=written.findings, dataset_reports=written.total_reports, out=printable(out),
        skipped_inputs=list(skipped_inputs or []),
        worst=[(r["source_path"], r["status"], (r["error"] or "")[:REASON_CHARS]) for r in bad[:worst]],
    )
