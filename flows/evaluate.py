"""The evaluation flow: run the real extraction on a corpus and score it against gold.

Runs `extract_flow` twice on the same corpus, once with the fuzzy matcher and once with
the exact-label baseline, and scores both with `extractors.evaluate.scoring`. A floor file
(`benchmarks/floor.json`) holds the lowest F1 each format may reach; `check_floor`
lists what falls below it.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from prefect import flow

from extractors.evaluate.scoring import EvalResult, load_gold, score
from extractors.settings import Settings
from flows.extract import extract_flow
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
            for name, c in [("overall", self.baseline.overall), *sorted(self.baseline.by_format.items())]:
                label = name if name == "overall" else f"format {name}"
                lines.append(f"  {label:<14} P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}")
        lines += ["", "document status by format:"]
        for fmt, counts in sorted(self.statuses.items()):
            detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            unsupported = counts.get("unsupported_format", 0)
            note = "  (no extractor for this format yet)" if unsupported and unsupported == sum(counts.values()) else ""
            lines.append(f"  {fmt:<6} {detail}{note}")
        return "\n".join(lines)


def score_dataset(out: Path, gold: list[dict]) -> tuple[EvalResult, dict]:
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


@flow(name="ogi-eval", log_prints=False)
def eval_flow(corpus: str, gold: str | None = None, out: str | None = None, baseline: bool = True) -> EvalReport:
    corpus_dir = Path(corpus)
    gold_docs = load_gold(gold or corpus_dir / "gold.jsonl")
    work = Path(out) if out else Path(tempfile.mkdtemp(prefix="ogi-eval-"))
    extract_flow(str(corpus_dir), str(work / "fuzzy"), progress=False)
    result, statuses = score_dataset(work / "fuzzy", gold_docs)
    base = None
    if baseline:
        extract_flow(str(corpus_dir), str(work / "baseline"), progress=False,
                     settings=Settings.from_env(scorer="exact"))
        base, _ = score_dataset(work / "baseline", gold_docs)
    return EvalReport(str(corpus_dir), result, base, statuses)


def check_floor(result: EvalResult, floor_path: Path) -> list[str]:
    """Formats (present in the result) whose F1 or documents-exact share is below the floor."""
    floor = json.loads(Path(floor_path).read_text(encoding="utf-8"))
    problems = []
    for fmt, counts in sorted(result.by_format.items()):
        minimum = floor.get("f1", {}).get(fmt)
        if minimum is None:
            problems.append(f"format {fmt}: no floor in {floor_path}")
        elif counts.f1 < minimum:
            problems.append(f"format {fmt}: F1 {counts.f1:.4f} below the floor {minimum}")
    min_exact = floor.get("docs_exact")
    if min_exact is not None and result.docs_exact < min_exact:
        problems.append(f"documents exact {result.docs_exact:.4f} below the floor {min_exact}")
    return problems
