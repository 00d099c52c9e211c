"""Refresh the small committed sample in data/raw/samples (2-3 documents per format).

    python -m benchmarks.samples [--out data/raw/samples] [--seed 11]

Generates a corpus with a fixed seed into a temporary directory, picks per format the
documents that together show the most different perturbations (greedy), copies them
flat into the sample directory and writes a gold.jsonl with paths relative to it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from benchmarks.corpus import FORMATS, generate

SAMPLE_SEED = 11
SAMPLE_POOL = 48  # documents generated to choose from (12 per format)
PER_FORMAT = {"txt": 3, "docx": 3, "html": 3, "pdf": 2}


def _kinds(g: dict) -> set[str]:
    out = {p.split(":")[0] if not p.startswith(("txt:", "encoding:", "html:", "layout:")) else p.split("@")[0]
           for p in g["perturbations"]}
    if g["broken_check"]:
        out.add("broken:" + g["broken_check"])
    out.add("template:" + g["template"])
    return out


def pick(gold: list[dict]) -> list[dict]:
    chosen = []
    for fmt in FORMATS:
        pool = [g for g in gold if g["format"] == fmt]
        seen: set[str] = set()
        for _ in range(min(PER_FORMAT[fmt], len(pool))):
            best = max(pool, key=lambda g: (len(_kinds(g) - seen), -gold.index(g)))
            pool.remove(best)
            seen |= _kinds(best)
            chosen.append(best)
    return sorted(chosen, key=lambda g: g["path"].split("/")[-1])


def refresh(out: Path, seed: int = SAMPLE_SEED) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="ogi-samples-") as tmp:
        gold = generate(Path(tmp), SAMPLE_POOL, seed, FORMATS)
        chosen = pick(gold)
        out.mkdir(parents=True, exist_ok=True)
        for old in out.iterdir():
            if old.is_file():
                old.unlink()
        lines = []
        for g in chosen:
            name = Path(g["path"]).name
            shutil.copyfile(Path(tmp) / g["path"], out / name)
            lines.append({**g, "path": name, "notes": g["notes"] + f" Sample copied from a seed-{seed} corpus ({g['path']})."})
    with open(out / "gold.jsonl", "w", encoding="utf-8") as f:
        for g in lines:
            f.write(json.dumps(g, ensure_ascii=False) + "\n")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.samples")
    ap.add_argument("--out", type=Path, default=Path("data/raw/samples"))
    ap.add_argument("--seed", type=int, default=SAMPLE_SEED)
    args = ap.parse_args(argv)
    lines = refresh(args.out, args.seed)
    for g in lines:
        print(g["path"], g["template"], g["year"], g["agency"], g["broken_check"] or "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
