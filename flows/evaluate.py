"""The evaluation flow: run the real extraction on a corpus and score it against gold.

Runs `extract_flow` twice on the same corpus, once with the fuzzy matcher and once with
the exact-label baseline, and scores both with `extractors.evaluate.report.score_dataset`
(the report, its text and the floor check live there too).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from prefect import flow

from extractors.evaluate.report import EvalReport, score_dataset
from extractors.evaluate.scoring import load_gold
from extractors.settings import Settings
from flows.extract import extract_flow


@flow(name="ogi-eval", log_prints=False)
def eval_flow(corpus: str, gold: str | None = None, out: str | None = None, baseline: bool = True,
              settings: Settings | None = None) -> EvalReport:
    """Extract `corpus` into `out` (default: a temporary folder) with `settings`, score it
    against `gold` (default: corpus/gold.jsonl); unless not `baseline`, again with the
    exact-label scorer."""
    settings = settings or Settings.from_env()
    corpus_dir = Path(corpus)
    gold_docs = load_gold(gold or corpus_dir / "gold.jsonl")
    work = Path(out) if out else Path(tempfile.mkdtemp(prefix="ogi-eval-"))
    extract_flow(str(corpus_dir), str(work / "fuzzy"), progress=False, settings=settings)
    result, statuses = score_dataset(work / "fuzzy", gold_docs)
    base = None
    if baseline:
        extract_flow(str(corpus_dir), str(work / "baseline"), progress=False, settings=settings.with_(scorer="exact"))
        base, _ = score_dataset(work / "baseline", gold_docs)
    return EvalReport(str(corpus_dir), result, base, statuses)
