"""In-process throughput of the pipeline per format, and where its time goes.

    python -m benchmarks.profile_inprocess                       # docs/s per format
    python -m benchmarks.profile_inprocess --formats txt html    # some formats only
    python -m benchmarks.profile_inprocess --profile txt         # cProfile of txt's fresh pass

Runs `extractors.pipeline.process_path` over every file of each format folder of the
corpus (default /tmp/base/corpus, the frozen benchmark corpus; any folder laid out as
``<fmt>/*.<fmt>`` works, e.g. one written by `python -m benchmarks.corpus`), in this one
process: no Prefect, no dataset commit. Per format:

* a warm-up builds the label matcher and loads jieba and OpenCC (what a worker loads
  once), then reads the first `--warmup` documents (the readers' libraries);
* `fresh`: one pass over the other documents, each read for the first time in this
  process, as in a real run (caches keyed on what repeats across documents, labels and
  cell texts, are warm; nothing keyed on a document's own content can hit);
* `best`: the best of `--repeat` passes over all the documents (the machine may be shared;
  the best pass is the least disturbed). It repeats documents, so it flatters any cache
  keyed on a document's own content: compare it with `fresh`.

Rates are documents per CPU second of this process and its children (PDF sandboxes), the
per-core figure; the wall-clock rate follows in brackets. PDFs go through the sandbox the
default settings name; `--no-sandbox` reads them in this process.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import time
from pathlib import Path

from extractors.pipeline import process_path
from extractors.settings import DEFAULT, Settings

FORMATS = ("txt", "html", "docx", "pdf")
DEFAULT_CORPUS = Path("/tmp/base/corpus")
# Timed passes over all documents; the best is reported. 3: enough to see past a
# neighbour's burst on a shared machine without making the run long.
REPEAT = 3
# Documents read before timing (loads the matcher, jieba, OpenCC, the readers' libraries).
# 5: the first document pays the loading; a few more settle the label caches.
WARMUP = 5
# Entries printed from a profile, by cumulative time.
PROFILE_LINES = 40


def warm_process() -> None:
    """Load what a worker loads once: the matcher's indexes, jieba's dictionary, OpenCC."""
    from extractors.labels.matching import _jieba, matcher
    from extractors.labels.normalize import to_simplified

    matcher("fuzzy")
    _jieba()
    to_simplified("預熱")


def files_of(corpus: Path, fmt: str) -> list[Path]:
    """The corpus's documents of one format, in name order."""
    return sorted((corpus / fmt).glob(f"*.{fmt}"))


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (user + system), to the
    microsecond (`os.times` counts clock ticks of 10 ms, too coarse for a short pass)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_pass(files: list[Path], root: Path, settings: Settings) -> tuple[float, float]:
    """(CPU seconds, wall seconds) to run the pipeline over `files` once."""
    cpu, wall = cpu_seconds(), time.perf_counter()
    for path in files:
        process_path(path, root, settings=settings)
    return cpu_seconds() - cpu, time.perf_counter() - wall


def measure(files: list[Path], root: Path, settings: Settings, repeat: int, warmup: int) -> dict:
    """Warm-up, one fresh pass, then the best of `repeat` passes (see the module docstring)."""
    one_pass(files[:warmup], root, settings)
    fresh_files = files[warmup:] or files
    fresh = one_pass(fresh_files, root, settings)
    best = min((one_pass(files, root, settings) for _ in range(repeat)), key=lambda t: t[0])
    return {"docs": len(files), "fresh": (len(fresh_files) / fresh[0], len(fresh_files) / fresh[1]),
            "best": (len(files) / best[0], len(files) / best[1])}


def profile(files: list[Path], root: Path, settings: Settings, warmup: int, lines: int) -> str:
    """cProfile of the fresh pass (after the warm-up), the top entries by cumulative time."""
    one_pass(files[:warmup], root, settings)
    prof = cProfile.Profile()
    prof.enable()
    one_pass(files[warmup:] or files, root, settings)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder with <fmt>/*.<fmt> documents")
    ap.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    ap.add_argument("--repeat", type=int, default=REPEAT, help="timed passes over all documents (best reported)")
    ap.add_argument("--warmup", type=int, default=WARMUP, help="documents read before timing")
    ap.add_argument("--profile", choices=FORMATS, help="print a cProfile of this format's fresh pass instead")
    ap.add_argument("--lines", type=int, default=PROFILE_LINES, help="profile entries printed")
    ap.add_argument("--no-sandbox", action="store_true", help="read PDFs in this process")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"Error: --corpus {args.corpus} is not a folder; pass one laid out as <fmt>/*.<fmt>", file=sys.stderr)
        return 2
    settings = Settings(sandboxed_formats=()) if args.no_sandbox else DEFAULT
    warm_process()
    if args.profile:
        print(profile(files_of(args.corpus, args.profile), args.corpus, settings, args.warmup, args.lines))
        return 0
    print(f"{'format':<6} {'docs':>5}  {'fresh docs/s (wall)':>20}  {'best docs/s (wall)':>20}")
    for fmt in args.formats:
        files = files_of(args.corpus, fmt)
        if not files:
            print(f"{fmt:<6} {0:>5}  {'-':>20}  {'-':>20}")
            continue
        m = measure(files, args.corpus, settings, args.repeat, args.warmup)
        cells = [f"{cpu:8.1f} ({wall:7.1f})" for cpu, wall in (m["fresh"], m["best"])]
        print(f"{fmt:<6} {m['docs']:>5}  {cells[0]:>20}  {cells[1]:>20}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
