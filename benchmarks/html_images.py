"""HTML pages whose tables are pictures, made from corpus reports and scored cell by cell.

    python -m benchmarks.html_images [SOURCE ...] [--out DIR]

Each SOURCE (a PDF of tests/fixtures/corpus-pdf, default: the first six with a gb2019 or
gb2021 template) becomes a page by `tests/fixtures/make_html_image_fixture.py` (its running
text as paragraphs, each ruled table a 150-dpi PNG in a `data:` URI) and is read in this
process as `ogi extract` reads it. Prints per page and in all: gold cells, right, wrong
(a number that differs, or a null of the wrong kind) and unreadable.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from extractors.evaluate.scoring import NA_STRINGS
from extractors.pipeline import process_bytes

ROOT = Path(__file__).resolve().parent.parent
MAKER = ROOT / "tests" / "fixtures" / "make_html_image_fixture.py"
CORPUS = ROOT / "tests" / "fixtures" / "corpus-pdf"
DEFAULT_PAGES = 6


def _default_sources() -> list[str]:
    gold = [json.loads(line) for line in (CORPUS / "gold.jsonl").read_text().splitlines()]
    return [g["path"] for g in gold if g["template"] in ("gb2019", "gb2021")][:DEFAULT_PAGES]


def _right(value: dict, truth) -> bool:
    if truth in NA_STRINGS:
        return value["value_kind"] == "not_applicable"
    if truth is None:
        return value["value_kind"] == "blank"
    return value["value_kind"] == "number" and value["value"] == truth


def score_page(page: Path) -> tuple[int, int, int, int]:
    """Gold cells, right, wrong and unreadable of one made page (its folder)."""
    gold = json.loads((page / "gold.jsonl").read_text())
    truth = {(t, r, c): v for t, r, c, v in gold["cells"]}
    res = process_bytes((page / "report.html").read_bytes(), "report.html")
    got = {(v["table"], v["row"], v["column"]): v for v in res.values}
    read = [(got[k], v) for k, v in truth.items() if k in got]
    unreadable = sum(1 for g, _ in read if g["value_kind"] == "unreadable")
    right = sum(1 for g, v in read if g["value_kind"] != "unreadable" and _right(g, v))
    return len(truth), right, len(read) - unreadable - right, unreadable


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", help="PDFs of tests/fixtures/corpus-pdf (pdf/NNNN_….pdf)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/ogi-html-images"))
    a = ap.parse_args(argv)
    total = [0, 0, 0, 0]
    for src in a.sources or _default_sources():
        page = a.out / Path(src).stem
        subprocess.run([sys.executable, str(MAKER), "--source", src, "--out", str(page)], check=True,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, cwd=ROOT)
        counts = score_page(page)
        total = [t + c for t, c in zip(total, counts, strict=True)]
        print(f"{src}: {counts[0]} gold cells, {counts[1]} right, {counts[2]} wrong, {counts[3]} unreadable")
    print(f"all: {total[0]} gold cells, {total[1]} right, {total[2]} wrong, {total[3]} unreadable")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
