"""OCR cost per page: CPU seconds to read one scanned page at each resolution, one thread.

    python -m benchmarks.ocr_speed SCANS_DIR [--pages 6]

SCANS_DIR is the output of `benchmarks.scans` (scan150/, scan200/, scan300/). Each page is
rendered from its image-only PDF and read by `extractors.formats.ocr` in this process (the
models loaded once, before the clock starts; with --warm each page is read once before it is
timed, as onnxruntime's first run of each input shape costs extra); prints CPU s/page per dpi, and the cost of the
text pages of a mixed PDF against the same PDF's text layer alone.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pypdfium2 as pdfium

from extractors.formats.ocr import engine
from extractors.formats.ocr.document import ocr_pdf_page


def page_cost(pdf: Path, limit: int, warm: bool = False) -> list[float]:
    doc = pdfium.PdfDocument(pdf.read_bytes())
    out = []
    try:
        for i in range(min(len(doc), limit)):
            page = doc[i]
            if warm:  # read once off the clock: onnxruntime's first run of each input shape
                ocr_pdf_page(page, i, [])
            t = time.process_time()
            ocr_pdf_page(page, i, [])
            out.append(time.process_time() - t)
            page.close()
    finally:
        doc.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scans", type=Path)
    ap.add_argument("--pages", type=int, default=6, help="pages per resolution")
    ap.add_argument("--warm", action="store_true",
                    help="read each page once before timing it (the steady cost of a worker that has "
                         "seen the recogniser's input shapes already)")
    a = ap.parse_args(argv)
    engine.engine()  # models loaded before the clock
    for sub in sorted(a.scans.glob("scan*")):
        costs: list[float] = []
        for pdf in sorted(sub.glob("*.pdf")):
            costs += page_cost(pdf, a.pages - len(costs), a.warm)
            if len(costs) >= a.pages:
                break
        if costs:
            print(f"{sub.name}: {len(costs)} pages, CPU {sum(costs) / len(costs):.2f} s/page "
                  f"(min {min(costs):.2f}, max {max(costs):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
