"""The benchmark: what the code does in one process against the bare libraries, and what an
operator waits for through the real flow (`ogi extract`), in one run, with ratios and every
target of issue #19 as a row. Not part of the tests.

    .venv/bin/python -m benchmarks.bench            # writes benchmarks/RESULTS.md (run it on an idle machine)
    .venv/bin/python -m benchmarks.bench --quick    # a smoke run of a few minutes; writes under --work

What it measures, on generated corpora (`benchmarks.corpus`): one folder per format, large
enough that through the flow the work stands well above the start-up's noise (txt at the
target's 1,000/s needs thousands of documents for seconds of work), and a mixed folder of
over 1,000 documents linked from them (MIXED_PER_FORMAT of each format, PDFs included):

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
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import bench_report as report
from benchmarks.bench_measure import load_average, machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
# Hand-written: why the missed targets are missed and what was done; appended to the report.
NOTES = ROOT / "benchmarks" / "SPEED-NOTES.md"
SEED = 8
# Documents per format. Full run: 2,000 txt/html/docx (at the targets' 400-1,000/s per core
# that is 2-5 s of work beyond a start-up whose CPU varies by tenths of a second on an idle
# machine); 260 PDFs (LibreOffice renders one in about a second). Smoke run: a handful.
PER_FORMAT = {"txt": 2000, "html": 2000, "docx": 2000, "pdf": 260}
PER_FORMAT_QUICK = {"txt": 100, "html": 100, "docx": 100, "pdf": 16}
# Documents of each format in the mixed folder: 4 x 260 = 1,040, over the 1,000 even
# if a few PDF conversions fail; the smoke run's 64 are above flows.runtime's PARALLEL_MIN_DOCS
# (50), so its 2-worker run does fork workers.
MIXED_PER_FORMAT = 260
MIXED_PER_FORMAT_QUICK = 16
# Repeats of each start-up measurement: the median is subtracted from every flow figure and
# the spread tells which figures stand above the noise.
STARTUP_REPEAT = 3
STARTUP_REPEAT_QUICK = 2


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def format_folders(work: Path, sizes: dict[str, int]) -> dict[str, tuple[Path, list[Path]]]:
    """Per format: (folder, its documents), generated once and reused while the folder's
    gold.jsonl exists; PDF only where LibreOffice can render it."""
    from benchmarks.corpus import generate

    out = {}
    for fmt, n in sizes.items():
        if fmt == "pdf" and not shutil.which("soffice"):
            log("no soffice (LibreOffice): PDFs are not generated, so not measured")
            continue
        dest = work / f"{fmt}-{n}"
        if not (dest / "gold.jsonl").exists():
            log(f"generating {n} {fmt} documents into {dest}" + (" (about a second each)" if fmt == "pdf" else ""))
            generate(dest, n, SEED, (fmt,), log=lambda *a, **k: None)
        gold = [json.loads(ln) for ln in (dest / "gold.jsonl").read_text(encoding="utf-8").splitlines() if ln]
        out[fmt] = (dest, sorted(dest / g["path"] for g in gold))
    return out


def mixed_folder(dest: Path, folders: dict[str, tuple[Path, list[Path]]], per_format: int) -> int:
    """The first `per_format` documents of every format, hard-linked (else copied) into
    `dest/<format>/`; returns how many."""
    shutil.rmtree(dest, ignore_errors=True)
    n = 0
    for fmt, (_, files) in folders.items():
        (dest / fmt).mkdir(parents=True)
        for f in files[:per_format]:
            try:
                os.link(f, dest / fmt / f.name)
            except OSError:
                shutil.copy2(f, dest / fmt / f.name)
            n += 1
    return n


def inproc_measurements(folders: dict[str, tuple[Path, list[Path]]]) -> dict:
    """Section 1 of the module docstring, in this process."""
    from benchmarks import bench_inproc as inproc
    from extractors.settings import Settings

    inproc.warm_process()
    for root, files in folders.values():
        inproc.extraction(files[:1], root)  # one untimed document per format
    out: dict = {"formats": {}}
    everything = []
    for fmt, (root, files) in folders.items():
        log(f"in process: {fmt}, {len(files)} documents")
        results, t = inproc.extraction(files, root)
        everything += results
        out["formats"][fmt] = {"docs": len(files), "extract": t, "bare": inproc.bare(fmt, files)}
    if "pdf" in folders:
        root, pdfs = folders["pdf"]
        pdf = out["formats"]["pdf"]
        pdf["reader"] = inproc.pdf_reader(pdfs)
        pdf["in_process"] = inproc.extraction(pdfs, root, Settings(sandboxed_formats=()))[1]
        pdf["state"] = inproc.pdf_process_state(ROOT / "tests" / "fixtures" / "real" / "hongze-2024.pdf")
    out["stage"], out["commit"] = inproc.dataset_write(everything)
    out["written"] = len(everything)
    return out


def write_report(path: Path, quick: bool, inproc: dict, flows: dict, n_mixed: int, loads: tuple[str, str]) -> str:
    """The Markdown report, written to `path`; returns it."""
    sizes = ", ".join(f"{r['docs']} {fmt}" for fmt, r in inproc["formats"].items())
    lines = [
        "# Benchmarks\n",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; load average {loads[0]} before, "
        f"{loads[1]} after{' (--quick: a smoke run, not the figures of record)' if quick else ''}.",
        f"Corpora generated by `benchmarks.corpus` (seed {SEED}): one folder per format ({sizes}) and a mixed "
        f"folder of {n_mixed} documents linked from them.",
        "Reproduce: `.venv/bin/python -m benchmarks.bench` on an idle machine (`--quick` for a smoke run).\n",
    ]
    lines += report.target_lines(flows, inproc, n_mixed)
    lines += report.inproc_lines(inproc)
    lines += report.pdf_lines(inproc, flows)
    lines += report.startup_lines(flows)
    lines += report.flow_format_lines(flows, inproc)
    lines += report.mixed_lines(flows, n_mixed)
    lines += report.incremental_lines(flows, n_mixed)
    if NOTES.exists():
        lines += ["", NOTES.read_text(encoding="utf-8")]
    text = "\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run: a handful of documents per format")
    ap.add_argument("--work", default=str(ROOT / "benchmarks" / "out"), help="where corpora and runs go")
    ap.add_argument("--out", help="Markdown report to write (default: benchmarks/RESULTS.md; with --quick, "
                                  "WORK/RESULTS-quick.md, so a smoke run never replaces the figures of record)")
    args = ap.parse_args(argv)
    work = Path(args.work).resolve()
    out = Path(args.out) if args.out else (work / "RESULTS-quick.md" if args.quick else RESULTS)
    loads = [load_average()]
    folders = format_folders(work, PER_FORMAT_QUICK if args.quick else PER_FORMAT)
    mixed = work / "mixed"
    n_mixed = mixed_folder(mixed, folders, MIXED_PER_FORMAT_QUICK if args.quick else MIXED_PER_FORMAT)
    inproc = inproc_measurements(folders)
    from benchmarks.bench_flow import flow_runs

    log("the real flow (each run pays Prefect's start-up)")
    flows = flow_runs({fmt: folder for fmt, (folder, _) in folders.items()}, mixed, work / "flow-runs",
                      STARTUP_REPEAT_QUICK if args.quick else STARTUP_REPEAT)
    loads.append(load_average())
    print(write_report(out, args.quick, inproc, flows, n_mixed, (loads[0], loads[1])))
    log(f"report written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
