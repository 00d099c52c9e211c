"""Scanned reports and old Word files with known values, made from a generated corpus.

    python -m benchmarks.scans --corpus DIR --out OUT [--n 10] [--dpi 150,200,300] [--share 0.3]

DIR is a corpus of `benchmarks.corpus` with pdf and docx documents. OUT gets
`scan<dpi>/*.pdf` (image-only PDFs of its PDFs rasterised at each dpi, with the
degradations of `benchmarks.synth.write_scan` on about `share` of the pages, half of the
documents clean), `image/*.tif` (the 200-dpi scans as multi-page TIFF page images),
`doc/*.doc` (its .docx files converted by LibreOffice) and `gold.jsonl` (the source
documents' truth under the new paths). Score with `ogi eval OUT --gold OUT/gold.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from benchmarks.synth.write_scan import docx_to_doc, scan_pages, write_image_pdf, write_tiff

IMAGE_DPI = 200  # the resolution of the page images (.tif) written beside the scans


def build(corpus: Path, out: Path, n: int, dpis: list[int], share: float, seed: int = 1) -> int:
    gold = [json.loads(line) for line in (corpus / "gold.jsonl").read_text().splitlines() if line.strip()]
    pdfs = [g for g in gold if g["format"] == "pdf" and g.get("template") not in (None, "pre2019")][:n]
    docxs = [g for g in gold if g["format"] == "docx" and g.get("template") not in (None, "pre2019")][:n]
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, g in enumerate(pdfs):
        src = corpus / g["path"]
        for dpi in dpis:
            rng = random.Random(f"{seed}:{g['path']}:{dpi}")
            pages, applied = scan_pages(src, dpi, rng, share if i % 2 else 0.0)
            rel = f"scan{dpi}/{src.stem}.pdf"
            write_image_pdf(pages, out / rel, dpi)
            lines.append({**g, "path": rel, "format": "pdf", "scan": {"dpi": dpi, "pages": applied}})
            if dpi == IMAGE_DPI:
                rel = f"image/{src.stem}.tif"
                write_tiff(pages, out / rel, dpi)
                lines.append({**g, "path": rel, "format": "image", "scan": {"dpi": dpi, "pages": applied}})
    for doc in docx_to_doc([corpus / g["path"] for g in docxs], out / "doc"):
        g = next(x for x in docxs if Path(x["path"]).stem == doc.stem)
        lines.append({**g, "path": f"doc/{doc.name}", "format": "doc"})
    (out / "gold.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    return len(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--n", type=int, default=10, help="source documents per kind")
    ap.add_argument("--dpi", default="150,200,300")
    ap.add_argument("--share", type=float, default=0.3, help="share of pages each degradation is applied to")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    count = build(a.corpus, a.out, a.n, [int(d) for d in a.dpi.split(",")], a.share, a.seed)
    print(f"{count} documents -> {a.out}/gold.jsonl")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
