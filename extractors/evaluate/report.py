"""The `ogi eval` report: a written dataset scored against gold, the text it prints, and
the floor (`benchmarks/floor.json`) it must not fall below.

`score_dataset` reads the Parquet files an extraction wrote and scores them with
`extractors.evaluate.scoring.score`; `EvalReport` holds the fuzzy run, the optional
exact-label baseline and the document statuses per format; `check_floor` lists what falls
below the floor file's F1 per format and documents-exact share.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from extractors.evaluate.scoring import EvalResult, score
from schemas import TABLES


@dataclass
class EvalReport:
    corpus: str
    result: EvalResult
    baseline: EvalResult | None
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)  # format → status → count

    def to_dict(self) -> dict:
        return {"corpus": self.corpus, "fuzzy": self.result.to_dict(),
                "baseline_exact": self.baseline.to_dict() if self.baseline else None,
                "statuses": self.statuses}

    def format_text(self) -> str:
        lines = [f"Evaluation of {self.corpus}", "", "fuzzy matching (the pipeline):", self.result.format_text()]
        if self.baseline:
            lines += ["", "baseline (labels matched only when identical after normalisation):"]
            lines += _baseline_lines(self.baseline)
        lines += ["", "document status by format:"]
        lines += _status_lines(self.statuses)
        return "\n".join(lines)


def _baseline_lines(baseline: EvalResult) -> list[str]:
    lines = []
    for name, c in [("overall", baseline.overall), *sorted(baseline.by_format.items())]:
        label = name if name == "overall" else f"format {name}"
        lines.append(f"  {label:<14} P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}")
    return lines


def _status_lines(statuses: dict[str, dict[str, int]]) -> list[str]:
    lines = []
    for fmt, counts in sorted(statuses.items()):
        detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        unsupported = counts.get("unsupported_format", 0)
        note = "  (no extractor for this format yet)" if unsupported and unsupported == sum(counts.values()) else ""
        lines.append(f"  {fmt:<6} {detail}{note}")
    return lines


def score_dataset(out: Path, gold: list[dict]) -> tuple[EvalResult, dict]:
    """Score the dataset at `out` against `gold`; also the document statuses per format."""
    values = pd.read_parquet(Path(out) / "values.parquet")
    reports = pd.read_parquet(Path(out) / "reports.parquet")
    values = values[values["table"].isin(TABLES)]  # narrative figures are not in the gold tables
    # Identical bytes at several paths are one report: let each path find it.
    reports = reports.explode("source_paths").assign(source_path=lambda d: d["source_paths"].fillna(d["source_path"]))
    statuses: dict[str, dict[str, int]] = {}
    gold_paths = {g["path"]: g.get("format") for g in gold}
    for rec in reports.itertuples(index=False):
        fmt = gold_paths.get(rec.source_path) or rec.format or "?"
        statuses.setdefault(fmt, {}).setdefault(rec.status, 0)
        statuses[fmt][rec.status] += 1
    return score(values, reports, gold), statuses


def region_problems(result: EvalResult, floor: dict) -> list[str]:
    """Who reported below its floor: region share, any wrong region, a split or shared agency_id."""
    rs, want = result.regions, floor.get("region")
    if rs is None or not rs.docs or not want:
        return []
    problems = []
    if rs.share(rs.region_right) < want.get("accuracy", 0):
        problems.append(f"region right on {rs.share(rs.region_right):.4f} of {rs.docs} documents, below {want['accuracy']}")
    if rs.share(rs.level_right) < want.get("level", 0):
        problems.append(f"admin_level right on {rs.share(rs.level_right):.4f} of {rs.docs} documents, below {want['level']}")
    if rs.region_wrong > want.get("wrong", 0):
        problems.append(f"{rs.region_wrong} documents with a wrong region: {'; '.join(rs.wrong[:3])}")
    if rs.agencies_split or rs.ids_shared:
        problems.append(f"agency_id: {rs.agencies_split} agencies split over several ids, {rs.ids_shared} ids shared")
    return problems


def check_floor(result: EvalResult, floor_path: Path) -> list[str]:
    """Formats (present in the result) whose F1, agency accuracy or documents-exact share is
    below the floor; published_on and index_number accuracy below theirs."""
    floor = json.loads(Path(floor_path).read_text(encoding="utf-8"))
    problems = []
    for fmt, counts in sorted(result.by_format.items()):
        minimum = floor.get("f1", {}).get(fmt)
        if minimum is None:
            problems.append(f"format {fmt}: no floor in {floor_path}")
        elif counts.f1 < minimum:
            problems.append(f"format {fmt}: F1 {counts.f1:.4f} below the floor {minimum}")
    min_agency = floor.get("agency")
    if min_agency is not None:
        for fmt, share in result.agency_by_format.items():
            if share < min_agency:
                problems.append(f"format {fmt}: agency right on {share:.4f} of documents, below the floor {min_agency}")
    for key, (share, n) in (("published_on", result.published_accuracy), ("index_number", result.index_accuracy)):
        if floor.get(key) is not None and n and share < floor[key]:
            problems.append(f"{key} right on {share:.4f} of {n} documents, below the floor {floor[key]}")
    problems += region_problems(result, floor)
    min_exact = floor.get("docs_exact")
    if min_exact is not None and result.docs_exact < min_exact:
        problems.append(f"documents exact {result.docs_exact:.4f} below the floor {min_exact}")
    return problems
