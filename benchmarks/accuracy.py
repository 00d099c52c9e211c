"""Accuracy report: a fresh generated corpus and the real reports, scored with `ogi eval`.

    .venv/bin/python -m benchmarks.accuracy [--n 200] [--seed 1]   # writes benchmarks/ACCURACY.md

Generates the corpus (every format; PDF needs LibreOffice), runs the real Prefect flow on it
with the fuzzy matcher and with the exact-label baseline, does the same for
tests/fixtures/real, and writes the figures with the command that reproduced them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "ACCURACY.md"


CHECK_IDS = ("applications.balance", "applications.results_sum", "applications.row_total",
             "review_litigation.row_total")


def check_verdicts(corpus: Path, dataset: Path) -> list[str]:
    """Deliberately broken reports flagged `source_inconsistent`, and false findings on the rest."""
    import json

    import pandas as pd

    gold = [json.loads(line) for line in (corpus / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line]
    reports = pd.read_parquet(dataset / "reports.parquet").explode("source_paths")
    findings = pd.read_parquet(dataset / "findings.parquet")
    findings = findings[findings["check"].isin(CHECK_IDS)]
    by_path = dict(zip(reports["source_paths"], reports["report_id"], strict=True))
    broken = flagged = clean = false_alarm = 0
    misses = []
    for g in gold:
        rid = by_path.get(g["path"])
        mine = findings[findings["report_id"] == rid]
        verdicts = [json.loads(d)["verdict"] for d in mine["detail"]]
        if g.get("broken_check"):
            broken += 1
            ok = any(c == g["broken_check"] and v == "source_inconsistent"
                     for c, v in zip(mine["check"], verdicts, strict=True))
            flagged += ok
            if not ok:
                misses.append(f"{g['path']} ({g['broken_check']}): {list(zip(mine['check'], verdicts, strict=True))}")
        else:
            clean += 1
            false_alarm += bool(len(mine))
    lines = [f"- Deliberately broken reports: {broken}; flagged `source_inconsistent` on the broken identity: "
             f"{flagged}.",
             f"- Reports whose arithmetic holds: {clean}; with any check finding (false alarms): {false_alarm}."]
    lines += [f"  - missed: {m}" for m in misses[:10]]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.accuracy", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200, help="documents to generate (default 200)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--work", default=str(ROOT / "benchmarks" / "out"), help="where the corpus goes")
    ap.add_argument("--out", default=str(OUT), help="Markdown report to write")
    args = ap.parse_args(argv)
    os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from benchmarks.bench import machine
    from benchmarks.corpus import FORMATS, generate
    from flows.evaluate import eval_flow

    corpus = Path(args.work) / f"accuracy-{args.n}-seed{args.seed}"
    if not (corpus / "gold.jsonl").exists():
        shutil.rmtree(corpus, ignore_errors=True)
        formats = FORMATS if shutil.which("soffice") else tuple(f for f in FORMATS if f != "pdf")
        generate(corpus, args.n, args.seed, formats, log=lambda *a, **k: None)
    eval_out = Path(args.work) / f"accuracy-{args.n}-seed{args.seed}-eval"
    shutil.rmtree(eval_out, ignore_errors=True)
    generated = eval_flow(str(corpus), out=str(eval_out))
    real = eval_flow(str(ROOT / "tests" / "fixtures" / "real"))
    checks = check_verdicts(corpus, eval_out / "fuzzy")
    lines = [
        "# Accuracy",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Reproduce: `.venv/bin/python -m benchmarks.accuracy --n {args.n} --seed {args.seed}` "
        "(the same as `python -m benchmarks.corpus` then `ogi eval`).",
        "",
        f"## Generated corpus: {args.n} documents, seed {args.seed}",
        "",
        "```",
        generated.format_text(),
        "```",
        "",
        "## Arithmetic checks on the generated corpus",
        "",
        *checks,
        "",
        "## Real reports (tests/fixtures/real, hand-checked)",
        "",
        "```",
        real.format_text(),
        "```",
        "",
    ]
    text = "\n".join(lines).replace(str(ROOT) + "/", "")  # paths relative to the repository
    Path(args.out).write_text(text, encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
