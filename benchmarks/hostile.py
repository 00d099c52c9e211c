"""Hostile input for every reader: the time and peak memory of each case (issue #16).

    python -m benchmarks.hostile [--scale N] [--only NAME ...]

Each case is a document built to make a reader, or a stage after it, run away: long digit
runs (bare and inside a report), very long lines, runs of blanks and of Chinese numerals,
deep nesting, many tiny cells, a 200 MB text file. Every case runs in a fresh process
(`process_bytes` with the default settings, so in the sandbox worker) that reports its wall
time, the report's status, how far the process's own peak memory rose above what it had
before the document, and the sandbox worker's peak. `--scale` multiplies every size (the
big text file and the nesting depths excepted); tests/test_hostile_readers.py runs the
same cases at scale 1 and asserts bounds on them.

Before #16 (one process, no sandbox outside PDF, backtracking regexes): a 40 KB file of
digits took 64 s, a report with one 100,000-digit run 348 s, a 200 MB text file peaked at
7.1 GB in the parent process.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIGITS = 100_000  # the digit run of the issue (348 s in narrative.py before)
LONG_LINE_CHARS = 200_000  # one line of 200,000 characters (600 KB of UTF-8)
BLANKS = 100_000  # a run of blanks or of Chinese numerals after a heading or a label
NESTING = 10_000  # HTML elements nested this deep
DOCX_NESTING = 60  # docx tables nested this deep: 3 XML levels each, under libxml2's depth limit of 256
DOCX_NESTING_REFUSED = 5_000  # and far past it
TINY_CELLS = 20_000  # cells of one digit each
UNCLOSED_METAS = 2_000  # "<meta " without its ">": 12 KB (the charset scan reads the first 64 KB)
BIG_TEXT_MB = 200  # the big text file (the input cap is 200 MB)
DEFAULT_SCALE = 5  # the benchmark's sizes: five times the tests' (500,000 digits, 1 M-character lines)

_REPORT_HEAD = "测试区测试局2022年政府信息公开工作年度报告\n一、总体情况\n"


def _report(narrative: str) -> bytes:
    """A complete tab-split report (tests/reportgen.py) with `narrative` in its first part."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from reportgen import consistent_values, tab_split_report
    finally:
        sys.path.pop(0)
    return tab_split_report(consistent_values(), narrative=narrative).encode()


# ---- documents of each format ---------------------------------------------------------

def html_page(body: str, head: str = "") -> bytes:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
       'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       'wordprocessingml.document.main+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
         'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
         'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def docx_package(body_xml: str) -> bytes:
    """A minimal .docx whose body is `body_xml` (WordprocessingML, prefix w:)."""
    doc = f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>{body_xml}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", doc)
    return buf.getvalue()


def w_par(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_nested_tables(depth: int) -> bytes:
    inner = w_par("1")
    for _ in range(depth):
        inner = f"<w:tbl><w:tr><w:tc>{inner}</w:tc></w:tr></w:tbl>{w_par('')}"
    return docx_package(inner)


def docx_grid(rows: int, cols: int) -> bytes:
    row = "<w:tr>" + f"<w:tc>{w_par('1')}</w:tc>" * cols + "</w:tr>"
    return docx_package("<w:tbl>" + row * rows + "</w:tbl>")


def pdf_document(stream: bytes) -> bytes:
    """A one-page PDF drawing `stream` (a content stream) with Helvetica as /F1."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
            b"/Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)


def pdf_line(text: str) -> bytes:
    return pdf_document(b"BT /F1 10 Tf 40 800 Td (" + text.encode("latin-1") + b") Tj ET")


def pdf_grid(n: int) -> bytes:
    """`n` one-digit text objects on a grid (tiny cells)."""
    cols = 100
    parts = [b"BT /F1 3 Tf"]
    for i in range(n):
        parts.append(b"1 0 0 1 %d %d Tm (1) Tj" % (20 + 5 * (i % cols), 820 - 4 * (i // cols) % 800))
    parts.append(b"ET")
    return pdf_document(b"\n".join(parts))


# ---- the cases --------------------------------------------------------------------------
# name -> builder(scale) -> (bytes, file name)
CASES: dict[str, Callable[[int], tuple[bytes, str]]] = {
    "txt-digits-40KB": lambda k: (b"1" * 40_000 * k, "digits.txt"),
    "txt-digit-run": lambda k: (b"1" * DIGITS * k, "run.txt"),
    "txt-report-digit-run": lambda k: (_report("本年度办理人大代表建议" + "1" * DIGITS * k + "件建议，政协提案"
                                               + "2" * DIGITS * k + "件。"), "report.txt"),
    "txt-comma-digit-run": lambda k: (_report("人大代表建议" + "1,," * (DIGITS * k // 3) + "件建议"), "commas.txt"),
    "txt-long-line": lambda k: (("政府信息公开申请" * (LONG_LINE_CHARS * k // 8)).encode(), "line.txt"),
    "txt-blank-runs": lambda k: ((_REPORT_HEAD + "二、主动公开政府信息情况 规章 " + " " * BLANKS * k
                                  + "x\n四、政府信息公开行政复议、行政诉讼情况" + " " * BLANKS * k + "x\n危及"
                                  + " " * BLANKS * k + "x").encode(), "blanks.txt"),
    "txt-numeral-run": lambda k: ((_REPORT_HEAD + "二、主动公开政府信息情况" + "一" * BLANKS * k
                                   + "\n三、收到和处理政府信息公开申请情况" + "十" * BLANKS * k).encode(), "numerals.txt"),
    "txt-unclosed-bookmarks": lambda k: (b"[bookmark:" * (BLANKS * k // 5), "bookmarks.txt"),
    "txt-tiny-cells": lambda k: (("\t".join("1" * 100) + "\n").encode() * (TINY_CELLS * k // 100), "cells.txt"),
    "html-digit-run": lambda k: (html_page("<p>人大代表建议" + "1" * DIGITS * k + "件建议</p>"), "run.html"),
    "html-long-line": lambda k: (html_page("<p>" + "政府信息公开申请" * (LONG_LINE_CHARS * k // 8) + "</p>"), "line.html"),
    "html-nested-divs": lambda k: (html_page("<div>" * NESTING + "1" + "</div>" * NESTING), "divs.html"),
    "html-nested-tables": lambda k: (html_page("<table><tr><td>" * NESTING + "1"
                                               + "</td></tr></table>" * NESTING), "tables.html"),
    "html-tiny-cells": lambda k: (html_page("<table>" + ("<tr>" + "<td>1</td>" * 100 + "</tr>")
                                            * (TINY_CELLS * k // 100) + "</table>"), "cells.html"),
    # before any charset declaration, within the 64 KB the charset scan reads
    "html-unclosed-metas": lambda k: (b"<html><head><title>1</title>" + b"<meta " * UNCLOSED_METAS * k
                                      + b"</head><body></body></html>", "metas.html"),
    "docx-digit-run": lambda k: (docx_package(w_par("人大代表建议" + "1" * DIGITS * k + "件建议")), "run.docx"),
    "docx-long-paragraph": lambda k: (docx_package(w_par("政府信息公开申请" * (LONG_LINE_CHARS * k // 8))), "line.docx"),
    "docx-nested-tables": lambda k: (docx_nested_tables(DOCX_NESTING), "nested.docx"),
    "docx-nested-tables-refused": lambda k: (docx_nested_tables(DOCX_NESTING_REFUSED), "deep.docx"),
    "docx-tiny-cells": lambda k: (docx_grid(TINY_CELLS * k // 100, 100), "cells.docx"),
    "pdf-digit-run": lambda k: (pdf_line("1" * DIGITS * k), "run.pdf"),
    "pdf-blank-line": lambda k: (pdf_line("1" + " " * BLANKS * k + "x"), "blanks.pdf"),
    "pdf-tiny-cells": lambda k: (pdf_grid(TINY_CELLS * k // 10), "cells.pdf"),
}
BIG_CASE = "txt-200MB"  # built in the measuring process: 200 MB is not passed around


def big_text(mb: int = BIG_TEXT_MB) -> bytes:
    """`mb` MB of report-like text lines."""
    line = "本年度共收到政府信息公开申请12件，办理人大代表建议3件。\n".encode()
    return line * (mb * 1024 * 1024 // len(line))


# ---- measuring ---------------------------------------------------------------------------

_MEASURE = """
import json, resource, sys, time
from benchmarks.hostile import BIG_CASE, CASES, big_text, peak_rss_reset, peak_rss
from extractors import sandbox
from extractors.pipeline import process_bytes, warm
name, scale = sys.argv[1], int(sys.argv[2])
data, fname = (big_text(), "big.txt") if name == BIG_CASE else CASES[name](scale)
warm()
process_bytes(b"warm", "warm.txt")  # start the worker before measuring
base = peak_rss_reset()
t = time.perf_counter()
rep = process_bytes(data, fname).report
dt = time.perf_counter() - t
jump = peak_rss() - base
sandbox.close_workers()  # reap the worker, so its peak counts as a child's
print(json.dumps({"case": name, "bytes": len(data), "seconds": dt, "status": rep["status"],
                  "error": (rep["error"] or "")[:100], "parent_jump_mb": jump / 2**20,
                  "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def peak_rss_reset() -> int:
    """Reset this process's peak resident size to its current one (Linux); that size in bytes."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return peak_rss()


def peak_rss() -> int:
    """This process's peak resident size (VmHWM) in bytes."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def measure(name: str, scale: int) -> dict:
    """Run one case in a fresh process; its figures."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, name, str(scale)], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=DEFAULT_SCALE,
                    help=f"multiply every size by this (default {DEFAULT_SCALE}; the tests run scale 1)")
    ap.add_argument("--only", nargs="*", help="run only these cases")
    args = ap.parse_args(argv)
    names = args.only or [*CASES, BIG_CASE]
    print(f"{'case':30} {'MB':>7} {'seconds':>8} {'parent +MB':>10} {'worker MB':>9}  status")
    for name in names:
        r = measure(name, args.scale)
        print(f"{name:30} {r['bytes'] / 2**20:7.1f} {r['seconds']:8.2f} {r['parent_jump_mb']:10.0f} "
              f"{r['worker_peak_mb']:9.0f}  {r['status']} {r['error'] if r['status'] == 'too_large' else ''}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
