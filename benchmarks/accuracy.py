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
    broken = flagged = clean = false_alarm = blanked = blank_flagged = 0
    misses = []
    for g in gold:
        if g.get("template") not in ("gb2019", "gb2021"):
            continue  # notices and pre-2019 reports: no checks

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
        elif any(p.startswith(("blank_total:", "md:dropped_cell:")) for p in g["perturbations"]):
            blanked += 1  # a total printed blank: its check fails as printed, and says so
            blank_flagged += any("blank" in m for m in mine["message"])
        else:
            clean += 1
            false_alarm += bool(len(mine))
    lines = [f"- Deliberately broken reports: {broken}; flagged `source_inconsistent` on the broken identity: "
             f"{flagged}.",
             f"- Reports whose arithmetic holds: {clean}; with any check finding (false alarms): {false_alarm}.",
             f"- Reports printing a total blank (or a converter dropped it): {blanked}; with a check finding "
             f"that names the blank cell: {blank_flagged} (where the parts add up to 0, the blank, counted as 0, passes)."]
    lines += [f"  - missed: {m}" for m in misses[:10]]
    return lines


# Perturbations reported as groups of their own (text styles and the shapes issue #13 names).
STYLE_PREFIXES = ("txt:", "label_rewording", "blank_total", "pdf_text:label_split", "md:displaced",
                  "md:one_row_tables", "md:padded_header")


def style_table(corpus: Path, eval_out: Path) -> list[str]:
    """Cell P/R/F1 of the pipeline and the exact-label baseline per text style and shape."""
    import json
    from collections import defaultdict

    from extractors.evaluate.report import score_dataset

    gold = [json.loads(line) for line in (corpus / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line]
    by_path = {g["path"]: g for g in gold}
    rows: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for which in ("fuzzy", "baseline"):
        result, _ = score_dataset(eval_out / which, gold)
        for d in result.docs:
            g = by_path[d.path]
            groups = {p.split(":")[0] if not p.startswith(("txt:", "md:")) else p
                      for p in g["perturbations"] if p.startswith(STYLE_PREFIXES)}
            if g["format"] == "md":
                groups.add("format md")
            for group in groups:
                c = rows[group].setdefault(which, [0, 0, 0])
                c[0], c[1], c[2] = c[0] + d.counts.gold, c[1] + d.counts.predicted, c[2] + d.counts.right
    out = ["| group | gold cells | pipeline P | pipeline F1 | baseline F1 |", "|---|---|---|---|---|"]
    for group, by in sorted(rows.items()):
        (g1, p1, r1), (_, p2, r2) = by["fuzzy"], by.get("baseline", [0, 0, 0])
        f1 = 2 * r1 / (g1 + p1) if g1 + p1 else 1.0
        f2 = 2 * r2 / (g1 + p2) if g1 + p2 else 1.0
        out.append(f"| {group} | {g1} | {r1 / p1 if p1 else 1.0:.3f} | {f1:.3f} | {f2:.3f} |")
    return out


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
        "## By text style and shape (the same corpus)",
        "",
        *style_table(corpus, eval_out),
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
