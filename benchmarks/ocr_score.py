"""Per-resolution scores of an evaluated scan corpus: cell P/R/F1, wrong numbers, unreadable
cells, statuses, by folder (scan150, scan200, scan300, image, doc).

    python -m benchmarks.ocr_score DATASET_DIR GOLD_JSONL

DATASET_DIR is the dataset `ogi eval --out OUT` wrote (OUT/fuzzy). A wrong number is a cell
stored as a number that differs from the gold, or null of the wrong kind (blank where the
report prints "-", not_applicable where it prints a number); an unreadable cell is null, not wrong.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from extractors.evaluate.scoring import NA_STRINGS


def main(argv: list[str] | None = None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    ds, gold_path = Path(argv[0]), Path(argv[1])
    gold = {g["path"]: g for g in map(json.loads, gold_path.read_text().splitlines())}
    reports = pq.read_table(ds / "reports.parquet").to_pylist()
    values = pq.read_table(ds / "values.parquet").to_pylist()
    by_id = defaultdict(list)
    for v in values:
        by_id[v["report_id"]].append(v)
    groups: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    wrong_cells = []
    for r in reports:
        g = gold.get(r["source_path"])
        if g is None:
            continue
        s = groups[r["source_path"].split("/")[0]]
        s["docs"] += 1
        s[f"status {r['status']}"] += 1
        truth = {(t, ro, c): x for t, ro, c, x in g["cells"]}
        s["gold"] += len(truth)
        for v in by_id[r["report_id"]]:
            k = (v["table"], v["row"], v["column"])
            if k not in truth:
                continue
            if v["value_kind"] == "unreadable":
                s["unreadable"] += 1
                continue
            s["pred"] += 1
            got = v["value"] if v["value_kind"] == "number" else None
            if truth[k] in NA_STRINGS:  # a printed "-" or "/" is right only as not_applicable
                ok = v["value_kind"] == "not_applicable"
            else:
                ok = got == truth[k] or (got is None and truth[k] is None and v["value_kind"] == "blank")
            if ok:
                s["right"] += 1
            else:
                s["wrong"] += 1
                wrong_cells.append((r["source_path"], ".".join(k), truth[k], v["raw_value"], v["ocr_confidence"]))
    print("| set | docs | gold cells | right | wrong | unreadable | P | R | F1 | statuses |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in sorted(groups):
        s = groups[name]
        p = s["right"] / s["pred"] if s["pred"] else 0.0
        rec = s["right"] / s["gold"] if s["gold"] else 0.0
        f1 = 2 * p * rec / (p + rec) if p + rec else 0.0
        st = ", ".join(f"{k[7:]} {v}" for k, v in sorted(s.items()) if k.startswith("status "))
        print(f"| {name} | {s['docs']} | {s['gold']} | {s['right']} | {s['wrong']} | {s['unreadable']} | "
              f"{p:.3f} | {rec:.3f} | {f1:.3f} | {st} |")
    for w in wrong_cells:
        print("wrong:", *w)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
