"""The benchmark: what the code does in one process against the bare libraries, and what an
operator waits for through the real flow (`ogi extract`), in one run, with ratios and every
target of issue #19 as a row. Not part of the tests.

    .venv/bin/python -m benchmarks.bench            # writes benchmarks/RESULTS.md (run it on an idle machine)
    .venv/bin/python -m benchmarks.bench --quick    # a smoke run of a few minutes; writes under --work

What it measures, on one generated corpus (`benchmarks.corpus`, PER_FORMAT documents of each
of txt, html, docx, pdf, round-robin, so the whole folder is the mixed folder):

1. in one warm process, per format: `process_path` over every file, extraction only; the
   dataset's staging and commit of all those results, each timed on its own; the bare
   libraries on the same files (text decode, lxml parse, python-docx `Document()`,
   pypdfium2 text, pdfplumber `extract_words`, and pdfplumber `extract_tables()` alone,
   what a user would pick instead of the PDF pipeline; camelot is not installed);
   the PDF reader's per-process state (a child forked cold, or after `pdf.warm()`);
2. the real flow, `python -m flows.cli extract` in a subprocess, every process it starts
   counted (`bench_measure`): Prefect's own start-up (a no-op flow) and ours (an empty
   folder), each format's folder at `--workers 1`, the mixed folder at 1 and 2 workers,
   the unchanged re-run and one new document; then the same start-up and incremental
   runs against a Prefect server started for the purpose (`prefect server start` on
   127.0.0.1 with a temporary PREFECT_HOME, stopped afterwards);
3. the targets: measured, goal, met or missed by how much.

Every figure is measured on this machine when the command runs; the report records the
machine, the date and the load average before and after (figures from a busy machine are
not comparable).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import bench_report as report
from benchmarks.bench_measure import load_average, machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SEED = 8
# Documents per format: hundreds in the full run (4 x 260 = 1,040 in the mixed folder, over
# the 1,000 even if a few PDF conversions fail); 20 for the smoke run.
PER_FORMAT = 260
PER_FORMAT_QUICK = 20
# Repeats of each start-up measurement (the fastest is kept): it is subtracted from every
# flow figure, so it is worth measuring twice.
STARTUP_REPEAT = 2
STARTUP_REPEAT_QUICK = 1


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def generate_corpus(dest: Path, per_format: int) -> tuple[list[str], list[dict]]:
    """The corpus (generated once, reused while its gold.jsonl exists) and its formats; PDF
    only where LibreOffice can render it."""
    from benchmarks.corpus import generate

    formats = ["txt", "docx", "html", "pdf"] if shutil.which("soffice") else ["txt", "docx", "html"]
    if not (dest / "gold.jsonl").exists():
        log(f"generating {per_format * len(formats)} documents into {dest} (PDFs take ~1 s each)")
        generate(dest, per_format * len(formats), SEED, tuple(formats), log=lambda *a, **k: None)
    gold = [json.loads(line) for line in (dest / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return sorted({g["format"] for g in gold}), gold


def inproc_measurements(corpus: Path, by_fmt: dict[str, list[Path]]) -> dict:
    """Section 1 of the module docstring, in this process."""
    from benchmarks import bench_inproc as inproc
    from extractors.settings import Settings

    inproc.warm_process()
    for files in by_fmt.values():
        inproc.extraction(files[:1], corpus)  # one untimed document per format
    out: dict = {"formats": {}}
    everything = []
    for fmt, files in by_fmt.items():
        log(f"in process: {fmt}, {len(files)} documents")
        results, t = inproc.extraction(files, corpus)
        everything += results
        out["formats"][fmt] = {"docs": len(files), "extract": t, "bare": inproc.bare(fmt, files)}
    if "pdf" in by_fmt:
        pdfs = by_fmt["pdf"]
        pdf = out["formats"]["pdf"]
        pdf["reader"] = inproc.pdf_reader(pdfs)
        pdf["in_process"] = inproc.extraction(pdfs, corpus, Settings(sandboxed_formats=()))[1]
        pdf["state"] = inproc.pdf_process_state(ROOT / "tests" / "fixtures" / "real" / "hongze-2024.pdf")
    out["stage"], out["commit"] = inproc.dataset_write(everything)
    out["written"] = len(everything)
    return out


def write_report(path: Path, quick: bool, corpus: Path, inproc: dict, flows: dict, loads: tuple[str, str]) -> str:
    """The Markdown report, written to `path`; returns it."""
    n_mixed = sum(r["docs"] for r in inproc["formats"].values())
    pdf_run = flows["embedded"]["formats"].get("pdf")
    flow_pdf = report.beyond(pdf_run.timing, flows["embedded"]["empty"].timing) if pdf_run else None
    lines = [
        "# Benchmarks\n",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; load average {loads[0]} before, "
        f"{loads[1]} after{' (--quick: a smoke run, not the figures of record)' if quick else ''}.",
        f"Corpus: {n_mixed} generated documents (`benchmarks.corpus`, seed {SEED}) in {corpus.name}/.",
        "Reproduce: `.venv/bin/python -m benchmarks.bench` on an idle machine (`--quick` for a smoke run).\n",
    ]
    lines += report.target_lines(flows, inproc, n_mixed)
    lines += report.inproc_lines(inproc)
    lines += report.pdf_lines(inproc, flow_pdf)
    lines += report.startup_lines(flows)
    lines += report.flow_format_lines(flows, inproc)
    lines += report.mixed_lines(flows, n_mixed)
    lines += report.incremental_lines(flows, n_mixed)
    text = "\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"{PER_FORMAT_QUICK} documents per format instead of {PER_FORMAT}: a smoke run")
    ap.add_argument("--work", default=str(ROOT / "benchmarks" / "out"), help="where corpora and runs go")
    ap.add_argument("--out", help="Markdown report to write (default: benchmarks/RESULTS.md; with --quick, "
                                  "WORK/RESULTS-quick.md, so a smoke run never replaces the figures of record)")
    args = ap.parse_args(argv)
    work = Path(args.work).resolve()
    per_format = PER_FORMAT_QUICK if args.quick else PER_FORMAT
    out = Path(args.out) if args.out else (work / "RESULTS-quick.md" if args.quick else RESULTS)
    loads = [load_average()]
    corpus = work / f"corpus-{per_format}"
    formats, gold = generate_corpus(corpus, per_format)
    by_fmt = {fmt: sorted(corpus / g["path"] for g in gold if g["format"] == fmt) for fmt in formats}
    inproc = inproc_measurements(corpus, by_fmt)
    from benchmarks.bench_flow import flow_runs

    log("the real flow (each run pays Prefect's start-up)")
    flows = flow_runs(corpus, formats, work / "flow-runs",
                      STARTUP_REPEAT_QUICK if args.quick else STARTUP_REPEAT)
    loads.append(load_average())
    print(write_report(out, args.quick, corpus, inproc, flows, (loads[0], loads[1])))
    log(f"report written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
