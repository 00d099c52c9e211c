"""What an extraction run did: counts by status, rows written, the documents needing attention."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from extractors.dataset.store import WriteSummary
from extractors.records import DocResult

# Documents listed under "needing attention" in the printed summary.
WORST_SHOWN = 10
# Characters of a document's error kept in that list.
REASON_CHARS = 120


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

    def format(self) -> str:
        lines = [f"{self.documents} document(s) processed → {self.out}"
                 + (f" ({self.skipped} unchanged, skipped)" if self.skipped else "")]
        lines.append("  by status: " + (", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items())) or "nothing new"))
        lines.append(f"  values written: {self.values}; findings: {self.findings}; "
                     f"reports in dataset: {self.dataset_reports}")
        if self.worst:
            lines.append("  needing attention:")
            lines += [f"    {p} [{s}] {r}" for p, s, r in self.worst]
        return "\n".join(lines)


def summarize(results: list[DocResult], written: WriteSummary, out: Path, skipped: int = 0,
              worst: int = WORST_SHOWN) -> RunSummary:
    """The run's summary; the `worst` documents are failures first, then the fewest cells found."""
    status = Counter(r.report["status"] for r in results)
    bad = [r.report for r in results if r.report["status"] != "ok"]
    bad.sort(key=lambda rep: (rep["status"] == "partial", rep["cells_found"] or 0, rep["source_path"]))
    return RunSummary(
        documents=len(results), skipped=skipped, by_status=dict(status), values=written.values,
        findings=written.findings, dataset_reports=written.total_reports, out=str(out),
        worst=[(r["source_path"], r["status"], (r["error"] or "")[:REASON_CHARS]) for r in bad[:worst]],
    )
